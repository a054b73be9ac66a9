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
    class_text,
    evidence_kind_of,
    fail,
    fmt_metric,
    labelled_gap,
    measure,
    missing_finding,
    result_from_findings,
    scored,
    truth_of,
    unanswered_gap,
)
from readiness.stats import judge


def _span(entry: dict[str, Any]) -> str:
    iv = entry.get("interval")
    return f" [{iv['low']:.3f}, {iv['high']:.3f}]" if iv else ""


def not_computable(ctx: CheckContext, name: str, task: str, loc: Any) -> Finding:
    """Why a metric could not be computed, in words a new user can act on."""
    if task == "regression":
        why = "the answers carry no number at model.outputs.score, or the labels are not numbers"
        if name == "r2":
            why += " (or the label is constant: R² is undefined)"
    elif task == "multiclass":
        why = (
            "the answers carry no class probabilities (model.outputs.probabilities)"
            if name in M.NEEDS_PROBABILITIES
            else "the answers carry no predicted class (model.outputs.decision)"
        )
    elif name in M.NEEDS_SCORE:
        why = "the answers carry no score (declare model.outputs.score), or the labels have one class only"
    else:
        why = "the answers carry no decision (declare model.outputs), or the labels have one class only"
    return Finding(
        severity=Severity.HIGH,
        message=f"{name} cannot be computed: {why}.",
        expected=f"{name} measured",
        observed="not computable",
        location=loc,
        remediation="Declare model.outputs.score / decision / positive / probabilities and evaluation.task "
        "(docs/serving.md shows where each framework puts them).",
    )


def pictures(truth: list[Any], s: Any, evaluation: Any) -> dict[str, Any]:
    """What the report draws: the ROC curve and the reliability diagram (binary with scores), the
    per-class table (multiclass)."""
    if evaluation.task == "binary":
        keep = [i for i, t in enumerate(truth) if t is not None and s.readings[i].score is not None]
        labels = [bool(truth[i]) for i in keep]
        scores = [float(s.readings[i].score) for i in keep]
        if not keep or not (0.0 <= min(scores) and max(scores) <= 1.0):
            return {}
        return {"roc": M.roc_points(labels, scores), "calibration": M.calibration_bins(labels, scores)}
    if evaluation.task == "multiclass":
        keep = [i for i, t in enumerate(truth) if t is not None and s.readings[i].decision is not None]
        return {"per_class": M.per_class([truth[i] for i in keep], [class_text(s.readings[i].decision) for i in keep])}
    return {}


class Quality(Check):
    """Scores the labelled evaluation set with the live model (or reads imported predictions), computes each declared
    metric exactly as scikit-learn does (binary: auc, accuracy, precision, recall, f1, brier, calibration_error;
    regression: rmse, mae, r2, mape; multiclass: accuracy, macro_f1, weighted_f1, log_loss, top_k_accuracy, with
    per-class precision and recall) with its 95 % interval, and judges the interval, not the point: FAIL when the
    whole interval misses the threshold, PASS when it is all within, WARN (inconclusive, with about how many more
    rows would decide it) otherwise. The proof-of-concept's claim is compared within ``claim_tolerance``; more than
    ``max_unanswered`` unanswered rows fail before any metric.

    Example finding: ``auc is 0.712 (95 % interval 0.690–0.734): the whole interval misses its threshold (at least
    0.75)`` (HIGH).
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
        task = evaluation.task
        targets: dict[str, Any] = {str(k): v for k, v in evaluation.metrics.items()}
        names: list[str] = list(targets) or list(M.DEFAULT_METRICS[task])
        for name in names:
            target = targets.get(name)
            got = measure(name, truth, s, None, evaluation)
            value = got.value
            entry: dict[str, Any] = {"value": value, "n": got.n}
            if got.interval is not None:
                entry["interval"] = got.interval.as_dict()
            report[name] = entry
            if target is None:
                continue
            entry.update({k: v for k, v in target.model_dump().items() if v is not None})
            loc = ctx.at("evaluation", "metrics", name)
            if value is None:
                findings.append(not_computable(ctx, name, task, loc))
                continue
            shown = f"{value:.3f}" + (f" ({got.interval.text()})" if got.interval else " (no interval)")
            verdict = judge(value, got.interval, got.n, minimum=target.min, maximum=target.max)
            entry["verdict"] = verdict.state
            limit = " and ".join(
                f"{word} {v:g}" for word, v in (("at least", target.min), ("at most", target.max)) if v is not None
            )
            if verdict.state == "fail":
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{name} is {shown}, "
                        + (
                            f"below its threshold {target.min:g}"
                            if target.min is not None and value < target.min
                            else f"above its limit {target.max:g}"
                        )
                        + ", with its whole interval.",
                        expected=limit,
                        observed=f"{value:.3f}",
                        location=loc,
                        remediation=self.remediation,
                    )
                )
            elif verdict.inconclusive:
                entry["more_rows"] = verdict.more
                more = (
                    f"about {verdict.more:,} more labelled rows would decide it"
                    if verdict.more
                    else "no sample size decides a value on the threshold itself"
                )
                findings.append(
                    Finding(
                        severity=Severity.MEDIUM,
                        message=f"{name} is {shown}, and its threshold ({limit}) lies inside the interval: "
                        f"inconclusive on {got.n:,} rows; {more}.",
                        expected=f"the interval {limit}",
                        observed=f"{value:.3f}",
                        location=loc,
                        remediation="Score a larger labelled production-shaped set (evaluation.max_rows, "
                        "data.evaluation), or restate the threshold with the risk owner.",
                    )
                )
            if target.poc_claim is not None:
                better = M.HIGHER_IS_BETTER[name]
                tolerance = ctx.params["claim_tolerance"]
                entry["gap_to_claim"] = round(value - target.poc_claim, 6)
                floor = target.poc_claim - tolerance if better else target.poc_claim + tolerance
                below = value < floor if better else value > floor
                if below:
                    certain = got.interval is not None and (
                        got.interval.high < floor if better else got.interval.low > floor
                    )
                    why = (
                        "the whole interval is short of it"
                        if certain
                        else "the claim is within reach of the interval, so the difference may be noise"
                    )
                    findings.append(
                        Finding(
                            severity=Severity.MEDIUM,
                            message=f"The proof of concept claimed {name} {target.poc_claim:g}; on {s.source} it is "
                            f"{shown} ({value - target.poc_claim:+.3f}): {why}.",
                            expected=f"within {tolerance:g} of the claim {target.poc_claim:g}",
                            observed=f"{value:.3f}",
                            location=loc,
                            remediation="Restate the claim in the model card and to the business owner, or find out "
                            "why production-shaped data scores lower (drift, leakage in the lab set).",
                        )
                    )
        extra = pictures(truth, s, evaluation)
        labelled = sum(t is not None for t in truth)
        shown = ", ".join(f"{k} {fmt_metric(v['value'])}{_span(v)}" for k, v in report.items())
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
                "task": task,
                **({"positives": sum(1 for t in truth if t is True)} if task == "binary" else {}),
                **extra,
            },
        )
