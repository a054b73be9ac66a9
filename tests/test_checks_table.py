"""Table-driven cases for the manifest-only checks (tests/data/checks/*.yaml)."""

from __future__ import annotations

import pytest
import yaml
from support import DATA, NOW

from readiness.check import CheckContext
from readiness.manifest import load_manifest
from readiness.registry import load_registry
from readiness.resources import Resources

CASES = [case for f in sorted((DATA / "checks").glob("*.yaml")) for case in yaml.safe_load(f.read_text())]
REGISTRY = load_registry(plugins=False)


def merged(fragment: dict) -> dict:
    base = {"model": {"id": "m", "name": "M", "version": "1.0.0"}}
    for key, value in fragment.items():
        base[key] = {**base[key], **value} if key == "model" else value
    return base


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case, tmp_path):
    path = tmp_path / "readiness.yaml"
    path.write_text(yaml.safe_dump(merged(case["manifest"]), sort_keys=False))
    loaded = load_manifest(path, env={})
    check = REGISTRY.get(case["check"]).check
    params = {k: p.default for k, p in check.params.items()} | case.get("params", {})
    ctx = CheckContext(loaded=loaded, params=params, now=NOW, resources=Resources(loaded))
    result = check().run(ctx)
    assert result.status.value == case["status"], result
    if "finding" in case:
        assert result.findings and case["finding"] in result.findings[0].message, result.findings
    for finding in result.findings:
        assert finding.location is None or finding.location.line is not None
