"""What the operations checks share."""

from __future__ import annotations

from readiness.check import (
    CheckContext,
    CheckResult,
    EvidenceKind,
    fail,
    missing_finding,
)


def _absent(ctx: CheckContext, section: str, remediation: str) -> CheckResult:
    return fail(
        missing_finding(ctx, ("model",), f"No {section} section.", remediation, expected=section),
        f"No {section}",
        evidence_kind=EvidenceKind.ATTESTED,
    )
