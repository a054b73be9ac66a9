"""Change management: the version that goes live is the one that was tested and approved, and the
people who approved it are not the people who built it."""

from __future__ import annotations

import hashlib

from readiness.checks._util import missing, norm

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



class ArtifactIntegrity(Check):
    id = "CHG-001"
    area = "change_management"
    title = "The artifact is versioned, registered, and matches its recorded sha256"
    rationale = ("Auditors ask which exact model made a decision. A version, a registry entry and a digest "
                 "that matches the file are what make the answer provable, and tampering detectable.")
    remediation = ("Set model.artifact with path, sha256 (sha256sum of the file) and registry_ref; update the "
                   "digest whenever the file changes, through the change process.")
    references = (citations.DORA_RTS_ART_16,
                  citations.AIA_ART_11_ANNEX_IV)
    weight = 4.0
    blocking = True

    def run(self, ctx: CheckContext) -> CheckResult:
        artifact = ctx.manifest.model.artifact
        if artifact is None:
            return result_from_findings([missing(ctx, ("model",), "No model artifact is declared.", self.remediation,
                                                 expected="model.artifact")], passed="", failed="No artifact")
        findings = []
        digest = hashlib.sha256()
        with open(ctx.resolve(artifact.path), "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        actual = digest.hexdigest()
        if not artifact.sha256:
            findings.append(missing(ctx, ("model", "artifact"), "No sha256 is recorded for the artifact.",
                                    self.remediation, expected=f"sha256: {actual}"))
        elif artifact.sha256.lower() != actual:
            findings.append(Finding(severity=Severity.CRITICAL,
                                    message="The artifact does not match its recorded sha256: "
                                            "it changed after approval.",
                                    expected=artifact.sha256.lower(), observed=actual,
                                    location=ctx.at("model", "artifact", "sha256"),
                                    remediation="Find out why the file changed; re-approve it or "
                                                "restore the approved file."))
        if is_placeholder(artifact.registry_ref):
            findings.append(missing(ctx, ("model", "artifact"), "The artifact has no model-registry reference.",
                                    self.remediation, expected="registry_ref", severity=Severity.MEDIUM))
        return result_from_findings(findings, passed=f"Artifact {artifact.path} matches sha256 {actual[:12]}…",
                                    failed="{n} artifact integrity gap(s)", total=3,
                                    metrics={"sha256": actual, "path": artifact.path})


class IndependentApproval(Check):
    id = "CHG-002"
    area = "change_management"
    title = "The release is approved by people who did not implement it"
    rationale = ("Four eyes only work when the second pair belongs to someone else: an approval by the "
                 "implementer is a signature, not a control.")
    remediation = ("Record change_management.approvals (by, role, approved_on) from people outside "
                   "change_management.implementers and owners.developers, and a risk assessment.")
    references = (citations.DORA_ART_9_4_E, citations.DORA_RTS_ART_17, citations.FINMA_CIRC_2023_1_ICT)
    weight = 4.0
    blocking = True
    params = {"min_approvals": Param(1, "Independent approvals needed."),
              "require_risk_assessment": Param(False, "Whether change_management.risk_assessment must be set.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        change = ctx.manifest.change_management
        if change is None:
            return result_from_findings([missing(ctx, ("model",), "No change_management section.", self.remediation,
                                                 expected="change_management")], passed="", failed="No change record",
                                        evidence_kind=EvidenceKind.ATTESTED)
        owners = ctx.manifest.owners
        builders = {norm(x) for x in [*change.implementers, *(owners.developers if owners else [])]}
        independent = [a for a in change.approvals if norm(a.by) not in builders]
        conflicted = [a for a in change.approvals if norm(a.by) in builders]
        findings = []
        need = ctx.params["min_approvals"]
        if not change.implementers and not (owners and owners.developers):
            findings.append(missing(ctx, ("change_management",), "Implementers are not listed, so independence "
                                    "cannot be judged.", self.remediation, expected="implementers",
                                    severity=Severity.MEDIUM))
        if len(independent) < need:
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"{len(independent)} independent approval(s); {need} required.",
                                    expected=f">= {need}", observed=str(len(independent)),
                                    location=ctx.at("change_management", "approvals") if change.approvals
                                    else ctx.at("change_management"), remediation=self.remediation))
        for a in conflicted:
            findings.append(Finding(severity=Severity.MEDIUM,
                                    message=f"{a.by} approved a change they implemented; it does not count.",
                                    location=ctx.at("change_management", "approvals")))
        if ctx.params["require_risk_assessment"] and is_placeholder(change.risk_assessment):
            findings.append(missing(ctx, ("change_management",), "No risk assessment is recorded for this change.",
                                    self.remediation, expected="risk_assessment"))
        return result_from_findings(findings, passed=f"{len(independent)} independent approval(s)",
                                    failed="{n} approval gap(s)", evidence_kind=EvidenceKind.ATTESTED,
                                    attestation=attestation_of(change))
