"""Governance: the model is in the inventory with a justified risk tier, validated by someone
independent, handles personal data lawfully, and its attestations are current."""

from __future__ import annotations

from typing import Any

from readiness.checks._util import missing, norm, stale_finding

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceKind,
    Finding,
    Param,
    Reference,
    Severity,
    attestation_of,
    not_applicable,
    result_from_findings,
)
from readiness.manifest import is_placeholder


class InventoryAndTier(Check):
    id = "GOV-001"
    area = "governance"
    title = "The model is in the inventory, with a risk tier and its rationale"
    rationale = ("Supervisors start from the inventory: a model that is not in it is not governed, and its "
                 "risk tier decides how much validation, approval and monitoring it gets.")
    remediation = "Register the model; set model.inventory_id, model.risk_tier and model.risk_tier_rationale."
    references = (citations.FINMA_GM_2_2,
                  citations.DORA_ART_8_1,
                  citations.NIST_RMF_GOVERN_1_6)
    weight = 4.0
    blocking = True

    def run(self, ctx: CheckContext) -> CheckResult:
        model = ctx.manifest.model
        findings = []
        if is_placeholder(model.inventory_id):
            findings.append(missing(ctx, ("model",), "The model has no inventory id.", self.remediation,
                                    expected="model.inventory_id"))
        if model.risk_tier is None:
            findings.append(missing(ctx, ("model",), "No risk tier.", self.remediation, expected="model.risk_tier"))
        elif is_placeholder(model.risk_tier_rationale):
            findings.append(missing(ctx, ("model",), "The risk tier has no rationale.", self.remediation,
                                    expected="model.risk_tier_rationale", severity=Severity.MEDIUM))
        tier = model.risk_tier.value if model.risk_tier else None
        return result_from_findings(findings, passed=f"Inventory {model.inventory_id}, tier {tier}",
                                    failed="{n} inventory gap(s)", evidence_kind=EvidenceKind.ATTESTED, total=3,
                                    attestation=attestation_of(ctx.manifest.validation) or
                                    attestation_of(ctx.manifest.owners))


