"""CHG-003: The candidate is no worse than the production champion, overall and by slice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from readiness import citations, numbers
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
    groups_of,
    labelled_gap,
    metric_on,
    missing_finding,
    result_from_findings,
    scored,
    task_of,
    truth_of,
    unanswered_gap,
)
from readiness.stats import Interval, bootstrap, judge, paired_delong


def _slices(rows: Sequence[dict[str, Any]], column: str) -> dict[str, list[int]]:
    """Categories as they are; a numeric column with many values in quartile bins."""
    values = [row.get(column) for row in rows]
    numbers: list[float] = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if numbers and len(set(numbers)) > 10 and len(numbers) == sum(v is not None for v in values):
        ordered = sorted(numbers)
        cuts = [ordered[len(ordered) * q // 4] for q in (1, 2, 3)]
        out: dict[str, list[int]] = {}
        for i, v in enumerate(values):
            if not isinstance(v, (int, float)):  # a row without the value: its own slice, never a crash
                out.setdefault(f"{column} = (missing)", []).append(i)
                continue
            q = sum(v >= c for c in cuts)
            low = ordered[0] if q == 0 else cuts[q - 1]
            label = (
                f"{column} < {cuts[0]:g}"
                if q == 0
                else (f"{column} >= {cuts[2]:g}" if q == 3 else f"{low:g} <= {column} < {cuts[q]:g}")
            )
            out.setdefault(label, []).append(i)
        return out
    return {f"{column} = {k}": v for k, v in groups_of(rows, column).items()}


def improvement_interval(name: str, truth: list[Any], cand: Any, champ: Any, evaluation: Any) -> Interval | None:
    """The paired 95 % interval of the candidate's improvement over the champion on the same rows
    (positive: better): DeLong's paired variance for AUC, else a seeded paired bootstrap of the rows."""
    better = M.HIGHER_IS_BETTER[name]
    task = evaluation.task if evaluation is not None else "binary"
    if name == "auc" and task == "binary":
        keep = [
            i
            for i in range(len(truth))
            if truth[i] is not None and cand.readings[i].score is not None and champ.readings[i].score is not None
        ]
        return paired_delong(
            [bool(truth[i]) for i in keep],
            [float(cand.readings[i].score) for i in keep],
            [float(champ.readings[i].score) for i in keep],
        )

    def statistic(index: Any) -> float | None:
        rows = [int(i) for i in index]
        a = metric_on(name, truth, cand, rows, evaluation)
        b = metric_on(name, truth, champ, rows, evaluation)
        if a is None or b is None:
            return None
        return (a - b) if better else (b - a)

    return bootstrap(statistic, len(truth), resamples=200)


def _agreement(cand: Any, champ: Any, task: str) -> float | None:
    """How often the two models give the same answer: the same class (binary, multiclass), or for
    regression predictions within 1 % of each other."""
    same = []
    for a, b in zip(cand.readings, champ.readings, strict=True):
        if task == "regression":
            if a.score is not None and b.score is not None:
                same.append(abs(a.score - b.score) <= 0.01 * max(abs(a.score), abs(b.score), 1e-12))
        elif task == "multiclass":
            if a.decision is not None and b.decision is not None:
                same.append(class_text(a.decision) == class_text(b.decision))
        elif a.positive is not None and b.positive is not None:
            same.append(a.positive == b.positive)
    return sum(same) / len(same) if same else None


