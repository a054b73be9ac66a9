"""Markdown for pull-request comments and CI job summaries (GitHub-flavoured, under 1 MiB)."""

from __future__ import annotations

import re

from readiness import numbers
from readiness.model import Assessment, Status
from readiness.reports import view

LIMIT = 1024 * 1024 - 4096
"""GitHub's job-summary limit is 1 MiB per step; keep a margin."""
MAX_CELL = 2000
"""Characters of one text shown at most; the rest is in assessment.json."""
ICON = {
    Status.PASS: "✅",
    Status.WARN: "⚠️",
    Status.FAIL: "❌",
    Status.ERROR: "💥",
    Status.NOT_APPLICABLE: "➖",
    Status.SKIPPED: "⏭️",
}


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, no newlines, no HTML, no link syntax."""
    value = str(text if text is not None else "")
    if len(value) > MAX_CELL:  # a 1.5 MB model name must not make a 1.5 MB report
        value = value[:MAX_CELL] + f"… ({len(value)} characters)"
    value = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", value)
    value = value.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
    value = value.replace("<", "&lt;").replace(">", "&gt;")
    value = value.replace("[", "\\[").replace("]", "\\]").replace("`", "\\`").replace("*", "\\*")
    return value.replace("_", "\\_")


def render(assessment: Assessment) -> bytes:
    a, v = assessment, view.build(assessment)
    head = [
        f"## {'✅' if v.ready else '❌'} {v.verdict_label}: "
        f"{cell(a.manifest.model_name)} {cell(a.manifest.model_version)}",
        "",
        f"**Score {numbers.score(a.score)}/100** (threshold {a.threshold:g}) · level **{a.level or 'none'}**"
        + (f" (next: {a.next_level})" if a.next_level else "")
        + f" · profile `{a.profile.name}` {a.profile.version}",
        "",
    ]
    head += [f"- {cell(r)}" for r in a.reasons]
    c = a.coverage
    head += [
        "",
        f"Evidence: {c.measured} measured, {c.imported} imported, {c.attested} attested, {c.stale} stale, "
        f"{c.not_applicable} not applicable, {c.skipped} skipped, {c.errored} errored, {c.waived} waived.",
        "",
    ]
    if v.blocking:
        head += [f"### Blocking gaps ({len(v.blocking)})", ""]
        head += [
            f"- **{x.gap.check_id}** {cell(x.gap.title)}" + (f": {cell(x.measured)}" if x.measured else "")
            for x in v.blocking
        ] + [""]
    if v.risks:
        head += [
            f"### Accepted risks ({len(v.risks)})",
            "",
            "| check | what fails | reason | requested by | approved by | expires |",
            "|---|---|---|---|---|---|",
        ]
        head += [
            f"| {r.check} ({r.status}) | {cell(r.finding)} | {cell(r.reason)} | {cell(r.requested_by or 'unknown')} | "
            f"{cell(r.approved_by or 'unknown')} | {cell(r.expires or 'never')}"
            + (f" (in {r.days_left} days)" if r.expires_soon else "")
            + " |"
            for r in v.risks
        ] + [""]
    if v.unmet:
        head += [f"### Requirements not met or unknown ({len(v.unmet)})", ""]
        head += [f"- **{cell(r.result.id)}** {r.label}: {cell(r.result.title)}" for r in v.unmet] + [""]
    if v.stale:
        head += [f"### Stale attestations ({len(v.stale)})", ""]
        head += [
            f"- **{o.id}** {cell(o.title)}"
            + (
                f" ({cell(o.result.attestation.by or 'unknown')}, {o.result.attestation.on or 'undated'})"
                if o.result.attestation
                else ""
            )
            for o in v.stale
        ] + [""]
    if v.nothing_to_do:
        head += ["Nothing to do: every check passes, no risk is accepted, every requirement is met.", ""]
    if v.actions:
        head += ["### What to do next", "", "| # | check | +points | action |", "|---|---|---:|---|"]
        head += [
            f"| {i} | {x.gap.check_id}{' (blocking)' if x.gap.blocking else ''} | {numbers.points(x.gap.gain)} | "
            f"{cell(x.todo)} |"
            for i, x in enumerate(v.actions, 1)
        ]
        head.append("")
    if a.requirements:
        head += [
            f"### Requirements: {cell(a.profile.regime or a.profile.name)}",
            "",
            "| id | status | requirement | citation | conf. |",
            "|---|---|---|---|---|",
        ]
        head += [
            f"| {cell(q.result.id)} | {cell(q.label)} | {cell(q.result.title)} | {cell(q.result.citation)} | "
            f"{cell(q.result.confidence)} |"
            for q in v.requirements
        ]
        head += ["", cell(view.CONFIDENCE_LEGEND), ""]
    q = v.quality
    if q is not None:
        head += ["### Quality, fairness and the champion", ""] + ([f"Answers {cell(q.how)}.", ""] if q.how else [])
        if q.metrics:
            head += [
                "| metric | value | 95 % interval | threshold | interval vs threshold | POC claim | gap to claim |",
                "|---|---:|---|---|---|---:|---:|",
            ]
            head += [
                f"| {cell(m['name'])} | {m['value']} | {m['interval']} | {cell(m['threshold'])} | {cell(m['verdict'])} "
                f"| {m['claim']} | {m['gap']} |"
                for m in q.metrics
            ] + [""]
        if q.groups:
            head += [
                "| attribute | group | rows | favourable rate (95 %) or mean prediction | TPR or mean error | FPR |",
                "|---|---|---:|---:|---:|---:|",
            ]
            head += [
                f"| {cell(g['attribute'])} | {cell(g['group'])} | {g['n']} | {g['selection']} | {g['tpr']} | "
                f"{g['fpr']} |"
                for g in q.groups
            ] + [""]
        if q.champion:
            ch = q.champion
            head += [
                f"Candidate {ch['metric']} {ch['candidate']} against the champion's {ch['champion']} "
                f"({ch['delta']}), agreement {ch['agreement']}; slices where the candidate is worse: "
                f"{cell(ch['worse'])}.",
                "",
            ]
    head += ["### Areas", "", "| area | score | checks |", "|---|---:|---:|"]
    head += [f"| {cell(s.area)} | {numbers.score(s.score)} | {s.checks} |" for s in a.areas]
    head += ["", "### Checks", "", "| | check | status | score | summary |", "|---|---|---|---:|---|"]
    rows = [
        f"| {ICON[o.status]} | {o.id} | {view.status_label(o)} | "
        f"{'' if o.effective_score is None else numbers.score(o.effective_score)} | {cell(o.result.summary)} |"
        for o in a.outcomes
    ]
    tail = [
        "",
        f"<sub>readiness {a.tool.version} · manifest {a.manifest.digest[:19]}… · "
        f"{a.finished_at.isoformat(timespec='seconds')}</sub>",
        "",
    ]
    lines = head
    size = len("\n".join(head + tail).encode())
    for i, row in enumerate(rows):
        size += len(row.encode()) + 1
        if size > LIMIT:
            lines.append(f"| | … | | | {len(rows) - i} more checks in assessment.json |")
            break
        lines.append(row)
    out = "\n".join(lines + tail).encode("utf-8")
    if len(out) > LIMIT:  # the head alone is too long (thousands of requirements or reasons): cut it
        note = "\n\n… cut at 1 MiB: the whole assessment is in assessment.json\n".encode()
        out = out[: LIMIT - len(note)].decode("utf-8", "ignore").encode("utf-8") + note
    return out
