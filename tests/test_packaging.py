"""Start-up stays light, and the wheel installs and runs outside the repository."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest
from support import ROOT

HEAVY = ("pandas", "great_expectations", "locust", "weasyprint", "sklearn", "numpy", "gevent")


def loaded_modules(code: str) -> set[str]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "100"},
    )
    import json

    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "import readiness.cli",
        "from readiness.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
        "from readiness.cli import main\ntry:\n    main(['validate', 'examples/credit-risk/readiness.yaml'])\n"
        "except SystemExit:\n    pass",
    ],
)
def test_cli_start_imports_no_heavy_library(code):
    os.chdir(ROOT)
    modules = loaded_modules(code)
    assert not {m for m in modules if m.split(".")[0] in HEAVY}


@pytest.mark.slow
@pytest.mark.integration  # builds a wheel and a fresh environment: with the other installs, in the third run
def test_wheel_installs_in_a_clean_venv_and_runs_outside_the_repo(tmp_path):
    dist = tmp_path / "dist"
    r = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    wheel = next(dist.glob("readiness-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"readiness"}
    assert "readiness/checks/ownership/own_001_production_owner.py" in names
    assert "readiness/profiles/default.yaml" in names
    venv = tmp_path / "venv"
    # a venv without pip (ensurepip alone takes 5 s), filled by this interpreter's pip
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    r = subprocess.run(
        [str(venv / "bin" / "readiness"), "checks", "list"],
        cwd=outside,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "OWN-001" in r.stdout and "builtin" in r.stdout
    r = subprocess.run(
        [str(venv / "bin" / "readiness"), "profiles", "show", "default"],
        cwd=outside,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0 and "pass score 75" in r.stdout
    where = subprocess.run(
        [str(py), "-c", "import readiness.checks, sys; print(readiness.checks.__file__)"],
        cwd=outside,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert str(venv) in where.stdout
