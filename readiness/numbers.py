"""One formatting rule per unit, for every format (terminal, HTML, PDF, Markdown, JUnit, SARIF) and for
the checks' own summaries, so a report never mixes ``5.7 ms`` with ``11.367 ms`` or shows ``24.9975``:

* milliseconds with three significant figures, never fewer than whole milliseconds: ``0.412``, ``5.25``,
  ``11.4``, ``1,008``;
* scores and points with one decimal: ``93.5``, ``+7.5``;
* shares as percentages with one decimal: ``8.0%`` (two significant figures below 0.1 %: ``0.05%``).

JSON keeps the full numbers.
"""

from __future__ import annotations

import math

__all__ = ["ms", "pct", "points", "score"]


def ms(value: float | None) -> str:
    """``5.25`` for 5.247 ms; ``n/a`` for nothing."""
    if value is None or not math.isfinite(value):
        return "n/a"
    size = abs(value)
    if size == 0:
        return "0"
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}" if size >= 0.001 or size == 0 else f"{value:.2g}"


def score(value: float | None) -> str:
    """``93.5``; ``n/a`` for a score that could not be computed."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.1f}"


def points(value: float) -> str:
    """What fixing a gap adds: ``+7.5``."""
    return f"+{value:.1f}"


def pct(share: float | None) -> str:
    """``8.0%`` for 0.08."""
    if share is None or not math.isfinite(share):
        return "n/a"
    value = share * 100
    if 0 < abs(value) < 0.1:  # 0.05 %: one decimal would read 0.1 % (or 0.0 %)
        return f"{value:.2g}%"
    return f"{value:.1f}%"
