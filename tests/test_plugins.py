"""Plugin discovery with real installed distributions (pip install --target), good and broken."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import DATA, EXAMPLES, run_cli


def install(project: Path, target: Path) -> dict[str, str]:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(project),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    return {"PYTHONPATH": str(target)}


@pytest.fixture(scope="module")
def example_env(tmp_path_factory):
    return install(EXAMPLES / "plugin-example", tmp_path_factory.mktemp("plugin-example"))


def test_installed_plugin_is_listed_and_runs(example_env, write, tmp_path):
    r = run_cli("checks", "list", env=example_env)
    assert r.code == 0, r.err
    assert "VER-001" in r.out and "readiness-plugin-example[semver]" in r.out
    r = run_cli("checks", "explain", "VER-001", env=example_env)
    assert "allow_prerelease" in r.out
    manifest = write("m.yaml", "model: {id: a, name: A, version: final-v2}\n")
    r = run_cli("assess", str(manifest), "--only", "VER-001", "-f", "json", "-o", str(tmp_path / "o"), env=example_env)
    data = (tmp_path / "o" / "assessment.json").read_text()
    assert '"id": "VER-001"' in data and "'final-v2' is not MAJOR.MINOR.PATCH" in data


def test_plugin_that_fails_to_import_is_a_usage_error(tmp_path):
    env = install(DATA / "plugins" / "broken", tmp_path / "site")
    r = run_cli("checks", "list", env=env)
    assert r.code == 2
    assert "readiness-plugin-broken[broken]" in r.err
    assert "readiness_dependency_that_is_not_installed" in r.err
    assert "Traceback" not in r.err


def test_plugin_reusing_a_builtin_id_is_refused(tmp_path, write):
    env = install(DATA / "plugins" / "duplicate", tmp_path / "site")
    manifest = write("m.yaml", "model: {id: a, name: A, version: '1.0.0'}\n")
    r = run_cli("assess", str(manifest), env=env)
    assert r.code == 2
    assert "readiness-plugin-duplicate[owner]" in r.err
    assert "OWN-001 is already provided by builtin" in r.err
