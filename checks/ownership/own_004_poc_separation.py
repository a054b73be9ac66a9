"""OWN-004: Production is owned apart from the proof-of-concept team, or handed over on record."""

from __future__ import annotations

from readiness.checks.ownership._common import (
    _no_owners,
)

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceKind,
    Finding,
    Severity,
    attestation_of,
    is_placeholder,
    result_from_findings,
    same_name,
)


class PocSeparation(Check):
    """Checks that the production owner is not a member of the proof-of-concept team, or that a handover to them is
    recorded with a date.

    Example finding: ``The production owner is a member of the proof-of-concept team and no handover is recorded``
    (HIGH).
    """

    id = "OWN-004"
    area = "ownership"
    title = "Production is owned apart from the proof-of-concept team, or handed over on record"
    rationale = (
        "The team that built the proof-of-concept is rarely the team that will run it. If the "
        "production owner is one of the builders, nobody independent has taken it on; a "
        "recorded handover is the evidence that someone has."
    )
    remediation = (
        "Name a production owner outside owners.poc_team, or record the handover "
        "(owners.handover with date, from, to and a record reference)."
    )
    references = (citations.FINMA_GM_2_1, citations.NIST_RMF_GOVERN_2_1)
    weight = 3.0

    def run(self, ctx: CheckContext) -> CheckResult:
        owners = ctx.manifest.owners
        if owners is None:
            return _no_owners(ctx)
        owner = owners.production_owner
        builders = [*owners.poc_team, *owners.developers]
        overlap = owner is not None and any(
            same_name(owner.name, b) or (owner.email and same_name(owner.email, b)) for b in builders
        )
        handover = owners.handover
        recorded = handover is not None and not is_placeholder(handover.record)
        findings = []
        if overlap and not recorded:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message="The production owner is a member of the proof-of-concept team and no handover is "
                    "recorded.",
                    expected="an owner outside the POC team, or owners.handover.record",
                    observed=owner.name if owner else None,
                    location=ctx.at("owners", "production_owner"),
                    remediation=self.remediation,
                )
            )
        elif not builders and not recorded:
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message="The proof-of-concept team is not listed, so separation cannot be judged.",
                    expected="owners.poc_team",
                    observed="empty",
                    location=ctx.at("owners"),
                    remediation="List owners.poc_team (and owners.developers).",
                )
            )
        summary = "Handover recorded" if recorded else "Owner is independent of the POC team"
        return result_from_findings(
            findings,
            passed=summary,
            failed="Ownership not separated from the POC team",
            evidence_kind=EvidenceKind.ATTESTED,
            attestation=attestation_of(handover) or attestation_of(owners),
            metrics={"overlap": bool(overlap), "handover_recorded": recorded},
        )
