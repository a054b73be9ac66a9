"""What the human-facing reports (HTML, PDF, Markdown) show, derived from an Assessment once.

Keeping this separate from the templates means the three formats can never disagree on which gaps are
blocking, which five actions come first, or how a status is labelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from readiness.model import Assessment, Finding, Gap, Outcome, Status, Verdict

STATUS_LABEL = {
    Status.PASS: "Pass",
    Status.WARN: "Warn",
    Status.FAIL: "Fail",
    Status.ERROR: "Error",
    Status.NOT_APPLICABLE: "N/A",
    Status.SKIPPED: "Skipped",
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
class Quality:
    """The model-quality figures a risk officer reads as tables: metrics against thresholds and the POC
    claim (EVAL-001), group rates (FAIR-001), candidate against champion (CHG-003)."""

    how: str | None
    metrics: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    champion: dict[str, Any] | None


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
    quality: Quality | None = None


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
    return View(
        a=a,
        ready=ready,
        verdict_label="READY" if ready else "NOT READY",
        actions=actions[:TOP_ACTIONS],
        blocking=[x for x in actions if x.gap.blocking],
        areas=[Area(name, area_scores.get(name), items) for name, items in areas.items()],
        waivers=waivers,
        counts=counts,
        quality=quality(by_id),
    )


def _num(value: Any) -> str:
    return "n/a" if not isinstance(value, (int, float)) else f"{value:.3f}"


def quality(by_id: dict[str, Outcome]) -> Quality | None:
    """The quality tables, from the metrics of EVAL-001, FAIR-001 and CHG-003 (None when none ran)."""
    ev, fair, chg = (by_id.get(i) for i in ("EVAL-001", "FAIR-001", "CHG-003"))
    ev_m = ev.result.metrics if ev else {}
    fair_m = fair.result.metrics if fair else {}
    chg_m = chg.result.metrics if chg else {}
    metrics = []
    for name, entry in (ev_m.get("metrics") or {}).items():
        if not isinstance(entry, dict):
            continue
        limit = (f">= {entry['min']:g}" if entry.get("min") is not None else "") + (
            f" <= {entry['max']:g}" if entry.get("max") is not None else ""
        )
        metrics.append(
            {
                "name": name,
                "value": _num(entry.get("value")),
                "threshold": limit.strip() or "-",
                "claim": "-" if entry.get("poc_claim") is None else f"{entry['poc_claim']:g}",
                "gap": "-" if entry.get("gap_to_claim") is None else f"{entry['gap_to_claim']:+.3f}",
            }
        )
    groups = []
    for attribute, summary in (fair_m.get("groups") or {}).items():
        for group, e in (summary.get("groups") or {}).items():
            groups.append(
                {
                    "attribute": attribute,
                    "group": group,
                    "n": e.get("n"),
                    "selection": _num(e.get("selection_rate")),
                    "tpr": _num(e.get("tpr")),
                    "fpr": _num(e.get("fpr")),
                    "ratio": _num(summary.get("selection_rate_ratio")),
                }
            )
    champion = None
    if chg_m.get("metric"):
        champion = {
            "metric": chg_m["metric"],
            "candidate": _num(chg_m.get("candidate")),
            "champion": _num(chg_m.get("champion")),
            "delta": "n/a" if chg_m.get("delta") is None else f"{chg_m['delta']:+.3f}",
            "agreement": "n/a" if chg_m.get("agreement") is None else f"{chg_m['agreement']:.1%}",
            "worse": ", ".join(chg_m.get("worse_slices") or []) or "none",
        }
    if not (metrics or groups or champion):
        return None
    how = ev_m.get("how") or fair_m.get("how") or chg_m.get("how")
    return Quality(how=how, metrics=metrics, groups=groups, champion=champion)


def status_label(outcome: Outcome) -> str:
    label = STATUS_LABEL[outcome.status]
    if outcome.waived:
        label += " (waived)"
    elif outcome.stale:
        label += " (stale)"
    return label
