"""Operations: a gradual rollout, a rollback that was tested, alerts that reach a person, a runbook
with the regulator's clocks, and humans who can override and stop the model."""

from __future__ import annotations

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



def _absent(ctx: CheckContext, section: str, remediation: str) -> CheckResult:
    return result_from_findings([missing(ctx, ("model",), f"No {section} section.", remediation, expected=section)],
                                passed="", failed=f"No {section}", evidence_kind=EvidenceKind.ATTESTED)


class GradualRollout(Check):
    id = "ROL-001"
    area = "operations"
    title = "A gradual rollout plan with success criteria"
    rationale = ("Switching all traffic at once turns every unknown into an incident. Shadow, canary or "
                 "champion/challenger stages with criteria decided in advance let the model earn its traffic.")
    remediation = ("Set rollout.strategy (shadow, canary, champion_challenger, percentage or region), its "
                   "stages, and the success criteria that allow each step.")
    references = (citations.DORA_RTS_ART_16,)
    weight = 3.0

    def run(self, ctx: CheckContext) -> CheckResult:
        rollout = ctx.manifest.rollout
        if rollout is None:
            return _absent(ctx, "rollout", self.remediation)
        findings = []
        if rollout.strategy in (None, "big_bang"):
            findings.append(Finding(severity=Severity.HIGH, message="The rollout is not gradual.",
                                    expected="shadow, canary, champion_challenger, percentage or region",
                                    observed=rollout.strategy or "none", location=ctx.at("rollout"),
                                    remediation=self.remediation))
        if is_placeholder(rollout.success_criteria):
            findings.append(missing(ctx, ("rollout",), "No success criteria decide when to widen the rollout.",
                                    self.remediation, expected="success_criteria"))
        if rollout.strategy not in (None, "big_bang") and not rollout.stages:
            findings.append(missing(ctx, ("rollout",), "The rollout has no stages.", self.remediation,
                                    expected="stages", severity=Severity.MEDIUM))
        return result_from_findings(findings, passed=f"{rollout.strategy} rollout in {len(rollout.stages)} stages",
                                    failed="{n} rollout gap(s)", evidence_kind=EvidenceKind.ATTESTED,
                                    attestation=attestation_of(rollout), total=3)


class TestedRollback(Check):
    id = "ROL-002"
    area = "operations"
    title = "A rollback procedure, tested recently, with a recovery time"
    rationale = ("The day the new model misbehaves, going back must be a rehearsed, timed procedure, not an "
                 "improvisation while wrong decisions pile up.")
    remediation = "Document rollback.procedure, rehearse it, record rollback.tested_on and recovery_time_minutes."
    references = (citations.DORA_ART_11_6_12, citations.NIST_RMF_MANAGE_2_4)
    weight = 5.0
    blocking = True
    params = {"max_days_since_test": Param(90, "Oldest acceptable rollback rehearsal, in days."),
              "max_recovery_minutes": Param(None, "Longest acceptable recovery time (none: any, but declared).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        rollback = ctx.manifest.rollback
        if rollback is None:
            return _absent(ctx, "rollback", self.remediation)
        findings = []
        if is_placeholder(rollback.procedure):
            findings.append(missing(ctx, ("rollback",), "No rollback procedure.", self.remediation,
                                    expected="procedure"))
        stale = stale_finding(ctx, ("rollback", "tested_on") if rollback.tested_on else ("rollback",),
                              "Rollback rehearsal", rollback.tested_on, ctx.params["max_days_since_test"],
                              "Rehearse the rollback and record rollback.tested_on.")
        if stale:
            findings.append(stale)
        limit = ctx.params["max_recovery_minutes"]
        if rollback.recovery_time_minutes is None:
            findings.append(missing(ctx, ("rollback",), "No recovery time is declared.", self.remediation,
                                    expected="recovery_time_minutes", severity=Severity.MEDIUM))
        elif limit is not None and rollback.recovery_time_minutes > limit:
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"Recovery takes {rollback.recovery_time_minutes:g} minutes.",
                                    expected=f"<= {limit} minutes", observed=f"{rollback.recovery_time_minutes:g}",
                                    location=ctx.at("rollback", "recovery_time_minutes"),
                                    remediation="Shorten the rollback (keep the previous version warm)."))
        return result_from_findings(findings, passed=f"Rollback rehearsed on {rollback.tested_on}",
                                    failed="{n} rollback gap(s)", evidence_kind=EvidenceKind.ATTESTED,
                                    attestation=attestation_of(rollback), total=3)


