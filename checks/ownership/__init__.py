"""The ownership checks."""
