"""Performance: latency and errors under the declared peak and beyond it, cold start, client timeouts,
and in-process latency for co-located models.

The load runs are Locust subprocesses (readiness.loadtest), each stage run once and shared by the
checks; percentiles are exact, from every request's own duration at microsecond resolution.
"""

from __future__ import annotations

import statistics
from typing import Any

from readiness.checks._util import missing

from readiness import adapters
from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceKind,
    Finding,
    Param,
    Reference,
    Severity,
    not_applicable,
    result_from_findings,
)
from readiness.evidence import LoadError, Precondition, require_good
from readiness.loadtest.runner import LoadResult
from readiness.outputs import predictions_only

PCTS = ("p50", "p95", "p99", "p999")


def _http_only(ctx: CheckContext) -> CheckResult | None:
    endpoint = ctx.manifest.model.endpoint
    if endpoint is None and ctx.manifest.model.predictions is not None:
        return predictions_only(ctx)
    if endpoint is None:
        return result_from_findings([missing(ctx, ("model",), "No endpoint: the model cannot be loaded.",
                                             "Declare model.endpoint.", expected="model.endpoint")],
                                    passed="", failed="No endpoint")
    if endpoint.kind != "http":
        return not_applicable("The model is called in process; see LAT-006")
    return None


def _budget(ctx: CheckContext) -> dict[str, float]:
    levels = ctx.manifest.service_levels
    budget = levels.latency_ms if levels and levels.latency_ms else None
    return {k: getattr(budget, k) for k in PCTS if budget and getattr(budget, k) is not None}


def _workers(ctx: CheckContext) -> int | None:
    return ctx.extra.get("workers")


def max_error_rate(ctx: CheckContext, default: float = 0.001) -> float:
    levels = ctx.manifest.service_levels
    return levels.max_error_rate if levels and levels.max_error_rate is not None else default


def load_stage(ctx: CheckContext, multiplier: float = 1.0) -> LoadResult:
    """The load stage, once there is something to send: without a production sample or a request example
    there is no request to build, which is one clear finding rather than a load run that sends nothing."""
    if not adapters.bodies(ctx.loaded, 1):
        raise Precondition(result_from_findings([Finding(
            severity=Severity.HIGH, message="No production data sample or request example to build requests "
            "from: the load was not run.", expected="data.production or model.endpoint.request_example",
            observed="neither", location=ctx.at("data") if ctx.manifest.data else ctx.at("model", "endpoint"),
            remediation="Point data.production at a production-shaped sample, or give "
                        "model.endpoint.request_example.")], passed="", failed="Nothing to send: load not run"))
    return ctx.evidence.load(multiplier, _workers(ctx))


def measured_load(ctx: CheckContext, multiplier: float = 1.0, *, what: str = "latency",
                  min_share: float | None = None) -> LoadResult:
    """The load stage at ``multiplier`` x peak, when it measured something: ERROR (LoadError) when no
    request got any answer, FAIL (Precondition) when fewer than 1 - max_error_rate of them were good."""
    result = load_stage(ctx, multiplier)
    stage = f"at {multiplier:g}x peak" if multiplier != 1.0 else "at the declared peak"
    if result.answered == 0:
        raise LoadError(f"0 of {result.total} requests {stage} got an answer ({result.describe_failures()}): "
                        f"{what} not measured")
    share = result.good / result.total if result.total else 0.0
    needed = 1 - max_error_rate(ctx) if min_share is None else min_share
    if result.good == 0 or share < needed:
        codes = ", ".join(f"HTTP {k}: {v}" for k, v in sorted(result.statuses.items()) if str(k) not in {"0", "200"})
        raise Precondition(result_from_findings([Finding(
            severity=Severity.HIGH,
            message=f"{result.good} of {result.total} requests {stage} succeeded "
                    f"({result.describe_failures()}): {what} not measured.",
            expected=f">= {needed:.2%} good answers", observed=f"{share:.2%}",
            location=ctx.at("model", "endpoint"), evidence={"failure_kinds": dict(result.kinds), "status_codes": codes},
            remediation="Make the model answer the load's requests (see LAT-002 and SRV-001), then measure again.")],
            passed="", failed=f"{result.good} of {result.total} requests succeeded ({result.describe_failures()}): "
                              f"{what} not measured",
            metrics=result.summary()))
    return result


class _LoadCheck(Check):
    """What the Locust-driven checks share: they need the load extra and may run for minutes."""

    abstract = True
    area = "performance"
    extras = ("locust",)
    install_hint = "pip install 'readiness[load]'"
    timeout_s = 900.0


