"""Fixtures live in support.py so that test modules can import its helpers too."""

from support import cli, ready_manifest, write  # noqa: F401