class ChampionChallenger(Check):
    """Scores the same labelled set with the candidate and with the production champion and checks the candidate is no
    worse overall (``max_drop``, judged on the paired 95 % interval of the improvement: DeLong for AUC, a seeded
    paired bootstrap otherwise; inside the interval is an inconclusive WARN) and in each declared slice of at least
    ``min_slice_size`` rows (``max_slice_drop``).

    Example finding: ``region=north: recall drops 0.081 from the champion (at most 0.030)`` (HIGH).
    """

    id = "CHG-003"
    area = "change_management"
    title = "The candidate is no worse than the production champion, overall and by slice"
    rationale = (
        "Replacing the model in production is only progress if the candidate beats it on the same "
        "golden set, and does not quietly get worse for one segment of customers while the average "
        "improves. How often the two agree tells the business how much will change."
    )
    remediation = "Find out why the candidate loses on these rows before replacing the champion; keep it in shadow."
    references = (citations.US_MRM_OUTCOMES, citations.FINMA_GM_2_4)
    weight = 4.0
    timeout_s = 900.0
    params = {
        "max_drop": Param(0.005, "How much worse the candidate may be on the metric overall (ours)."),
        "max_slice_drop": Param(0.02, "How much worse on any slice (ours)."),
        "min_slice_size": Param(100, "Rows a slice needs to be compared (ours)."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        champion = ctx.manifest.champion
        if champion is None:
            return fail(
                missing_finding(
                    ctx,
                    ("model",),
                    "No champion: the candidate is compared with nothing.",
                    "Declare champion (the production model's endpoint or predictions) to compare on a golden set.",
                    expected="champion",
                    severity=Severity.MEDIUM,
                ),
                "No champion to compare with",
            )
        needed = labelled_gap(ctx, "golden") or labelled_gap(ctx, "golden", "champion")
        if needed:
            return fail(needed, "No comparison")
        role = "golden" if champion.golden is not None else "evaluation"
        cand, champ = scored(ctx, role), scored(ctx, role, "champion")
        truth = truth_of(ctx, cand.rows)
        p = ctx.params
        evaluation = ctx.manifest.evaluation
        task = task_of(ctx)
        name = champion.metric or {"binary": "auc", "regression": "rmse", "multiclass": "macro_f1"}[task]
        if name not in M.TASK_METRICS[task]:
            return fail(
                Finding(
                    severity=Severity.HIGH,
                    message=f"champion.metric {name} is not a {task} metric ({', '.join(M.TASK_METRICS[task])}).",
                    expected=f"a {task} metric",
                    observed=name,
                    location=ctx.at("champion", "metric"),
                    remediation="Name a metric of evaluation.task.",
                ),
                "No comparison",
            )
        better = M.HIGHER_IS_BETTER[name]
        findings = [f for f in (unanswered_gap(ctx, cand, 0.01), unanswered_gap(ctx, champ, 0.01)) if f]
        agreement = _agreement(cand, champ, task)
        improvement: dict[str, Any] | None = None
        ours, theirs = metric_on(name, truth, cand, None, evaluation), metric_on(name, truth, champ, None, evaluation)
        delta = None if ours is None or theirs is None else (ours - theirs if better else theirs - ours)
        loc = ctx.at("champion", "metric")
        if delta is None:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{name} cannot be computed for both models "
                    "(no label, or no score or decision in the answers).",
                    expected=f"{name} of both",
                    observed=f"{fmt_metric(ours)} vs {fmt_metric(theirs)}",
                    location=loc,
                    remediation="Declare evaluation.label and model.outputs.",
                )
            )
        else:
            # the improvement (positive: the candidate is better), with its paired interval
            interval = improvement_interval(name, truth, cand, champ, evaluation)
            verdict = judge(delta, interval, len(cand.rows), minimum=-p["max_drop"])
            improvement = {
                "value": delta,
                "interval": interval.as_dict() if interval else None,
                "verdict": verdict.state,
            }
            span = f" (improvement {delta:+.3f}, {interval.text()})" if interval else ""
            if verdict.state == "fail" or (interval is None and delta < -p["max_drop"]):
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"The candidate ({ctx.manifest.model.version}) is worse than the champion "
                        f"({champion.version}) on {name}: {ours:.3f} vs {theirs:.3f}{span}.",
                        expected=f"no worse than {p['max_drop']:g}",
                        observed=f"{(ours or 0.0) - (theirs or 0.0):+.3f}",
                        location=loc,
                        remediation=self.remediation,
                    )
                )
            elif verdict.inconclusive:
                more = f"; about {verdict.more:,} more golden rows would decide it" if verdict.more else ""
                findings.append(
                    Finding(
                        severity=Severity.MEDIUM,
                        message=f"The candidate ({ctx.manifest.model.version}) against the champion "
                        f"({champion.version}) on {name}: {ours:.3f} vs {theirs:.3f}{span}; the allowed drop of "
                        f"{p['max_drop']:g} lies inside the interval: inconclusive{more}.",
                        expected=f"the interval no worse than {p['max_drop']:g}",
                        observed=f"{(ours or 0.0) - (theirs or 0.0):+.3f}",
                        location=loc,
                        remediation="Compare on a larger golden set before replacing the champion.",
                    )
                )
        worse, compared, small = [], 0, []
        for c, column in enumerate(champion.slices):
            if not cand.rows or column not in cand.rows[0]:
                findings.append(
                    Finding(
                        severity=Severity.MEDIUM,
                        message=f"Slice column {column!r} is not in the golden set.",
                        location=ctx.at("champion", "slices", c),
                        expected=column,
                        observed="absent",
                    )
                )
                continue
            for label, index in _slices(cand.rows, column).items():
                if len(index) < p["min_slice_size"]:
                    small.append(f"{label} (n={len(index)})")
                    continue
                used = name
                a, b = metric_on(name, truth, cand, index, evaluation), metric_on(name, truth, champ, index, evaluation)
                fallback = {"binary": "accuracy", "multiclass": "accuracy", "regression": "mae"}[task]
                if a is None or b is None:  # e.g. AUC on a slice with one class: fall back to accuracy
                    used, a, b = (
                        fallback,
                        metric_on(fallback, truth, cand, index, evaluation),
                        metric_on(fallback, truth, champ, index, evaluation),
                    )
                if a is None or b is None:
                    continue
                compared += 1
                drop = (b - a) if M.HIGHER_IS_BETTER[used] else (a - b)
                if drop > p["max_slice_drop"]:
                    worse.append((drop, label, used, a, b, len(index), c))
        for _drop, label, used, a, b, n, c in sorted(worse, reverse=True)[:10]:
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"Slice {label} (n={n}): the candidate's {used} is {a:.3f}, the champion's {b:.3f}.",
                    expected=f"no worse than {p['max_slice_drop']:g} on any slice",
                    observed=f"{a - b:+.3f}",
                    location=ctx.at("champion", "slices", c),
                    remediation=self.remediation,
                )
            )
        how = cand.how if not champ.imported else f"{cand.how}; champion {champ.how}"
        iv = (improvement or {}).get("interval")
        summary = (
            f"{name} {fmt_metric(ours)} vs champion {champion.version} {fmt_metric(theirs)}"
            + (f" (improvement {iv['low']:+.3f} to {iv['high']:+.3f})" if iv else "")
            + (f", agreement {numbers.pct(agreement)}" if agreement is not None else "")
        )
        return result_from_findings(
            findings,
            passed=f"{summary}; no slice worse ({compared} compared)",
            failed=summary + "; {n} gap(s)",
            evidence_kind=evidence_kind_of(cand, champ),
            metrics={
                "metric": name,
                "candidate": ours,
                "champion": theirs,
                "delta": None if ours is None or theirs is None else ours - theirs,
                "agreement": agreement,
                "improvement": improvement,
                "slices_compared": compared,
                "worse_slices": [w[1] for w in sorted(worse, reverse=True)],
                "small_slices": small,
                "rows": len(cand.rows),
                "how": how,
            },
        )
