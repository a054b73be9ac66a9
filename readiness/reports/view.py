"""What the human-facing reports (HTML, PDF, Markdown) show, derived from an Assessment once.

Keeping this separate from the templates means the three formats can never disagree on which gaps are
blocking, which five actions come first, or how a status is labelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from readiness.model import Assessment, Finding, Gap, Outcome, Status, Verdict

STATUS_LABEL = {
    Status.PASS: "Pass", Status.WARN: "Warn", Status.FAIL: "Fail", Status.ERROR: "Error",
    Status.NOT_APPLICABLE: "N/A", Status.SKIPPED: "Skipped",
}
TOP_ACTIONS = 5


@dataclass(frozen=True)
class Action:
    gap: Gap
    todo: str
    finding: Finding | None


@dataclass(frozen=True)
class Area:
    name: str
    score: float | None
    outcomes: list[Outcome]


@dataclass(frozen=True)
class View:
    a: Assessment
    ready: bool
    verdict_label: str
    actions: list[Action]
    blocking: list[Action]
    areas: list[Area]
    waivers: list[dict[str, Any]]
    counts: dict[str, int]


def action_for(gap: Gap, outcome: Outcome) -> Action:
    finding = outcome.result.findings[0] if outcome.result.findings else None
    todo = (finding.remediation if finding and finding.remediation else None) or gap.remediation or ""
    if outcome.stale and outcome.status in {Status.PASS, Status.WARN}:
        todo = "Re-confirm and re-date the attestation (attested_on): it is older than the profile allows."
    if outcome.status is Status.ERROR:
        todo = f"Make the check run: {outcome.result.summary}"
    return Action(gap=gap, todo=todo, finding=finding)


def build(a: Assessment) -> View:
    by_id = {o.id: o for o in a.outcomes}
    actions = [action_for(g, by_id[g.check_id]) for g in a.gaps]
    areas: dict[str, list[Outcome]] = {}
    for o in a.outcomes:
        areas.setdefault(o.area, []).append(o)
    area_scores = {s.area: s.score for s in a.areas}
    counts: dict[str, int] = {}
    for o in a.outcomes:
        counts[o.status.value] = counts.get(o.status.value, 0) + 1
    waivers = [{"check": o.id, "title": o.title, **(o.waiver or {})} for o in a.outcomes if o.waiver]
    ready = a.verdict is Verdict.READY
    return View(a=a, ready=ready, verdict_label="READY" if ready else "NOT READY",
                actions=actions[:TOP_ACTIONS], blocking=[x for x in actions if x.gap.blocking],
                areas=[Area(name, area_scores.get(name), items) for name, items in areas.items()],
                waivers=waivers, counts=counts)


def status_label(outcome: Outcome) -> str:
    label = STATUS_LABEL[outcome.status]
    if outcome.waived:
        label += " (waived)"
    elif outcome.stale:
        label += " (stale)"
    return label
