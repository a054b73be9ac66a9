"""The microsecond timing harness for in-process models (LAT-006). It runs inside the model's own process
(readiness.modelproc), so it times the model, not the pipe to it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["harness"]


def harness(fn: Callable[[Any], Any], rows: list[Any], calls: int) -> list[int]:
    """Per-call wall time in nanoseconds; the loop costs well under 0.5 µs a call (see harness_overhead_ns)."""
    clock = time.perf_counter_ns
    out = [0] * calls
    n = len(rows)
    for i in range(calls):
        row = rows[i % n]
        start = clock()
        fn(row)
        out[i] = clock() - start
    return out
