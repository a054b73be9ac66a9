"""TPR-007: The SBOM shows no model or vendor dependency missing from the register."""

from __future__ import annotations

import json
from typing import Any

from readiness.checks.third_party._common import (
    ThirdPartyCheck,
)

from readiness import citations
from readiness.check import (
    CheckContext,
    CheckResult,
    EvidenceKind,
    Finding,
    Param,
    Severity,
    fail,
    normalise,
    not_applicable,
    result_from_findings,
)


def _components(items: list[Any]) -> list[dict[str, Any]]:
    out = []
    for c in items:
        if isinstance(c, dict):
            out.append(c)
            out.extend(_components(c.get("components") or []))
    return out


class SbomCoverage(ThirdPartyCheck):
    """Reads the CycloneDX SBOM and checks that every component of ``component_types`` (and services with
    ``include_services``) that is a model or vendor dependency appears in the third-party register.

    Example finding: ``SBOM component openai (library) is not in the register`` (HIGH).
    """

    id = "TPR-007"
    title = "The SBOM shows no model or vendor dependency missing from the register"
    rationale = (
        "The register is what people remember; the software bill of materials is what ships. "
        "A model, data set or external service in the SBOM but not in the register was never assessed."
    )
    remediation = (
        "Add each listed dependency to third_parties (or explain in the register why it is not a third party)."
    )
    references = (citations.DORA_ART_28,)
    weight = 2.0
    params = {
        "component_types": Param(
            ["machine-learning-model", "data", "platform"], "CycloneDX component types that count as third parties."
        ),
        "include_services": Param(True, "Count CycloneDX services (external APIs) too."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        if not ctx.manifest.sbom:
            return not_applicable(
                "No SBOM given (set sbom: to a CycloneDX JSON file to enable this check)", needs="sbom"
            )
        path = ctx.resolve(ctx.manifest.sbom)
        try:
            bom = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return fail(
                Finding(
                    severity=Severity.HIGH,
                    message=f"The SBOM {ctx.manifest.sbom} cannot be read: {exc}",
                    location=ctx.at("sbom"),
                    remediation="Give a CycloneDX JSON document.",
                ),
                "SBOM unreadable",
                evidence_kind=EvidenceKind.IMPORTED,
            )
        if bom.get("bomFormat") != "CycloneDX":
            return fail(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{ctx.manifest.sbom} is not a CycloneDX document (bomFormat).",
                    location=ctx.at("sbom"),
                    remediation="Export the SBOM as CycloneDX JSON.",
                ),
                "Not a CycloneDX SBOM",
                evidence_kind=EvidenceKind.IMPORTED,
            )
        wanted = set(ctx.params["component_types"])
        deps = [
            (c.get("name", "?"), c.get("supplier", {}).get("name") or c.get("publisher") or "", c.get("type"))
            for c in _components(bom.get("components") or [])
            if c.get("type") in wanted
        ]
        if ctx.params["include_services"]:
            deps += [
                (s.get("name", "?"), (s.get("provider") or {}).get("name", ""), "service")
                for s in bom.get("services") or []
            ]
        known = [normalise(p.name) for p in ctx.manifest.third_parties or []]
        known += [normalise(p.service) for p in ctx.manifest.third_parties or [] if p.service]
        findings = []
        for name, supplier, kind in deps:
            names = [normalise(x) for x in (name, supplier) if x]
            if not any(n and (n in k or k in n) for n in names for k in known):
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"The SBOM lists {kind} {name!r}"
                        + (f" from {supplier}" if supplier else "")
                        + ", which the register does not.",
                        expected="a third_parties entry",
                        observed=f"{name} ({kind})",
                        location=ctx.at("sbom"),
                        remediation=self.remediation,
                    )
                )
        return result_from_findings(
            findings,
            passed=f"All {len(deps)} SBOM dependencies are registered",
            failed="{n} SBOM dependencies missing from the register",
            evidence_kind=EvidenceKind.IMPORTED,
            total=max(1, len(deps)),
            metrics={"sbom_dependencies": len(deps)},
        )
