"""Contracts that keep the project honest: lint, docs that cover the code, schemas that match."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
import pytest
from support import EXAMPLES, ROOT

from readiness.check import documentation
from readiness.registry import load_registry
from readiness.yamlsource import load_yaml


def test_ruff_is_clean():
    paths = ["readiness", "checks", "tests", "examples", "benchmarks"]
    r = subprocess.run([sys.executable, "-m", "ruff", "check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_format_is_applied():
    paths = ["readiness", "checks", "tests", "examples", "benchmarks"]
    r = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", *paths], cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, "run `ruff format`:\n" + r.stdout + r.stderr


def test_mypy_strict_is_clean():
    """mypy --strict with the pydantic plugin over readiness/ and checks/ (.ci/typecheck)."""
    r = subprocess.run(
        ["bash", str(ROOT / ".ci" / "typecheck")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        timeout=300,
    )
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_every_builtin_check_is_documented():
    readme = (ROOT / "README.md").read_text()
    for reg in load_registry(plugins=False):
        c = reg.check
        assert f"| {c.id} |" in readme, f"{c.id} missing from the README's check table"
        assert sys.modules[c.__module__].__doc__, f"module of {c.id} has no docstring"
        page = documentation(c)
        assert len(page) > 80, f"{c.id} has no documentation page (its class docstring)"
        assert "Example finding:" in page, f"{c.id}'s docstring gives no example finding"
        for name in c.params:
            assert f"``{name}``" in page, f"{c.id}'s docstring does not say what parameter {name} does"


def test_docs_checks_md_is_the_generated_output(tmp_path):
    out = tmp_path / "checks.md"
    r = subprocess.run(
        [sys.executable, "-m", "readiness", "checks", "docs", "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert out.read_text() == (ROOT / "docs" / "checks.md").read_text(), (
        "docs/checks.md is stale: run `readiness checks docs -o docs/checks.md`"
    )


def test_architecture_doc_names_every_core_module():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    for path in sorted((ROOT / "readiness").glob("*.py")):
        if path.name not in {"__init__.py", "__main__.py"}:
            assert f"readiness/{path.name}" in doc, f"docs/architecture.md does not mention {path.name}"


@pytest.mark.parametrize("manifest", sorted(EXAMPLES.glob("*/readiness.yaml")), ids=lambda p: p.parent.name)
def test_examples_validate_against_the_committed_schema(manifest):
    schema = json.loads((ROOT / "docs" / "manifest.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    data = json.loads(json.dumps(load_yaml(manifest).data, default=str))
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(data)]
    assert errors == []
    first = manifest.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../docs/manifest.schema.json"


def test_schema_catches_what_the_loader_catches():
    schema = json.loads((ROOT / "docs" / "manifest.schema.json").read_text())
    bad = {"model": {"id": "a", "name": "A", "version": "1", "risk_tier": "extreme"}, "owner": {}}
    messages = " ".join(e.message for e in jsonschema.Draft7Validator(schema).iter_errors(bad))
    assert "extreme" in messages and "owner" in messages
