"""The performance checks."""
