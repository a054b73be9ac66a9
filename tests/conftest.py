"""Fixtures live in support.py so that test modules can import its helpers too."""

from support import cli, ready_manifest, write  # noqa: F401


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite tests/golden/* from the current output (review the diff!).",
    )
    parser.addoption(
        "--integration",
        action="store_true",
        help="Also run the integration tests: they build their own environments (the CI integrations as "
        "shipped, MLServer, MLflow) from the package index, a few minutes the first time.",
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--integration"):
        return
    import pytest

    skip = pytest.mark.skip(reason="builds its own environment: run `pytest --integration -m integration`")
    for item in items:
        if "integration" in item.keywords:
            item.add_marker(skip)
