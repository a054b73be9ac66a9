"""AUD-002: Logs are kept long enough, not longer than personal data allows, and tamper-evident."""

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
    missing_finding,
    missing_section,
)


class Retention(Check):
    """Checks the log retention is at least ``min_retention_days`` and within what personal data allows, and that the
    store is tamper-evident when ``require_tamper_evident`` is set.

    Example finding: ``Logs are kept 90 days; at least 1825 are required`` (HIGH).
    """

    id = "AUD-002"
    area = "audit"
    title = "Logs are kept long enough, not longer than personal data allows, and tamper-evident"
    rationale = (
        "Logs deleted too early cannot answer a regulator; logs of personal data kept too long "
        "break data-protection law; logs anyone can edit prove nothing."
    )
    remediation = (
        "Declare audit_logging.retention_days within the profile's bounds and store the log in a "
        "tamper-evident (append-only, hashed or WORM) store."
    )
    references = (citations.AIA_ART_19_1_26_6, citations.DORA_RTS_ART_12)
    weight = 3.0
    params = {
        "min_retention_days": Param(183, "Shortest retention (EU AI Act: at least six months)."),
        "require_tamper_evident": Param(True, "Whether the log store must be tamper-evident."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        audit = ctx.manifest.audit_logging
        if audit is None:
            return missing_section(
                ctx, "audit_logging", "No audit_logging section.", self.remediation, "No audit logging"
            )
        findings = []
        minimum = ctx.params["min_retention_days"]
        if audit.retention_days is None:
            findings.append(
                missing_finding(
                    ctx,
                    ("audit_logging",),
                    "No retention period is declared.",
                    self.remediation,
                    expected=f">= {minimum} days",
                )
            )
        elif audit.retention_days < minimum:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"Logs are kept {audit.retention_days} days.",
                    expected=f">= {minimum} days",
                    observed=f"{audit.retention_days} days",
                    location=ctx.at("audit_logging", "retention_days"),
                    remediation=self.remediation,
                )
            )
        dp = ctx.manifest.data_protection
        if (
            audit.retention_days
            and dp
            and dp.personal_data
            and dp.erasure_policy_days
            and audit.retention_days > dp.erasure_policy_days
        ):
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"Logs with personal data are kept {audit.retention_days} days, beyond the erasure "
                    f"policy's {dp.erasure_policy_days}.",
                    expected=f"<= {dp.erasure_policy_days} days",
                    observed=f"{audit.retention_days} days",
                    location=ctx.at("audit_logging", "retention_days"),
                    remediation="Shorten retention, or pseudonymise the logs so the erasure policy no longer applies.",
                )
            )
        if ctx.params["require_tamper_evident"] and not audit.tamper_evident:
            findings.append(
                missing_finding(
                    ctx,
                    ("audit_logging",),
                    "The log store is not declared tamper-evident.",
                    self.remediation,
                    expected="tamper_evident: true",
                )
            )
        return attested(
            findings,
            audit,
            passed=f"Retention {audit.retention_days} days, tamper-evident",
            failed="{n} retention gap(s)",
            total=3,
        )
