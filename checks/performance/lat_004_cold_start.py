"""LAT-004: Cold start within its budget."""

from __future__ import annotations

from readiness.checks.performance._common import (
    require_http,
)

from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    not_applicable,
    result_from_findings,
)


class ColdStart(Check):
    """Starts the model server with ``model.serve`` and times how long it takes until the first good answer, against
    ``service_levels.cold_start_s`` (or ``default_budget_s``). The server is stopped on every path.

    Example finding: ``The first good answer came 48.1 s after start; the budget is 30 s`` (HIGH).
    """

    id = "LAT-004"
    area = "performance"
    title = "Cold start within its budget"
    rationale = (
        "After a deploy, a crash or a scale-out, callers wait for the new instance: the time to "
        "its first good prediction decides how long a failover or rollback really takes."
    )
    remediation = "Load the model before accepting traffic, trim start-up imports, keep a warm instance."
    weight = 2.0
    timeout_s = 600.0
    params = {"default_budget_s": Param(30.0, "Used when service_levels.cold_start_s is not declared (ours).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        require_http(ctx)
        if ctx.manifest.model.serve is None:
            return not_applicable(
                "readiness does not start this server (no model.serve), so it cannot time it", needs="model.serve"
            )
        handle = ctx.evidence.model()
        levels = ctx.manifest.service_levels
        budget = levels.cold_start_s if levels and levels.cold_start_s else ctx.params["default_budget_s"]
        metrics = {
            "time_to_ready_s": round(handle.time_to_ready_s or 0, 3),
            "time_to_first_prediction_s": None
            if handle.time_to_first_prediction_s is None
            else round(handle.time_to_first_prediction_s, 3),
            "budget_s": budget,
        }
        findings = []
        if handle.time_to_first_prediction_s is None:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"The first prediction after start failed: {handle.first_prediction_error}.",
                    location=ctx.at("model", "serve"),
                    remediation=self.remediation,
                )
            )
        elif handle.time_to_first_prediction_s > budget:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"First prediction {handle.time_to_first_prediction_s:.2f} s after start.",
                    expected=f"<= {budget:g} s",
                    observed=f"{handle.time_to_first_prediction_s:.2f} s",
                    location=ctx.at("service_levels", "cold_start_s") if levels else ctx.at("model", "serve"),
                    remediation=self.remediation,
                )
            )
        return result_from_findings(
            findings,
            passed=f"First prediction {metrics['time_to_first_prediction_s']} s "
            f"after start (ready at {metrics['time_to_ready_s']} s)",
            failed="Cold start over budget",
            metrics=metrics,
        )
