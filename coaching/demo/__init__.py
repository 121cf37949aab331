"""The demo practice that ``make run`` seeds."""
