"""Static SVG charts for the HTML and PDF reports: no scripts, no external resources.

Every number is formatted by this module; every label is XML-escaped, so manifest text cannot inject
markup into a chart.
"""

from __future__ import annotations

import math
from typing import Any
from xml.sax.saxutils import escape

from readiness import numbers
from readiness.model import AreaScore

RED, AMBER, GREEN, GREY = "#c62828", "#ef8f00", "#2e7d32", "#9e9e9e"


def colour(score: float | None, threshold: float = 75) -> str:
    if score is None:
        return GREY
    if score >= threshold:
        return GREEN
    return AMBER if score >= threshold * 0.6 else RED


STATE_COLOUR = {"not_ready": RED, "accepted": AMBER, "clean": GREEN}
"""The gauge follows the verdict, not the score: red NOT READY, amber READY with accepted risks, green READY."""


def gauge(score: float, threshold: float, state: str = "clean", size: int = 220) -> str:
    """A half-circle gauge with the score in the middle and a tick at the threshold, coloured by the
    verdict's state (``not_ready``, ``accepted``, ``clean``): a NOT READY model never shows green."""
    r, cx, cy, w = size * 0.4, size / 2, size * 0.5, size * 0.09

    def point(value: float, radius: float) -> tuple[float, float]:
        angle = math.pi * (1 - max(0.0, min(100.0, value)) / 100)
        return cx + radius * math.cos(angle), cy - radius * math.sin(angle)

    def arc(value: float) -> str:
        x0, y0 = point(0, r)
        x1, y1 = point(value, r)
        return f"M {x0:.1f} {y0:.1f} A {r:.1f} {r:.1f} 0 0 1 {x1:.1f} {y1:.1f}"

    tx0, ty0 = point(threshold, r - w)
    tx1, ty1 = point(threshold, r + w)
    height = size * 0.62
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gauge" width="{size}" height="{height:.0f}" '
        f'viewBox="0 0 {size} {height:.0f}" role="img" aria-label="score {numbers.score(score)} of 100">'
        f"<title>Score {numbers.score(score)} of 100, threshold {threshold:g}</title>"
        f'<path d="{arc(100)}" fill="none" stroke="#e0e0e0" stroke-width="{w:.1f}"/>'
        + (
            f'<path d="{arc(score)}" fill="none" stroke="{STATE_COLOUR.get(state, GREY)}" stroke-width="{w:.1f}"/>'
            if score > 0
            else ""
        )
        + f'<line x1="{tx0:.1f}" y1="{ty0:.1f}" x2="{tx1:.1f}" y2="{ty1:.1f}" stroke="#212121" stroke-width="2"/>'
        f'<text x="{cx:.1f}" y="{cy - 4:.1f}" text-anchor="middle" font-size="{size * 0.17:.0f}" '
        f'font-weight="bold" fill="#212121">{numbers.score(score)}</text>'
        f'<text x="{cx:.1f}" y="{cy + size * 0.09:.1f}" text-anchor="middle" font-size="{size * 0.055:.0f}" '
        f'fill="#616161">of 100 · pass at {threshold:g}</text></svg>'
    )


