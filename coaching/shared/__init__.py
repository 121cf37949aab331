"""Small helpers the coaching packages share (admin columns, the form error mapper, 404s)."""
