"""HUM-001: People can override the model, overrides are logged, and someone can stop it."""

from __future__ import annotations

from readiness.checks.operations._common import (
    _absent,
)

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Severity,
    attested,
    missing_finding,
    not_applicable,
)


class HumanOversightPlan(Check):
    """Checks that people can override the model's decisions, that overrides are logged, and that a named role can stop
    the model.

    Example finding: ``Overrides are not logged`` (HIGH).
    """

    id = "HUM-001"
    area = "operations"
    title = "People can override the model, overrides are logged, and someone can stop it"
    rationale = (
        "For decisions with real effect on people, a human must be able to overrule and halt the "
        "system, and overrides are the earliest signal that the model is going wrong."
    )
    remediation = (
        "Set human_oversight.mode, and make override_supported, override_logged and stop_control true once they exist."
    )
    references = (citations.AIA_ART_14, citations.FINMA_GM_2_4)
    weight = 3.0

    def run(self, ctx: CheckContext) -> CheckResult:
        if ctx.manifest.model.decision_effect is not None and ctx.manifest.model.decision_effect.value == "none":
            return not_applicable("The model's output has no decision effect")
        oversight = ctx.manifest.human_oversight
        if oversight is None:
            return _absent(ctx, "human_oversight", self.remediation)
        findings = []
        for name in ("override_supported", "override_logged", "stop_control"):
            if not getattr(oversight, name):
                findings.append(
                    missing_finding(
                        ctx,
                        ("human_oversight",),
                        f"{name.replace('_', ' ').capitalize()} is not in place.",
                        self.remediation,
                        expected=f"{name}: true",
                    )
                )
        if oversight.mode in (None, "none"):
            findings.append(
                missing_finding(
                    ctx,
                    ("human_oversight",),
                    "No oversight mode.",
                    self.remediation,
                    expected="human_in_the_loop or human_on_the_loop",
                    severity=Severity.MEDIUM,
                )
            )
        return attested(
            findings, oversight, passed=f"Oversight: {oversight.mode}", failed="{n} oversight gap(s)", total=4
        )
