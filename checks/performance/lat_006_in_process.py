"""LAT-006: In-process latency for co-located models, at microsecond resolution."""

from __future__ import annotations

import statistics
from typing import Any

from readiness.checks.performance._common import (
    _budget,
)

from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceKind,
    Finding,
    Severity,
    call,
    in_process,
    not_applicable,
    predictions_only,
    production_rows,
    require_good,
    result_from_findings,
)


def _pct(sorted_values: list[int], q: float) -> float:
    import math

    return float(sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)])


class InProcessLatency(Check):
    """Calls an in-process model (``model.endpoint.kind: python``) in a separate process with a timing harness and
    reports its latency percentiles in microseconds against the budget, for models co-located with a trading or
    decision system.

    Example finding: ``p99 is 14.2 us; the budget is 8 us`` (HIGH).
    """

    id = "LAT-006"
    area = "performance"
    title = "In-process latency for co-located models, at microsecond resolution"
    rationale = (
        "Next to a trading system the budget is microseconds: only a harness that costs less than "
        "half a microsecond per call can tell whether a Python model fits it."
    )
    remediation = "Vectorise or compile the hot path, avoid per-call validation and allocation, or move the model."
    weight = 4.0
    timeout_s = 600.0

    def run(self, ctx: CheckContext) -> CheckResult:
        endpoint = ctx.manifest.model.endpoint
        if endpoint is None and ctx.manifest.model.predictions is not None:
            return predictions_only(ctx)
        if endpoint is None or endpoint.kind not in {"python", "file"}:
            return not_applicable("The model is not called in process")

        rows = production_rows(ctx.loaded, ctx.manifest.load_test.sample_rows) or [dict(endpoint.request_example or {})]
        calls = ctx.manifest.load_test.in_process_calls
        require_good(ctx, [call(ctx, rows[0])], "The model gives no good answer to time")
        # timed inside the model's own process: the model, not the pipe to it
        raw, empty = in_process(ctx).time(rows, calls, min(calls, 20_000), timeout_s=self.timeout_s)
        overhead = statistics.median(empty)
        samples = sorted(raw)
        metrics: dict[str, Any] = {
            k: round(_pct(samples, q) / 1000.0, 3)
            for k, q in (("p50_us", 0.5), ("p95_us", 0.95), ("p99_us", 0.99), ("p999_us", 0.999))
        }
        metrics.update(max_us=round(samples[-1] / 1000.0, 3), calls=calls, harness_overhead_ns=round(overhead))
        findings = []
        for name, limit_ms in _budget(ctx).items():
            got_us = metrics[f"{name}_us"]
            if got_us > limit_ms * 1000:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{name} is {got_us:g} µs in process; the budget is {limit_ms * 1000:g} µs.",
                        expected=f"<= {limit_ms * 1000:g} µs",
                        observed=f"{got_us:g} µs",
                        location=ctx.at("service_levels", "latency_ms", name),
                        remediation=self.remediation,
                    )
                )
        return result_from_findings(
            findings,
            passed=f"p50 {metrics['p50_us']} µs, p99 {metrics['p99_us']} µs "
            f"(harness {metrics['harness_overhead_ns']} ns/call)",
            failed="In-process latency over budget",
            metrics=metrics,
            evidence_kind=EvidenceKind.MEASURED,
        )
