"""LAT-001: Latency percentiles at the declared peak are within budget."""

from __future__ import annotations

import math

from readiness.checks.performance._common import (
    PCTS,
    LoadCheck,
    _budget,
    measured_load,
    require_http,
)

from readiness import citations, numbers
from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    fail,
    missing_finding,
    result_from_findings,
)
from readiness.stats import PERCENTILES, judge, nearest_rank, percentile_interval, samples_needed

GENERATOR_LAG_MS = 5.0
"""Above this p99 lateness of the generator's own sends, its measurement of the peak is flagged."""

OVER_BUDGET = (
    "Profile the slow path at the percentile that breaks (the finding names it), add capacity or "
    "workers, or renegotiate the budget with its owner."
)


def judge_percentiles(
    ctx: CheckContext,
    prefix: str,
    good: list[float],
    budget: dict[str, float],
    where: tuple[str, ...],
    findings: list[Finding],
    estimates: dict[str, dict[str, object]],
    undecided: list[str],
    label: str = "",
) -> None:
    """Each budgeted percentile of ``good`` (sorted ms) through its order-statistic interval: FAIL beyond,
    PASS within, inconclusive otherwise; "not estimable" when the sample cannot bracket it."""
    for name, limit in budget.items():
        q = PERCENTILES[name]
        got = nearest_rank(good, q)
        shown_name = f"{label} {name}".strip()
        key = prefix + name
        needed = samples_needed(q)
        interval = percentile_interval(good, q)
        loc = ctx.at(*where, name)
        if interval is None:
            estimates[key] = {"estimable": False, "samples": len(good), "needed": needed}
            undecided.append(key)
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"{shown_name} is not estimable from {len(good):,} good answers: it needs at least "
                    f"{needed:,} (below that the largest value is still inside its 95 % interval); "
                    f"the {numbers.ms(got)} ms measured is the tail of too small a sample, not a {name}.",
                    expected=f">= {needed:,} good answers",
                    observed=f"{len(good):,}",
                    location=ctx.at("load_test"),
                    remediation="Let the stage collect them (load_test.min_samples, max_duration_s, or a "
                    "longer duration_s), or budget a percentile this sample supports.",
                    evidence={"samples": len(good)},
                )
            )
            continue
        verdict = judge(float(got or 0.0), interval, len(good), maximum=limit)
        estimates[key] = {"estimable": True, "interval": interval.as_dict(), "verdict": verdict.state}
        span = interval.text(lambda v: f"{numbers.ms(v)} ms")
        if verdict.state == "fail":
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{shown_name} is {numbers.ms(got)} ms at peak ({span}); the budget is {limit:g} ms.",
                    expected=f"<= {limit:g} ms",
                    observed=f"{numbers.ms(got)} ms",
                    location=loc,
                    remediation=OVER_BUDGET,
                    evidence={"samples": len(good)},
                )
            )
        elif verdict.inconclusive:
            undecided.append(key)
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"{shown_name} is {numbers.ms(got)} ms at peak ({span}) and the budget of {limit:g} ms "
                    f"lies inside the interval: inconclusive on {len(good):,} good answers"
                    + (f"; about {verdict.more:,} more would decide it." if verdict.more else "."),
                    expected=f"the interval <= {limit:g} ms",
                    observed=f"{numbers.ms(got)} ms",
                    location=loc,
                    remediation="Measure longer (load_test.min_samples or duration_s) before relying on it.",
                    evidence={"samples": len(good)},
                )
            )


