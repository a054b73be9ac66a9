"""Shared fixtures: the real CLI in a subprocess, manifests written to tmp_path, a fixed clock."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HISTORY = Path(tempfile.mkdtemp(prefix="readiness-test-history-")) / "history.sqlite"
"""Where CLI runs in tests record their history unless a test says otherwise: never in the repo."""


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 180) -> Run:
    """Run `python -m readiness ARGS` as a user would, and capture everything."""
    full_env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1", "READINESS_HISTORY": str(HISTORY), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "readiness", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def invoke(*args: str, env: dict[str, str] | None = None) -> Run:
    """Run the CLI in this process, through ``readiness.cli.main`` as the console script does (exit
    codes, error format, redaction), capturing what it prints: for tests about one command's behaviour,
    where a fresh interpreter per call (``run_cli``) would only add start-up time."""
    import contextlib
    import io

    from readiness.cli import main

    out, err = io.StringIO(), io.StringIO()
    extra = {"COLUMNS": "160", "NO_COLOR": "1", "READINESS_HISTORY": str(HISTORY), **(env or {})}
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def write(tmp_path):
    """Write a dedented text file under tmp_path and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


READY_MANIFEST = """
apiVersion: readiness/v1
model:
  id: tiny
  name: Tiny scorer
  version: 1.0.0
  risk_tier: low
  intended_purpose: Score things for a test.
  decision_effect: advisory
  endpoint:
    kind: python
    callable: tinymodel:predict
owners:
  production_owner: {name: Marta Keller, email: marta.keller@bank.example}
  on_call: {rotation: pagerduty:tiny, members: [Marta Keller, Jonas Weber]}
  escalation:
    - {level: 1, contact: tiny on-call}
    - {level: 2, contact: Marta Keller}
  poc_team: [Priya Raman]
  attested_by: Marta Keller
  attested_on: 2026-10-01
"""

TINY_MODEL = "def predict(row):\n    return {'score': 0.5}\n"


@pytest.fixture
def ready_manifest(write):
    """A small manifest that is READY under a profile that needs only what it has."""
    write("tinymodel.py", TINY_MODEL)
    write(
        "profile.yaml",
        """
        name: tiny
        extends: default
        pass_score: 60
        select: [MAN-*, OWN-*, SRV-*]
        checks:
          MAN-001:
            params:
              required_sections: [owners]
    """,
    )
    return write("readiness.yaml", READY_MANIFEST)


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return False
