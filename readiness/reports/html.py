"""HTML: one self-contained file (inline CSS and SVG, no script, nothing fetched), autoescaped."""

from __future__ import annotations

from functools import cache
from typing import Any

from readiness import numbers
from readiness.model import Assessment
from readiness.reports import charts, view

MAX_FINDINGS = 50
"""Findings shown per check; the rest stay in assessment.json."""


@cache
def environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("readiness.templates", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        score=numbers.score, points=numbers.points, ms=numbers.ms, pct=numbers.pct, example_input=view.example_input
    )
    return env


def page(assessment: Assessment, *, pdf: bool = False, max_findings: int = MAX_FINDINGS) -> str:
    v = view.build(assessment)
    template = environment().get_template("report.html.j2")
    times = [p.finished_at for p in assessment.trend] + [assessment.finished_at]
    days = [t.strftime("%Y-%m-%d") for t in times]
    # several runs on one day are told apart by their time
    fmt = "%Y-%m-%d %H:%M" if len(set(days)) < len(days) else "%Y-%m-%d"
    points = [(p.finished_at.strftime(fmt), p.score, p.approved) for p in assessment.trend]
    points.append((assessment.finished_at.strftime(fmt) + " (this)", assessment.score, False))
    trend = charts.trend_line(points, assessment.threshold) if assessment.trend else ""
    html: str = template.render(
        a=assessment,
        v=v,
        pdf=pdf,
        status_label=view.status_label,
        max_findings=max_findings,
        trend=trend,
        gauge=charts.gauge(assessment.score, assessment.threshold, v.state),
        fixes=view.fixes,
        legend=view.CONFIDENCE_LEGEND,
        bars=charts.area_bars(assessment.areas, assessment.threshold),
        pictures=pictures(assessment),
    )
    return html


def pictures(assessment: Assessment) -> list[dict[str, str]]:
    """The quality pictures: ROC curve and calibration diagram (EVAL-001, binary with scores), favourable
    rates by group with their intervals (FAIR-001), PSI per feature against its thresholds (DQ-006)."""
    by_id = {o.id: o.result.metrics for o in assessment.outcomes if o.result.metrics}
    out: list[dict[str, str]] = []
    ev = by_id.get("EVAL-001") or {}
    if ev.get("roc"):
        auc = (ev.get("metrics") or {}).get("auc") or {}
        out.append(
            {
                "svg": charts.roc_curve(ev["roc"], auc.get("value"), auc.get("interval")),
                "caption": "ROC curve on the labelled evaluation set (EVAL-001).",
            }
        )
    if ev.get("calibration"):
        out.append(
            {
                "svg": charts.reliability(ev["calibration"]),
                "caption": "Calibration: observed default frequency against the predicted probability, per score "
                "bin (EVAL-001).",
            }
        )
    for attribute, summary in ((by_id.get("FAIR-001") or {}).get("groups") or {}).items():
        groups = summary.get("groups") or {}
        if any(g.get("selection_rate") is not None for g in groups.values()):
            out.append(
                {
                    "svg": charts.group_rates(attribute, groups),
                    "caption": f"Favourable outcome rate by {attribute} group, with 95 % intervals (FAIR-001).",
                }
            )
    dq = by_id.get("DQ-006") or {}
    if dq.get("psi"):
        warn = next((o.result for o in assessment.outcomes if o.id == "DQ-006"), None)
        params = (warn.metrics.get("thresholds") if warn else None) or {}
        out.append(
            {
                "svg": charts.psi_bars(
                    dq["psi"], dq.get("no_drift_level") or {}, params.get("warn", 0.1), params.get("fail", 0.25)
                ),
                "caption": "Population stability index per feature; the whisker is what no drift at all reaches "
                "at these sample sizes (grey: within it, inconclusive) (DQ-006).",
            }
        )
    return out


def render(assessment: Assessment) -> bytes:
    return page(assessment).encode("utf-8")
