"""Scoring: hand-computed rules, and golden cases so that any change to the scoring is a diff."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from support import DATA, NOW

from readiness.api import assess
from readiness.engine import RunOptions
from readiness.manifest import Waiver
from readiness.model import Attestation, CheckResult, EvidenceKind, Outcome, Status, Verdict
from readiness.profile import load_profile
from readiness.scoring import score, valid_waiver

CASES = yaml.safe_load((DATA / "scoring" / "cases.yaml").read_text())
GOLDEN = Path(__file__).parent / "golden" / "scoring.json"


def summary(case: dict) -> dict:
    base = DATA / "scoring"
    profile = case["profile"]
    profile = str(base / profile) if profile.endswith(".yaml") else profile
    a = assess(base / case["manifest"], load_profile(profile), options=RunOptions(now=NOW))
    return {
        "score": a.score,
        "verdict": a.verdict.value,
        "level": a.level,
        "next_level": a.next_level,
        "blocking_gaps": list(a.blocking_gaps),
        "coverage": a.coverage.model_dump(),
        "checks": {o.id: [o.status.value, o.effective_score, o.waived, o.stale] for o in a.outcomes},
        "gaps": [[g.check_id, g.gain] for g in a.gaps],
    }


def test_golden_scoring_cases(request):
    got = {case["name"]: summary(case) for case in CASES}
    if request.config.getoption("--update-goldens"):
        GOLDEN.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    expected = json.loads(GOLDEN.read_text())
    assert got == expected


def outcome(check_id, status, score, weight, *, blocking=False, kind=EvidenceKind.MEASURED, on=None, area="a"):
    result = CheckResult(
        status=status,
        score=score,
        summary="",
        evidence_kind=kind,
        attestation=Attestation(by="x", on=on) if on else None,
    )
    return Outcome(
        id=check_id, title=check_id, area=area, weight=weight, blocking=blocking, result=result, duration_s=0
    )


@pytest.fixture
def profile(write):
    return load_profile(
        str(
            write(
                "p.yaml",
                """
        name: p
        pass_score: 70
        attestation_max_age_days: 100
        evidence_weights: {measured: 1.0, imported: 0.8, attested: 0.5}
        levels:
          - {name: POC, requires: [AA-001]}
          - {name: PILOT, requires: [AA-001, BB-001], min_score: 60}
          - {name: PRODUCTION, requires: [AA-001, BB-001, CC-001], min_score: 80}
    """,
            )
        )
    )


def test_weighted_score_by_hand(profile):
    outcomes = [
        outcome("AA-001", Status.PASS, 100, 2),  # 2 * 100
        outcome("BB-001", Status.WARN, 50, 1, kind=EvidenceKind.IMPORTED),  # 1 * 40
        outcome("CC-001", Status.FAIL, 0, 1),  # 1 * 0
        outcome("DD-001", Status.ERROR, 0, 1),  # 1 * 0, counted
        outcome("EE-001", Status.NOT_APPLICABLE, 100, 5),  # not counted
        outcome("FF-001", Status.SKIPPED, 0, 5),  # not counted
    ]
    s = score(outcomes, profile, NOW, [])
    assert s.score == round(240 / 5, 1) == 48.0
    assert s.verdict is Verdict.NOT_READY
    assert s.level == "POC" and s.next_level == "PILOT"
    assert s.coverage.measured == 2 and s.coverage.imported == 1 and s.coverage.errored == 1
    assert s.coverage.not_applicable == 1 and s.coverage.skipped == 1
    gains = {g.check_id: g.gain for g in s.gaps}
    # a fix earns the evidence weight it would get: BB-001 is imported (0.8), so 1 * (80 - 40) / 5
    assert gains == {"CC-001": 20.0, "DD-001": 20.0, "BB-001": 8.0, "FF-001": 0.0}


def test_blocking_failure_means_not_ready_whatever_the_score(profile):
    outcomes = [outcome("AA-001", Status.PASS, 100, 100), outcome("BB-001", Status.FAIL, 0, 1, blocking=True)]
    s = score(outcomes, profile, NOW, [])
    assert s.score == 99.0
    assert s.verdict is Verdict.NOT_READY
    assert s.blocking_gaps == ("BB-001",)
    assert score(outcomes, profile, NOW, [], fail_under=0).verdict is Verdict.NOT_READY


def test_attested_evidence_earns_less_and_goes_stale(profile):
    fresh = outcome("AA-001", Status.PASS, 100, 1, kind=EvidenceKind.ATTESTED, on=date(2026, 10, 1))
    old = outcome("BB-001", Status.PASS, 100, 1, kind=EvidenceKind.ATTESTED, on=date(2026, 1, 1))
    undated = outcome("CC-001", Status.PASS, 100, 1, kind=EvidenceKind.ATTESTED)
    s = score([fresh, old, undated], profile, NOW, [])
    by_id = {o.id: o for o in s.outcomes}
    assert by_id["AA-001"].effective_score == 50.0 and not by_id["AA-001"].stale
    assert by_id["BB-001"].effective_score == 0.0 and by_id["BB-001"].stale
    assert by_id["CC-001"].stale
    assert s.coverage.attested == 1 and s.coverage.stale == 2
    assert {g.check_id for g in s.gaps} == {"BB-001", "CC-001"}


def test_waiver_rules():
    today = date(2026, 11, 22)
    ok = Waiver(
        check="AA-001",
        reason="Accepted until the pilot ends.",
        requested_by="Ana Ruiz",
        approved_by="Chief Risk Officer",
        expires=date(2027, 1, 1),
    )
    assert valid_waiver(ok, today) is None
    expired = ok.model_copy(update={"expires": date(2026, 11, 21)})
    assert "expired" in valid_waiver(expired, today)
    self_approved = ok.model_copy(update={"approved_by": " ana ruiz "})
    assert "requested it" in valid_waiver(self_approved, today)


def test_waived_blocking_failure_no_longer_blocks(profile):
    w = Waiver(
        check="BB-001",
        reason="Accepted until the pilot ends.",
        requested_by="Ana Ruiz",
        approved_by="Chief Risk Officer",
        expires=date(2027, 1, 1),
    )
    outcomes = [outcome("AA-001", Status.PASS, 100, 1), outcome("BB-001", Status.FAIL, 0, 1, blocking=True)]
    s = score(outcomes, profile, NOW, [w])
    assert s.blocking_gaps == ()
    assert s.score == 100.0 and s.verdict is Verdict.READY
    assert s.coverage.waived == 1
    assert s.level == "PILOT"  # waived counts as passing for levels
