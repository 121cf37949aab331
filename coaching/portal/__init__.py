"""The clients' web portal: pages and forms for phones."""
