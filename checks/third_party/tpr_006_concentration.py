"""TPR-006: Critical functions are not concentrated on one provider."""

from __future__ import annotations

from collections import Counter

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
    normalise,
    not_applicable,
)


class Concentration(ThirdPartyCheck):
    """Counts the critical functions per provider against ``max_critical_per_provider``.

    Example finding: ``3 critical functions depend on one provider`` (MEDIUM).
    """

    id = "TPR-006"
    title = "Critical functions are not concentrated on one provider"
    rationale = (
        "Several critical functions on one provider turn one outage into many; regulators ask "
        "firms to identify and manage this concentration risk."
    )
    remediation = "Spread critical functions across providers, or document why not and how an outage is absorbed."
    references = (citations.DORA_ART_29,)
    weight = 1.0
    params = {"max_critical_per_provider": Param(1, "Most critical functions one provider may carry.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        critical = self.critical(ctx)
        if not critical:
            return not_applicable("No critical third parties declared")
        counts = Counter(normalise(p.name) for _, p in critical)
        limit = ctx.params["max_critical_per_provider"]
        findings = [
            Finding(
                severity=Severity.MEDIUM,
                message=f"{name} carries {n} critical functions.",
                expected=f"<= {limit}",
                observed=str(n),
                location=ctx.at("third_parties"),
                remediation=self.remediation,
            )
            for name, n in counts.items()
            if n > limit
        ]
        return _conclude(
            ctx,
            findings,
            f"{len(counts)} provider(s) for {len(critical)} critical function(s)",
            "Concentration on {n} provider(s)",
            metrics=dict(counts),
        )
