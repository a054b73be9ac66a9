"""The terminal summary: verdict, score, level, coverage, area table and the ranked gaps."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from readiness import numbers
from readiness.model import Assessment, Outcome, Status, Verdict
from readiness.reports import view

STATUS_STYLE = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "red",
    Status.ERROR: "magenta",
    Status.NOT_APPLICABLE: "dim",
    Status.SKIPPED: "dim",
}
MAX_GAPS = 10


def renderables(a: Assessment) -> Iterator[Any]:
    ready = a.verdict is Verdict.READY
    head = Text()
    head.append("READY" if ready else "NOT READY", style="bold green" if ready else "bold red")
    head.append(f"   score {numbers.score(a.score)}/100 (threshold {a.threshold:g})")
    head.append(f"   level {a.level or 'none'}")
    if a.next_level:
        head.append(f" (next: {a.next_level})", style="dim")
    lines = [
        head,
        Text(
            f"{a.manifest.model_name} {a.manifest.model_version}  ·  profile {a.profile.name} {a.profile.version}",
            style="dim",
        ),
    ]
    c = a.coverage
    lines.append(
        Text(
            f"Coverage: {c.total} checks: {c.measured} measured, {c.imported} imported, {c.attested} "
            f"attested, {c.stale} stale, {c.not_applicable} not applicable, {c.skipped} skipped, "
            f"{c.errored} errored, {c.waived} waived"
        )
    )
    if a.requirements:
        counts = {
            s: sum(1 for r in a.requirements if r.status == s) for s in ("pass", "fail", "unknown", "not_applicable")
        }
        lines.append(
            Text(
                f"Requirements ({a.profile.regime or a.profile.name}): {counts['pass']} met, "
                f"{counts['fail']} not met, {counts['unknown']} unknown, "
                f"{counts['not_applicable']} not applicable"
            )
        )
    for reason in a.reasons:
        lines.append(Text(f"• {reason}", style="red"))
    yield Panel(Group(*lines), title="readiness", expand=True)

    areas = Table(title="Areas", show_edge=False, expand=False)
    areas.add_column("area")
    areas.add_column("score", justify="right")
    areas.add_column("checks", justify="right")
    for area in a.areas:
        areas.add_row(Text(area.area), "–" if area.score is None else numbers.score(area.score), str(area.checks))
    yield areas

    checks = Table(title="Checks", show_edge=False)
    for col in ("id", "status", "score", "evidence", "summary"):
        checks.add_column(col, overflow="fold")
    for o in a.outcomes:
        checks.add_row(
            Text(o.id + (" ⛔" if o.blocking else "")),
            _status(o),
            "" if o.effective_score is None else numbers.score(o.effective_score),
            _evidence(o),
            Text(o.result.summary),
        )
    yield checks

    risks = view.risks_of(a)
    if risks:
        table = Table(title="Accepted risks (waived failures)", show_edge=False)
        for col in ("check", "what fails", "approved by", "expires"):
            table.add_column(col, overflow="fold")
        for risk in risks:
            soon = f" (in {risk.days_left} days)" if risk.expires_soon else ""
            table.add_row(
                Text(f"{risk.check} {risk.status}"),
                Text(risk.finding or ""),
                Text(risk.approved_by or "unknown"),
                Text((risk.expires or "never") + soon, style="yellow" if soon else ""),
            )
        yield table

    unmet = [r for r in a.requirements if r.status in {"fail", "unknown"}]
    if unmet:
        reqs = Table(title="Requirements not shown to be met", show_edge=False)
        for col in ("id", "status", "requirement", "citation"):
            reqs.add_column(col, overflow="fold")
        for r in unmet:
            reqs.add_row(
                Text(r.id),
                Text(r.status.upper().replace("_", " "), style="red" if r.status == "fail" else "yellow"),
                Text(r.title),
                Text(f"{r.citation} [{r.confidence}]"),
            )
        yield reqs

    if a.gaps:
        gaps = Table(title="Gaps, by what fixing each adds to the score", show_edge=False)
        for col in ("check", "+points", "what to do"):
            gaps.add_column(col, overflow="fold")
        by_id = {o.id: o for o in a.outcomes}
        for gap in a.gaps[:MAX_GAPS]:
            todo = view.action_for(gap, by_id[gap.check_id]).todo  # the wording every format uses
            label = f"{gap.check_id}{' (blocking)' if gap.blocking else ''}\n{gap.title}"
            gaps.add_row(Text(label), numbers.points(gap.gain), Text(todo))
        if len(a.gaps) > MAX_GAPS:
            gaps.caption = f"{len(a.gaps) - MAX_GAPS} more in the full report"
        yield gaps


def _status(o: Outcome) -> Text:
    label = o.status.value.upper().replace("_", " ")
    if o.waived:
        label += " (waived)"
    return Text(label, style=STATUS_STYLE[o.status])


def _evidence(o: Outcome) -> str:
    if o.status in {Status.ERROR, Status.SKIPPED, Status.NOT_APPLICABLE}:
        return ""
    kind = o.result.evidence_kind.value
    return f"{kind} (stale)" if o.stale else kind


def terminal_safe_assessment(a: Assessment) -> Assessment:
    """Every text of the assessment safe for a terminal: control characters, escape sequences and bidi
    overrides from a manifest, a profile, data or a model answer shown as visible escapes."""
    from readiness.textsafety import map_strings, terminal_safe

    return Assessment.model_validate(map_strings(a.model_dump(mode="json"), terminal_safe))


def print_to(console: Console, assessment: Assessment) -> None:
    for item in renderables(terminal_safe_assessment(assessment)):
        console.print(item)


def render(assessment: Assessment) -> bytes:
    """Plain-text rendering (no colour), 100 columns wide."""
    buf = io.StringIO()
    console = Console(file=buf, width=100, no_color=True, color_system=None, legacy_windows=False)
    print_to(console, assessment)
    return buf.getvalue().encode("utf-8")
