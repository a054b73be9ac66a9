"""The change management checks."""
