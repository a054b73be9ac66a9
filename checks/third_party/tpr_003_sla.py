"""TPR-003: Model and hosting vendors commit to a quantitative SLA that fits the latency budget."""

from __future__ import annotations

from readiness.checks.third_party._common import (
    ThirdPartyCheck,
    _conclude,
)

from readiness import citations
from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    missing_finding,
    not_applicable,
)


class QuantitativeSla(ThirdPartyCheck):
    """Checks model and hosting vendors commit to an availability SLA, and that a model API's p99 plus ``overhead_ms``
    fits the latency budget.

    Example finding: ``Vendor X's p99 of 800 ms plus 20 ms overhead exceeds the 500 ms budget`` (HIGH).
    """

    id = "TPR-003"
    title = "Model and hosting vendors commit to a quantitative SLA that fits the latency budget"
    rationale = (
        "A vendor's p99 plus your own overhead must fit inside your p99 budget, or the budget is "
        "fiction. For critical functions, DORA requires precise quantitative performance targets."
    )
    remediation = (
        "Record each vendor's SLA (availability %, p99_ms); make sure vendor p99 + overhead_ms stays "
        "within service_levels.latency_ms.p99, or renegotiate."
    )
    references = (citations.DORA_ART_30_2_3,)
    weight = 2.0
    params = {"overhead_ms": Param(0.0, "Your own latency on top of the vendor's, in ms (measure it).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        parties = [(i, p) for i, p in enumerate(ctx.manifest.third_parties or []) if p.kind in {"model_api", "hosting"}]
        if not parties:
            return not_applicable("No model-API or hosting vendors declared")
        levels = ctx.manifest.service_levels
        budget = levels.latency_ms.p99 if levels and levels.latency_ms else None
        findings = []
        for i, p in parties:
            sla = p.sla
            if sla is None or sla.availability is None:
                findings.append(
                    missing_finding(
                        ctx,
                        ("third_parties", i),
                        f"{p.name} has no quantitative availability SLA.",
                        self.remediation,
                        expected="sla.availability",
                    )
                )
            if p.kind == "model_api":
                if sla is None or sla.p99_ms is None:
                    findings.append(
                        missing_finding(
                            ctx,
                            ("third_parties", i),
                            f"{p.name} commits to no p99 latency.",
                            self.remediation,
                            expected="sla.p99_ms",
                        )
                    )
                elif budget is not None and sla.p99_ms + ctx.params["overhead_ms"] > budget:
                    findings.append(
                        Finding(
                            severity=Severity.HIGH,
                            message=f"{p.name}'s p99 of {sla.p99_ms:g} ms plus "
                            f"{ctx.params['overhead_ms']:g} ms overhead "
                            f"exceeds the p99 budget of {budget:g} ms.",
                            expected=f"<= {budget:g} ms",
                            observed=f"{sla.p99_ms + ctx.params['overhead_ms']:g} ms",
                            location=ctx.at("third_parties", i, "sla"),
                            remediation=self.remediation,
                        )
                    )
        return _conclude(
            ctx, findings, "Vendor SLAs are quantitative and fit the budget", "{n} SLA gap(s)", total=len(parties) * 2
        )
