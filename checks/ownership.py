"""Ownership: someone named runs the model in production, can be paged, and can escalate.

"Nobody owns it in production" is the commonest reason a working proof-of-concept dies or, worse,
runs unsupervised. These checks read the manifest's ``owners`` section: the evidence is attested.
"""

from __future__ import annotations

from readiness.checks._util import person_problem, same_person

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceKind,
    Finding,
    Param,
    Reference,
    Severity,
    attestation_of,
    result_from_findings,
)
from readiness.manifest import is_placeholder
from readiness.names import unique_names

# Confidence tags as in docs/profiles.md: CP confirmed from primary text, SC secondary and consistent.


def _no_owners(ctx: CheckContext) -> CheckResult:
    return result_from_findings(
        [Finding(severity=Severity.HIGH, message="The manifest has no owners section.",
                 expected="owners: with production_owner, on_call and escalation",
                 observed="no owners section", location=ctx.at("model"),
                 remediation="Add an owners section naming who runs the model in production.")],
        passed="", failed="No owners declared", evidence_kind=EvidenceKind.ATTESTED)


class ProductionOwner(Check):
    id = "OWN-001"
    area = "ownership"
    title = "A named person owns the model in production"
    rationale = ("Accountability needs a person, not a team alias: someone who answers for the model's "
                 "decisions, approves changes and is the regulator's point of contact.")
    remediation = ("Set owners.production_owner to a named individual (name and personal address) who "
                   "has accepted operational responsibility.")
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
            findings.append(Finding(
                severity=Severity.HIGH, message=f"The production owner is not a named person: {problem}.",
                expected="a named individual", observed=owners.production_owner.name
                if owners.production_owner else "none",
                location=ctx.at("owners", "production_owner"), remediation=self.remediation))
        elif owners.production_owner and not owners.production_owner.email:
            findings.append(Finding(
                severity=Severity.LOW, message="The production owner has no contact address.",
                expected="an email address", observed="none",
                location=ctx.at("owners", "production_owner"),
                remediation="Add owners.production_owner.email."))
        owner = owners.production_owner.name if owners.production_owner else None
        return result_from_findings(
            findings, passed=f"Production owner: {owner}", failed="No named production owner",
            evidence_kind=EvidenceKind.ATTESTED, attestation=attestation_of(owners),
            metrics={"production_owner": owner})


class OnCallRotation(Check):
    id = "OWN-002"
    area = "ownership"
    title = "An on-call rotation covers the model"
    rationale = ("Models fail at night and at month-end. Without a rotation that pages a human, an "
                 "incident waits for office hours while decisions keep being made.")
    remediation = ("Declare owners.on_call.rotation (the pager schedule) with at least two members, "
                   "and route the model's alerts to it.")
    references = (citations.NIST_RMF_GOVERN_2_1,)
    weight = 5.0
    blocking = True
    params = {"min_members": Param(2, "Fewest people in the rotation.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        owners = ctx.manifest.owners
        if owners is None:
            return _no_owners(ctx)
        on_call = owners.on_call
        findings = []
        if on_call is None or is_placeholder(on_call.rotation):
            findings.append(Finding(
                severity=Severity.HIGH, message="No on-call rotation is declared.",
                expected="owners.on_call.rotation", observed="missing or placeholder",
                location=ctx.at("owners", "on_call") if on_call else ctx.at("owners"),
                remediation=self.remediation))
        elif len(unique_names(on_call.members)) < ctx.params["min_members"]:
            findings.append(Finding(
                severity=Severity.MEDIUM,
                message=f"The rotation has {len(unique_names(on_call.members))} member(s); one person is not a "
                        "rotation.",
                expected=f">= {ctx.params['min_members']} members", observed=str(len(unique_names(on_call.members))),
                location=ctx.at("owners", "on_call"), remediation="Add members to the rotation."))
        rotation = on_call.rotation if on_call else None
        return result_from_findings(
            findings, passed=f"On-call rotation: {rotation}", failed="No usable on-call rotation",
            evidence_kind=EvidenceKind.ATTESTED, attestation=attestation_of(owners),
            metrics={"rotation": rotation, "members": len(on_call.members) if on_call else 0})


class EscalationChain(Check):
    id = "OWN-003"
    area = "ownership"
    title = "An escalation chain of at least two levels"
    rationale = ("When the first responder cannot fix or decide, someone with authority to stop the "
                 "model or accept the risk must be reachable: that is the second level.")
    remediation = ("List owners.escalation with at least two levels, each a different contact, the "
                   "higher level able to stop the model.")
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
            findings.append(Finding(
                severity=Severity.HIGH,
                message=f"The escalation chain has {len(levels)} level(s); {need} are required.",
                expected=f">= {need} levels", observed=str(len(levels)),
                location=ctx.at("owners", "escalation") if owners.escalation else ctx.at("owners"),
                remediation=self.remediation))
        elif len(contacts) < len(levels):
            findings.append(Finding(
                severity=Severity.MEDIUM, message="Several escalation levels name the same contact.",
                expected="a different contact per level", observed=f"{len(contacts)} contact(s)",
                location=ctx.at("owners", "escalation"), remediation=self.remediation))
        return result_from_findings(
            findings, passed=f"{len(levels)} escalation levels", failed="Escalation chain too short",
            evidence_kind=EvidenceKind.ATTESTED, attestation=attestation_of(owners),
            metrics={"levels": len(levels)})


class PocSeparation(Check):
    id = "OWN-004"
    area = "ownership"
    title = "Production is owned apart from the proof-of-concept team, or handed over on record"
    rationale = ("The team that built the proof-of-concept is rarely the team that will run it. If the "
                 "production owner is one of the builders, nobody independent has taken it on; a "
                 "recorded handover is the evidence that someone has.")
    remediation = ("Name a production owner outside owners.poc_team, or record the handover "
                   "(owners.handover with date, from, to and a record reference).")
    references = (citations.FINMA_GM_2_1, citations.NIST_RMF_GOVERN_2_1)
    weight = 3.0

    def run(self, ctx: CheckContext) -> CheckResult:
        owners = ctx.manifest.owners
        if owners is None:
            return _no_owners(ctx)
        owner = owners.production_owner
        builders = [*owners.poc_team, *owners.developers]
        overlap = owner is not None and any(
            same_person(owner.name, b) or (owner.email and same_person(owner.email, b)) for b in builders)
        handover = owners.handover
        recorded = handover is not None and not is_placeholder(handover.record)
        findings = []
        if overlap and not recorded:
            findings.append(Finding(
                severity=Severity.HIGH,
                message="The production owner is a member of the proof-of-concept team and no handover is recorded.",
                expected="an owner outside the POC team, or owners.handover.record",
                observed=owner.name if owner else None, location=ctx.at("owners", "production_owner"),
                remediation=self.remediation))
        elif not builders and not recorded:
            findings.append(Finding(
                severity=Severity.MEDIUM,
                message="The proof-of-concept team is not listed, so separation cannot be judged.",
                expected="owners.poc_team", observed="empty", location=ctx.at("owners"),
                remediation="List owners.poc_team (and owners.developers)."))
        summary = "Handover recorded" if recorded else "Owner is independent of the POC team"
        return result_from_findings(
            findings, passed=summary, failed="Ownership not separated from the POC team",
            evidence_kind=EvidenceKind.ATTESTED,
            attestation=attestation_of(handover) or attestation_of(owners),
            metrics={"overlap": bool(overlap), "handover_recorded": recorded})
