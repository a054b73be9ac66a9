"""GOV-002: Validated recently by someone who did not build it."""

from __future__ import annotations

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceKind,
    Finding,
    Param,
    Severity,
    attestation_of,
    fail,
    is_placeholder,
    missing_finding,
    normalise,
    result_from_findings,
    stale_finding,
)


class IndependentValidation(Check):
    """Checks the last validation is recorded, within ``max_days_since_validation`` days, and done by someone who is
    neither the owner nor a developer of the model.

    Example finding: ``The validator is also the model's developer`` (HIGH).
    """

    id = "GOV-002"
    area = "governance"
    title = "Validated recently by someone who did not build it"
    rationale = (
        "Effective challenge needs a validator with no stake in the model being found valid; a "
        "validation years old says nothing about today's model."
    )
    remediation = (
        "Have the model validated by someone outside owners.developers and owners.poc_team; record "
        "validation.validator, report and validated_on."
    )
    references = (citations.FINMA_GM_2_7, citations.US_MRM_VALIDATION, citations.NIST_RMF_MEASURE_1_3)
    weight = 4.0
    params = {"max_days_since_validation": Param(365, "Oldest acceptable validation, in days.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        v = ctx.manifest.validation
        owners = ctx.manifest.owners
        validator = (v.validator if v and v.validator else None) or (owners.validator if owners else None)
        if validator is None:
            return fail(
                missing_finding(
                    ctx,
                    ("validation",) if v else ("model",),
                    "No independent validator is named.",
                    self.remediation,
                    expected="validation.validator",
                ),
                "Not independently validated",
                evidence_kind=EvidenceKind.ATTESTED,
            )
        builders = {
            normalise(x) for x in [*(owners.developers if owners else []), *(owners.poc_team if owners else [])]
        }
        findings = []
        if normalise(validator.name) in builders or (validator.email and normalise(validator.email) in builders):
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{validator.name} validated a model they built.",
                    expected="a validator outside the developers and POC team",
                    observed=validator.name,
                    location=ctx.at("validation"),
                    remediation=self.remediation,
                )
            )
        if v is None or is_placeholder(v.report):
            findings.append(
                missing_finding(
                    ctx,
                    ("validation",) if v else ("model",),
                    "No validation report.",
                    self.remediation,
                    expected="validation.report",
                )
            )
        if v is not None:
            stale = stale_finding(
                ctx,
                ("validation",),
                "Validation",
                v.validated_on,
                ctx.params["max_days_since_validation"],
                "Re-validate the model.",
            )
            if stale:
                findings.append(stale)
            if v.open_findings:
                findings.append(
                    Finding(
                        severity=Severity.MEDIUM,
                        message=f"{v.open_findings} validation finding(s) are still open.",
                        expected="0",
                        observed=str(v.open_findings),
                        location=ctx.at("validation"),
                    )
                )
        return result_from_findings(
            findings,
            passed=f"Validated by {validator.name} on {v.validated_on if v else '?'}",
            failed="{n} validation gap(s)",
            evidence_kind=EvidenceKind.ATTESTED,
            attestation=attestation_of(v) if v else None,
            total=4,
        )
