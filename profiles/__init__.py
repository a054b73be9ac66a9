"""Bundled profiles (YAML). Read with importlib.resources; see readiness.profile."""
