"""The governance checks."""
