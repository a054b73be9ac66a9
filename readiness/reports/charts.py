"""Static SVG charts for the HTML and PDF reports: no scripts, no external resources.

Every number is formatted by this module; every label is XML-escaped, so manifest text cannot inject
markup into a chart.
"""

from __future__ import annotations

import math
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
