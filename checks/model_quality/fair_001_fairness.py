"""FAIR-001: Outcomes are fair between the groups of each protected attribute."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from readiness import citations, numbers
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Precondition,
    Severity,
    evidence_kind_of,
    fail,
    fmt_metric,
    labelled_gap,
    missing_finding,
    model_inputs,
    result_from_findings,
    scored,
    task_of,
    truth_of,
    unanswered_gap,
)
from readiness.stats import Interval, Verdict, judge, katz_ratio, mean_interval, newcombe, wilson


@dataclass
class Groups:
    groups: dict[str, list[int]]
    banded: dict[str, list[float]]  # numeric attributes cut in bands: their edges


MAX_CATEGORIES = 10
"""A numeric attribute with more distinct values than this and no declared bands is cut in quartiles."""


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _band(value: Any, edges: list[float]) -> str:
    if not _is_number(value):
        return "(missing)" if value is None else str(value)
    k = sum(value >= e for e in edges)
    if k == 0:
        return f"< {edges[0]:g}"
    if k == len(edges):
        return f">= {edges[-1]:g}"
    return f"{edges[k - 1]:g}–{edges[k]:g}"


def group_labels(rows: Sequence[dict[str, Any]], attributes: list[str], bands: dict[str, list[float]]) -> Groups:
    """Row indices by group. A numeric attribute is cut at its declared band edges, or, with more than
    MAX_CATEGORIES values and no bands, at its quartiles; several attributes give their intersections."""
    banded: dict[str, list[float]] = {}
    per_row: list[list[str]] = [[] for _ in rows]
    for attribute in attributes:
        values = [row.get(attribute) for row in rows]
        edges = sorted(bands.get(attribute, []))
        present = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if not edges and present and len(set(present)) > MAX_CATEGORIES:
            ordered = sorted(present)
            edges = sorted({ordered[len(ordered) * q // 4] for q in (1, 2, 3)})
        if edges:
            banded[attribute] = edges
        for i, v in enumerate(values):
            per_row[i].append(_band(v, edges) if edges else ("(missing)" if v is None else str(v)))
    groups: dict[str, list[int]] = {}
    for i, parts in enumerate(per_row):
        groups.setdefault(" × ".join(parts), []).append(i)
    return Groups(dict(sorted(groups.items())), banded)


def _more(verdict: Verdict, unit: str) -> str:
    return (
        f"about {verdict.more:,} more {unit} per group would decide it"
        if verdict.more
        else "no sample size decides a value on the limit itself"
    )


def gap_finding(
    name: str,
    what: str,
    value: float,
    interval: Interval | None,
    verdict: Verdict,
    limit_text: str,
    n: int,
    loc: Any,
    evidence: dict[str, str],
    remediation: str,
    unit: str = "rows",
) -> Finding | None:
    """FAIL when the interval lies beyond the limit, an inconclusive WARN when the limit is inside it."""
    span = f" ({interval.text()})" if interval else ""
    if verdict.state == "fail":
        return Finding(
            severity=Severity.HIGH,
            message=f"{name}: {what}{span}; the whole interval is beyond the limit ({limit_text}).",
            expected=limit_text,
            observed=f"{value:.3f}",
            location=loc,
            remediation=remediation,
            evidence=evidence,
        )
    if verdict.inconclusive:
        return Finding(
            severity=Severity.MEDIUM,
            message=f"{name}: {what}{span}; the limit ({limit_text}) lies inside the interval: inconclusive "
            f"with {n:,} {unit} in the smaller group; {_more(verdict, unit)}.",
            expected=f"the interval within {limit_text}",
            observed=f"{value:.3f}",
            location=loc,
            remediation="Collect more labelled rows for these groups before relying on this comparison.",
            evidence=evidence,
        )
    return None


def too_few(name: str, judged: int, loc: Any) -> Finding:
    """Fewer than two groups large enough to compare: nothing was shown fair."""
    return Finding(
        severity=Severity.HIGH,
        message=f"{name}: fewer than two groups large enough to compare.",
        expected="two or more groups to compare",
        observed=f"{judged}",
        location=loc,
        remediation="Collect more labelled rows, or band the attribute (fairness.bands).",
    )


def _small(name: str, groups: dict[str, Any], small: list[str], minimum: int, loc: Any) -> list[Finding]:
    out = []
    if small:
        sizes = ", ".join(f"{g} (n={groups[g]['n']})" for g in small[:12]) + (" ..." if len(small) > 12 else "")
        out.append(
            Finding(
                severity=Severity.MEDIUM,
                message=f"{name}: too small to judge: {sizes}; fairness towards these groups is not shown.",
                expected=f">= {minimum} rows per group",
                observed=sizes,
                location=loc,
                remediation="Collect more labelled rows for these groups, or band the attribute (fairness.bands).",
            )
        )
    return out


def classification_gaps(
    ctx: CheckContext,
    name: str,
    groups_: dict[str, list[int]],
    truth: list[Any],
    s: Any,
    summary: dict[str, Any],
    loc: Any,
    p: Any,
    favourable_positive: bool,
    task: str,
) -> list[Finding]:
    findings: list[Finding] = []
    groups: dict[str, dict[str, Any]] = summary["groups"]
    judged: dict[str, dict[str, Any]] = {}
    small: list[str] = []
    for group, members in groups_.items():
        keep = [i for i in members if s.readings[i].positive is not None]
        favourable = sum(1 for i in keep if bool(s.readings[i].positive) == favourable_positive)
        labelled = [i for i in keep if isinstance(truth[i], bool)]
        pos = [i for i in labelled if truth[i]]
        neg = [i for i in labelled if not truth[i]]
        tp = sum(1 for i in pos if s.readings[i].positive)
        fp = sum(1 for i in neg if s.readings[i].positive)
        entry: dict[str, Any] = {
            "n": len(keep),
            "favourable": favourable,
            "selection_rate": favourable / len(keep) if keep else None,
            "selection_interval": _iv(wilson(favourable, len(keep))),
            "positives": len(pos),
            "negatives": len(neg),
            "tp": tp,
            "fp": fp,
            "tpr": tp / len(pos) if pos else None,
            "fpr": fp / len(neg) if neg else None,
        }
        groups[group] = entry
        (judged.__setitem__(group, entry) if len(keep) >= p["min_group_size"] else small.append(group))
    findings += _small(name, groups, small, p["min_group_size"], loc)
    if len(judged) < 2:
        findings.append(too_few(name, len(judged), loc))
        return findings
    evidence = {
        "groups": "; ".join(
            f"{g}: n={e['n']}, selection {fmt_metric(e['selection_rate'])}, "
            f"TPR {fmt_metric(e['tpr'])}, FPR {fmt_metric(e['fpr'])}"
            for g, e in list(groups.items())[:12]
        )
    }
    remediation = (
        "Find the features that proxy the attribute, re-weight or constrain the training, or set "
        "group-aware thresholds with the legal owner's approval; collect more data for small groups."
    )
    sel = {g: float(e["selection_rate"] or 0.0) for g, e in judged.items()}
    low, high = min(sel, key=lambda g: sel[g]), max(sel, key=lambda g: sel[g])
    lo_e, hi_e = judged[low], judged[high]
    if sel[high]:
        ratio = sel[low] / sel[high]
        iv = katz_ratio(lo_e["favourable"], lo_e["n"], hi_e["favourable"], hi_e["n"])
        n_small = min(lo_e["n"], hi_e["n"])
        verdict = judge(ratio, iv, n_small, minimum=p["min_ratio"])
        summary.update(selection_rate_ratio=ratio, ratio_interval=_iv(iv), ratio_verdict=verdict.state)
        f = gap_finding(
            name,
            f"group {low} gets the favourable outcome at {numbers.pct(sel[low])}, group {high} at "
            f"{numbers.pct(sel[high])}: ratio {ratio:.2f}",
            ratio,
            iv,
            verdict,
            f"ratio >= {p['min_ratio']:g}",
            n_small,
            loc,
            evidence,
            remediation,
        )
        findings += [f] if f else []
    if task != "binary":
        return findings
    for rate, count, base, limit in (
        ("tpr", "tp", "positives", p["max_tpr_gap"]),
        ("fpr", "fp", "negatives", p["max_fpr_gap"]),
    ):
        values = {g: float(e[rate]) for g, e in judged.items() if e[rate] is not None}
        if len(values) < 2:
            continue
        lo, hi = min(values, key=lambda g: values[g]), max(values, key=lambda g: values[g])
        a, b = judged[hi], judged[lo]
        gap = values[hi] - values[lo]
        iv = newcombe(a[count], a[base], b[count], b[base])
        n_small = min(a[base], b[base])
        verdict = judge(gap, iv, n_small, maximum=limit)
        summary.update({f"{rate}_gap": gap, f"{rate}_gap_interval": _iv(iv), f"{rate}_verdict": verdict.state})
        f = gap_finding(
            name,
            f"{rate.upper()} is {numbers.pct(values[hi])} for {hi} and {numbers.pct(values[lo])} for {lo}: a gap "
            f"of {gap * 100:.1f} points",
            gap,
            iv,
            verdict,
            f"gap <= {limit * 100:g} points",
            n_small,
            loc,
            evidence,
            remediation,
            unit=base,
        )
        findings += [f] if f else []
    return findings


def regression_gaps(
    ctx: CheckContext,
    name: str,
    groups_: dict[str, list[int]],
    truth: list[Any],
    s: Any,
    summary: dict[str, Any],
    loc: Any,
    p: Any,
) -> list[Finding]:
    """Regression: gaps between groups in the mean error (prediction - truth: one group systematically
    over- or under-estimated) and in the mean prediction, in standard deviations of the label."""
    findings: list[Finding] = []
    groups: dict[str, dict[str, Any]] = summary["groups"]
    every = [i for i in range(len(s.rows)) if truth[i] is not None and s.readings[i].score is not None]
    if len(every) < 2:
        return findings
    mean_t = math.fsum(truth[i] for i in every) / len(every)
    sd = math.sqrt(math.fsum((truth[i] - mean_t) ** 2 for i in every) / (len(every) - 1)) or 1.0
    summary["label_sd"] = sd
    judged: dict[str, dict[str, Any]] = {}
    small: list[str] = []
    for group, members in groups_.items():
        keep = [i for i in members if truth[i] is not None and s.readings[i].score is not None]
        errors = [float(s.readings[i].score) - float(truth[i]) for i in keep]
        predictions = [float(s.readings[i].score) for i in keep]
        entry: dict[str, Any] = {
            "n": len(keep),
            "mean_error": math.fsum(errors) / len(keep) if keep else None,
            "mean_prediction": math.fsum(predictions) / len(keep) if keep else None,
            "_errors": errors,
            "_predictions": predictions,
        }
        groups[group] = entry
        (judged.__setitem__(group, entry) if len(keep) >= p["min_group_size"] else small.append(group))
    findings += _small(name, groups, small, p["min_group_size"], loc)
    if len(judged) >= 2:
        for key, raw, limit, what in (
            ("mean_error", "_errors", p["max_error_gap_sd"], "mean error"),
            ("mean_prediction", "_predictions", p["max_prediction_gap_sd"], "mean prediction"),
        ):
            values = {g: float(e[key]) for g, e in judged.items()}
            lo, hi = min(values, key=lambda g: values[g]), max(values, key=lambda g: values[g])
            gap = (values[hi] - values[lo]) / sd
            iv = difference_of_means(judged[hi][raw], judged[lo][raw])
            iv = None if iv is None else Interval(iv.low / sd, iv.high / sd, iv.method)
            n_small = min(judged[hi]["n"], judged[lo]["n"])
            verdict = judge(gap, iv, n_small, maximum=limit)
            summary.update({f"{key}_gap_sd": gap, f"{key}_gap_interval": _iv(iv), f"{key}_verdict": verdict.state})
            f = gap_finding(
                name,
                f"{what} is {values[hi]:.4g} for {hi} and {values[lo]:.4g} for {lo}: a gap of {gap:.2f} "
                "standard deviations of the label",
                gap,
                iv,
                verdict,
                f"gap <= {limit:g} sd",
                n_small,
                loc,
                {},
                "Find the features that proxy the attribute and why one group is systematically over- or "
                "under-estimated; recalibrate by group only with the legal owner's approval.",
            )
            findings += [f] if f else []
    elif not findings or len(judged) < 2:
        findings.append(too_few(name, len(judged), loc))
    for e in groups.values():
        e.pop("_errors", None)
        e.pop("_predictions", None)
    return findings


def difference_of_means(a: list[float], b: list[float]) -> Interval | None:
    """Welch's normal interval for mean(a) - mean(b)."""
    if len(a) < 2 or len(b) < 2:
        return None
    ia, ib = mean_interval(a), mean_interval(b)
    if ia is None or ib is None:
        return None
    d = (ia.low + ia.high) / 2 - (ib.low + ib.high) / 2
    half = math.sqrt(ia.half_width**2 + ib.half_width**2)
    return Interval(d - half, d + half, "welch")


