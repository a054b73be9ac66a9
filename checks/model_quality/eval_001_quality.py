"""EVAL-001: Quality on labelled production-shaped data meets its thresholds and the POC's claim."""

from __future__ import annotations

from typing import Any

from readiness import citations
from readiness import metrics as M
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    evidence_kind_of,
    fail,
    fmt_metric,
    labelled_gap,
    metric_on,
    missing_finding,
    result_from_findings,
    scored,
    truth_of,
    unanswered_gap,
)


class Quality(Check):
    """Scores the labelled evaluation set with the live model (or reads imported predictions), computes each declared
    metric exactly as scikit-learn does, and compares it with its threshold and with the proof-of-concept's claim
    (within ``claim_tolerance``); more than ``max_unanswered`` unanswered rows fail before any metric.

    Example finding: ``roc_auc is 0.712; the POC claimed 0.81 (tolerance 0.02)`` (HIGH).
    """

    id = "EVAL-001"
    area = "model_quality"
    title = "Quality on labelled production-shaped data meets its thresholds and the POC's claim"
    rationale = (
        "A model that scored 95% in the lab can score far less on what production really sends. "
        "The declared metrics, measured now on a labelled production-shaped set, are the only "
        "honest answer to 'does it still work?', and the gap to the proof of concept's claim "
        "must be visible before anyone relies on it."
    )
    remediation = (
        "Retrain or recalibrate on production-shaped data, or restate the claim and the thresholds "
        "with the risk owner's approval."
    )
    references = (citations.AIA_ART_15_1_3, citations.FINMA_GM_2_4, citations.US_MRM_OUTCOMES)
    weight = 5.0
    timeout_s = 900.0
    params = {
        "claim_tolerance": Param(0.02, "How far below the POC claim a metric may be before it is a gap (ours)."),
        "max_unanswered": Param(0.01, "Share of rows allowed without an answer."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        needed = labelled_gap(ctx)
        if needed:
            return fail(needed, "No evaluation")
        evaluation = ctx.manifest.evaluation
        if evaluation is None:
            return fail(
                missing_finding(
                    ctx,
                    ("data", "evaluation"),
                    "No evaluation section: which column is the label, which metrics and thresholds?",
                    "Declare evaluation.label and evaluation.metrics.",
                    expected="evaluation",
                ),
                "No evaluation",
            )
        s = scored(ctx, "evaluation")
        truth = truth_of(ctx, s.rows)
        findings = [f for f in (unanswered_gap(ctx, s, ctx.params["max_unanswered"]),) if f]
        if all(t is None for t in truth):
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"No row of {s.source} has a label in column {evaluation.label!r}.",
                    expected="labelled rows",
                    observed="none",
                    location=ctx.at("evaluation", "label"),
                    remediation="Name the label column.",
                )
            )
        if not evaluation.metrics:
            findings.append(
                missing_finding(
                    ctx,
                    ("evaluation",),
                    "No metric with a threshold is declared.",
                    "Declare evaluation.metrics, e.g. auc: {min: 0.75, poc_claim: 0.95}.",
                    expected="evaluation.metrics",
                    severity=Severity.MEDIUM,
                )
            )
        report: dict[str, Any] = {}
        names = list(evaluation.metrics) or ["auc", "accuracy", "precision", "recall"]
        for name in names:
            target = evaluation.metrics.get(name)
            value = metric_on(name, truth, s)
            entry: dict[str, Any] = {"value": value}
            report[name] = entry
            if target is None:
                continue
            entry.update({k: v for k, v in target.model_dump().items() if v is not None})
            loc = ctx.at("evaluation", "metrics", name)
            if value is None:
                what = "a score (model.outputs.score)" if name in M.NEEDS_SCORE else "a decision (model.outputs)"
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{name} cannot be computed: the answers "
                        f"carry no {what}, or the labels have one class only.",
                        expected=f"{name} measured",
                        observed="not computable",
                        location=loc,
                        remediation="Declare model.outputs.score / decision / positive.",
                    )
                )
                continue
            if target.min is not None and value < target.min:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{name} is {value:.3f}, below its threshold {target.min:g}.",
                        expected=f">= {target.min:g}",
                        observed=f"{value:.3f}",
                        location=loc,
                        remediation=self.remediation,
                    )
                )
            if target.max is not None and value > target.max:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{name} is {value:.3f}, above its limit {target.max:g}.",
                        expected=f"<= {target.max:g}",
                        observed=f"{value:.3f}",
                        location=loc,
                        remediation=self.remediation,
                    )
                )
            if target.poc_claim is not None:
                better = M.HIGHER_IS_BETTER[name]
                gap = (value - target.poc_claim) if better else (target.poc_claim - value)
                entry["gap_to_claim"] = round(value - target.poc_claim, 6)
                if gap < -ctx.params["claim_tolerance"]:
                    findings.append(
                        Finding(
                            severity=Severity.MEDIUM,
                            message=f"The proof of concept claimed {name} {target.poc_claim:g}; on {s.source} it is "
                            f"{value:.3f} ({value - target.poc_claim:+.3f}).",
                            expected=f"within {ctx.params['claim_tolerance']:g} of the claim {target.poc_claim:g}",
                            observed=f"{value:.3f}",
                            location=loc,
                            remediation="Restate the claim in the model card and to the business owner, or find out "
                            "why production-shaped data scores lower (drift, leakage in the lab set).",
                        )
                    )
        labelled = sum(t is not None for t in truth)
        shown = ", ".join(f"{k} {fmt_metric(v['value'])}" for k, v in report.items())
        return result_from_findings(
            findings,
            passed=f"{shown} on {labelled} labelled rows, {s.how}",
            failed="{n} quality gap(s): " + shown,
            evidence_kind=evidence_kind_of(s),
            metrics={
                "metrics": report,
                "rows": len(s.rows),
                "labelled": labelled,
                "source": s.source,
                "how": s.how,
                "positives": sum(1 for t in truth if t),
            },
        )
