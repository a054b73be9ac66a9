"""Time to render each report format: the credit-risk example, and a synthetic 200-check report.

    python benchmarks/reports.py

Targets (issue 7): the PDF for the credit-risk example within 3 s, a 200-check report within 15 s, on a
2-core machine. Each figure is the median of 3 renders in this process, after one warm-up render (which
also pays WeasyPrint's import; that import alone is reported separately).
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def credit_risk():
    from readiness.api import assess
    from readiness.engine import RunOptions

    return assess(
        ROOT / "examples/credit-risk/readiness.yaml", options=RunOptions(now=datetime(2026, 11, 22, tzinfo=UTC))
    )


def two_hundred(base):
    from readiness.model import CheckResult, Finding, Outcome, Severity, Status

    findings = tuple(
        Finding(severity=Severity.HIGH, message=f"finding {k}", expected="x", observed="y") for k in range(3)
    )
    outcomes = tuple(
        Outcome(
            id=f"GEN-{i:03d}",
            title=f"Generated check {i}",
            area=f"area_{i % 8}",
            weight=1,
            blocking=i % 50 == 0,
            duration_s=0.01,
            effective_score=[100, 50, 0][i % 3],
            result=CheckResult(
                status=[Status.PASS, Status.WARN, Status.FAIL][i % 3],
                score=[100, 50, 0][i % 3],
                summary=f"summary {i}",
                findings=findings if i % 3 else (),
            ),
        )
        for i in range(200)
    )
    return base.model_copy(update={"outcomes": outcomes, "gaps": (), "blocking_gaps": ()})


def timed(fn, runs: int = 3) -> float:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    from readiness.reports import html, junit, markdown, sarif

    start = time.perf_counter()
    import weasyprint  # noqa: F401

    from readiness.reports import pdf

    print(f"import weasyprint: {time.perf_counter() - start:.2f} s")
    cases = {"credit-risk": credit_risk()}
    cases["200 checks"] = two_hundred(cases["credit-risk"])
    print(f"{'report':<12} {'html ms':>9} {'md ms':>9} {'junit ms':>9} {'sarif ms':>9} {'pdf s':>8} {'pdf KiB':>8}")
    for name, a in cases.items():
        size = len(pdf.render(a)) / 1024
        row = [timed(lambda m=m, a=a: m.render(a)) for m in (html, markdown, junit, sarif, pdf)]
        print(f"{name:<12} " + " ".join(f"{t * 1000:>9.2f}" for t in row[:4]) + f" {row[4]:>8.2f} {size:>8.0f}")


if __name__ == "__main__":
    main()
