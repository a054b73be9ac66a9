"""The third party checks."""
