"""Third-party risk: every vendor behind the model is registered, replaceable, contracted to a number,
located where data may go, backed by a tested fallback, and not concentrated on one provider.

DORA Art. 28-30 in spirit; the evidence is the manifest's ``third_parties`` register (attested) and,
when given, a CycloneDX SBOM (imported) that shows dependencies the register forgot.
"""

from __future__ import annotations

import json
from collections import Counter

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



def _attestation(ctx: CheckContext):
    parties = ctx.manifest.third_parties or []
    dated = [p for p in parties if p.attested_on]
    return attestation_of(min(dated, key=lambda p: p.attested_on)) if dated else None


def _conclude(ctx, findings, passed, failed, total=None, metrics=None) -> CheckResult:
    return result_from_findings(findings, passed=passed, failed=failed, evidence_kind=EvidenceKind.ATTESTED,
                                attestation=_attestation(ctx), total=total, metrics=metrics)


class _ThirdPartyCheck(Check):
    abstract = True
    area = "third_party"

    def critical(self, ctx: CheckContext):
        return [(i, p) for i, p in enumerate(ctx.manifest.third_parties or []) if p.critical_function]

    def tested_plans(self, ctx: CheckContext, plan: str, tested_on: str, label: str) -> CheckResult:
        """Every critical third party has ``plan`` and a ``tested_on`` date within the window."""
        critical = self.critical(ctx)
        if not critical:
            return not_applicable("No critical third parties declared")
        findings = []
        for i, p in critical:
            if is_placeholder(getattr(p, plan)):
                findings.append(missing(ctx, ("third_parties", i), f"{p.name} has no {label}.", self.remediation,
                                        expected=plan))
                continue
            stale = stale_finding(ctx, ("third_parties", i), f"{label.capitalize()} test for {p.name}",
                                  getattr(p, tested_on), ctx.params["max_days_since_test"],
                                  f"Test the {label} and record {tested_on}.")
            if stale:
                findings.append(stale)
        return _conclude(ctx, findings, f"{label.capitalize()}s tested for {len(critical)} critical third part(y/ies)",
                         f"{{n}} {label} gap(s)", total=len(critical))


class Register(_ThirdPartyCheck):
    id = "TPR-001"
    title = "Every third party is in the register, with an id and its criticality"
    rationale = ("A vendor nobody registered is a risk nobody assessed. The register id ties the model to "
                 "the firm's ICT third-party register; the criticality flag decides how much scrutiny applies.")
    remediation = "For each entry in third_parties, set register_id and critical_function (true or false)."
    references = (citations.DORA_ART_28, citations.NIST_RMF_GOVERN_6_1_2)
    weight = 3.0

    def run(self, ctx: CheckContext) -> CheckResult:
        parties = ctx.manifest.third_parties
        if parties is None:
            return result_from_findings([missing(
                ctx, ("model",), "No third_parties section: the model's vendors are not declared.",
                "Declare third_parties (an empty list if there are truly none: hosting counts).",
                expected="third_parties")], passed="", failed="Third parties not declared",
                evidence_kind=EvidenceKind.ATTESTED)
        findings = []
        for i, p in enumerate(parties):
            if is_placeholder(p.register_id):
                findings.append(missing(ctx, ("third_parties", i), f"{p.name} has no register id.",
                                        self.remediation, expected="register_id"))
            if p.critical_function is None:
                findings.append(missing(ctx, ("third_parties", i), f"{p.name}: critical_function is not stated.",
                                        self.remediation, expected="critical_function: true|false",
                                        severity=Severity.MEDIUM))
        return _conclude(ctx, findings, f"{len(parties)} third part(y/ies) registered",
                         "{n} register gap(s)", total=max(1, 2 * len(parties)),
                         metrics={"third_parties": len(parties)})


