"""ROL-002: A rollback procedure, tested recently, with a recovery time."""

from __future__ import annotations

from readiness.checks.operations._common import (
    _absent,
)

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
    stale_finding,
)


class TestedRollback(Check):
    """Checks a rollback procedure is declared, was tested within ``max_days_since_test`` days, and recovered within
    ``max_recovery_minutes``.

    Example finding: ``The last rollback test took 95 minutes; at most 30 are allowed`` (HIGH).
    """

    id = "ROL-002"
    area = "operations"
    title = "A rollback procedure, tested recently, with a recovery time"
    rationale = (
        "The day the new model misbehaves, going back must be a rehearsed, timed procedure, not an "
        "improvisation while wrong decisions pile up."
    )
    remediation = "Document rollback.procedure, rehearse it, record rollback.tested_on and recovery_time_minutes."
    references = (citations.DORA_ART_11_6_12, citations.NIST_RMF_MANAGE_2_4)
    weight = 5.0
    blocking = True
    params = {
        "max_days_since_test": Param(90, "Oldest acceptable rollback rehearsal, in days."),
        "max_recovery_minutes": Param(None, "Longest acceptable recovery time (none: any, but declared)."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        rollback = ctx.manifest.rollback
        if rollback is None:
            return _absent(ctx, "rollback", self.remediation)
        findings = []
        if is_placeholder(rollback.procedure):
            findings.append(
                missing_finding(ctx, ("rollback",), "No rollback procedure.", self.remediation, expected="procedure")
            )
        stale = stale_finding(
            ctx,
            ("rollback", "tested_on") if rollback.tested_on else ("rollback",),
            "Rollback rehearsal",
            rollback.tested_on,
            ctx.params["max_days_since_test"],
            "Rehearse the rollback and record rollback.tested_on.",
        )
        if stale:
            findings.append(stale)
        limit = ctx.params["max_recovery_minutes"]
        if rollback.recovery_time_minutes is None:
            findings.append(
                missing_finding(
                    ctx,
                    ("rollback",),
                    "No recovery time is declared.",
                    self.remediation,
                    expected="recovery_time_minutes",
                    severity=Severity.MEDIUM,
                )
            )
        elif limit is not None and rollback.recovery_time_minutes > limit:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"Recovery takes {rollback.recovery_time_minutes:g} minutes.",
                    expected=f"<= {limit} minutes",
                    observed=f"{rollback.recovery_time_minutes:g}",
                    location=ctx.at("rollback", "recovery_time_minutes"),
                    remediation="Shorten the rollback (keep the previous version warm).",
                )
            )
        return attested(
            findings,
            rollback,
            passed=f"Rollback rehearsed on {rollback.tested_on}",
            failed="{n} rollback gap(s)",
            total=3,
        )
