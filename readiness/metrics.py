"""Quality metrics in plain Python: no scikit-learn needed to judge a model.

Binary classification takes the true labels as booleans (positive class); regression takes numbers;
multi-class takes class labels, the predicted class and (for log loss and top-k) each row's class
probabilities. Every function returns None when the metric is undefined on the data (AUC with one class,
precision without a positive prediction, R² of a constant label), never a made-up 0. :func:`interval` gives
each metric's 95 % interval (see :mod:`readiness.stats` for the method per metric).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from readiness import stats as S
from readiness.stats import Interval

HIGHER_IS_BETTER = {
    "auc": True,
    "accuracy": True,
    "precision": True,
    "recall": True,
    "f1": True,
    "brier": False,
    "calibration_error": False,
    "rmse": False,
    "mae": False,
    "r2": True,
    "mape": False,
    "macro_f1": True,
    "weighted_f1": True,
    "log_loss": False,
    "top_k_accuracy": True,
}
NEEDS_SCORE = {"auc", "brier", "calibration_error"}
BINARY = ("auc", "accuracy", "precision", "recall", "f1", "brier", "calibration_error")
REGRESSION = ("rmse", "mae", "r2", "mape")
MULTICLASS = ("accuracy", "macro_f1", "weighted_f1", "log_loss", "top_k_accuracy")
TASK_METRICS = {"binary": BINARY, "regression": REGRESSION, "multiclass": MULTICLASS}
DEFAULT_METRICS = {
    "binary": ("auc", "accuracy", "precision", "recall"),
    "regression": ("rmse", "mae", "r2"),
    "multiclass": ("accuracy", "macro_f1", "weighted_f1"),
}
NEEDS_PROBABILITIES = {"log_loss", "top_k_accuracy"}


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


# -- regression -------------------------------------------------------------------------------------------------


def regression(name: str, truth: Sequence[float], predicted: Sequence[float]) -> float | None:
    """RMSE, MAE, R² (1 - SSE/SST) or MAPE (mean |error| / |truth| over rows whose truth is not 0), as
    scikit-learn computes them; None on no rows, R² of a constant label, MAPE with every truth 0."""
    n = len(truth)
    if n == 0:
        return None
    errors = [p - t for t, p in zip(truth, predicted, strict=True)]
    if name == "rmse":
        return math.sqrt(math.fsum(e * e for e in errors) / n)
    if name == "mae":
        return math.fsum(abs(e) for e in errors) / n
    if name == "r2":
        mean = math.fsum(truth) / n
        sst = math.fsum((t - mean) ** 2 for t in truth)
        return None if sst == 0 else 1 - math.fsum(e * e for e in errors) / sst
    if name == "mape":
        shares = [abs(e) / abs(t) for t, e in zip(truth, errors, strict=True) if t != 0]
        return math.fsum(shares) / len(shares) if shares else None
    raise ValueError(f"unknown regression metric {name!r}")


# -- multi-class --------------------------------------------------------------------------------------------------


def per_class(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, float | int | None]]:
    """Precision, recall and support of every class seen in the truth or the predictions."""
    classes = sorted(set(truth) | set(predicted))
    out: dict[str, dict[str, float | int | None]] = {}
    for c in classes:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == c and p == c)
        predicted_c = sum(1 for p in predicted if p == c)
        support = sum(1 for t in truth if t == c)
        out[c] = {"precision": _ratio(tp, predicted_c), "recall": _ratio(tp, support), "support": support}
    return out


def _opt(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def _f1(precision: float | None, recall: float | None) -> float:
    if not precision or not recall:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def log_losses(truth: Sequence[Any], probabilities: Sequence[dict[str, float]]) -> list[float]:
    """Each row's log loss: probabilities clipped to [1e-15, 1] and renormalised, as scikit-learn does."""
    out = []
    for t, probs in zip(truth, probabilities, strict=True):
        total = math.fsum(max(v, 1e-15) for v in probs.values()) or 1.0
        out.append(-math.log(max(probs.get(t, 0.0), 1e-15) / total))
    return out


