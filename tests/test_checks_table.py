"""Table-driven cases for the manifest-only checks (tests/data/checks/*.yaml)."""

from __future__ import annotations

import json

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
    for name, content in case.get("files", {}).items():
        (tmp_path / name).write_text(
            content if isinstance(content, str) else "".join(json.dumps(r) + "\n" for r in content)
        )
    path = tmp_path / "readiness.yaml"
    path.write_text(yaml.safe_dump(merged(case["manifest"]), sort_keys=False))
    loaded = load_manifest(path, env={})
    check = REGISTRY.get(case["check"]).check
    params = {k: p.default for k, p in check.params.items()} | case.get("params", {})
    ctx = CheckContext(loaded=loaded, params=params, now=NOW, resources=Resources(loaded))
    result = check().run(ctx)
    assert result.status.value == case["status"], result
    if "finding" in case:
        messages = [f.message for f in result.findings]
        assert any(case["finding"] in m for m in messages), messages
    if "evidence" in case:
        assert result.evidence_kind.value == case["evidence"]
    for finding in result.findings:
        assert finding.location is None or finding.location.line is not None
