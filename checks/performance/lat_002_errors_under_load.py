"""LAT-002: The error rate under peak load is within the declared limit."""

from __future__ import annotations

from readiness.checks.performance._common import (
    LoadCheck,
    load_stage,
    require_http,
)

from readiness import citations, numbers
from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    result_from_findings,
)


class ErrorsUnderLoad(LoadCheck):
    """Counts the failed requests (errors, timeouts, answers without the declared output) of the load stage at the
    declared peak against ``service_levels.max_error_rate`` (``default_max_error_rate`` when none is declared).

    Example finding: ``0.84% of 12,000 requests failed at the declared peak; at most 0.10% are allowed`` (HIGH).
    """

    id = "LAT-002"
    title = "The error rate under peak load is within the declared limit"
    rationale = (
        "A model that answers one caller but fails one in fifty under concurrency fails in "
        "production: refused connections, timeouts, 5xx and malformed bodies all count."
    )
    remediation = "Find the failure kind in the evidence (timeouts, refused, 5xx, malformed) and fix its cause."
    references = (citations.DORA_ART_7_BD,)
    weight = 5.0
    params = {"default_max_error_rate": Param(0.001, "Used when service_levels.max_error_rate is not declared (ours).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        require_http(ctx)
        levels = ctx.manifest.service_levels
        limit = (
            levels.max_error_rate
            if levels and levels.max_error_rate is not None
            else ctx.params["default_max_error_rate"]
        )
        result = load_stage(ctx)  # every request failing is a measured 100%
        s = result.summary()
        findings = []
        if result.error_rate > limit:
            kinds = ", ".join(f"{k} {v}" for k, v in s["failure_kinds"].items())
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{result.failures} of {result.total} requests failed ({kinds}).",
                    expected=f"<= {numbers.pct(limit)}",
                    observed=f"{numbers.pct(result.error_rate)}",
                    location=ctx.at("service_levels", "max_error_rate") if levels else ctx.at("model", "endpoint"),
                    remediation=self.remediation,
                    evidence={"failure_kinds": s["failure_kinds"], "status_codes": s["status_codes"]},
                )
            )
        passed = f"{result.failures} of {result.total} failed ({numbers.pct(result.error_rate)})"
        return result_from_findings(findings, passed=passed, failed="Error rate over the limit", metrics=s)