class ExitStrategy(_ThirdPartyCheck):
    id = "TPR-002"
    title = "Critical third parties have an exit strategy, tested recently"
    rationale = ("If a critical vendor fails, is sanctioned or triples its price, the firm must be able to "
                 "leave without stopping the business; an exit plan nobody tested is a hope.")
    remediation = "Write and test an exit plan for each critical third party; record exit_strategy and exit_tested_on."
    references = (citations.DORA_ART_28_8,)
    weight = 3.0
    params = {"max_days_since_test": Param(365, "Oldest acceptable exit test, in days.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        return self.tested_plans(ctx, "exit_strategy", "exit_tested_on", "exit plan")


class QuantitativeSla(_ThirdPartyCheck):
    id = "TPR-003"
    title = "Model and hosting vendors commit to a quantitative SLA that fits the latency budget"
    rationale = ("A vendor's p99 plus your own overhead must fit inside your p99 budget, or the budget is "
                 "fiction. For critical functions, DORA requires precise quantitative performance targets.")
    remediation = ("Record each vendor's SLA (availability %, p99_ms); make sure vendor p99 + overhead_ms stays "
                   "within service_levels.latency_ms.p99, or renegotiate.")
    references = (citations.DORA_ART_30_2_3,)
    weight = 2.0
    params = {"overhead_ms": Param(0.0, "Your own latency on top of the vendor's, in ms (measure it).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        parties = [(i, p) for i, p in enumerate(ctx.manifest.third_parties or [])
                   if p.kind in {"model_api", "hosting"}]
        if not parties:
            return not_applicable("No model-API or hosting vendors declared")
        levels = ctx.manifest.service_levels
        budget = levels.latency_ms.p99 if levels and levels.latency_ms else None
        findings = []
        for i, p in parties:
            sla = p.sla
            if sla is None or sla.availability is None:
                findings.append(missing(ctx, ("third_parties", i), f"{p.name} has no quantitative availability SLA.",
                                        self.remediation, expected="sla.availability"))
            if p.kind == "model_api":
                if sla is None or sla.p99_ms is None:
                    findings.append(missing(ctx, ("third_parties", i), f"{p.name} commits to no p99 latency.",
                                            self.remediation, expected="sla.p99_ms"))
                elif budget is not None and sla.p99_ms + ctx.params["overhead_ms"] > budget:
                    findings.append(Finding(
                        severity=Severity.HIGH,
                        message=f"{p.name}'s p99 of {sla.p99_ms:g} ms plus {ctx.params['overhead_ms']:g} ms overhead "
                                f"exceeds the p99 budget of {budget:g} ms.",
                        expected=f"<= {budget:g} ms", observed=f"{sla.p99_ms + ctx.params['overhead_ms']:g} ms",
                        location=ctx.at("third_parties", i, "sla"), remediation=self.remediation))
        return _conclude(ctx, findings, "Vendor SLAs are quantitative and fit the budget", "{n} SLA gap(s)",
                         total=len(parties) * 2)


class DataLocation(_ThirdPartyCheck):
    id = "TPR-004"
    title = "Vendors keep data only in allowed regions"
    rationale = ("Data that leaves the allowed jurisdictions breaks data-protection law and banking secrecy "
                 "whatever the model does; every vendor must declare where it processes and stores data.")
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
                findings.append(missing(ctx, ("third_parties", i), f"{p.name} declares no data locations.",
                                        self.remediation, expected="data_locations", severity=Severity.MEDIUM))
                continue
            outside = [loc for loc in p.data_locations if allowed and loc.upper() not in allowed]
            if outside:
                findings.append(Finding(severity=Severity.HIGH,
                                        message=f"{p.name} keeps data in {', '.join(outside)}, "
                                                "outside the allowed regions.",
                                        expected=", ".join(sorted(allowed)), observed=", ".join(p.data_locations),
                                        location=ctx.at("third_parties", i, "data_locations"),
                                        remediation=self.remediation))
        return _conclude(ctx, findings, "Vendor data stays in allowed regions", "{n} data-location gap(s)",
                         total=len(parties))


class Fallback(_ThirdPartyCheck):
    id = "TPR-005"
    title = "Critical dependencies have a fallback, tested recently"
    rationale = ("When the vendor's API is down, decisions still have to be made: a fallback (a simpler "
                 "model, rules, manual processing) that was switched to in a test is the only proof it works.")
    remediation = "Define a fallback for each critical third party, switch to it in a test, record fallback_tested_on."
    references = (citations.DORA_ART_11_6_A, citations.NIST_600_1_GV_6_2_004)
    weight = 3.0
    params = {"max_days_since_test": Param(365, "Oldest acceptable failover test, in days.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        return self.tested_plans(ctx, "fallback", "fallback_tested_on", "fallback")


class Concentration(_ThirdPartyCheck):
    id = "TPR-006"
    title = "Critical functions are not concentrated on one provider"
    rationale = ("Several critical functions on one provider turn one outage into many; regulators ask "
                 "firms to identify and manage this concentration risk.")
    remediation = "Spread critical functions across providers, or document why not and how an outage is absorbed."
    references = (citations.DORA_ART_29,)
    weight = 1.0
    params = {"max_critical_per_provider": Param(1, "Most critical functions one provider may carry.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        critical = self.critical(ctx)
        if not critical:
            return not_applicable("No critical third parties declared")
        counts = Counter(norm(p.name) for _, p in critical)
        limit = ctx.params["max_critical_per_provider"]
        findings = [Finding(severity=Severity.MEDIUM,
                            message=f"{name} carries {n} critical functions.", expected=f"<= {limit}",
                            observed=str(n), location=ctx.at("third_parties"), remediation=self.remediation)
                    for name, n in counts.items() if n > limit]
        return _conclude(ctx, findings, f"{len(counts)} provider(s) for {len(critical)} critical function(s)",
                         "Concentration on {n} provider(s)", metrics=dict(counts))


class SbomCoverage(_ThirdPartyCheck):
    id = "TPR-007"
    title = "The SBOM shows no model or vendor dependency missing from the register"
    rationale = ("The register is what people remember; the software bill of materials is what ships. "
                 "A model, data set or external service in the SBOM but not in the register was never assessed.")
    remediation = ("Add each listed dependency to third_parties (or explain in the register why it is not a "
                   "third party).")
    references = (citations.DORA_ART_28,)
    weight = 2.0
    params = {"component_types": Param(["machine-learning-model", "data", "platform"],
                                       "CycloneDX component types that count as third parties."),
              "include_services": Param(True, "Count CycloneDX services (external APIs) too.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        if not ctx.manifest.sbom:
            return not_applicable("No SBOM given (set sbom: to a CycloneDX JSON file to enable this check)",
                                  needs="sbom")
        path = ctx.resolve(ctx.manifest.sbom)
        try:
            bom = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return result_from_findings([Finding(
                severity=Severity.HIGH, message=f"The SBOM {ctx.manifest.sbom} cannot be read: {exc}",
                location=ctx.at("sbom"), remediation="Give a CycloneDX JSON document.")],
                passed="", failed="SBOM unreadable", evidence_kind=EvidenceKind.IMPORTED)
        if bom.get("bomFormat") != "CycloneDX":
            return result_from_findings([Finding(
                severity=Severity.HIGH, message=f"{ctx.manifest.sbom} is not a CycloneDX document (bomFormat).",
                location=ctx.at("sbom"), remediation="Export the SBOM as CycloneDX JSON.")],
                passed="", failed="Not a CycloneDX SBOM", evidence_kind=EvidenceKind.IMPORTED)
        wanted = set(ctx.params["component_types"])
        deps = [(c.get("name", "?"), c.get("supplier", {}).get("name") or c.get("publisher") or "", c.get("type"))
                for c in _components(bom.get("components") or []) if c.get("type") in wanted]
        if ctx.params["include_services"]:
            deps += [(s.get("name", "?"), (s.get("provider") or {}).get("name", ""), "service")
                     for s in bom.get("services") or []]
        known = [norm(p.name) for p in ctx.manifest.third_parties or []]
        known += [norm(p.service) for p in ctx.manifest.third_parties or [] if p.service]
        findings = []
        for name, supplier, kind in deps:
            names = [norm(x) for x in (name, supplier) if x]
            if not any(n and (n in k or k in n) for n in names for k in known):
                findings.append(Finding(
                    severity=Severity.HIGH, message=f"The SBOM lists {kind} {name!r}"
                    + (f" from {supplier}" if supplier else "") + ", which the register does not.",
                    expected="a third_parties entry", observed=f"{name} ({kind})", location=ctx.at("sbom"),
                    remediation=self.remediation))
        return result_from_findings(findings, passed=f"All {len(deps)} SBOM dependencies are registered",
                                    failed="{n} SBOM dependencies missing from the register",
                                    evidence_kind=EvidenceKind.IMPORTED, total=max(1, len(deps)),
                                    metrics={"sbom_dependencies": len(deps)})


def _components(items: list) -> list:
    out = []
    for c in items:
        if isinstance(c, dict):
            out.append(c)
            out.extend(_components(c.get("components") or []))
    return out
