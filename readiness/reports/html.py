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
    )
    return html


def render(assessment: Assessment) -> bytes:
    return page(assessment).encode("utf-8")
