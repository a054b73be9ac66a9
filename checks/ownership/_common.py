"""What the ownership checks share."""

from __future__ import annotations

from readiness.check import (
    CheckContext,
    CheckResult,
    EvidenceKind,
    Finding,
    Severity,
    fail,
)


def _no_owners(ctx: CheckContext) -> CheckResult:
    return fail(
        Finding(
            severity=Severity.HIGH,
            message="The manifest has no owners section.",
            expected="owners: with production_owner, on_call and escalation",
            observed="no owners section",
            location=ctx.at("model"),
            remediation="Add an owners section naming who runs the model in production.",
        ),
        "No owners declared",
        evidence_kind=EvidenceKind.ATTESTED,
    )