def multiclass(
    name: str,
    truth: Sequence[Any],
    predicted: Sequence[str] | None,
    probabilities: Sequence[dict[str, float]] | None,
    k: int = 2,
) -> float | None:
    """Accuracy, macro and weighted F1 (over the classes of the truth and predictions, as scikit-learn's
    f1_score with zero_division=0), log loss (probabilities clipped to [1e-15, 1], renormalised) and top-k
    accuracy (the true class among the k most probable)."""
    if not truth:
        return None
    if name in NEEDS_PROBABILITIES:
        if probabilities is None:
            return None
        if name == "log_loss":
            losses = log_losses(truth, probabilities)
            return math.fsum(losses) / len(losses)
        hits = 0
        for t, probs in zip(truth, probabilities, strict=True):
            top = sorted(probs, key=lambda c: (-probs[c], c))[:k]
            hits += t in top
        return hits / len(truth)
    if predicted is None:
        return None
    if name == "accuracy":
        return sum(1 for t, p in zip(truth, predicted, strict=True) if t == p) / len(truth)
    table = per_class(truth, predicted)
    f1s = {c: _f1(_opt(v["precision"]), _opt(v["recall"])) for c, v in table.items()}
    if name == "macro_f1":
        return math.fsum(f1s.values()) / len(f1s)
    if name == "weighted_f1":
        return math.fsum(f1s[c] * float(table[c]["support"] or 0) for c in table) / len(truth)
    raise ValueError(f"unknown multi-class metric {name!r}")


# -- intervals -----------------------------------------------------------------------------------------------------


def interval(
    name: str,
    truth: Sequence[Any],
    predicted: Sequence[Any] | None,
    scores: Sequence[float] | None,
    probabilities: Sequence[dict[str, float]] | None = None,
    k: int = 2,
) -> Interval | None:
    """The 95 % interval of metric ``name`` on these rows (None when it cannot be computed). ``truth`` and
    ``predicted`` are booleans for binary metrics, numbers for regression (``scores`` unused) and class
    labels for multi-class; the method per metric is in :mod:`readiness.stats`."""
    n = len(truth)
    if n < 2:
        return None
    if name in REGRESSION:
        assert predicted is not None
        errors = [float(p) - float(t) for t, p in zip(truth, predicted, strict=True)]
        if name == "mae":
            return S.mean_interval([abs(e) for e in errors])
        if name == "mape":
            return S.mean_interval([abs(e) / abs(t) for t, e in zip(truth, errors, strict=True) if t != 0])
        if name == "rmse":
            mse = S.mean_interval([e * e for e in errors])
            return None if mse is None else S.Interval(math.sqrt(max(mse.low, 0.0)), math.sqrt(mse.high), "normal")
        import numpy as np

        t_arr, e_arr = np.asarray(truth, dtype=float), np.asarray(errors, dtype=float)

        def r2(idx: Any) -> float | None:
            t = t_arr[idx]
            sst = float(((t - t.mean()) ** 2).sum())
            return None if sst == 0 else 1 - float((e_arr[idx] ** 2).sum()) / sst

        return S.bootstrap(r2, n)
    if name in NEEDS_PROBABILITIES and probabilities is not None:
        if name == "top_k_accuracy":
            value = multiclass(name, truth, None, probabilities, k)
            return None if value is None else S.wilson(round(value * n), n)
        return S.mean_interval(log_losses(truth, probabilities))
    if name in ("macro_f1", "weighted_f1") and predicted is not None:
        import numpy as np

        classes = sorted(set(truth) | set(predicted))
        code = {c: i for i, c in enumerate(classes)}
        t_arr = np.asarray([code[t] for t in truth])
        p_arr = np.asarray([code[p] for p in predicted])

        def f1(idx: Any) -> float:
            t, p = t_arr[idx], p_arr[idx]
            present = np.union1d(t, p)
            scores_, weights = [], []
            for c in present:
                tp = float(np.sum((t == c) & (p == c)))
                predicted_c, support = float(np.sum(p == c)), float(np.sum(t == c))
                precision = tp / predicted_c if predicted_c else 0.0
                recall = tp / support if support else 0.0
                scores_.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
                weights.append(support)
            if name == "macro_f1":
                return float(np.mean(scores_))
            return float(np.dot(scores_, weights) / len(t))

        return S.bootstrap(f1, n)
    if name == "accuracy" and predicted is not None and truth and not isinstance(truth[0], bool):
        return S.wilson(sum(1 for t, p in zip(truth, predicted, strict=True) if t == p), n)
    if name in NEEDS_SCORE:
        if scores is None:
            return None
        if name == "auc":
            return S.delong_auc(truth, scores)
        if name == "brier":
            return S.mean_interval([(s - float(t)) ** 2 for t, s in zip(truth, scores, strict=True)])
        import numpy as np

        y, sc = np.asarray(truth, dtype=float), np.asarray(scores, dtype=float)
        bins = np.clip((sc * 10).astype(int), 0, 9)

        def ece(idx: Any) -> float:
            b, yy, ss = bins[idx], y[idx], sc[idx]
            counts = np.bincount(b, minlength=10)
            gaps = np.abs(np.bincount(b, yy, 10) - np.bincount(b, ss, 10))
            return float(gaps.sum() / max(counts.sum(), 1))

        return S.bootstrap(ece, n)
    if predicted is None:
        return None
    tp, fp, tn, fn = confusion(truth, predicted)
    if name == "accuracy":
        return S.wilson(tp + tn, n)
    if name == "precision":
        return S.wilson(tp, tp + fp)
    if name == "recall":
        return S.wilson(tp, tp + fn)
    if name == "f1":
        import numpy as np

        y, pr = np.asarray(truth, dtype=bool), np.asarray(predicted, dtype=bool)

        def f1b(idx: Any) -> float | None:
            yy, pp = y[idx], pr[idx]
            tp_ = float(np.sum(yy & pp))
            denom = 2 * tp_ + float(np.sum(~yy & pp)) + float(np.sum(yy & ~pp))
            return 2 * tp_ / denom if denom else None

        return S.bootstrap(f1b, n)
    return None


