"""The audit checks."""
