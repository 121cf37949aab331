"""What clients log: sessions (entries, sets), morning check-ins, the symptom vocabulary."""
