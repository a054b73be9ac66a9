"""TPR-004: Vendors keep data only in allowed regions."""

from __future__ import annotations

from readiness.checks.third_party._common import (
    ThirdPartyCheck,
    _conclude,
)

from readiness import citations
from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    missing_finding,
    not_applicable,
)


class DataLocation(ThirdPartyCheck):
    """Checks each vendor's data locations are within ``allowed_regions``.

    Example finding: ``Vendor X keeps data in us; allowed regions are eu, ch`` (HIGH).
    """

    id = "TPR-004"
    title = "Vendors keep data only in allowed regions"
    rationale = (
        "Data that leaves the allowed jurisdictions breaks data-protection law and banking secrecy "
        "whatever the model does; every vendor must declare where it processes and stores data."
    )
    remediation = "Declare data_locations for each vendor, and move or replace those outside allowed_regions."
    references = (citations.DORA_ART_30_2_B,)
    weight = 2.0
    params = {"allowed_regions": Param([], "Allowed locations (e.g. [CH, EU]); empty: any, but declared.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        parties = list(enumerate(ctx.manifest.third_parties or []))
        if not parties:
            return not_applicable("No third parties declared")
        allowed = {r.upper() for r in ctx.params["allowed_regions"]}
        findings = []
        for i, p in parties:
            if not p.data_locations:
                findings.append(
                    missing_finding(
                        ctx,
                        ("third_parties", i),
                        f"{p.name} declares no data locations.",
                        self.remediation,
                        expected="data_locations",
                        severity=Severity.MEDIUM,
                    )
                )
                continue
            outside = [loc for loc in p.data_locations if allowed and loc.upper() not in allowed]
            if outside:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{p.name} keeps data in {', '.join(outside)}, outside the allowed regions.",
                        expected=", ".join(sorted(allowed)),
                        observed=", ".join(p.data_locations),
                        location=ctx.at("third_parties", i, "data_locations"),
                        remediation=self.remediation,
                    )
                )
        return _conclude(
            ctx, findings, "Vendor data stays in allowed regions", "{n} data-location gap(s)", total=len(parties)
        )