OVER_BUDGET = ("Profile the slow path at the percentile that breaks (the finding names it), add capacity or "
               "workers, or renegotiate the budget with its owner.")


class LatencyAtPeak(_LoadCheck):
    id = "LAT-001"
    title = "Latency percentiles at the declared peak are within budget"
    rationale = ("Averages hide what users feel: the tail under concurrency is what breaks a trading desk "
                 "or a checkout. The declared p50, p99 and p99.9 budgets must hold at the declared peak load.")
    remediation = ("Declare service_levels.latency_ms (p50, p99, p999) and peak_rps; profile the slow path "
                   "(the findings show which percentile breaks), add capacity, or renegotiate the budget.")
    references = (citations.DORA_ART_7_BD,)
    weight = 6.0
    blocking = True
    params = {"min_throughput_ratio": Param(0.9, "Achieved requests per second / target, at least.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        early = _http_only(ctx)
        if early:
            return early
        budget = _budget(ctx)
        if not budget:
            return result_from_findings([missing(ctx, ("service_levels",), "No latency budget is declared.",
                                                 "Declare service_levels.latency_ms (p50, p99, p999) and "
                                                 "peak_rps.", expected="service_levels.latency_ms")],
                                        passed="", failed="No latency budget to test against")
        result = measured_load(ctx)
        summary = result.summary()
        findings = []
        for name, limit in budget.items():
            got = summary[name]
            if got is None or got > limit:
                findings.append(Finding(
                    severity=Severity.HIGH, message=f"{name} is {got} ms at peak; the budget is {limit:g} ms.",
                    expected=f"<= {limit:g} ms", observed=f"{got} ms", location=ctx.at("service_levels", "latency_ms",
                                                                                      name),
                    remediation=OVER_BUDGET, evidence={"requests": summary["requests"]}))
        target = result.plan.rps
        if target and summary["achieved_rps"] < ctx.params["min_throughput_ratio"] * target:
            findings.append(Finding(
                severity=Severity.HIGH,
                message=f"Only {summary['achieved_rps']:g} requests/s were served; the declared peak is {target:g}.",
                expected=f">= {ctx.params['min_throughput_ratio'] * target:g}/s",
                observed=f"{summary['achieved_rps']:g}/s",
                location=ctx.at("service_levels", "peak_rps"),
                remediation="Add capacity, or check whether the load generator is the limit (--workers)."))
        shown = ", ".join(f"{k} {summary[k]} ms" for k in PCTS if summary[k] is not None)
        broken = [f"{k} {summary[k]} ms > {v:g}" for k, v in budget.items() if summary[k] is None or summary[k] > v]
        failed = "Over budget at peak: " + ("; ".join(broken) if broken else "throughput below the peak")
        return result_from_findings(findings, passed=f"At {summary['achieved_rps']:g} req/s: {shown}",
                                    failed=failed, total=len(budget) + 1, metrics=summary)


class ErrorsUnderLoad(_LoadCheck):
    id = "LAT-002"
    title = "The error rate under peak load is within the declared limit"
    rationale = ("A model that answers one caller but fails one in fifty under concurrency fails in "
                 "production: refused connections, timeouts, 5xx and malformed bodies all count.")
    remediation = "Find the failure kind in the evidence (timeouts, refused, 5xx, malformed) and fix its cause."
    references = (citations.DORA_ART_7_BD,)
    weight = 5.0
    params = {"default_max_error_rate": Param(0.001, "Used when service_levels.max_error_rate is not declared (ours).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        early = _http_only(ctx)
        if early:
            return early
        levels = ctx.manifest.service_levels
        limit = levels.max_error_rate if levels and levels.max_error_rate is not None else \
            ctx.params["default_max_error_rate"]
        result = load_stage(ctx)  # every request failing is a measured 100%
        s = result.summary()
        findings = []
        if result.error_rate > limit:
            kinds = ", ".join(f"{k} {v}" for k, v in s["failure_kinds"].items())
            findings.append(Finding(
                severity=Severity.HIGH, message=f"{result.failures} of {result.total} requests failed ({kinds}).",
                expected=f"<= {limit:.3%}", observed=f"{result.error_rate:.3%}",
                location=ctx.at("service_levels", "max_error_rate") if levels else ctx.at("model", "endpoint"),
                remediation=self.remediation, evidence={"failure_kinds": s["failure_kinds"],
                                                        "status_codes": s["status_codes"]}))
        passed = f"{result.failures} of {result.total} failed ({result.error_rate:.3%})"
        return result_from_findings(findings, passed=passed, failed="Error rate over the limit", metrics=s)


class Degradation(_LoadCheck):
    id = "LAT-003"
    title = "No performance cliff just above peak"
    rationale = ("Peak is a forecast. If latency or errors explode at twice the declared peak, the first "
                 "busy day or retry storm takes the service down.")
    remediation = ("Find what saturates (threads, connections, CPU) in the stage evidence; add headroom, "
                   "back-pressure or load shedding.")
    references = (citations.DORA_ART_7_BD,)
    weight = 3.0
    timeout_s = 1800.0
    params = {"max_p99_ratio": Param(3.0, "p99 at the higher stage / p99 at 1x, at most (ours)."),
              "max_error_rate": Param(0.01, "Error rate at the higher stages, at most (ours).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        early = _http_only(ctx)
        if early:
            return early
        stages = [m for m in ctx.manifest.load_test.stages if m > 1.0]
        if not stages:
            return not_applicable("No stage above 1x peak in load_test.stages", needs="a load_test stage above 1.0")
        base = measured_load(ctx, what="the baseline for the higher stages").summary()
        findings, metrics = [], {"1.0": base}
        for m in stages:
            s = load_stage(ctx, m).summary()
            metrics[str(m)] = s
            if base["p99"] and s["p99"] and s["p99"] > ctx.params["max_p99_ratio"] * base["p99"]:
                findings.append(Finding(
                    severity=Severity.HIGH, message=f"At {m:g}x peak p99 is {s['p99']} ms, "
                    f"{s['p99'] / base['p99']:.1f} times the 1x p99 of {base['p99']} ms.",
                    expected=f"<= {ctx.params['max_p99_ratio']:g}x", observed=f"{s['p99'] / base['p99']:.1f}x",
                    location=ctx.at("load_test", "stages"), remediation=self.remediation))
            if s["error_rate"] > ctx.params["max_error_rate"]:
                findings.append(Finding(
                    severity=Severity.HIGH, message=f"At {m:g}x peak {s['error_rate']:.2%} of requests fail.",
                    expected=f"<= {ctx.params['max_error_rate']:.1%}", observed=f"{s['error_rate']:.2%}",
                    location=ctx.at("load_test", "stages"), remediation=self.remediation,
                    evidence={"failure_kinds": s["failure_kinds"]}))
        return result_from_findings(findings, passed=f"Stages {', '.join(map(str, metrics))}x hold up",
                                    failed="Performance cliff: {n} finding(s)", metrics=metrics)


class ColdStart(Check):
    id = "LAT-004"
    area = "performance"
    title = "Cold start within its budget"
    rationale = ("After a deploy, a crash or a scale-out, callers wait for the new instance: the time to "
                 "its first good prediction decides how long a failover or rollback really takes.")
    remediation = "Load the model before accepting traffic, trim start-up imports, keep a warm instance."
    weight = 2.0
    timeout_s = 600.0
    params = {"default_budget_s": Param(30.0, "Used when service_levels.cold_start_s is not declared (ours).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        early = _http_only(ctx)
        if early:
            return early
        if ctx.manifest.model.serve is None:
            return not_applicable("readiness does not start this server (no model.serve), so it cannot time it",
                                  needs="model.serve")
        handle = ctx.evidence.model()
        levels = ctx.manifest.service_levels
        budget = levels.cold_start_s if levels and levels.cold_start_s else ctx.params["default_budget_s"]
        metrics = {"time_to_ready_s": round(handle.time_to_ready_s or 0, 3),
                   "time_to_first_prediction_s": None if handle.time_to_first_prediction_s is None
                   else round(handle.time_to_first_prediction_s, 3), "budget_s": budget}
        findings = []
        if handle.time_to_first_prediction_s is None:
            findings.append(Finding(severity=Severity.HIGH,
                                    message="The first prediction after start failed: "
                                            f"{handle.first_prediction_error}.",
                                    location=ctx.at("model", "serve"), remediation=self.remediation))
        elif handle.time_to_first_prediction_s > budget:
            findings.append(Finding(
                severity=Severity.HIGH,
                message=f"First prediction {handle.time_to_first_prediction_s:.2f} s after start.",
                expected=f"<= {budget:g} s", observed=f"{handle.time_to_first_prediction_s:.2f} s",
                location=ctx.at("service_levels", "cold_start_s") if levels else ctx.at("model", "serve"),
                remediation=self.remediation))
        return result_from_findings(findings, passed=f"First prediction {metrics['time_to_first_prediction_s']} s "
                                    f"after start (ready at {metrics['time_to_ready_s']} s)",
                                    failed="Cold start over budget", metrics=metrics)


class ClientTimeouts(_LoadCheck):
    id = "LAT-005"
    title = "No answer arrives after the caller has given up"
    rationale = ("A caller with a 2-second timeout has moved on at 2.1 s: that answer is a failure, even if "
                 "the server logged a 200.")
    remediation = ("Keep the tail under model.endpoint.timeout_s, or align the caller's timeout with the "
                   "budget; shed load rather than answering late.")
    weight = 2.0
    params = {"max_share": Param(0.0, "Share of late answers tolerated.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        early = _http_only(ctx)
        if early:
            return early
        result = measured_load(ctx, what="answer times", min_share=0.0)
        timeout = ctx.manifest.model.endpoint.timeout_s
        late = result.kinds.get("client_timeout", 0) + result.kinds.get("timeout", 0)
        share = late / result.total if result.total else 0.0
        findings = []
        if share > ctx.params["max_share"]:
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"{late} of {result.total} answers came after the {timeout:g} s timeout.",
                                    expected=f"<= {ctx.params['max_share']:.2%}", observed=f"{share:.2%}",
                                    location=ctx.at("model", "endpoint", "timeout_s"), remediation=self.remediation))
        return result_from_findings(findings, passed=f"No answer later than {timeout:g} s",
                                    failed="Late answers", metrics={"late": late, "requests": result.total,
                                                                    "timeout_s": timeout})


class InProcessLatency(Check):
    id = "LAT-006"
    area = "performance"
    title = "In-process latency for co-located models, at microsecond resolution"
    rationale = ("Next to a trading system the budget is microseconds: only a harness that costs less than "
                 "half a microsecond per call can tell whether a Python model fits it.")
    remediation = "Vectorise or compile the hot path, avoid per-call validation and allocation, or move the model."
    weight = 4.0
    timeout_s = 600.0

    def run(self, ctx: CheckContext) -> CheckResult:
        endpoint = ctx.manifest.model.endpoint
        if endpoint is None and ctx.manifest.model.predictions is not None:
            return predictions_only(ctx)
        if endpoint is None or endpoint.kind not in {"python", "file"}:
            return not_applicable("The model is not called in process")
        from readiness.outputs import call, in_process

        rows = adapters.production_rows(ctx.loaded, ctx.manifest.load_test.sample_rows) or \
            [dict(endpoint.request_example or {})]
        calls = ctx.manifest.load_test.in_process_calls
        require_good(ctx, [call(ctx, rows[0])], "The model gives no good answer to time")
        # timed inside the model's own process: the model, not the pipe to it
        raw, empty = in_process(ctx).time(rows, calls, min(calls, 20_000), timeout_s=self.timeout_s)
        overhead = statistics.median(empty)
        samples = sorted(raw)
        metrics: dict[str, Any] = {k: round(_pct(samples, q) / 1000.0, 3) for k, q in
                                   (("p50_us", .5), ("p95_us", .95), ("p99_us", .99), ("p999_us", .999))}
        metrics.update(max_us=round(samples[-1] / 1000.0, 3), calls=calls, harness_overhead_ns=round(overhead))
        findings = []
        for name, limit_ms in _budget(ctx).items():
            got_us = metrics[f"{name}_us"]
            if got_us > limit_ms * 1000:
                findings.append(Finding(severity=Severity.HIGH,
                                        message=f"{name} is {got_us:g} µs in process; the budget is "
                                                f"{limit_ms * 1000:g} µs.",
                                        expected=f"<= {limit_ms * 1000:g} µs", observed=f"{got_us:g} µs",
                                        location=ctx.at("service_levels", "latency_ms", name),
                                        remediation=self.remediation))
        return result_from_findings(findings, passed=f"p50 {metrics['p50_us']} µs, p99 {metrics['p99_us']} µs "
                                    f"(harness {metrics['harness_overhead_ns']} ns/call)",
                                    failed="In-process latency over budget", metrics=metrics,
                                    evidence_kind=EvidenceKind.MEASURED)


def _pct(sorted_values: list[int], q: float) -> float:
    import math

    return float(sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)])