def _iv(iv: Interval | None) -> dict[str, Any] | None:
    return None if iv is None else iv.as_dict()


class GroupFairness(Check):
    """Splits the scored evaluation set by each protected attribute (numeric ones in ``fairness.bands``, or quartiles
    when they have more than 10 values) and by each declared intersection (``fairness.intersections``), and compares
    groups of at least ``min_group_size`` rows: selection rates (the four-fifths ratio, ``min_ratio``, with Katz's
    interval) and true- and false-positive rates (``max_tpr_gap``, ``max_fpr_gap``, with Newcombe's interval of the
    difference); for regression the gaps in mean error and mean prediction (``max_error_gap_sd``,
    ``max_prediction_gap_sd``, in standard deviations of the label). Each comparison fails only when its whole 95 %
    interval is beyond the limit, passes when it is all within, and is an inconclusive WARN otherwise, saying about
    how many more rows per group would decide it. The protected attributes are never sent to the model.

    Example finding: ``gender: selection rate ratio 0.62 (95 % interval 0.55–0.70) ... beyond the limit (ratio >=
    0.8)`` (HIGH).
    """

    id = "FAIR-001"
    area = "model_quality"
    title = "Outcomes are fair between the groups of each protected attribute"
    rationale = (
        "A model that approves one group markedly less often, or errs more often against it, "
        "discriminates whatever its intent; regulators expect bias to be examined and explained "
        "before use. A group too small to judge has not been shown to be treated fairly."
    )
    remediation = (
        "Find the features that proxy the attribute, re-weight or constrain the training, or set "
        "group-aware thresholds with the legal owner's approval; collect more data for small groups."
    )
    references = (
        citations.AIA_ART_10_2_FG,
        citations.NIST_RMF_MEASURE_2_11,
        citations.FINMA_GM_2_4,
        citations.EEOC_FOUR_FIFTHS,
    )
    weight = 4.0
    timeout_s = 900.0
    params = {
        "min_ratio": Param(0.8, "Lowest selection-rate ratio between groups (four-fifths heuristic, MU)."),
        "max_tpr_gap": Param(0.05, "Largest gap in true positive rates (ours)."),
        "max_fpr_gap": Param(0.05, "Largest gap in false positive rates (ours)."),
        "min_group_size": Param(100, "Rows a group needs to be judged (ours)."),
        "max_error_gap_sd": Param(
            0.1, "Regression: largest gap in mean error between groups, in standard deviations of the label (ours)."
        ),
        "max_prediction_gap_sd": Param(
            0.2, "Regression: largest gap in mean prediction between groups, in label standard deviations (ours)."
        ),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        fairness = ctx.manifest.fairness
        if fairness is None:
            return fail(
                missing_finding(
                    ctx,
                    ("model",),
                    "No fairness section: which protected attributes must be examined?",
                    "Declare fairness.protected_attributes (columns of the evaluation set).",
                    expected="fairness.protected_attributes",
                ),
                "No fairness examination",
            )
        needed = labelled_gap(ctx)
        if needed:
            return fail(needed, "No fairness examination")
        s = scored(ctx, "evaluation")
        truth = truth_of(ctx, s.rows)
        unanswered = unanswered_gap(ctx, s, 0.01)
        if unanswered is not None:  # rates over the rows that happened to be answered would mislead
            raise Precondition(
                unanswered, "Fairness not measured: too many rows unanswered", evidence_kind=evidence_kind_of(s)
            )
        favourable_positive = fairness.favourable_outcome == "positive"
        p = ctx.params
        findings, table = [], {}
        direct = sorted(set(fairness.protected_attributes) & model_inputs(ctx)) if not s.imported else []
        for attribute in direct:
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"The model receives {attribute!r} directly as an input: its decisions "
                    "can depend on the protected attribute itself, not only on proxies.",
                    expected="no protected attribute among the inputs, or a documented legal basis",
                    observed=f"{attribute} is a model input",
                    location=ctx.at("fairness", "protected_attributes", fairness.protected_attributes.index(attribute)),
                    remediation="Remove the attribute from the inputs, or document why its use is "
                    "lawful and proportionate (and waive with that record).",
                )
            )
        task = task_of(ctx)
        columns = s.rows[0] if s.rows else {}
        judged_sets: list[tuple[str, list[str], Any]] = []
        for a, attribute in enumerate(fairness.protected_attributes):
            judged_sets.append((attribute, [attribute], ctx.at("fairness", "protected_attributes", a)))
        for k, combo in enumerate(fairness.intersections):
            judged_sets.append((" × ".join(combo), list(combo), ctx.at("fairness", "intersections", k)))
        for name, attributes, loc in judged_sets:
            missing = [c for c in attributes if c not in columns]
            if missing:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"Protected attribute {missing[0]!r} is not a column of {s.source}.",
                        expected=missing[0],
                        observed="absent",
                        location=loc,
                        remediation="Add the attribute to the evaluation set.",
                    )
                )
                continue
            labels = group_labels(s.rows, attributes, fairness.bands)
            summary: dict[str, Any] = {"groups": {}}
            if labels.banded:
                summary["bands"] = labels.banded
            table[name] = summary
            if task == "regression":
                findings += regression_gaps(ctx, name, labels.groups, truth, s, summary, loc, p)
            else:
                findings += classification_gaps(
                    ctx, name, labels.groups, truth, s, summary, loc, p, favourable_positive, task
                )
        return result_from_findings(
            findings,
            passed=f"No gap between the groups of {', '.join(fairness.protected_attributes)} ({s.how})",
            failed="{n} fairness gap(s)",
            evidence_kind=evidence_kind_of(s),
            metrics={"groups": table, "rows": len(s.rows), "how": s.how, "task": task},
        )
