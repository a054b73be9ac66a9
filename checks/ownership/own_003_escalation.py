"""OWN-003: An escalation chain of at least two levels."""

from __future__ import annotations

from readiness.checks.ownership._common import (
    _no_owners,
)

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    attested,
    is_placeholder,
)


class EscalationChain(Check):
    """Checks that ``owners.escalation`` lists at least ``min_levels`` levels, each a different named person, so an
    incident that the first responder cannot fix reaches someone with authority.

    Example finding: ``Escalation levels 1 and 2 are the same person`` (HIGH).
    """

    id = "OWN-003"
    area = "ownership"
    title = "An escalation chain of at least two levels"
    rationale = (
        "When the first responder cannot fix or decide, someone with authority to stop the "
        "model or accept the risk must be reachable: that is the second level."
    )
    remediation = (
        "List owners.escalation with at least two levels, each a different contact, the "
        "higher level able to stop the model."
    )
    references = (citations.NIST_RMF_GOVERN_2_1,)
    weight = 3.0
    params = {"min_levels": Param(2, "Fewest distinct escalation levels.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        owners = ctx.manifest.owners
        if owners is None:
            return _no_owners(ctx)
        steps = [e for e in owners.escalation if not is_placeholder(e.contact)]
        levels = sorted({e.level for e in steps})
        contacts = {e.contact.casefold() for e in steps}
        need = ctx.params["min_levels"]
        findings = []
        if len(levels) < need:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"The escalation chain has {len(levels)} level(s); {need} are required.",
                    expected=f">= {need} levels",
                    observed=str(len(levels)),
                    location=ctx.at("owners", "escalation") if owners.escalation else ctx.at("owners"),
                    remediation=self.remediation,
                )
            )
        elif len(contacts) < len(levels):
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message="Several escalation levels name the same contact.",
                    expected="a different contact per level",
                    observed=f"{len(contacts)} contact(s)",
                    location=ctx.at("owners", "escalation"),
                    remediation=self.remediation,
                )
            )
        return attested(
            findings,
            owners,
            passed=f"{len(levels)} escalation levels",
            failed="Escalation chain too short",
            metrics={"levels": len(levels)},
        )
