"""TPR-002: Critical third parties have an exit strategy, tested recently."""

from __future__ import annotations

from readiness.checks.third_party._common import (
    ThirdPartyCheck,
)

from readiness import citations
from readiness.check import (
    CheckContext,
    CheckResult,
    Param,
)


class ExitStrategy(ThirdPartyCheck):
    """Checks each critical third party has an exit strategy tested within ``max_days_since_test`` days.

    Example finding: ``Acme Hosting has no exit strategy`` (HIGH).
    """

    id = "TPR-002"
    title = "Critical third parties have an exit strategy, tested recently"
    rationale = (
        "If a critical vendor fails, is sanctioned or triples its price, the firm must be able to "
        "leave without stopping the business; an exit plan nobody tested is a hope."
    )
    remediation = "Write and test an exit plan for each critical third party; record exit_strategy and exit_tested_on."
    references = (citations.DORA_ART_28_8,)
    weight = 3.0
    params = {"max_days_since_test": Param(365, "Oldest acceptable exit test, in days.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        return self.tested_plans(ctx, "exit_strategy", "exit_tested_on", "exit plan")