class LatencyAtPeak(LoadCheck):
    """Runs a Locust load stage at the declared peak (``load_test.peak_rps``) against the live endpoint and compares
    the exact percentiles of good answers (p50, p95, p99, p99.9: nearest rank over every request) with
    ``service_levels.latency_ms`` through their distribution-free 95 % intervals (order statistics): FAIL when the
    whole interval is over budget, PASS when it is all within, an inconclusive WARN otherwise; a percentile the
    sample cannot estimate (p99 needs 368 good answers, p99.9 3,688) is "not estimable", never a PASS; the peak
    stage is sized to collect them by default (``load_test.min_samples``). For an OpenAI-compatible stream the time to
    first token and per output token are judged the same way against ``service_levels.ttft_ms`` and ``tpot_ms``.
    Fails when too few answers were good to
    measure, or when the achieved rate falls below ``min_throughput_ratio`` of the peak. At a declared rate the load is
    open-loop: requests leave on a fixed schedule and are measured from their intended send time (a server's stall is
    what users feel, not hidden by waiting clients); the service time and the generator's own schedule lag are
    reported beside them, and a generator more than 5 ms late at p99 is a warning, not a latency of the model.

    Example finding: ``p99 is 41.2 ms at 200 rps; the budget is 25 ms`` (HIGH).
    """

    id = "LAT-001"
    title = "Latency percentiles at the declared peak are within budget"
    rationale = (
        "Averages hide what users feel: the tail under concurrency is what breaks a trading desk "
        "or a checkout. The declared p50, p99 and p99.9 budgets must hold at the declared peak load."
    )
    remediation = (
        "Declare service_levels.latency_ms (p50, p99, p999) and peak_rps; profile the slow path "
        "(the findings show which percentile breaks), add capacity, or renegotiate the budget."
    )
    references = (citations.DORA_ART_7_BD,)
    weight = 6.0
    blocking = True
    params = {"min_throughput_ratio": Param(0.9, "Achieved requests per second / target, at least.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        require_http(ctx)
        budget = _budget(ctx)
        if not budget:
            return fail(
                missing_finding(
                    ctx,
                    ("service_levels",),
                    "No latency budget is declared.",
                    "Declare service_levels.latency_ms (p50, p99, p999) and peak_rps.",
                    expected="service_levels.latency_ms",
                ),
                "No latency budget to test against",
            )
        result = measured_load(ctx)
        summary = result.summary()
        findings: list[Finding] = []
        good = sorted(result.latencies_ms)
        estimates: dict[str, dict[str, object]] = {}
        undecided: list[str] = []
        judge_percentiles(ctx, "", good, budget, ("service_levels", "latency_ms"), findings, estimates, undecided)
        levels = ctx.manifest.service_levels
        for key, label, values in (
            ("ttft_ms", "time to first token", result.ttft_ms),
            ("tpot_ms", "time per output token", result.tpot_ms),
        ):
            declared = getattr(levels, key, None) if levels else None
            limits = {k: getattr(declared, k) for k in PCTS if declared and getattr(declared, k) is not None}
            if not limits:
                continue
            if not values:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"A {label} budget is declared, but no answer was a token stream: it was not measured.",
                        expected=f"{label} measured",
                        observed="no streamed answer",
                        location=ctx.at("service_levels", key),
                        remediation="Set model.endpoint.protocol: openai and stream: true, so the load stage asks for "
                        "a stream and times its tokens.",
                    )
                )
                continue
            prefix = key.split("_")[0] + "_"
            judge_percentiles(
                ctx, prefix, sorted(values), limits, ("service_levels", key), findings, estimates, undecided, label
            )
        summary = {**summary, "percentile_estimates": estimates}
        schedule = summary.get("schedule") or {}
        lag = float(schedule.get("generator_lag_p99_ms") or 0.0)
        if lag > GENERATOR_LAG_MS:
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"The load generator, not the model, fell behind its schedule: "
                    f"{schedule.get('generator_late', 0):,} requests left more than 1 ms late (p99 "
                    f"{numbers.ms(lag)} ms): the rate the model saw was uneven, so its percentiles are not a "
                    "clean measurement of the declared peak.",
                    expected=f"generator lag p99 <= {GENERATOR_LAG_MS:g} ms",
                    observed=f"{numbers.ms(lag)} ms",
                    location=ctx.at("load_test"),
                    remediation="Give the generator more processes (--workers or load_test.workers), or run it "
                    "on a machine that does not also run the model.",
                    evidence={k: str(v) for k, v in schedule.items()},
                )
            )
        target = result.plan.rps
        ratio = ctx.params["min_throughput_ratio"]
        if target and summary.get("arrivals") == "poisson":  # a Poisson count varies: allow three of its sds
            expected_count = target * float(summary.get("duration_s") or 1.0)
            ratio = min(ratio, 1 - 3 / math.sqrt(max(expected_count, 1.0)))
        if target and summary["achieved_rps"] < ratio * target:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"Only {summary['achieved_rps']:g} requests/s were served; the declared peak is "
                    f"{target:g}.",
                    expected=f">= {ratio * target:.4g}/s",
                    observed=f"{summary['achieved_rps']:g}/s",
                    location=ctx.at("service_levels", "peak_rps"),
                    remediation="Add capacity, or check whether the load generator is the limit (--workers).",
                )
            )
        shown = ", ".join(  # only the percentiles this many answers can estimate
            f"{k} {numbers.ms(summary[k])} ms"
            for k in PCTS
            if summary[k] is not None and len(good) >= samples_needed(PERCENTILES[k])
        )
        broken = [
            f"{k} {numbers.ms(summary[k])} ms > {v:g}"
            for k, v in budget.items()
            if estimates.get(k, {}).get("verdict") == "fail"
        ] + [
            f"{k.replace('_', ' ')} > budget"
            for k, e in estimates.items()
            if k.startswith(("ttft_", "tpot_")) and e.get("verdict") == "fail"
        ]
        failed = "Over budget at peak: " + ("; ".join(broken) if broken else "throughput below the peak")
        if undecided and not broken and len(findings) == len(undecided):
            failed = f"Not decided at peak: {', '.join(undecided)} (too few answers to judge against the budget)"
        return result_from_findings(
            findings,
            passed=f"At {summary['achieved_rps']:g} req/s: {shown}",
            failed=failed,
            total=len(budget) + 1,
            metrics=summary,
        )
