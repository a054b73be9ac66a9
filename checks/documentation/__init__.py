"""The documentation checks."""
