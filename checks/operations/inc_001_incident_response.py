"""INC-001: A runbook, the regulator's reporting clocks, and a stop control."""

from __future__ import annotations

from readiness.checks.operations._common import (
    _absent,
)

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Param,
    attested,
    is_placeholder,
    missing_finding,
)


class IncidentResponsePlan(Check):
    """Checks an incident runbook, the reporting deadlines of ``required_regulators``, and (with
    ``require_kill_switch``) a control that stops the model.

    Example finding: ``No reporting clock is declared for FINMA`` (HIGH).
    """

    id = "INC-001"
    area = "operations"
    title = "A runbook, the regulator's reporting clocks, and a stop control"
    rationale = (
        "When the model harms customers or markets, the firm has hours, not weeks, to tell its "
        "regulator, and must be able to stop the model at once."
    )
    remediation = (
        "Record incident_response.runbook, regulator_reporting with each required regulator's "
        "deadline, and kill_switch: true once the stop control exists and was tried."
    )
    references = (citations.DORA_ART_17_19, citations.AIA_ART_73, citations.NIST_RMF_MANAGE_2_4)
    weight = 4.0
    params = {
        "required_regulators": Param([], "Regulators whose reporting deadline must be recorded."),
        "require_kill_switch": Param(True, "Whether a stop control is required."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        ir = ctx.manifest.incident_response
        if ir is None:
            return _absent(ctx, "incident_response", self.remediation)
        findings = []
        if is_placeholder(ir.runbook):
            findings.append(
                missing_finding(ctx, ("incident_response",), "No runbook.", self.remediation, expected="runbook")
            )
        reported = {k.casefold(): v for k, v in ir.regulator_reporting.items()}
        for regulator in ctx.params["required_regulators"]:
            deadline = reported.get(regulator.casefold())
            if deadline is None or is_placeholder(deadline):
                findings.append(
                    missing_finding(
                        ctx,
                        ("incident_response", "regulator_reporting")
                        if deadline is not None
                        else ("incident_response",),
                        f"No reporting deadline for {regulator}"
                        + (f" ({deadline!r} is a placeholder)." if deadline is not None else "."),
                        f"Set incident_response.regulator_reporting.{regulator} to how soon a serious incident is "
                        "reported to it (e.g. 24h, 4h, 15d).",
                        expected=f"regulator_reporting.{regulator}",
                    )
                )
        if ctx.params["require_kill_switch"] and not ir.kill_switch:
            findings.append(
                missing_finding(
                    ctx,
                    ("incident_response",),
                    "No stop control (kill switch).",
                    self.remediation,
                    expected="kill_switch: true",
                )
            )
        return attested(
            findings,
            ir,
            passed=f"Runbook {ir.runbook}",
            failed="{n} incident-response gap(s)",
            total=2 + len(ctx.params["required_regulators"]),
        )
