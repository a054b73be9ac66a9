"""DP-001: Personal data: impact assessed, lawful basis, allowed residency, notices, erasure."""

from __future__ import annotations

from typing import Any

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
    not_applicable,
)


class DataProtectionBasis(Check):
    """For a model that processes personal data, checks the impact assessment, the lawful basis, data residency within
    ``allowed_regions``, the notices given and how erasure is handled.

    Example finding: ``Data is stored in us-east-1; allowed regions are eu, ch`` (HIGH).
    """

    id = "DP-001"
    area = "governance"
    title = "Personal data: impact assessed, lawful basis, allowed residency, notices, erasure"
    rationale = (
        "A model that processes personal data needs a documented lawful basis, an impact "
        "assessment, storage where the law allows, notices to the people concerned, and a limit on "
        "how long the data lives."
    )
    remediation = (
        "Complete data_protection: impact_assessment, lawful_basis, residency, notices: true and erasure_policy_days."
    )
    references = (citations.AIA_ART_26_9_27, citations.FADP_ART_21_22)
    weight = 3.0
    params = {"allowed_regions": Param([], "Where personal data may be stored (empty: any, but declared).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        dp = ctx.manifest.data_protection
        if dp is None:
            return missing_section(
                ctx, "data_protection", "No data_protection section.", self.remediation, "Not assessed"
            )
        if dp.personal_data is False:
            return not_applicable("The model processes no personal data (attested)")
        findings = []
        required: dict[str, Any] = {
            "impact_assessment": dp.impact_assessment,
            "lawful_basis": dp.lawful_basis,
            "erasure_policy_days": dp.erasure_policy_days,
        }
        for name, value in required.items():
            if is_placeholder(value):
                findings.append(
                    missing_finding(
                        ctx,
                        ("data_protection",),
                        f"{name.replace('_', ' ').capitalize()} is missing.",
                        self.remediation,
                        expected=name,
                    )
                )
        if not dp.notices:
            findings.append(
                missing_finding(
                    ctx,
                    ("data_protection",),
                    "People are not told that a model decides.",
                    self.remediation,
                    expected="notices: true",
                    severity=Severity.MEDIUM,
                )
            )
        allowed = {r.upper() for r in ctx.params["allowed_regions"]}
        if not dp.residency:
            findings.append(
                missing_finding(
                    ctx,
                    ("data_protection",),
                    "No data residency declared.",
                    self.remediation,
                    expected="residency",
                    severity=Severity.MEDIUM,
                )
            )
        elif allowed and not {r.upper() for r in dp.residency} <= allowed:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message="Personal data is stored outside allowed regions.",
                    expected=", ".join(sorted(allowed)),
                    observed=", ".join(dp.residency),
                    location=ctx.at("data_protection", "residency"),
                    remediation=self.remediation,
                )
            )
        return attested(
            findings, dp, passed="Personal data processing is documented", failed="{n} data-protection gap(s)", total=5
        )