class RoutedAlerts(Check):
    id = "MON-001"
    area = "operations"
    title = "Alerts for latency, errors, drift and output quality reach the on-call rotation"
    rationale = ("Models degrade silently: inputs drift, outputs shift, latency creeps. Only alerts with "
                 "thresholds, routed to the people on call, turn that into an action.")
    remediation = ("Add monitoring.alerts for each required kind, each with a threshold and routed to "
                   "owners.on_call.rotation.")
    references = (citations.DORA_ART_10_1_2,
                  citations.FINMA_GM_2_4)
    weight = 5.0
    blocking = True
    params = {"required_kinds": Param(["latency", "errors", "drift", "output_quality"], "Alert kinds required.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        monitoring = ctx.manifest.monitoring
        if monitoring is None:
            return _absent(ctx, "monitoring", self.remediation)
        owners = ctx.manifest.owners
        rotation = owners.on_call.rotation if owners and owners.on_call else None
        findings = []
        kinds = {a.kind for a in monitoring.alerts}
        for kind in ctx.params["required_kinds"]:
            if kind not in kinds:
                findings.append(missing(ctx, ("monitoring",), f"No {kind.replace('_', ' ')} alert.", self.remediation,
                                        expected=f"an alert of kind {kind}"))
        for i, alert in enumerate(monitoring.alerts):
            if alert.threshold in (None, ""):
                findings.append(missing(ctx, ("monitoring", "alerts", i), f"Alert {alert.metric} has no threshold.",
                                        self.remediation, expected="threshold", severity=Severity.MEDIUM))
            if not alert.route:
                findings.append(missing(ctx, ("monitoring", "alerts", i), f"Alert {alert.metric} is routed nowhere.",
                                        self.remediation, expected="route"))
            elif rotation and norm(alert.route) != norm(rotation):
                findings.append(Finding(severity=Severity.LOW,
                                        message=f"Alert {alert.metric} goes to {alert.route}, "
                                                "not the on-call rotation.",
                                        expected=rotation, observed=alert.route,
                                        location=ctx.at("monitoring", "alerts", i, "route")))
        return result_from_findings(findings, passed=f"{len(monitoring.alerts)} alerts routed to {rotation}",
                                    failed="{n} monitoring gap(s)", evidence_kind=EvidenceKind.ATTESTED,
                                    attestation=attestation_of(monitoring),
                                    total=len(ctx.params["required_kinds"]) + 2 * len(monitoring.alerts))


class IncidentResponse(Check):
    id = "INC-001"
    area = "operations"
    title = "A runbook, the regulator's reporting clocks, and a stop control"
    rationale = ("When the model harms customers or markets, the firm has hours, not weeks, to tell its "
                 "regulator, and must be able to stop the model at once.")
    remediation = ("Record incident_response.runbook, regulator_reporting with each required regulator's "
                   "deadline, and kill_switch: true once the stop control exists and was tried.")
    references = (citations.DORA_ART_17_19,
                  citations.AIA_ART_73, citations.NIST_RMF_MANAGE_2_4)
    weight = 4.0
    params = {"required_regulators": Param([], "Regulators whose reporting deadline must be recorded."),
              "require_kill_switch": Param(True, "Whether a stop control is required.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        ir = ctx.manifest.incident_response
        if ir is None:
            return _absent(ctx, "incident_response", self.remediation)
        findings = []
        if is_placeholder(ir.runbook):
            findings.append(missing(ctx, ("incident_response",), "No runbook.", self.remediation, expected="runbook"))
        reported = {k.casefold() for k in ir.regulator_reporting}
        for regulator in ctx.params["required_regulators"]:
            if regulator.casefold() not in reported:
                findings.append(missing(ctx, ("incident_response",),
                                        f"No reporting deadline for {regulator}.", self.remediation,
                                        expected=f"regulator_reporting.{regulator}"))
        if ctx.params["require_kill_switch"] and not ir.kill_switch:
            findings.append(missing(ctx, ("incident_response",), "No stop control (kill switch).", self.remediation,
                                    expected="kill_switch: true"))
        return result_from_findings(findings, passed=f"Runbook {ir.runbook}", failed="{n} incident-response gap(s)",
                                    evidence_kind=EvidenceKind.ATTESTED, attestation=attestation_of(ir),
                                    total=2 + len(ctx.params["required_regulators"]))


class HumanOversight(Check):
    id = "HUM-001"
    area = "operations"
    title = "People can override the model, overrides are logged, and someone can stop it"
    rationale = ("For decisions with real effect on people, a human must be able to overrule and halt the "
                 "system, and overrides are the earliest signal that the model is going wrong.")
    remediation = ("Set human_oversight.mode, and make override_supported, override_logged and stop_control "
                   "true once they exist.")
    references = (citations.AIA_ART_14,
                  citations.FINMA_GM_2_4)
    weight = 3.0

    def run(self, ctx: CheckContext) -> CheckResult:
        if ctx.manifest.model.decision_effect is not None and ctx.manifest.model.decision_effect.value == "none":
            return not_applicable("The model's output has no decision effect")
        oversight = ctx.manifest.human_oversight
        if oversight is None:
            return _absent(ctx, "human_oversight", self.remediation)
        findings = []
        for name in ("override_supported", "override_logged", "stop_control"):
            if not getattr(oversight, name):
                findings.append(missing(ctx, ("human_oversight",), f"{name.replace('_', ' ').capitalize()} is not "
                                        "in place.", self.remediation, expected=f"{name}: true"))
        if oversight.mode in (None, "none"):
            findings.append(missing(ctx, ("human_oversight",), "No oversight mode.", self.remediation,
                                    expected="human_in_the_loop or human_on_the_loop", severity=Severity.MEDIUM))
        return result_from_findings(findings, passed=f"Oversight: {oversight.mode}", failed="{n} oversight gap(s)",
                                    evidence_kind=EvidenceKind.ATTESTED, attestation=attestation_of(oversight),
                                    total=4)
