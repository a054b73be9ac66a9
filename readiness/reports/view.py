"""What the human-facing reports (HTML, PDF, Markdown) show, derived from an Assessment once.

Keeping this separate from the templates means the three formats can never disagree on which gaps are
blocking, which five actions come first, or how a status is labelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from readiness import numbers
from readiness.model import Assessment, Finding, Gap, Outcome, RequirementResult, Status, Verdict

STATUS_LABEL = {
    Status.PASS: "Pass",
    Status.WARN: "Warn",
    Status.FAIL: "Fail",
    Status.ERROR: "Error",
    Status.NOT_APPLICABLE: "N/A",
    Status.SKIPPED: "Skipped",
}
TOP_ACTIONS = 5
EXPIRES_SOON_DAYS = 30
"""A waiver expiring within this many days of the assessment is flagged on page one."""
CONFIDENCE_LEGEND = (
    "Citation confidence: CP primary text read; CM official page or verbatim mirror; SC consistent secondary "
    "sources; SC1 one secondary source; MU our own reading, not verified against the text."
)


@dataclass(frozen=True)
class Action:
    gap: Gap
    todo: str
    finding: Finding | None

    @property
    def measured(self) -> str | None:
        """What was found against what was expected, for a gap shown on page one."""
        f = self.finding
        if f is None or not (f.observed or f.expected):
            return None
        if f.observed and f.expected:
            return f"{f.observed} against {f.expected}"
        return f.observed or f"expected {f.expected}"


@dataclass(frozen=True)
class Risk:
    """A failing check accepted under a valid waiver: who asked, who approved, until when."""

    check: str
    title: str
    status: str
    finding: str | None
    reason: str
    requested_by: str | None
    approved_by: str | None
    expires: str | None
    days_left: int | None

    @property
    def expires_soon(self) -> bool:
        return self.days_left is not None and self.days_left <= EXPIRES_SOON_DAYS


@dataclass(frozen=True)
class Requirement:
    result: RequirementResult
    label: str
    """``met``, ``not met``, ``unknown``, ``not applicable``, or ``met (waived: DQ-002, DQ-006)``."""
    waived: tuple[str, ...]


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
    state: str = "clean"
    """``not_ready`` (red), ``accepted`` (READY with accepted risks: amber) or ``clean`` (green)."""
    risks: tuple[Risk, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    unmet: tuple[Requirement, ...] = ()
    """Requirements not met or unknown under the profile."""
    stale: tuple[Outcome, ...] = ()

    @property
    def nothing_to_do(self) -> bool:
        """Only when page one has nothing to say: no gap, no accepted risk, no unmet requirement, nothing stale."""
        return not (self.blocking or self.actions or self.risks or self.unmet or self.stale)


def action_for(gap: Gap, outcome: Outcome) -> Action:
    """The one wording of what to do about a gap, for every format: the first finding's own remedy (the
    check says what fits the state it found), else the check's; a stale attestation is re-dated; a check
    that could not run is made to run."""
    finding = next((f for f in outcome.result.findings if f.severity.value > 0), None) or (
        outcome.result.findings[0] if outcome.result.findings else None
    )
    todo = (finding.remediation if finding and finding.remediation else None) or gap.remediation or ""
    if outcome.stale and outcome.status in {Status.PASS, Status.WARN}:
        att = outcome.result.attestation
        if att is None or att.on is None:  # nobody signed it (an empty vendor list, say): nothing to re-date
            todo = "Say who states this and when (attested_by, attested_on): an undated statement counts as stale."
        else:
            todo = "Re-confirm and re-date the attestation (attested_on): it is older than the profile allows" + (
                f"; {att.by} attested it on {att.on}." if att.by else "."
            )
    if outcome.status is Status.ERROR:
        todo = f"Make the check run: {outcome.result.summary}"
    return Action(gap=gap, todo=todo, finding=finding)


def risks_of(a: Assessment) -> tuple[Risk, ...]:
    out = []
    on = a.finished_at.date()
    for o in a.outcomes:
        w = o.waiver or {}
        if not o.waived or not w.get("valid", True):
            continue
        expires = w.get("expires")
        days = None
        if expires:
            try:
                days = (date.fromisoformat(str(expires)) - on).days
            except ValueError:
                days = None
        first = next((f for f in o.result.findings if f.severity.value > 0), None)
        out.append(
            Risk(
                check=o.id,
                title=o.title,
                status=o.status.value,
                finding=(f"{first.message}" if first else o.result.summary),
                reason=str(w.get("reason") or ""),
                requested_by=w.get("requested_by"),
                approved_by=w.get("approved_by"),
                expires=str(expires) if expires else None,
                days_left=days,
            )
        )
    return tuple(out)


def requirements_of(a: Assessment) -> tuple[Requirement, ...]:
    by_id = {o.id: o for o in a.outcomes}
    out = []
    for r in a.requirements:
        waived = tuple(c for c in r.checks if c in by_id and by_id[c].waived)
        label = {"pass": "met", "fail": "not met", "unknown": "unknown", "not_applicable": "not applicable"}.get(
            r.status, r.status.replace("_", " ")
        )
        if r.status == "pass" and waived:
            label = f"met (waived: {', '.join(waived)})"
        out.append(Requirement(result=r, label=label, waived=waived))
    return tuple(out)


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
    risks = risks_of(a)
    requirements = requirements_of(a)
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
        state="not_ready" if not ready else ("accepted" if risks else "clean"),
        risks=risks,
        requirements=requirements,
        unmet=tuple(r for r in requirements if r.result.status in {"fail", "unknown"}),
        stale=tuple(o for o in a.outcomes if o.stale),
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
        iv = entry.get("interval")
        metrics.append(
            {
                "name": name,
                "value": _num(entry.get("value")),
                "interval": "-" if not iv else f"{_num(iv.get('low'))}–{_num(iv.get('high'))}",
                "verdict": {"pass": "within", "fail": "beyond", "inconclusive": "inconclusive"}.get(
                    str(entry.get("verdict")), "-"
                )
                + (f" (+{entry['more_rows']:,} rows)" if entry.get("more_rows") else ""),
                "threshold": limit.strip() or "-",
                "claim": "-" if entry.get("poc_claim") is None else f"{entry['poc_claim']:g}",
                "gap": "-" if entry.get("gap_to_claim") is None else f"{entry['gap_to_claim']:+.3f}",
            }
        )
    groups = []
    for attribute, summary in (fair_m.get("groups") or {}).items():
        for group, e in (summary.get("groups") or {}).items():
            siv = e.get("selection_interval") or {}
            regression = "mean_error" in e
            groups.append(
                {
                    "attribute": attribute,
                    "group": group,
                    "n": e.get("n"),
                    "selection": _num(e.get("mean_prediction") if regression else e.get("selection_rate"))
                    + (f" ({_num(siv.get('low'))}–{_num(siv.get('high'))})" if siv else ""),
                    "tpr": _num(e.get("mean_error")) if regression else _num(e.get("tpr")),
                    "fpr": "-" if regression else _num(e.get("fpr")),
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
            "agreement": "n/a" if chg_m.get("agreement") is None else f"{numbers.pct(chg_m['agreement'])}",
            "worse": ", ".join(chg_m.get("worse_slices") or []) or "none",
        }
    if not (metrics or groups or champion):
        return None
    how = ev_m.get("how") or fair_m.get("how") or chg_m.get("how")
    return Quality(how=how, metrics=metrics, groups=groups, champion=champion)


def fixes(outcome: Outcome) -> list[str | None]:
    """The fix to print beside each finding: only where it says something the check's own remedy and the
    finding before it did not (a fix is printed once per check, not once per row)."""
    out: list[str | None] = []
    previous = outcome.remediation
    for f in outcome.result.findings:
        fix = f.remediation if f.remediation and f.remediation not in {previous, outcome.remediation} else None
        out.append(fix)
        previous = f.remediation or previous
    return out


def example_input(finding: Finding) -> str | None:
    """The (already masked) input that produced a finding, when the check kept one."""
    value = finding.evidence.get("example_input") if isinstance(finding.evidence, dict) else None
    return None if value is None else str(value)


def status_label(outcome: Outcome) -> str:
    label = STATUS_LABEL[outcome.status]
    if outcome.waived:
        label += " (waived)"
    elif outcome.stale:
        label += " (stale)"
    return label
