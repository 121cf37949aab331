"""Programs and the template library: what a trainer prescribes, and every range a dose may take."""
