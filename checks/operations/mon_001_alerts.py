"""MON-001: Alerts for latency, errors, drift and output quality reach the on-call rotation."""

from __future__ import annotations

from readiness.checks.operations._common import (
    _absent,
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
    missing_finding,
    normalise,
)


class RoutedAlerts(Check):
    """Checks alerts exist for each of ``required_kinds`` (latency, errors, drift, output quality) and that each routes
    to the on-call rotation.

    Example finding: ``No drift alert is declared`` (HIGH).
    """

    id = "MON-001"
    area = "operations"
    title = "Alerts for latency, errors, drift and output quality reach the on-call rotation"
    rationale = (
        "Models degrade silently: inputs drift, outputs shift, latency creeps. Only alerts with "
        "thresholds, routed to the people on call, turn that into an action."
    )
    remediation = (
        "Add monitoring.alerts for each required kind, each with a threshold and routed to owners.on_call.rotation."
    )
    references = (citations.DORA_ART_10_1_2, citations.FINMA_GM_2_4)
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
                findings.append(
                    missing_finding(
                        ctx,
                        ("monitoring",),
                        f"No {kind.replace('_', ' ')} alert.",
                        self.remediation,
                        expected=f"an alert of kind {kind}",
                    )
                )
        for i, alert in enumerate(monitoring.alerts):
            if alert.threshold in (None, ""):
                findings.append(
                    missing_finding(
                        ctx,
                        ("monitoring", "alerts", i),
                        f"Alert {alert.metric} has no threshold.",
                        self.remediation,
                        expected="threshold",
                        severity=Severity.MEDIUM,
                    )
                )
            if not alert.route:
                findings.append(
                    missing_finding(
                        ctx,
                        ("monitoring", "alerts", i),
                        f"Alert {alert.metric} is routed nowhere.",
                        self.remediation,
                        expected="route",
                    )
                )
            elif rotation and normalise(alert.route) != normalise(rotation):
                findings.append(
                    Finding(
                        severity=Severity.LOW,
                        message=f"Alert {alert.metric} goes to {alert.route}, not the on-call rotation.",
                        expected=rotation,
                        observed=alert.route,
                        location=ctx.at("monitoring", "alerts", i, "route"),
                    )
                )
        return attested(
            findings,
            monitoring,
            passed=f"{len(monitoring.alerts)} alerts routed to {rotation}",
            failed="{n} monitoring gap(s)",
            total=len(ctx.params["required_kinds"]) + 2 * len(monitoring.alerts),
        )
