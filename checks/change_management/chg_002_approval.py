"""CHG-002: The release is approved by people who did not implement it."""

from __future__ import annotations

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
    missing_finding,
    missing_section,
    normalise,
)


class IndependentApproval(Check):
    """Checks the release has at least ``min_approvals`` approvers who did not implement it, and a risk assessment when
    ``require_risk_assessment`` is set.

    Example finding: ``The only approver is also the implementer`` (HIGH).
    """

    id = "CHG-002"
    area = "change_management"
    title = "The release is approved by people who did not implement it"
    rationale = (
        "Four eyes only work when the second pair belongs to someone else: an approval by the "
        "implementer is a signature, not a control."
    )
    remediation = (
        "Record change_management.approvals (by, role, approved_on) from people outside "
        "change_management.implementers and owners.developers, and a risk assessment."
    )
    references = (citations.DORA_ART_9_4_E, citations.DORA_RTS_ART_17, citations.FINMA_CIRC_2023_1_ICT)
    weight = 4.0
    blocking = True
    params = {
        "min_approvals": Param(1, "Independent approvals needed."),
        "require_risk_assessment": Param(False, "Whether change_management.risk_assessment must be set."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        change = ctx.manifest.change_management
        if change is None:
            return missing_section(
                ctx, "change_management", "No change_management section.", self.remediation, "No change record"
            )
        owners = ctx.manifest.owners
        builders = {normalise(x) for x in [*change.implementers, *(owners.developers if owners else [])]}
        independent = [a for a in change.approvals if normalise(a.by) not in builders]
        conflicted = [a for a in change.approvals if normalise(a.by) in builders]
        findings = []
        need = ctx.params["min_approvals"]
        if not change.implementers and not (owners and owners.developers):
            findings.append(
                missing_finding(
                    ctx,
                    ("change_management",),
                    "Implementers are not listed, so independence cannot be judged.",
                    self.remediation,
                    expected="implementers",
                    severity=Severity.MEDIUM,
                )
            )
        if len(independent) < need:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{len(independent)} independent approval(s); {need} required.",
                    expected=f">= {need}",
                    observed=str(len(independent)),
                    location=ctx.at("change_management", "approvals")
                    if change.approvals
                    else ctx.at("change_management"),
                    remediation=self.remediation,
                )
            )
        for a in conflicted:
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"{a.by} approved a change they implemented; it does not count.",
                    location=ctx.at("change_management", "approvals"),
                )
            )
        if ctx.params["require_risk_assessment"] and is_placeholder(change.risk_assessment):
            findings.append(
                missing_finding(
                    ctx,
                    ("change_management",),
                    "No risk assessment is recorded for this change.",
                    self.remediation,
                    expected="risk_assessment",
                )
            )
        return attested(
            findings, change, passed=f"{len(independent)} independent approval(s)", failed="{n} approval gap(s)"
        )
