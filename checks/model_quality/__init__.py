"""The model quality checks."""
