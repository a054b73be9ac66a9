"""Scoring: a pure function from outcomes, profile and waivers to the verdict. See docs/scoring.md.

Nothing here runs a check or reads a file; the same inputs always give the same score, level and
verdict, which is what makes the golden tests and an auditor's re-computation possible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from readiness.manifest import Waiver
from readiness.model import AreaScore, Coverage, EvidenceKind, Gap, Outcome, RequirementResult, Status, Verdict
from readiness.names import same_name
from readiness.profile import Profile, Requirement, matches

PASSING = frozenset({Status.PASS, Status.WARN, Status.NOT_APPLICABLE})


@dataclass(frozen=True)
class Scored:
    outcomes: tuple[Outcome, ...]
    score: float
    threshold: float
    verdict: Verdict
    level: str | None
    next_level: str | None
    blocking_gaps: tuple[str, ...]
    reasons: tuple[str, ...]
    areas: tuple[AreaScore, ...]
    coverage: Coverage
    gaps: tuple[Gap, ...]


def valid_waiver(waiver: Waiver, today: date) -> str | None:
    """Why a waiver does not count, or None when it does."""
    if waiver.expires < today:
        return f"expired on {waiver.expires.isoformat()}"
    if same_name(waiver.approved_by, waiver.requested_by):
        return "approved by the person who requested it"
    return None


def staleness(on: date | None, today: date, max_age_days: int) -> str | None:
    """Why an attestation dated ``on`` does not count (no date, in the future, too old), or None."""
    if on is None:
        return "attestation stale (no attested_on date)"
    if on > today:
        return f"attestation dated in the future ({on.isoformat()})"
    if (today - on).days > max_age_days:
        return f"attestation stale ({(today - on).days} days old; at most {max_age_days})"
    return None


def apply_evidence(outcome: Outcome, profile: Profile, now: datetime, waivers: Sequence[Waiver]) -> Outcome:
    """Attach waiver, staleness and the evidence-weighted score to one outcome."""
    result = outcome.result
    factor = getattr(profile.evidence_weights, result.evidence_kind.value)
    stale = False
    if result.evidence_kind is EvidenceKind.ATTESTED and result.status in {Status.PASS, Status.WARN}:
        on = result.attestation.on if result.attestation else None
        if staleness(on, now.date(), profile.attestation_max_age_days):
            stale = True
            factor = 0.0
    effective = (
        round(result.score * factor, 4)
        if result.status in {Status.PASS, Status.WARN, Status.FAIL}
        else (0.0 if result.status is Status.ERROR else None)
    )
    waived, waiver_info = False, None
    for waiver in waivers:
        if waiver.check != outcome.id:
            continue
        problem = valid_waiver(waiver, now.date())
        waiver_info = {**waiver.model_dump(mode="json"), "valid": problem is None, "problem": problem}
        if problem is None and result.status not in PASSING:
            waived = True
            break
    return outcome.model_copy(
        update={"stale": stale, "effective_score": effective, "waived": waived, "waiver": waiver_info}
    )


def weighted(outcomes: Sequence[Outcome]) -> float | None:
    counted = [o for o in outcomes if o.counted and o.weight > 0]
    total = sum(o.weight for o in counted)
    if total == 0:
        return None
    return sum(o.weight * (o.effective_score or 0.0) for o in counted) / total


def score(
    outcomes: Sequence[Outcome],
    profile: Profile,
    now: datetime,
    waivers: Sequence[Waiver],
    fail_under: float | None = None,
) -> Scored:
    """Everything the verdict needs, computed from the outcomes alone."""
    outcomes = tuple(apply_evidence(o, profile, now, waivers) for o in outcomes)
    overall = weighted(outcomes)
    overall = round(overall, 1) if overall is not None else 0.0
    threshold = profile.pass_score if fail_under is None else fail_under
    failing = [o.id for o in outcomes if o.blocking and not o.waived and o.status not in PASSING]
    # a blocking check passed on a stale or future-dated attestation has not been shown: still a gap
    stale = [o for o in outcomes if o.blocking and not o.waived and o.status in PASSING and o.stale]
    blocking = tuple(failing + [o.id for o in stale])
    reasons = []
    if failing:
        reasons.append(f"{len(failing)} blocking check(s) not passing: {', '.join(failing)}")
    for o in stale:
        on = o.result.attestation.on if o.result.attestation else None
        why = staleness(on, now.date(), profile.attestation_max_age_days) or "attestation stale"
        reasons.append(f"blocking check {o.id}: {why}")
    for o in outcomes:  # a drill that could not put the serving state back outranks every score
        if o.status is Status.ERROR and o.result.metrics.get("error_kind") == "restore":
            reasons.insert(0, f"{o.id} left the serving state changed: {o.result.summary}")
    if overall < threshold:
        reasons.append(f"score {overall:g} is below the threshold {threshold:g}")
    if not any(o.counted for o in outcomes):
        reasons.append("no check produced evidence")
    level, next_level = _level(outcomes, profile, overall)
    target = profile.target_level
    if target and any(lv.name == target for lv in profile.levels):
        names = [lv.name for lv in profile.levels]
        if level is None or names.index(level) < names.index(target):
            reasons.append(f"level {target} is not reached (reached: {level or 'none'}; next: {next_level})")
    verdict = Verdict.NOT_READY if reasons else Verdict.READY
    return Scored(
        outcomes=outcomes,
        score=overall,
        threshold=threshold,
        verdict=verdict,
        level=level,
        next_level=next_level,
        blocking_gaps=blocking,
        reasons=tuple(reasons),
        areas=_areas(outcomes),
        coverage=_coverage(outcomes),
        gaps=_gaps(outcomes, profile),
    )


def _level(outcomes: Sequence[Outcome], profile: Profile, overall: float) -> tuple[str | None, str | None]:
    by_id = {o.id: o for o in outcomes}
    reached = None
    for level in profile.levels:
        ok = overall >= level.min_score and all(
            check_id in by_id
            and (
                by_id[check_id].status is Status.PASS
                or by_id[check_id].waived
                or by_id[check_id].status is Status.NOT_APPLICABLE
            )
            for check_id in level.requires
        )
        if not ok:
            return reached, level.name
        reached = level.name
    return reached, None


def _areas(outcomes: Sequence[Outcome]) -> tuple[AreaScore, ...]:
    areas: dict[str, list[Outcome]] = {}
    for o in outcomes:
        areas.setdefault(o.area, []).append(o)
    out = []
    for area, items in areas.items():
        value = weighted(items)
        out.append(
            AreaScore(
                area=area,
                score=round(value, 1) if value is not None else None,
                checks=len(items),
                counted=sum(1 for o in items if o.counted),
            )
        )
    return tuple(out)


def _coverage(outcomes: Sequence[Outcome]) -> Coverage:
    counts = dict.fromkeys(
        ("measured", "imported", "attested", "stale", "not_applicable", "skipped", "errored", "waived"), 0
    )
    for o in outcomes:
        if o.waived:
            counts["waived"] += 1
        elif o.status is Status.NOT_APPLICABLE:
            counts["not_applicable"] += 1
        elif o.status is Status.SKIPPED:
            counts["skipped"] += 1
        elif o.status is Status.ERROR:
            counts["errored"] += 1
        elif o.stale:
            counts["stale"] += 1
        else:
            counts[o.result.evidence_kind.value] += 1
    return Coverage(**counts, total=len(outcomes))


def _gaps(outcomes: Sequence[Outcome], profile: Profile) -> tuple[Gap, ...]:
    """Non-passing checks, ranked by the points fixing each would add (blocking ones first). A fix earns
    the evidence weight it would get: an attested check fixed by attestation counts at the attested
    weight, a measured one at the measured weight."""
    counted_weight = sum(o.weight for o in outcomes if o.counted and o.weight > 0)
    gaps = []
    for o in outcomes:
        if o.waived or (o.status in {Status.PASS, Status.NOT_APPLICABLE} and not o.stale):
            continue
        if o.status is Status.SKIPPED:
            gain = 0.0
        else:
            denom = counted_weight if o.counted else counted_weight + o.weight
            best = 100.0 * getattr(profile.evidence_weights, o.result.evidence_kind.value)
            gain = max(0.0, o.weight * (best - (o.effective_score or 0.0)) / denom) if denom else 0.0
        gaps.append(
            Gap(
                check_id=o.id,
                title=o.title,
                area=o.area,
                status=o.status,
                blocking=o.blocking,
                gain=round(gain, 1),
                remediation=o.remediation,
            )
        )
    return tuple(sorted(gaps, key=lambda g: (not g.blocking, -g.gain, g.check_id)))


def requirements(
    reqs: Sequence[Requirement], outcomes: Sequence[Outcome], facts: dict[str, Any]
) -> tuple[RequirementResult, ...]:
    """Each requirement's status from its checks: fail beats unknown beats pass.

    not_applicable when its condition does not hold for the manifest or all its checks are N/A;
    fail when a check is FAIL or ERROR (and not waived); unknown when a check did not run, was
    skipped, rests on a stale attestation, or when no check covers the requirement at all.
    """
    by_id = {o.id: o for o in outcomes}
    out = []
    for req in reqs:
        found = [by_id.get(c) for c in req.checks]
        if not matches(req.when, facts):
            status = "not_applicable"
        elif not req.checks:
            status = "unknown"
        elif any(o is not None and not o.waived and o.status in {Status.FAIL, Status.ERROR} for o in found):
            status = "fail"
        elif any(o is None or o.status is Status.SKIPPED or o.stale for o in found):
            status = "unknown"
        elif all(o is not None and o.status is Status.NOT_APPLICABLE for o in found):
            status = "not_applicable"
        else:
            status = "pass"
        out.append(
            RequirementResult(
                id=req.id,
                title=req.title,
                citation=req.citation,
                confidence=req.confidence,
                status=status,
                checks=tuple(req.checks),
                note=req.note,
            )
        )
    return tuple(out)
