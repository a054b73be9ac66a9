"""What the quality checks cost: scoring the credit-risk evaluation set over real HTTP, and the metrics.

    python benchmarks/evaluation.py [--rows 1000000]

1. EVAL-001, FAIR-001 and CHG-003 on the credit-risk example: the evaluation set (2,500 rows) is sent
   to the candidate and to the champion once each (both servers started by readiness on 127.0.0.1),
   and the three checks share those answers. Reports the wall time and the rows per second per model.
2. The plain-Python metrics on ``--rows`` synthetic labels and scores: AUC (a sort and a pass over
   tied ranks), Brier score, calibration error, group rates, and beside them their 95 % intervals
   (DeLong, normal, Wilson, seeded bootstrap). Reports seconds per metric.
Each figure is the median of 3 runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quality_checks() -> tuple[float, dict]:
    from readiness.api import assess
    from readiness.engine import RunOptions

    start = time.perf_counter()
    a = assess(
        ROOT / "examples/credit-risk/readiness.yaml",
        options=RunOptions(now=datetime(2026, 11, 22, tzinfo=UTC), only=("EVAL-001", "FAIR-001", "CHG-003")),
    )
    elapsed = time.perf_counter() - start
    return elapsed, {o.id: o.result.status.value for o in a.outcomes if o.id in {"EVAL-001", "FAIR-001", "CHG-003"}}


def metric_times(rows: int) -> dict[str, float]:
    from readiness import metrics as M

    rng = random.Random(1)
    truth = [rng.random() < 0.2 for _ in range(rows)]
    scores = [round(min(1.0, max(0.0, 0.3 * t + rng.random() * 0.7)), 4) for t in truth]
    predicted = [s >= 0.5 for s in scores]
    out = {}
    for name, fn in (
        ("auc", lambda: M.auc(truth, scores)),
        ("brier", lambda: M.brier(truth, scores)),
        ("calibration_error", lambda: M.calibration_error(truth, scores)),
        ("precision", lambda: M.compute("precision", truth, predicted, None)),
        ("group error rates", lambda: M.error_rates(truth, predicted)),
        # each metric's 95 % interval beside it: analytic where one exists, a 400-resample bootstrap otherwise
        ("auc interval", lambda: M.interval("auc", truth, None, scores)),
        ("brier interval", lambda: M.interval("brier", truth, None, scores)),
        ("precision interval", lambda: M.interval("precision", truth, predicted, None)),
        ("calibration interval", lambda: M.interval("calibration_error", truth, None, scores)),
        ("f1 interval", lambda: M.interval("f1", truth, predicted, None)),
    ):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        out[name] = statistics.median(times)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    runs = [quality_checks() for _ in range(3)]
    wall = statistics.median(r[0] for r in runs)
    print(
        f"EVAL-001 + FAIR-001 + CHG-003 on credit-risk (2,500 rows x 2 models, servers started): "
        f"median {wall:.2f} s, {2 * 2500 / wall:,.0f} rows/s overall; statuses {runs[0][1]}"
    )
    for name, seconds in metric_times(args.rows).items():
        print(f"{name:20} on {args.rows:,} rows: {seconds:.3f} s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