class IndependentValidation(Check):
    id = "GOV-002"
    area = "governance"
    title = "Validated recently by someone who did not build it"
    rationale = ("Effective challenge needs a validator with no stake in the model being found valid; a "
                 "validation years old says nothing about today's model.")
    remediation = ("Have the model validated by someone outside owners.developers and owners.poc_team; record "
                   "validation.validator, report and validated_on.")
    references = (citations.FINMA_GM_2_7,
                  citations.US_MRM_VALIDATION,
                  citations.NIST_RMF_MEASURE_1_3)
    weight = 4.0
    params = {"max_days_since_validation": Param(365, "Oldest acceptable validation, in days.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        v = ctx.manifest.validation
        owners = ctx.manifest.owners
        validator = (v.validator if v and v.validator else None) or (owners.validator if owners else None)
        if validator is None:
            return result_from_findings([missing(ctx, ("validation",) if v else ("model",),
                                                 "No independent validator is named.", self.remediation,
                                                 expected="validation.validator")],
                                        passed="", failed="Not independently validated",
                                        evidence_kind=EvidenceKind.ATTESTED)
        builders = {norm(x) for x in [*(owners.developers if owners else []), *(owners.poc_team if owners else [])]}
        findings = []
        if norm(validator.name) in builders or (validator.email and norm(validator.email) in builders):
            findings.append(Finding(severity=Severity.HIGH, message=f"{validator.name} validated a model they built.",
                                    expected="a validator outside the developers and POC team",
                                    observed=validator.name, location=ctx.at("validation"),
                                    remediation=self.remediation))
        if v is None or is_placeholder(v.report):
            findings.append(missing(ctx, ("validation",) if v else ("model",), "No validation report.",
                                    self.remediation, expected="validation.report"))
        if v is not None:
            stale = stale_finding(ctx, ("validation",), "Validation", v.validated_on,
                                  ctx.params["max_days_since_validation"], "Re-validate the model.")
            if stale:
                findings.append(stale)
            if v.open_findings:
                findings.append(Finding(severity=Severity.MEDIUM,
                                        message=f"{v.open_findings} validation finding(s) are still open.",
                                        expected="0", observed=str(v.open_findings), location=ctx.at("validation")))
        return result_from_findings(findings, passed=f"Validated by {validator.name} on {v.validated_on if v else '?'}",
                                    failed="{n} validation gap(s)", evidence_kind=EvidenceKind.ATTESTED,
                                    attestation=attestation_of(v) if v else None, total=4)


class DataProtection(Check):
    id = "DP-001"
    area = "governance"
    title = "Personal data: impact assessed, lawful basis, allowed residency, notices, erasure"
    rationale = ("A model that processes personal data needs a documented lawful basis, an impact "
                 "assessment, storage where the law allows, notices to the people concerned, and a limit on "
                 "how long the data lives.")
    remediation = ("Complete data_protection: impact_assessment, lawful_basis, residency, notices: true and "
                   "erasure_policy_days.")
    references = (citations.AIA_ART_26_9_27,
                  citations.FADP_ART_21_22)
    weight = 3.0
    params = {"allowed_regions": Param([], "Where personal data may be stored (empty: any, but declared).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        dp = ctx.manifest.data_protection
        if dp is None:
            return result_from_findings([missing(ctx, ("model",), "No data_protection section.", self.remediation,
                                                 expected="data_protection")], passed="", failed="Not assessed",
                                        evidence_kind=EvidenceKind.ATTESTED)
        if dp.personal_data is False:
            return not_applicable("The model processes no personal data (attested)")
        findings = []
        required: dict[str, Any] = {"impact_assessment": dp.impact_assessment, "lawful_basis": dp.lawful_basis,
                                    "erasure_policy_days": dp.erasure_policy_days}
        for name, value in required.items():
            if is_placeholder(value):
                findings.append(missing(ctx, ("data_protection",), f"{name.replace('_', ' ').capitalize()} is "
                                        "missing.", self.remediation, expected=name))
        if not dp.notices:
            findings.append(missing(ctx, ("data_protection",), "People are not told that a model decides.",
                                    self.remediation, expected="notices: true", severity=Severity.MEDIUM))
        allowed = {r.upper() for r in ctx.params["allowed_regions"]}
        if not dp.residency:
            findings.append(missing(ctx, ("data_protection",), "No data residency declared.", self.remediation,
                                    expected="residency", severity=Severity.MEDIUM))
        elif allowed and not {r.upper() for r in dp.residency} <= allowed:
            findings.append(Finding(severity=Severity.HIGH, message="Personal data is stored outside allowed regions.",
                                    expected=", ".join(sorted(allowed)), observed=", ".join(dp.residency),
                                    location=ctx.at("data_protection", "residency"), remediation=self.remediation))
        return result_from_findings(findings, passed="Personal data processing is documented",
                                    failed="{n} data-protection gap(s)", evidence_kind=EvidenceKind.ATTESTED,
                                    attestation=attestation_of(dp), total=5)


class FreshAttestations(Check):
    id = "ATT-001"
    area = "governance"
    title = "Every attestation and test date is within the profile's window"
    rationale = ("A statement signed two years ago describes a system that no longer exists. Every dated "
                 "claim in the manifest must be re-confirmed within the profile's window.")
    remediation = "Re-confirm each stale item and update its date (attested_on, tested_on, validated_on ...)."
    references = (citations.DORA_ART_6_5,)
    weight = 2.0

    def run(self, ctx: CheckContext) -> CheckResult:
        limit = ctx.attestation_max_age_days
        dated = list(_dates(ctx.loaded.source.data, ()))
        findings = []
        for loc, value in dated:
            stale = stale_finding(ctx, loc, ".".join(str(p) for p in loc), value, limit,
                                  "Re-confirm this item and update its date.")
            if stale:
                findings.append(stale.model_copy(update={"severity": Severity.MEDIUM}))
        if not dated:
            return result_from_findings([missing(ctx, ("model",), "Nothing in the manifest is dated.",
                                                 self.remediation, expected="attested_by and attested_on")],
                                        passed="", failed="No dated attestations", evidence_kind=EvidenceKind.ATTESTED)
        return result_from_findings(findings, passed=f"All {len(dated)} dated items are within {limit} days",
                                    failed="{n} stale item(s)", evidence_kind=EvidenceKind.MEASURED,
                                    total=len(dated), metrics={"dated_items": len(dated)})


DATE_KEYS = ("attested_on", "tested_on", "validated_on", "exit_tested_on", "fallback_tested_on",
             "continuity_tested_on")


def _dates(value: Any, loc: tuple):
    if isinstance(value, dict):
        for k, v in value.items():
            if k in DATE_KEYS and not isinstance(v, (dict, list)):
                yield (*loc, k), v if hasattr(v, "year") else None
            else:
                yield from _dates(v, (*loc, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _dates(v, (*loc, i))
