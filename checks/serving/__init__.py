"""The serving checks."""
