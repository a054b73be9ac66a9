"""LAT-005: No answer arrives after the caller has given up."""

from __future__ import annotations

from readiness.checks.performance._common import (
    LoadCheck,
    measured_load,
    require_http,
)

from readiness import numbers
from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    result_from_findings,
)


class ClientTimeouts(LoadCheck):
    """Compares answer times under load with the callers' declared timeout (``model.endpoint.timeout_s``): an answer
    that arrives after the caller gave up is work wasted and a decision nobody received. At most ``max_share`` of
    answers may be late. At most ``max_share`` of answers may be late.

    Example finding: ``2.1% of answers at peak arrived after the 0.05 s timeout`` (HIGH).
    """

    id = "LAT-005"
    title = "No answer arrives after the caller has given up"
    rationale = (
        "A caller with a 2-second timeout has moved on at 2.1 s: that answer is a failure, even if "
        "the server logged a 200."
    )
    remediation = (
        "Keep the tail under model.endpoint.timeout_s, or align the caller's timeout with the "
        "budget; shed load rather than answering late."
    )
    weight = 2.0
    params = {"max_share": Param(0.0, "Share of late answers tolerated.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        endpoint = require_http(ctx)
        result = measured_load(ctx, what="answer times", min_share=0.0)
        timeout = endpoint.timeout_s
        # unanswered: still waiting when the run stopped, past even the client's own network timeout
        late = sum(result.kinds.get(k, 0) for k in ("client_timeout", "timeout", "unanswered"))
        share = late / result.total if result.total else 0.0
        findings = []
        if share > ctx.params["max_share"]:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{late} of {result.total} answers came after the {timeout:g} s timeout.",
                    expected=f"<= {numbers.pct(ctx.params['max_share'])}",
                    observed=f"{numbers.pct(share)}",
                    location=ctx.at("model", "endpoint", "timeout_s"),
                    remediation=self.remediation,
                )
            )
        return result_from_findings(
            findings,
            passed=f"No answer later than {timeout:g} s",
            failed="Late answers",
            metrics={"late": late, "requests": result.total, "timeout_s": timeout},
        )
