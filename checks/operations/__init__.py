"""The operations checks."""
