"""VER-001 tested the way readiness tests its own checks: a YAML case table run by readiness.testing."""

from pathlib import Path

import pytest
from readiness_plugin_example import SemanticVersion

from readiness.testing import load_cases, run_check

CASES = load_cases(Path(__file__).with_name("cases.yaml"))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_case(case, tmp_path):
    case.check_against(tmp_path, check=SemanticVersion)


def test_a_manifest_snippet_is_enough(tmp_path):
    result = run_check(
        SemanticVersion,
        {"apiVersion": "readiness/v1", "model": {"id": "m", "name": "M", "version": "2.0.0"}},
        base_dir=tmp_path,
    )
    assert result.status.value == "pass" and "2.0.0" in result.summary
