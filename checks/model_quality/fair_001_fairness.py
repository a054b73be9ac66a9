"""FAIR-001: Outcomes are fair between the groups of each protected attribute."""

from __future__ import annotations

from typing import Any

from readiness import citations, numbers
from readiness import metrics as M
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
    groups_of,
    labelled_gap,
    missing_finding,
    model_inputs,
    result_from_findings,
    scored,
    truth_of,
    unanswered_gap,
)


class GroupFairness(Check):
    """Splits the scored evaluation set by each protected attribute and compares selection rates (the four-fifths
    ratio, ``min_ratio``) and true- and false-positive rates (``max_tpr_gap``, ``max_fpr_gap``) between groups of at
    least ``min_group_size`` rows. The protected attributes are never sent to the model.

    Example finding: ``gender: selection rate ratio 0.62 (F 0.21, M 0.34); at least 0.80 is needed`` (HIGH).
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
        for a, attribute in enumerate(fairness.protected_attributes):
            loc = ctx.at("fairness", "protected_attributes", a)
            if not s.rows or attribute not in s.rows[0]:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"Protected attribute {attribute!r} is not a column of {s.source}.",
                        expected=attribute,
                        observed="absent",
                        location=loc,
                        remediation="Add the attribute to the evaluation set.",
                    )
                )
                continue
            groups, small, judged = {}, [], {}
            for group, members in sorted(groups_of(s.rows, attribute).items()):
                keep = [i for i in members if s.readings[i].positive is not None]
                predicted = [bool(s.readings[i].positive) for i in keep]
                favourable = [x if favourable_positive else not x for x in predicted]
                labelled = [i for i in keep if truth[i] is not None]
                tpr, fpr = M.error_rates(
                    [bool(truth[i]) for i in labelled], [bool(s.readings[i].positive) for i in labelled]
                )
                entry = {
                    "n": len(keep),
                    "selection_rate": sum(favourable) / len(keep) if keep else None,
                    "tpr": tpr,
                    "fpr": fpr,
                }
                groups[group] = entry
                if len(keep) >= p["min_group_size"]:
                    judged[group] = entry
                else:
                    small.append(group)
            summary: dict[str, Any] = {"groups": groups}
            table[attribute] = summary
            if small:
                sizes = ", ".join(f"{g} (n={groups[g]['n']})" for g in small)
                findings.append(
                    Finding(
                        severity=Severity.MEDIUM,
                        message=f"{attribute}: too small to judge: {sizes}; fairness towards these "
                        "groups is not shown.",
                        expected=f">= {p['min_group_size']} rows per group",
                        observed=sizes,
                        location=loc,
                        remediation="Collect more labelled rows for these groups.",
                    )
                )
            if len(judged) < 2:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{attribute}: fewer than two groups large enough to compare.",
                        expected="two or more groups to compare",
                        observed=f"{len(judged)}",
                        location=loc,
                        remediation="Collect more labelled rows.",
                    )
                )
                continue
            evidence = {
                "groups": "; ".join(
                    f"{g}: n={e['n']}, selection {fmt_metric(e['selection_rate'])}, "
                    f"TPR {fmt_metric(e['tpr'])}, FPR {fmt_metric(e['fpr'])}"
                    for g, e in groups.items()
                )
            }
            sel: dict[str, float] = {g: float(e["selection_rate"] or 0.0) for g, e in judged.items()}
            low, high = min(sel, key=lambda g: sel[g]), max(sel, key=lambda g: sel[g])
            ratio = sel[low] / sel[high] if sel[high] else None
            summary["selection_rate_ratio"] = ratio
            if ratio is not None and ratio < p["min_ratio"]:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{attribute}: group {low} gets the favourable outcome at "
                        f"{numbers.pct(sel[low])}, group {high} at {numbers.pct(sel[high])}: ratio {ratio:.2f}.",
                        expected=f"selection-rate ratio >= {p['min_ratio']:g}",
                        observed=f"{ratio:.2f}",
                        location=loc,
                        remediation=self.remediation,
                        evidence=evidence,
                    )
                )
            for rate, limit in (("tpr", p["max_tpr_gap"]), ("fpr", p["max_fpr_gap"])):
                values: dict[str, float] = {g: float(e[rate] or 0.0) for g, e in judged.items() if e[rate] is not None}
                if len(values) < 2:
                    continue
                lo, hi = min(values, key=lambda g: values[g]), max(values, key=lambda g: values[g])
                gap = values[hi] - values[lo]
                summary[f"{rate}_gap"] = gap
                if gap > limit:
                    findings.append(
                        Finding(
                            severity=Severity.HIGH,
                            message=f"{attribute}: {rate.upper()} is {numbers.pct(values[hi])} for {hi} and "
                            f"{numbers.pct(values[lo])} for {lo}: a gap of {gap * 100:.1f} points.",
                            expected=f"gap <= {limit * 100:g} points",
                            observed=f"{gap * 100:.1f}",
                            location=loc,
                            remediation=self.remediation,
                            evidence=evidence,
                        )
                    )
        return result_from_findings(
            findings,
            passed=f"No gap between the groups of {', '.join(fairness.protected_attributes)} ({s.how})",
            failed="{n} fairness gap(s)",
            evidence_kind=evidence_kind_of(s),
            metrics={"groups": table, "rows": len(s.rows), "how": s.how},
        )
