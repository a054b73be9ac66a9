"""TPR-005: Critical dependencies have a fallback, tested recently."""

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


class Fallback(ThirdPartyCheck):
    """Checks each critical dependency has a fallback tested within ``max_days_since_test`` days.

    Example finding: ``Vendor X has no fallback`` (HIGH).
    """

    id = "TPR-005"
    title = "Critical dependencies have a fallback, tested recently"
    rationale = (
        "When the vendor's API is down, decisions still have to be made: a fallback (a simpler "
        "model, rules, manual processing) that was switched to in a test is the only proof it works."
    )
    remediation = "Define a fallback for each critical third party, switch to it in a test, record fallback_tested_on."
    references = (citations.DORA_ART_11_6_A, citations.NIST_600_1_GV_6_2_004)
    weight = 3.0
    params = {"max_days_since_test": Param(365, "Oldest acceptable failover test, in days.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        return self.tested_plans(ctx, "fallback", "fallback_tested_on", "fallback")
