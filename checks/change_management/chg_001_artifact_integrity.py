"""CHG-001: The artifact is versioned, registered, and matches its recorded sha256."""

from __future__ import annotations

import hashlib

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Severity,
    fail,
    is_placeholder,
    missing_finding,
    result_from_findings,
)


class ArtifactIntegrity(Check):
    """Checks the artifact has a version and a registry entry, and recomputes its sha256 to compare with the recorded
    one.

    Example finding: ``model.artifact sha256 does not match the recorded one`` (CRITICAL).
    """

    id = "CHG-001"
    area = "change_management"
    title = "The artifact is versioned, registered, and matches its recorded sha256"
    rationale = (
        "Auditors ask which exact model made a decision. A version, a registry entry and a digest "
        "that matches the file are what make the answer provable, and tampering detectable."
    )
    remediation = (
        "Set model.artifact with path, sha256 (sha256sum of the file) and registry_ref; update the "
        "digest whenever the file changes, through the change process."
    )
    references = (citations.DORA_RTS_ART_16, citations.AIA_ART_11_ANNEX_IV)
    weight = 4.0
    blocking = True

    def run(self, ctx: CheckContext) -> CheckResult:
        artifact = ctx.manifest.model.artifact
        if artifact is None:
            return fail(
                missing_finding(
                    ctx, ("model",), "No model artifact is declared.", self.remediation, expected="model.artifact"
                ),
                "No artifact",
            )
        findings = []
        digest = hashlib.sha256()
        with open(ctx.resolve(artifact.path), "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        actual = digest.hexdigest()
        if not artifact.sha256:
            findings.append(
                missing_finding(
                    ctx,
                    ("model", "artifact"),
                    "No sha256 is recorded for the artifact.",
                    self.remediation,
                    expected=f"sha256: {actual}",
                )
            )
        elif artifact.sha256.lower() != actual:
            findings.append(
                Finding(
                    severity=Severity.CRITICAL,
                    message="The artifact does not match its recorded sha256: it changed after approval.",
                    expected=artifact.sha256.lower(),
                    observed=actual,
                    location=ctx.at("model", "artifact", "sha256"),
                    remediation="Find out why the file changed; re-approve it or restore the approved file.",
                )
            )
        if is_placeholder(artifact.registry_ref):
            findings.append(
                missing_finding(
                    ctx,
                    ("model", "artifact"),
                    "The artifact has no model-registry reference.",
                    self.remediation,
                    expected="registry_ref",
                    severity=Severity.MEDIUM,
                )
            )
        return result_from_findings(
            findings,
            passed=f"Artifact {artifact.path} matches sha256 {actual[:12]}…",
            failed="{n} artifact integrity gap(s)",
            total=3,
            metrics={"sha256": actual, "path": artifact.path},
        )