# -- curves for the report's pictures -----------------------------------------------------------------------------


def roc_points(truth: Sequence[bool], scores: Sequence[float], limit: int = 60) -> list[list[float]]:
    """The ROC curve as [false positive rate, true positive rate] points from (0, 0) to (1, 1), thinned to
    about ``limit`` points; empty when one class is missing."""
    positives = sum(1 for t in truth if t)
    negatives = len(truth) - positives
    if not positives or not negatives:
        return []
    pairs = sorted(zip(scores, truth, strict=True), key=lambda p: -p[0])
    points, tp, fp, i = [[0.0, 0.0]], 0, 0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            tp += pairs[j][1]
            fp += not pairs[j][1]
            j += 1
        points.append([fp / negatives, tp / positives])
        i = j
    step = max(1, len(points) // limit)
    thinned = points[::step]
    if thinned[-1] != points[-1]:
        thinned.append(points[-1])
    return [[round(x, 4), round(y, 4)] for x, y in thinned]


def calibration_bins(truth: Sequence[bool], scores: Sequence[float], bins: int = 10) -> list[dict[str, float]]:
    """The reliability diagram: per equal-width score bin with rows, the mean predicted probability, the
    observed frequency (with its Wilson interval) and the count."""
    groups: dict[int, list[tuple[bool, float]]] = {}
    for t, s in zip(truth, scores, strict=True):
        groups.setdefault(min(bins - 1, max(0, int(s * bins))), []).append((t, s))
    out = []
    for b in sorted(groups):
        members = groups[b]
        hits = sum(1 for t, _ in members if t)
        iv = S.wilson(hits, len(members))
        out.append(
            {
                "predicted": round(math.fsum(s for _, s in members) / len(members), 4),
                "observed": round(hits / len(members), 4),
                "low": round(iv.low, 4) if iv else 0.0,
                "high": round(iv.high, 4) if iv else 1.0,
                "n": len(members),
            }
        )
    return out
