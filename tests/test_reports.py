"""Reporters are pure and deterministic; files are written atomically; data is never markup."""

from __future__ import annotations

import json

import pytest
from support import NOW

from readiness.api import assess
from readiness.engine import RunOptions
from readiness.errors import ReportError
from readiness.model import Assessment
from readiness.reports import json as json_report
from readiness.reports import terminal, write_atomic


@pytest.fixture
def assessment(write) -> Assessment:
    manifest = write(
        "m.yaml",
        """
        model:
          id: a
          name: "[bold red]Injected[/] [link=http://evil.example]click[/link]"
          version: '1.0.0'
        owners:
          production_owner: {name: "[blink]Team[/blink] Ops"}
    """,
    )
    return assess(manifest, options=RunOptions(now=NOW))


def test_json_round_trips_and_is_deterministic(assessment):
    first = json_report.render(assessment)
    assert json_report.render(assessment) == first
    again = Assessment.model_validate_json(first)
    assert json_report.render(again) == first
    data = json.loads(first)
    assert data["schema_version"] == "1.0" and data["tool"]["name"] == "readiness"
    assert data["manifest"]["digest"].startswith("sha256:")


def test_terminal_shows_manifest_text_literally(assessment):
    text = terminal.render(assessment).decode()
    assert "[bold red]Injected[/]" in text
    assert "[link=http://evil.example]" in text
    assert "\x1b" not in text


def test_terminal_lists_gaps_by_points(assessment):
    text = terminal.render(assessment).decode()
    assert "NOT READY" in text and f"Coverage: {len(assessment.outcomes)} checks" in text
    table = text[text.index("Gaps, by what fixing each adds") :]
    order = [g.check_id for g in assessment.gaps][: terminal.MAX_GAPS]
    assert assessment.gaps[0].blocking and assessment.gaps[0].gain == max(g.gain for g in assessment.gaps)
    positions = [table.index(check_id) for check_id in order]
    assert positions == sorted(positions)


def test_atomic_write_replaces_whole_or_not_at_all(tmp_path):
    target = tmp_path / "report.json"
    write_atomic(target, b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # fails half-way through writing
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"


def test_unwritable_output_is_a_report_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportError, match="cannot write"):
        write_atomic(blocker / "assessment.json", b"{}")
