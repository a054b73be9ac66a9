"""What the operations checks share."""

from __future__ import annotations

from readiness.check import (
    CheckContext,
    CheckResult,
    EvidenceKind,
    missing_finding,
    result_from_findings,
)


def _absent(ctx: CheckContext, section: str, remediation: str) -> CheckResult:
    return result_from_findings(
        [missing_finding(ctx, ("model",), f"No {section} section.", remediation, expected=section)],
        passed="",
        failed=f"No {section}",
        evidence_kind=EvidenceKind.ATTESTED,
    )
