"""The behaviour checks."""
