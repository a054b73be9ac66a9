"""Classification metrics in plain Python: no scikit-learn needed to judge a model.

Every function takes the true labels as booleans (positive class) and returns None when the metric is
undefined on the data (AUC with one class, precision without a positive prediction), never a made-up 0.
"""

from __future__ import annotations

from collections.abc import Sequence

HIGHER_IS_BETTER = {
    "auc": True,
    "accuracy": True,
    "precision": True,
    "recall": True,
    "f1": True,
    "brier": False,
    "calibration_error": False,
}
NEEDS_SCORE = {"auc", "brier", "calibration_error"}


def auc(truth: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve: the probability that a random positive outranks a random negative
    (ties count one half), computed from average ranks (Mann-Whitney U)."""
    pairs = sorted(zip(scores, truth, strict=True), key=lambda p: p[0])
    positives = sum(1 for t in truth if t)
    negatives = len(truth) - positives
    if positives == 0 or negatives == 0:
        return None
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j + 1 < len(pairs) and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        average_rank = (i + j) / 2 + 1
        rank_sum += average_rank * sum(1 for k in range(i, j + 1) if pairs[k][1])
        i = j + 1
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def confusion(truth: Sequence[bool], predicted: Sequence[bool]) -> tuple[int, int, int, int]:
    """(true positives, false positives, true negatives, false negatives)."""
    tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t and p)
    fp = sum(1 for t, p in zip(truth, predicted, strict=True) if not t and p)
    tn = sum(1 for t, p in zip(truth, predicted, strict=True) if not t and not p)
    return tp, fp, tn, len(truth) - tp - fp - tn


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def brier(truth: Sequence[bool], scores: Sequence[float]) -> float | None:
    return sum((s - float(t)) ** 2 for t, s in zip(truth, scores, strict=True)) / len(truth) if truth else None


def calibration_error(truth: Sequence[bool], scores: Sequence[float], bins: int = 10) -> float | None:
    """Expected calibration error: the mean gap between predicted probability and observed frequency
    over ten equal-width bins, weighted by how many predictions fall in each."""
    if not truth:
        return None
    groups: dict[int, list[tuple[bool, float]]] = {}
    for t, s in zip(truth, scores, strict=True):
        groups.setdefault(min(bins - 1, max(0, int(s * bins))), []).append((t, s))
    total = 0.0
    for members in groups.values():
        observed = sum(1 for t, _ in members if t) / len(members)
        predicted = sum(s for _, s in members) / len(members)
        total += len(members) * abs(observed - predicted)
    return total / len(truth)


def compute(
    name: str, truth: Sequence[bool], predicted: Sequence[bool] | None, scores: Sequence[float] | None
) -> float | None:
    """One named metric; None when it cannot be computed from what the model returned."""
    if name in NEEDS_SCORE:
        if scores is None or not truth:
            return None
        return {"auc": auc, "brier": brier, "calibration_error": calibration_error}[name](truth, scores)
    if predicted is None or not truth:
        return None
    tp, fp, tn, fn = confusion(truth, predicted)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    if name == "accuracy":
        return (tp + tn) / len(truth)
    if name == "precision":
        return precision
    if name == "recall":
        return recall
    if name == "f1":
        return (
            None
            if precision is None or recall is None or precision + recall == 0
            else (2 * precision * recall / (precision + recall))
        )
    raise ValueError(f"unknown metric {name!r}")


def error_rates(truth: Sequence[bool], predicted: Sequence[bool]) -> tuple[float | None, float | None]:
    """(true positive rate, false positive rate) of one group; None where a group has no such cases."""
    tp, fp, tn, fn = confusion(truth, predicted)
    return _ratio(tp, tp + fn), _ratio(fp, fp + tn)
