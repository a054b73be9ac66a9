"""GitHub Actions workflow commands: one annotation per gap on the manifest line, at most ten errors
and ten warnings (GitHub shows no more per step), printed to standard output."""

from __future__ import annotations

from readiness import numbers
from readiness.model import Assessment, Status
from readiness.reports.sarif import uri

LIMIT = 10


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(assessment: Assessment) -> bytes:
    by_id = {o.id: o for o in assessment.outcomes}
    lines, counts = [], {"error": 0, "warning": 0}
    path = uri(assessment.manifest.path, assessment.manifest.path)
    for gap in assessment.gaps:
        o = by_id[gap.check_id]
        level = "error" if gap.blocking or o.status is Status.ERROR else "warning"
        if counts[level] >= LIMIT:
            continue
        counts[level] += 1
        finding = o.result.findings[0] if o.result.findings else None
        line = finding.location.line if finding and finding.location and finding.location.line else 1
        message = (finding.message if finding else o.result.summary) + (
            f" Fix: {finding.remediation}" if finding and finding.remediation else ""
        )
        title = _prop(f"{o.id} {o.title}")
        lines.append(f"::{level} file={_prop(path)},line={line},title={title}::{_data(message)}")
    verdict = "READY" if assessment.verdict.value == "ready" else "NOT READY"
    summary = f"{verdict}, score {numbers.score(assessment.score)}, level {assessment.level or 'none'}"
    lines.append(f"::notice title=readiness::{_data(summary)}")
    return ("\n".join(lines) + "\n").encode("utf-8")
