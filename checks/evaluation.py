"""The model's quality on labelled, production-shaped data: its metrics against the thresholds and the
proof-of-concept's claim, its fairness between groups, and the candidate against the champion.

The answers come from :mod:`readiness.outputs`: measured by calling the model on every row of the
labelled set once per run, or imported from a predictions file (and then reported as imported).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from readiness.checks._util import missing

from readiness import metrics as M
from readiness import privacy
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
    result_from_findings,
)
from readiness.evidence import Precondition
from readiness.outputs import (
    ScoredSet,
    evidence_kind_of,
    fmt_metric,
    groups_of,
    has_target,
    labelled_gap,
    labelled_source,
    metric_on,
    model_inputs,
    same_value,
    scored,
    truth_of,
    unanswered_gap,
)



class Quality(Check):
    id = "EVAL-001"
    area = "model_quality"
    title = "Quality on labelled production-shaped data meets its thresholds and the POC's claim"
    rationale = ("A model that scored 95% in the lab can score far less on what production really sends. "
                 "The declared metrics, measured now on a labelled production-shaped set, are the only "
                 "honest answer to 'does it still work?', and the gap to the proof of concept's claim "
                 "must be visible before anyone relies on it.")
    remediation = ("Retrain or recalibrate on production-shaped data, or restate the claim and the thresholds "
                   "with the risk owner's approval.")
    references = (citations.AIA_ART_15_1_3, citations.FINMA_GM_2_4, citations.US_MRM_OUTCOMES)
    weight = 5.0
    timeout_s = 900.0
    params = {"claim_tolerance": Param(0.02, "How far below the POC claim a metric may be before it is a gap (ours)."),
              "max_unanswered": Param(0.01, "Share of rows allowed without an answer.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        needed = labelled_gap(ctx)
        if needed:
            return result_from_findings([needed], passed="", failed="No evaluation")
        evaluation = ctx.manifest.evaluation
        if evaluation is None:
            return result_from_findings([missing(ctx, ("data", "evaluation"),
                                                 "No evaluation section: which column is the label, which metrics "
                                                 "and thresholds?", "Declare evaluation.label and "
                                                 "evaluation.metrics.", expected="evaluation")],
                                        passed="", failed="No evaluation")
        s = scored(ctx, "evaluation")
        truth = truth_of(ctx, s.rows)
        findings = [f for f in (unanswered_gap(ctx, s, ctx.params["max_unanswered"]),) if f]
        if all(t is None for t in truth):
            findings.append(Finding(severity=Severity.HIGH, message=f"No row of {s.source} has a label in column "
                                    f"{evaluation.label!r}.", expected="labelled rows", observed="none",
                                    location=ctx.at("evaluation", "label"), remediation="Name the label column."))
        if not evaluation.metrics:
            findings.append(missing(ctx, ("evaluation",), "No metric with a threshold is declared.",
                                    "Declare evaluation.metrics, e.g. auc: {min: 0.75, poc_claim: 0.95}.",
                                    expected="evaluation.metrics", severity=Severity.MEDIUM))
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
                findings.append(Finding(severity=Severity.HIGH, message=f"{name} cannot be computed: the answers "
                                        f"carry no {what}, or the labels have one class only.",
                                        expected=f"{name} measured", observed="not computable", location=loc,
                                        remediation="Declare model.outputs.score / decision / positive."))
                continue
            if target.min is not None and value < target.min:
                findings.append(Finding(severity=Severity.HIGH, message=f"{name} is {value:.3f}, below its "
                                        f"threshold {target.min:g}.", expected=f">= {target.min:g}",
                                        observed=f"{value:.3f}", location=loc, remediation=self.remediation))
            if target.max is not None and value > target.max:
                findings.append(Finding(severity=Severity.HIGH, message=f"{name} is {value:.3f}, above its "
                                        f"limit {target.max:g}.", expected=f"<= {target.max:g}",
                                        observed=f"{value:.3f}", location=loc, remediation=self.remediation))
            if target.poc_claim is not None:
                better = M.HIGHER_IS_BETTER[name]
                gap = (value - target.poc_claim) if better else (target.poc_claim - value)
                entry["gap_to_claim"] = round(value - target.poc_claim, 6)
                if gap < -ctx.params["claim_tolerance"]:
                    findings.append(Finding(
                        severity=Severity.MEDIUM,
                        message=f"The proof of concept claimed {name} {target.poc_claim:g}; on {s.source} it is "
                                f"{value:.3f} ({value - target.poc_claim:+.3f}).",
                        expected=f"within {ctx.params['claim_tolerance']:g} of the claim {target.poc_claim:g}",
                        observed=f"{value:.3f}", location=loc,
                        remediation="Restate the claim in the model card and to the business owner, or find out "
                                    "why production-shaped data scores lower (drift, leakage in the lab set)."))
        labelled = sum(t is not None for t in truth)
        shown = ", ".join(f"{k} {fmt_metric(v['value'])}" for k, v in report.items())
        return result_from_findings(
            findings, passed=f"{shown} on {labelled} labelled rows, {s.how}", failed="{n} quality gap(s): " + shown,
            evidence_kind=evidence_kind_of(s),
            metrics={"metrics": report, "rows": len(s.rows), "labelled": labelled, "source": s.source,
                     "how": s.how, "positives": sum(1 for t in truth if t)})


class Fairness(Check):
    id = "FAIR-001"
    area = "model_quality"
    title = "Outcomes are fair between the groups of each protected attribute"
    rationale = ("A model that approves one group markedly less often, or errs more often against it, "
                 "discriminates whatever its intent; regulators expect bias to be examined and explained "
                 "before use. A group too small to judge has not been shown to be treated fairly.")
    remediation = ("Find the features that proxy the attribute, re-weight or constrain the training, or set "
                   "group-aware thresholds with the legal owner's approval; collect more data for small groups.")
    references = (citations.AIA_ART_10_2_FG, citations.NIST_RMF_MEASURE_2_11, citations.FINMA_GM_2_4, citations.EEOC_FOUR_FIFTHS)
    weight = 4.0
    timeout_s = 900.0
    params = {"min_ratio": Param(0.8, "Lowest selection-rate ratio between groups (four-fifths heuristic, MU)."),
              "max_tpr_gap": Param(0.05, "Largest gap in true positive rates (ours)."),
              "max_fpr_gap": Param(0.05, "Largest gap in false positive rates (ours)."),
              "min_group_size": Param(100, "Rows a group needs to be judged (ours).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        fairness = ctx.manifest.fairness
        if fairness is None:
            return result_from_findings([missing(ctx, ("model",), "No fairness section: which protected "
                                                 "attributes must be examined?", "Declare fairness."
                                                 "protected_attributes (columns of the evaluation set).",
                                                 expected="fairness.protected_attributes")],
                                        passed="", failed="No fairness examination")
        needed = labelled_gap(ctx)
        if needed:
            return result_from_findings([needed], passed="", failed="No fairness examination")
        s = scored(ctx, "evaluation")
        truth = truth_of(ctx, s.rows)
        unanswered = unanswered_gap(ctx, s, 0.01)
        if unanswered is not None:  # rates over the rows that happened to be answered would mislead
            raise Precondition(result_from_findings([unanswered], passed="", evidence_kind=evidence_kind_of(s),
                                                    failed="Fairness not measured: too many rows unanswered"))
        favourable_positive = fairness.favourable_outcome == "positive"
        p = ctx.params
        findings, table = [], {}
        direct = sorted(set(fairness.protected_attributes) & model_inputs(ctx)) if not s.imported else []
        for attribute in direct:
            findings.append(Finding(severity=Severity.MEDIUM,
                                    message=f"The model receives {attribute!r} directly as an input: its decisions "
                                            "can depend on the protected attribute itself, not only on proxies.",
                                    expected="no protected attribute among the inputs, or a documented legal basis",
                                    observed=f"{attribute} is a model input",
                                    location=ctx.at("fairness", "protected_attributes",
                                                    fairness.protected_attributes.index(attribute)),
                                    remediation="Remove the attribute from the inputs, or document why its use is "
                                                "lawful and proportionate (and waive with that record)."))
        for a, attribute in enumerate(fairness.protected_attributes):
            loc = ctx.at("fairness", "protected_attributes", a)
            if not s.rows or attribute not in s.rows[0]:
                findings.append(Finding(severity=Severity.HIGH, message=f"Protected attribute {attribute!r} is not "
                                        f"a column of {s.source}.", expected=attribute, observed="absent",
                                        location=loc, remediation="Add the attribute to the evaluation set."))
                continue
            groups, small, judged = {}, [], {}
            for group, members in sorted(groups_of(s.rows, attribute).items()):
                keep = [i for i in members if s.readings[i].positive is not None]
                predicted = [s.readings[i].positive for i in keep]
                favourable = [x if favourable_positive else not x for x in predicted]
                labelled = [i for i in keep if truth[i] is not None]
                tpr, fpr = M.error_rates([truth[i] for i in labelled], [s.readings[i].positive for i in labelled])
                entry = {"n": len(keep), "selection_rate": sum(favourable) / len(keep) if keep else None,
                         "tpr": tpr, "fpr": fpr}
                groups[group] = entry
                if len(keep) >= p["min_group_size"]:
                    judged[group] = entry
                else:
                    small.append(group)
            summary: dict[str, Any] = {"groups": groups}
            table[attribute] = summary
            if small:
                sizes = ", ".join(f"{g} (n={groups[g]['n']})" for g in small)
                findings.append(Finding(severity=Severity.MEDIUM,
                                        message=f"{attribute}: too small to judge: {sizes}; fairness towards these "
                                                "groups is not shown.",
                                        expected=f">= {p['min_group_size']} rows per group", observed=sizes,
                                        location=loc, remediation="Collect more labelled rows for these groups."))
            if len(judged) < 2:
                findings.append(Finding(severity=Severity.HIGH,
                                        message=f"{attribute}: fewer than two groups large enough to compare.",
                                        expected="two or more groups to compare", observed=f"{len(judged)}",
                                        location=loc, remediation="Collect more labelled rows."))
                continue
            evidence = {"groups": "; ".join(f"{g}: n={e['n']}, selection {fmt_metric(e['selection_rate'])}, "
                                            f"TPR {fmt_metric(e['tpr'])}, FPR {fmt_metric(e['fpr'])}" for g, e in groups.items())}
            sel = {g: e["selection_rate"] for g, e in judged.items()}
            low, high = min(sel, key=sel.get), max(sel, key=sel.get)
            ratio = sel[low] / sel[high] if sel[high] else None
            summary["selection_rate_ratio"] = ratio
            if ratio is not None and ratio < p["min_ratio"]:
                findings.append(Finding(severity=Severity.HIGH,
                                        message=f"{attribute}: group {low} gets the favourable outcome at "
                                                f"{sel[low]:.1%}, group {high} at {sel[high]:.1%}: ratio {ratio:.2f}.",
                                        expected=f"selection-rate ratio >= {p['min_ratio']:g}",
                                        observed=f"{ratio:.2f}", location=loc, remediation=self.remediation,
                                        evidence=evidence))
            for rate, limit in (("tpr", p["max_tpr_gap"]), ("fpr", p["max_fpr_gap"])):
                values = {g: e[rate] for g, e in judged.items() if e[rate] is not None}
                if len(values) < 2:
                    continue
                lo, hi = min(values, key=values.get), max(values, key=values.get)
                gap = values[hi] - values[lo]
                summary[f"{rate}_gap"] = gap
                if gap > limit:
                    findings.append(Finding(severity=Severity.HIGH,
                                            message=f"{attribute}: {rate.upper()} is {values[hi]:.1%} for {hi} and "
                                                    f"{values[lo]:.1%} for {lo}: a gap of {gap * 100:.1f} points.",
                                            expected=f"gap <= {limit * 100:g} points", observed=f"{gap * 100:.1f}",
                                            location=loc, remediation=self.remediation, evidence=evidence))
        return result_from_findings(findings, passed=f"No gap between the groups of "
                                    f"{', '.join(fairness.protected_attributes)} ({s.how})",
                                    failed="{n} fairness gap(s)", evidence_kind=evidence_kind_of(s),
                                    metrics={"groups": table, "rows": len(s.rows), "how": s.how})


def _slices(rows: Sequence[dict[str, Any]], column: str) -> dict[str, list[int]]:
    """Categories as they are; a numeric column with many values in quartile bins."""
    values = [row.get(column) for row in rows]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if numbers and len(set(numbers)) > 10 and len(numbers) == sum(v is not None for v in values):
        ordered = sorted(numbers)
        cuts = [ordered[len(ordered) * q // 4] for q in (1, 2, 3)]
        out: dict[str, list[int]] = {}
        for i, v in enumerate(values):
            q = sum(v >= c for c in cuts)
            low = ordered[0] if q == 0 else cuts[q - 1]
            label = f"{column} < {cuts[0]:g}" if q == 0 else (
                f"{column} >= {cuts[2]:g}" if q == 3 else f"{low:g} <= {column} < {cuts[q]:g}")
            out.setdefault(label, []).append(i)
        return out
    return {f"{column} = {k}": v for k, v in groups_of(rows, column).items()}


class ChampionChallenger(Check):
    id = "CHG-003"
    area = "change_management"
    title = "The candidate is no worse than the production champion, overall and by slice"
    rationale = ("Replacing the model in production is only progress if the candidate beats it on the same "
                 "golden set, and does not quietly get worse for one segment of customers while the average "
                 "improves. How often the two agree tells the business how much will change.")
    remediation = "Find out why the candidate loses on these rows before replacing the champion; keep it in shadow."
    references = (citations.US_MRM_OUTCOMES, citations.FINMA_GM_2_4)
    weight = 4.0
    timeout_s = 900.0
    params = {"max_drop": Param(0.005, "How much worse the candidate may be on the metric overall (ours)."),
              "max_slice_drop": Param(0.02, "How much worse on any slice (ours)."),
              "min_slice_size": Param(100, "Rows a slice needs to be compared (ours).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        champion = ctx.manifest.champion
        if champion is None:
            return result_from_findings([missing(ctx, ("model",), "No champion: the candidate is compared with "
                                                 "nothing.", "Declare champion (the production model's endpoint "
                                                 "or predictions) to compare on a golden set.",
                                                 expected="champion", severity=Severity.MEDIUM)],
                                        passed="", failed="No champion to compare with")
        needed = labelled_gap(ctx, "golden") or labelled_gap(ctx, "golden", "champion")
        if needed:
            return result_from_findings([needed], passed="", failed="No comparison")
        role = "golden" if champion.golden is not None else "evaluation"
        cand, champ = scored(ctx, role), scored(ctx, role, "champion")
        truth = truth_of(ctx, cand.rows)
        p = ctx.params
        name = champion.metric
        better = M.HIGHER_IS_BETTER[name]
        findings = [f for f in (unanswered_gap(ctx, cand, 0.01), unanswered_gap(ctx, champ, 0.01)) if f]
        both = [i for i in range(len(cand.rows))
                if cand.readings[i].positive is not None and champ.readings[i].positive is not None]
        agreement = (sum(cand.readings[i].positive == champ.readings[i].positive for i in both) / len(both)
                     if both else None)
        ours, theirs = metric_on(name, truth, cand), metric_on(name, truth, champ)
        delta = None if ours is None or theirs is None else (ours - theirs if better else theirs - ours)
        loc = ctx.at("champion", "metric")
        if delta is None:
            findings.append(Finding(severity=Severity.HIGH, message=f"{name} cannot be computed for both models "
                                    "(no label, or no score or decision in the answers).",
                                    expected=f"{name} of both", observed=f"{fmt_metric(ours)} vs {fmt_metric(theirs)}",
                                    location=loc, remediation="Declare evaluation.label and model.outputs."))
        elif delta < -p["max_drop"]:
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"The candidate ({ctx.manifest.model.version}) is worse than the champion "
                                            f"({champion.version}) on {name}: {ours:.3f} vs {theirs:.3f}.",
                                    expected=f"no worse than {p['max_drop']:g}", observed=f"{ours - theirs:+.3f}",
                                    location=loc, remediation=self.remediation))
        worse, compared, small = [], 0, []
        for c, column in enumerate(champion.slices):
            if not cand.rows or column not in cand.rows[0]:
                findings.append(Finding(severity=Severity.MEDIUM, message=f"Slice column {column!r} is not in the "
                                        "golden set.", location=ctx.at("champion", "slices", c),
                                        expected=column, observed="absent"))
                continue
            for label, index in _slices(cand.rows, column).items():
                if len(index) < p["min_slice_size"]:
                    small.append(f"{label} (n={len(index)})")
                    continue
                used = name
                a, b = metric_on(name, truth, cand, index), metric_on(name, truth, champ, index)
                if a is None or b is None:  # e.g. AUC on a slice with one class: fall back to accuracy
                    used, a, b = "accuracy", metric_on("accuracy", truth, cand, index), metric_on(
                        "accuracy", truth, champ, index)
                if a is None or b is None:
                    continue
                compared += 1
                drop = (b - a) if M.HIGHER_IS_BETTER[used] else (a - b)
                if drop > p["max_slice_drop"]:
                    worse.append((drop, label, used, a, b, len(index), c))
        for _drop, label, used, a, b, n, c in sorted(worse, reverse=True)[:10]:
            findings.append(Finding(severity=Severity.MEDIUM,
                                    message=f"Slice {label} (n={n}): the candidate's {used} is {a:.3f}, the "
                                            f"champion's {b:.3f}.",
                                    expected=f"no worse than {p['max_slice_drop']:g} on any slice",
                                    observed=f"{a - b:+.3f}", location=ctx.at("champion", "slices", c),
                                    remediation=self.remediation))
        how = cand.how if not champ.imported else f"{cand.how}; champion {champ.how}"
        summary = (f"{name} {fmt_metric(ours)} vs champion {champion.version} {fmt_metric(theirs)}"
                   + (f", agreement {agreement:.1%}" if agreement is not None else ""))
        return result_from_findings(findings, passed=f"{summary}; no slice worse ({compared} compared)",
                                    failed=summary + "; {n} gap(s)", evidence_kind=evidence_kind_of(cand, champ),
                                    metrics={"metric": name, "candidate": ours, "champion": theirs,
                                             "delta": None if ours is None or theirs is None else ours - theirs,
                                             "agreement": agreement, "slices_compared": compared,
                                             "worse_slices": [w[1] for w in sorted(worse, reverse=True)],
                                             "small_slices": small, "rows": len(cand.rows), "how": how})