def area_bars(areas: tuple[AreaScore, ...], threshold: float, width: int = 560) -> str:
    """Horizontal bars, one per area, with the threshold as a dashed line."""
    row, label_w, pad = 26, 150, 8
    bar_w = width - label_w - 60
    height = row * len(areas) + 2 * pad
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="area scores">'
        "<title>Score per area</title>"
    ]
    for i, area in enumerate(areas):
        y = pad + i * row
        value = area.score if area.score is not None else 0
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" font-size="12" '
            f'fill="#212121">{escape(area.area.replace("_", " "))}</text>'
        )
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="16" fill="#eeeeee"/>')
        if value > 0:
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{bar_w * value / 100:.1f}" height="16" '
                f'fill="{colour(area.score, threshold)}"/>'
            )
        shown = numbers.score(area.score)
        parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 17}" font-size="12" fill="#212121">{shown}</text>')
    tx = label_w + bar_w * threshold / 100
    parts.append(
        f'<line x1="{tx:.1f}" y1="{pad - 2}" x2="{tx:.1f}" y2="{height - pad + 2}" stroke="#424242" '
        'stroke-dasharray="4 3" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(scores: list[float]) -> str:
    """Scores 0-100 as a one-line bar chart for terminals."""
    return "".join(BLOCKS[min(7, int(max(0.0, s) / 100 * 8))] for s in scores)


def trend_line(points: list[tuple[str, float, bool]], threshold: float, width: int = 560, height: int = 150) -> str:
    """Score over time: (label, score, approved) per assessment, oldest first; the last is this one."""
    left, right, top, bottom = 36, 12, 10, 24
    w, h = width - left - right, height - top - bottom
    n = len(points)

    def xy(i: int, score: float) -> tuple[float, float]:
        x = left + (w * i / (n - 1) if n > 1 else w / 2)
        return x, top + h * (1 - max(0.0, min(100.0, score)) / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="score trend"><title>Score over time</title>'
    ]
    for value in (0, 50, 100):
        _, y = xy(0, value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + w}" y2="{y:.1f}" stroke="#eeeeee"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10" '
            f'fill="#616161">{value}</text>'
        )
    _, ty = xy(0, threshold)
    parts.append(
        f'<line x1="{left}" y1="{ty:.1f}" x2="{left + w}" y2="{ty:.1f}" stroke="#424242" stroke-dasharray="4 3"/>'
    )
    path = " ".join(
        f"{'M' if i == 0 else 'L'} {xy(i, s)[0]:.1f} {xy(i, s)[1]:.1f}" for i, (_, s, _) in enumerate(points)
    )
    parts.append(f'<path d="{path}" fill="none" stroke="#1565c0" stroke-width="2"/>')
    for i, (label, score, approved) in enumerate(points):
        x, y = xy(i, score)
        fill = "#2e7d32" if approved else ("#1565c0" if i < n - 1 else "#212121")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{5 if i == n - 1 else 3.5}" fill="{fill}">'
            f"<title>{escape(label)}: {numbers.score(score)}{' (approved)' if approved else ''}</title></circle>"
        )
        if i in (0, n - 1):
            parts.append(
                f'<text x="{x:.1f}" y="{height - 6}" text-anchor="{"start" if i == 0 and n > 1 else "end"}" '
                f'font-size="10" fill="#616161">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


# -- model quality in pictures (EVAL-001, FAIR-001, DQ-006) ------------------------------------------------------


def _frame(width: int, height: int, label: str, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="quality" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}"><title>{escape(title)}</title>'
    ]


def _square_axes(parts: list[str], left: float, top: float, side: float, x_label: str, y_label: str) -> None:
    parts.append(f'<rect x="{left}" y="{top}" width="{side}" height="{side}" fill="none" stroke="#bdbdbd"/>')
    for v in (0.0, 0.5, 1.0):
        x, y = left + side * v, top + side * (1 - v)
        parts.append(
            f'<text x="{x:.1f}" y="{top + side + 14:.1f}" text-anchor="middle" font-size="10" '
            f'fill="#616161">{v:g}</text>'
            f'<text x="{left - 6:.1f}" y="{y + 3:.1f}" text-anchor="end" font-size="10" fill="#616161">{v:g}</text>'
        )
    parts.append(
        f'<text x="{left + side / 2:.1f}" y="{top + side + 28:.1f}" text-anchor="middle" font-size="11" '
        f'fill="#212121">{escape(x_label)}</text>'
        f'<text x="{left - 30:.1f}" y="{top + side / 2:.1f}" text-anchor="middle" font-size="11" fill="#212121" '
        f'transform="rotate(-90 {left - 30:.1f} {top + side / 2:.1f})">{escape(y_label)}</text>'
    )
    parts.append(
        f'<line x1="{left}" y1="{top + side}" x2="{left + side}" y2="{top}" stroke="#9e9e9e" stroke-dasharray="4 3"/>'
    )


def roc_curve(
    points: list[list[float]], auc: float | None, interval: dict[str, float] | None = None, size: int = 260
) -> str:
    """The ROC curve (false positive rate across, true positive rate up) with the AUC and its interval."""
    left, top = 44.0, 12.0
    side = size - left - 12
    label = f"ROC curve, AUC {numbers.ms(auc) if auc is not None else 'n/a'}"
    parts = _frame(size, int(side + top + 40), label, label)
    _square_axes(parts, left, top, side, "false positive rate", "true positive rate")
    path = " ".join(
        f"{'M' if i == 0 else 'L'} {left + side * float(x):.1f} {top + side * (1 - float(y)):.1f}"
        for i, (x, y) in enumerate(points)
    )
    if path:
        parts.append(f'<path d="{path}" fill="none" stroke="#1565c0" stroke-width="2"/>')
    text = f"AUC {auc:.3f}" if auc is not None else "AUC n/a"
    if interval:
        text += f" ({float(interval['low']):.3f}–{float(interval['high']):.3f})"
    parts.append(
        f'<text x="{left + side - 4:.1f}" y="{top + side - 8:.1f}" text-anchor="end" font-size="11" '
        f'fill="#212121">{escape(text)}</text></svg>'
    )
    return "".join(parts)


