"""The data checks."""
