"""Fixtures live in support.py so that test modules can import its helpers too."""

from support import cli, ready_manifest, write  # noqa: F401


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite tests/golden/* from the current output (review the diff!).",
    )
