"""OWN-002: An on-call rotation covers the model."""

from __future__ import annotations

from readiness.checks.ownership._common import (
    _no_owners,
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
    unique_names,
)


class OnCallRotation(Check):
    """Checks that ``owners.on_call`` names a rotation with at least ``min_members`` distinct people (names compared
    after Unicode normalisation, case and spacing), each a named individual.

    Example finding: ``The on-call rotation has 1 distinct member; at least 2 are needed`` (HIGH).
    """

    id = "OWN-002"
    area = "ownership"
    title = "An on-call rotation covers the model"
    rationale = (
        "Models fail at night and at month-end. Without a rotation that pages a human, an "
        "incident waits for office hours while decisions keep being made."
    )
    remediation = (
        "Declare owners.on_call.rotation (the pager schedule) with at least two members, "
        "and route the model's alerts to it."
    )
    references = (citations.NIST_RMF_GOVERN_2_1,)
    weight = 5.0
    blocking = True
    params = {"min_members": Param(2, "Fewest people in the rotation.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        owners = ctx.manifest.owners
        if owners is None:
            return _no_owners(ctx)
        on_call = owners.on_call
        findings = []
        if on_call is None or is_placeholder(on_call.rotation):
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message="No on-call rotation is declared.",
                    expected="owners.on_call.rotation",
                    observed="missing or placeholder",
                    location=ctx.at("owners", "on_call") if on_call else ctx.at("owners"),
                    remediation=self.remediation,
                )
            )
        elif len(unique_names(on_call.members)) < ctx.params["min_members"]:
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"The rotation has {len(unique_names(on_call.members))} member(s); one person is not a "
                    "rotation.",
                    expected=f">= {ctx.params['min_members']} members",
                    observed=str(len(unique_names(on_call.members))),
                    location=ctx.at("owners", "on_call"),
                    remediation="Add members to the rotation.",
                )
            )
        rotation = on_call.rotation if on_call else None
        return attested(
            findings,
            owners,
            passed=f"On-call rotation: {rotation}",
            failed="No usable on-call rotation",
            metrics={"rotation": rotation, "members": len(on_call.members) if on_call else 0},
        )
