"""OWN-001: A named person owns the model in production."""

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
    Severity,
    attested,
    person_problem,
)


class ProductionOwner(Check):
    """Checks that ``owners.production_owner`` is a named individual: a full personal name, not a team, a shared alias
    (``ml-team@``), an address or a placeholder.

    Example finding: ``'ML Platform Team' reads as a team or group, not a person`` (HIGH).
    """

    id = "OWN-001"
    area = "ownership"
    title = "A named person owns the model in production"
    rationale = (
        "Accountability needs a person, not a team alias: someone who answers for the model's "
        "decisions, approves changes and is the regulator's point of contact."
    )
    remediation = (
        "Set owners.production_owner to a named individual (name and personal address) who "
        "has accepted operational responsibility."
    )
    references = (citations.FINMA_GM_2_1, citations.DORA_ART_5_2_AC, citations.NIST_RMF_GOVERN_2_1)
    weight = 6.0
    blocking = True

    def run(self, ctx: CheckContext) -> CheckResult:
        owners = ctx.manifest.owners
        if owners is None:
            return _no_owners(ctx)
        problem = person_problem(owners.production_owner)
        findings = []
        if problem:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"The production owner is not a named person: {problem}.",
                    expected="a named individual",
                    observed=owners.production_owner.name if owners.production_owner else "none",
                    location=ctx.at("owners", "production_owner"),
                    remediation=self.remediation,
                )
            )
        elif owners.production_owner and not owners.production_owner.email:
            findings.append(
                Finding(
                    severity=Severity.LOW,
                    message="The production owner has no contact address.",
                    expected="an email address",
                    observed="none",
                    location=ctx.at("owners", "production_owner"),
                    remediation="Add owners.production_owner.email.",
                )
            )
        owner = owners.production_owner.name if owners.production_owner else None
        return attested(
            findings,
            owners,
            passed=f"Production owner: {owner}",
            failed="No named production owner",
            metrics={"production_owner": owner},
        )
