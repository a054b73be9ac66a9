"""ROL-001: A gradual rollout plan with success criteria."""

from __future__ import annotations

from readiness.checks.operations._common import (
    _absent,
)

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Severity,
    attested,
    is_placeholder,
    missing_finding,
)


class GradualRollout(Check):
    """Checks a gradual rollout plan is declared (canary or shadow stages) with success criteria that decide promotion
    or rollback.

    Example finding: ``rollout has no success criteria`` (HIGH).
    """

    id = "ROL-001"
    area = "operations"
    title = "A gradual rollout plan with success criteria"
    rationale = (
        "Switching all traffic at once turns every unknown into an incident. Shadow, canary or "
        "champion/challenger stages with criteria decided in advance let the model earn its traffic."
    )
    remediation = (
        "Set rollout.strategy (shadow, canary, champion_challenger, percentage or region), its "
        "stages, and the success criteria that allow each step."
    )
    references = (citations.DORA_RTS_ART_16,)
    weight = 3.0

    def run(self, ctx: CheckContext) -> CheckResult:
        rollout = ctx.manifest.rollout
        if rollout is None:
            return _absent(ctx, "rollout", self.remediation)
        findings = []
        if rollout.strategy in (None, "big_bang"):
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message="The rollout is not gradual.",
                    expected="shadow, canary, champion_challenger, percentage or region",
                    observed=rollout.strategy or "none",
                    location=ctx.at("rollout"),
                    remediation=self.remediation,
                )
            )
        if is_placeholder(rollout.success_criteria):
            findings.append(
                missing_finding(
                    ctx,
                    ("rollout",),
                    "No success criteria decide when to widen the rollout.",
                    self.remediation,
                    expected="success_criteria",
                )
            )
        if rollout.strategy not in (None, "big_bang") and not rollout.stages:
            findings.append(
                missing_finding(
                    ctx,
                    ("rollout",),
                    "The rollout has no stages.",
                    self.remediation,
                    expected="stages",
                    severity=Severity.MEDIUM,
                )
            )
        return attested(
            findings,
            rollout,
            passed=f"{rollout.strategy} rollout in {len(rollout.stages)} stages",
            failed="{n} rollout gap(s)",
            total=3,
        )
