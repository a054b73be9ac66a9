"""TPR-001: Every third party is in the register, with an id and its criticality."""

from __future__ import annotations

from readiness.checks.third_party._common import (
    ThirdPartyCheck,
    _conclude,
)

from readiness import citations
from readiness.check import (
    CheckContext,
    CheckResult,
    Severity,
    is_placeholder,
    missing_finding,
    missing_section,
)


class Register(ThirdPartyCheck):
    """Checks every third party (model API, hosting, data vendor) has a register id and states whether it supports a
    critical function.

    Example finding: ``OpenAI: critical_function is not stated`` (MEDIUM).
    """

    id = "TPR-001"
    title = "Every third party is in the register, with an id and its criticality"
    rationale = (
        "A vendor nobody registered is a risk nobody assessed. The register id ties the model to "
        "the firm's ICT third-party register; the criticality flag decides how much scrutiny applies."
    )
    remediation = "For each entry in third_parties, set register_id and critical_function (true or false)."
    references = (citations.DORA_ART_28, citations.NIST_RMF_GOVERN_6_1_2)
    weight = 3.0

    def run(self, ctx: CheckContext) -> CheckResult:
        parties = ctx.manifest.third_parties
        if ctx.manifest.no_third_parties is not None and not parties:
            return _conclude(
                ctx,
                [],
                f"No third party, attested: {ctx.manifest.no_third_parties.reason}",
                "",
                metrics={"third_parties": 0},
            )
        if parties is None:
            return missing_section(
                ctx,
                "third_parties",
                "No third_parties section: the model's vendors are not declared.",
                "Declare third_parties, or no_third_parties {reason, attested_by, attested_on} when there is "
                "truly none (hosting counts).",
                "Third parties not declared",
            )
        findings = []
        if not parties:  # an empty list states nothing: nobody attested that there is truly no vendor
            findings.append(
                missing_finding(
                    ctx,
                    ("third_parties",),
                    "third_parties is empty, and nobody attested that the model uses no third party.",
                    "Replace it with no_third_parties: {reason: ..., attested_by: ..., attested_on: ...} when there "
                    "is truly none (hosting counts), or list the vendors.",
                    expected="vendors, or no_third_parties",
                    severity=Severity.MEDIUM,
                )
            )
        for i, p in enumerate(parties):
            if is_placeholder(p.register_id):
                findings.append(
                    missing_finding(
                        ctx,
                        ("third_parties", i),
                        f"{p.name} has no register id.",
                        self.remediation,
                        expected="register_id",
                    )
                )
            if p.critical_function is None:
                findings.append(
                    missing_finding(
                        ctx,
                        ("third_parties", i),
                        f"{p.name}: critical_function is not stated.",
                        self.remediation,
                        expected="critical_function: true|false",
                        severity=Severity.MEDIUM,
                    )
                )
        return _conclude(
            ctx,
            findings,
            f"{len(parties)} third part(y/ies) registered",
            "{n} register gap(s)",
            total=max(1, 2 * len(parties)),
            metrics={"third_parties": len(parties)},
        )
