"""The YAML case tables in tests/cases/ (readiness.testing.load_cases): each row a manifest snippet and
the verdict one check must reach on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from readiness.errors import ManifestError
from readiness.testing import Case, load_cases

CASES = sorted((Path(__file__).parent / "cases").glob("*.yaml"))
ALL = [case for path in CASES for case in load_cases(path)]


@pytest.mark.parametrize("case", ALL, ids=lambda c: f"{c.check}: {c.name}")
def test_case(case: Case, tmp_path):
    case.check_against(tmp_path)


def test_a_case_that_does_not_hold_says_what_differs(tmp_path):
    wrong = Case(
        name="wrong on purpose",
        check="OWN-001",
        manifest={"owners": {"production_owner": {"name": "ML Platform Team"}}},
        expect={"status": "pass", "messages": ["never said"]},
        source="here:1",
    )
    with pytest.raises(AssertionError) as err:
        wrong.check_against(tmp_path)
    text = str(err.value)
    assert "status 'fail', expected 'pass'" in text and "no finding mentions 'never said'" in text
    assert "here:1" in text


def test_a_malformed_case_table_names_its_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("check: OWN-001\ncases:\n  - name: fine\n    expect: {status: pass}\n  - name: no expectation\n")
    with pytest.raises(ManifestError) as err:
        load_cases(bad)
    assert err.value.line == 5 and "cases[1]" in str(err.value)


def test_repeated_case_names_are_refused(tmp_path):
    bad = tmp_path / "dup.yaml"
    bad.write_text(
        "check: OWN-001\ncases:\n  - {name: same, expect: {status: pass}}\n  - {name: same, expect: {status: fail}}\n"
    )
    with pytest.raises(ManifestError, match="repeat: same"):
        load_cases(bad)


def test_an_unknown_expectation_is_a_mismatch_not_a_silent_pass(tmp_path):
    case = Case(
        name="typo",
        check="OWN-001",
        manifest={"owners": {"production_owner": {"name": "Marta Keller"}}},
        expect={"stauts": "fail"},
    )
    with pytest.raises(AssertionError, match="unknown expectation"):
        case.check_against(tmp_path)


def test_the_example_plugins_case_table_runs_with_readiness_testing(tmp_path, monkeypatch):
    """The example plugin tests itself with readiness.testing; its table must hold against its check."""
    example = Path(__file__).resolve().parent.parent / "examples" / "plugin-example"
    monkeypatch.syspath_prepend(str(example))
    from readiness_plugin_example import SemanticVersion

    cases = load_cases(example / "tests" / "cases.yaml")
    assert len(cases) >= 5
    for i, case in enumerate(cases):
        folder = tmp_path / str(i)
        folder.mkdir()
        case.check_against(folder, check=SemanticVersion)
