"""GOV-001: The model is in the inventory, with a risk tier and its rationale."""

from __future__ import annotations

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceKind,
    Severity,
    attestation_of,
    is_placeholder,
    missing_finding,
    result_from_findings,
)


class InventoryAndTier(Check):
    """Checks the model has an inventory id, a risk tier and a written rationale for the tier.

    Example finding: ``governance.risk_tier_rationale: missing or placeholder`` (HIGH).
    """

    id = "GOV-001"
    area = "governance"
    title = "The model is in the inventory, with a risk tier and its rationale"
    rationale = (
        "Supervisors start from the inventory: a model that is not in it is not governed, and its "
        "risk tier decides how much validation, approval and monitoring it gets."
    )
    remediation = "Register the model; set model.inventory_id, model.risk_tier and model.risk_tier_rationale."
    references = (citations.FINMA_GM_2_2, citations.DORA_ART_8_1, citations.NIST_RMF_GOVERN_1_6)
    weight = 4.0
    blocking = True

    def run(self, ctx: CheckContext) -> CheckResult:
        model = ctx.manifest.model
        findings = []
        if is_placeholder(model.inventory_id):
            findings.append(
                missing_finding(
                    ctx, ("model",), "The model has no inventory id.", self.remediation, expected="model.inventory_id"
                )
            )
        if model.risk_tier is None:
            findings.append(
                missing_finding(ctx, ("model",), "No risk tier.", self.remediation, expected="model.risk_tier")
            )
        elif is_placeholder(model.risk_tier_rationale):
            findings.append(
                missing_finding(
                    ctx,
                    ("model",),
                    "The risk tier has no rationale.",
                    self.remediation,
                    expected="model.risk_tier_rationale",
                    severity=Severity.MEDIUM,
                )
            )
        tier = model.risk_tier.value if model.risk_tier else None
        return result_from_findings(
            findings,
            passed=f"Inventory {model.inventory_id}, tier {tier}",
            failed="{n} inventory gap(s)",
            evidence_kind=EvidenceKind.ATTESTED,
            total=3,
            attestation=attestation_of(ctx.manifest.validation) or attestation_of(ctx.manifest.owners),
        )
