"""LAT-003: No performance cliff just above peak."""

from __future__ import annotations

from readiness.checks.performance._common import (
    LoadCheck,
    load_stage,
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
    not_applicable,
    result_from_findings,
)


class Degradation(LoadCheck):
    """Runs the load stages above 1x peak (``load_test.stages``) and compares their p99 and error rate with the stage
    at peak (at most ``max_p99_ratio`` times the p99 and ``max_error_rate`` errors), to find a cliff just past the
    declared load.

    Example finding: ``At 1.5x peak the p99 is 6.3 times the p99 at peak`` (HIGH).
    """

    id = "LAT-003"
    title = "No performance cliff just above peak"
    rationale = (
        "Peak is a forecast. If latency or errors explode at twice the declared peak, the first "
        "busy day or retry storm takes the service down."
    )
    remediation = (
        "Find what saturates (threads, connections, CPU) in the stage evidence; add headroom, "
        "back-pressure or load shedding."
    )
    references = (citations.DORA_ART_7_BD,)
    weight = 3.0
    timeout_s = 1800.0
    params = {
        "max_p99_ratio": Param(3.0, "p99 at the higher stage / p99 at 1x, at most (ours)."),
        "max_error_rate": Param(0.01, "Error rate at the higher stages, at most (ours)."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        require_http(ctx)
        stages = [m for m in ctx.manifest.load_test.stages if m > 1.0]
        if not stages:
            return not_applicable("No stage above 1x peak in load_test.stages", needs="a load_test stage above 1.0")
        base = measured_load(ctx, what="the baseline for the higher stages").summary()
        findings, metrics = [], {"1.0": base}
        for m in stages:
            s = load_stage(ctx, m).summary()
            metrics[str(m)] = s
            if base["p99"] and s["p99"] and s["p99"] > ctx.params["max_p99_ratio"] * base["p99"]:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"At {m:g}x peak p99 is {numbers.ms(s['p99'])} ms, "
                        f"{s['p99'] / base['p99']:.1f} times the 1x p99 of {numbers.ms(base['p99'])} ms.",
                        expected=f"<= {ctx.params['max_p99_ratio']:g}x",
                        observed=f"{s['p99'] / base['p99']:.1f}x",
                        location=ctx.at("load_test", "stages"),
                        remediation=self.remediation,
                    )
                )
            if s["error_rate"] > ctx.params["max_error_rate"]:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"At {m:g}x peak {numbers.pct(s['error_rate'])} of requests fail.",
                        expected=f"<= {numbers.pct(ctx.params['max_error_rate'])}",
                        observed=f"{numbers.pct(s['error_rate'])}",
                        location=ctx.at("load_test", "stages"),
                        remediation=self.remediation,
                        evidence={"failure_kinds": s["failure_kinds"]},
                    )
                )
        return result_from_findings(
            findings,
            passed=f"Stages {', '.join(map(str, metrics))}x hold up",
            failed="Performance cliff: {n} finding(s)",
            metrics=metrics,
        )
