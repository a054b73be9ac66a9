"""What the operations checks share."""

from __future__ import annotations

from readiness.check import (
    CheckContext,
    CheckResult,
    missing_section,
)


def _absent(ctx: CheckContext, section: str, remediation: str) -> CheckResult:
    return missing_section(ctx, section, f"No {section} section.", remediation, f"No {section}")