def reliability(bins: list[dict[str, float]], size: int = 260) -> str:
    """The calibration (reliability) diagram: observed frequency against mean predicted probability per
    score bin, each with its Wilson interval; on the diagonal is perfect calibration."""
    left, top = 44.0, 12.0
    side = size - left - 12
    parts = _frame(size, int(side + top + 40), "calibration diagram", "Observed against predicted, per score bin")
    _square_axes(parts, left, top, side, "mean predicted probability", "observed frequency")
    for b in bins:
        x = left + side * float(b["predicted"])
        y0, y1 = top + side * (1 - float(b["low"])), top + side * (1 - float(b["high"]))
        y = top + side * (1 - float(b["observed"]))
        parts.append(
            f'<line x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{y1:.1f}" stroke="#90a4ae" stroke-width="1.5"/>'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#1565c0"><title>{escape(str(b["n"]))} rows: '
            f"predicted {float(b['predicted']):.3f}, observed {float(b['observed']):.3f}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _hbars(
    rows: list[tuple[str, float, float | None, float | None, str]],
    maximum: float,
    title: str,
    marks: list[tuple[float, str]],
    fmt: object,
    width: int = 560,
) -> str:
    """Horizontal bars (label, value, low, high, colour) on 0..maximum, whiskers for intervals, dashed marks."""
    row, label_w, pad = 22, 170, 8
    bar_w = width - label_w - 70
    height = row * len(rows) + 2 * pad + 14
    parts = _frame(width, height, title, title)
    scale = bar_w / maximum if maximum > 0 else 0.0
    for i, (label, value, low, high, fill) in enumerate(rows):
        y = pad + i * row
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" font-size="11" fill="#212121">'
            f"{escape(label[:40])}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{max(0.0, min(value, maximum)) * scale:.1f}" height="14" '
            f'fill="{fill}"/>'
        )
        if low is not None and high is not None:
            x0, x1 = label_w + max(0.0, low) * scale, label_w + min(high, maximum) * scale
            parts.append(
                f'<line x1="{x0:.1f}" y1="{y + 11}" x2="{x1:.1f}" y2="{y + 11}" stroke="#212121" stroke-width="1.2"/>'
                f'<line x1="{x0:.1f}" y1="{y + 6}" x2="{x0:.1f}" y2="{y + 16}" stroke="#212121"/>'
                f'<line x1="{x1:.1f}" y1="{y + 6}" x2="{x1:.1f}" y2="{y + 16}" stroke="#212121"/>'
            )
        shown = fmt(value)  # type: ignore[operator]
        parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 15}" font-size="11" fill="#212121">{shown}</text>')
    for value, name in marks:
        x = label_w + min(value, maximum) * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{pad - 2}" x2="{x:.1f}" y2="{height - 14}" stroke="#424242" '
            f'stroke-dasharray="4 3"/><text x="{x:.1f}" y="{height - 3}" text-anchor="middle" font-size="10" '
            f'fill="#424242">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def group_rates(attribute: str, groups: dict[str, dict[str, Any]], rate: str = "selection_rate") -> str:
    """Per-group selection rates with their 95 % intervals (FAIR-001)."""
    rows = []
    for name, g in list(groups.items())[:16]:
        value = g.get(rate)
        if value is None:
            continue
        iv = g.get("selection_interval") or {}
        rows.append((f"{name} (n={g.get('n', 0)})", float(value), iv.get("low"), iv.get("high"), "#1565c0"))
    return _hbars(rows, 1.0, f"{attribute}: favourable outcome rate by group", [], numbers.pct)


def psi_bars(psi: dict[str, float], noise: dict[str, float], warn: float, fail: float) -> str:
    """PSI per feature, coloured by its verdict, with its no-drift level as a whisker from 0 (DQ-006)."""
    ordered = sorted(psi.items(), key=lambda kv: -kv[1])[:16]
    top = max([fail * 1.2] + [v for _, v in ordered])
    rows = []
    for name, value in ordered:
        level = noise.get(name)
        fill = RED if value >= fail else (AMBER if value >= warn else GREEN)
        if level is not None and value <= level and value >= warn:
            fill = GREY  # within its own noise: inconclusive
        rows.append((name, float(value), 0.0 if level is not None else None, level, fill))
    return _hbars(
        rows,
        top,
        "Population stability index per feature",
        [(warn, f"warn {warn:g}"), (fail, f"fail {fail:g}")],
        lambda v: f"{v:.3f}",
    )
