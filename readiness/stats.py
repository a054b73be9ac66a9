"""How sure a measured number is: intervals, and the verdict they allow.

A gate that fails a model on noise is as harmful as one that passes it on noise. Every figure a check
judges against a threshold comes with a 95 % interval, and the verdict follows the interval, not the point:

* **fail** when the whole interval lies beyond the threshold,
* **pass** when the whole interval lies within it,
* **inconclusive** otherwise, with an estimate of how many more rows (or requests) would decide it.

Intervals by kind of figure (all seeded where random, so reports are reproducible):

* shares (accuracy, precision, recall, selection and error rates, top-k accuracy): Wilson score interval;
* differences of two shares (TPR and FPR gaps): Newcombe's hybrid score interval (method 10);
* ratios of two shares (the four-fifths selection-rate ratio): Katz's log interval;
* means of a per-row quantity (Brier, MAE, MAPE, log loss; RMSE through its mean square): normal (CLT);
* AUC: DeLong's variance of the Mann-Whitney statistic;
* anything else (F1, calibration error, R², macro F1): a seeded percentile bootstrap;
* percentiles of a sample (latency): distribution-free order-statistic interval from the binomial.

Only the standard library is needed except for the bootstrap and DeLong (numpy, present wherever data is read).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

__all__ = [
    "LEVEL",
    "PERCENTILES",
    "nearest_rank",
    "Interval",
    "Verdict",
    "bootstrap",
    "chi2_quantile",
    "delong_auc",
    "judge",
    "katz_ratio",
    "mean_interval",
    "more_needed",
    "newcombe",
    "paired_delong",
    "percentile_interval",
    "percentile_ranks",
    "psi_noise",
    "samples_needed",
    "wilson",
]

LEVEL = 0.95
PERCENTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99, "p999": 0.999}
"""The percentiles a latency budget may name, and the quantile each stands for."""
SEED = 20260101
BOOTSTRAP_RESAMPLES = 400


def z_of(level: float = LEVEL) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    method: str
    level: float = LEVEL

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def as_dict(self) -> dict[str, Any]:
        return {"low": round(self.low, 6), "high": round(self.high, 6), "level": self.level, "method": self.method}

    def text(self, fmt: Callable[[float], str] = lambda v: f"{v:.3f}") -> str:
        return f"{round(self.level * 100):g} % interval {fmt(self.low)}–{fmt(self.high)}"


@dataclass(frozen=True)
class Verdict:
    state: str  # "pass", "fail" or "inconclusive"
    more: int | None = None  # inconclusive: about how many more rows (or requests) would decide it

    @property
    def inconclusive(self) -> bool:
        return self.state == "inconclusive"


def judge(
    value: float,
    interval: Interval | None,
    n: int,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> Verdict:
    """The verdict of ``value`` (with ``interval``, from ``n`` observations) against a lower and/or upper
    limit. Without an interval (cannot be computed) the point decides a FAIL, never a PASS."""
    if interval is None:
        beyond = (minimum is not None and value < minimum) or (maximum is not None and value > maximum)
        return Verdict("fail" if beyond else "inconclusive")
    states = []
    distances = []
    if minimum is not None:
        if interval.high < minimum:
            return Verdict("fail")
        states.append(interval.low >= minimum)
        distances.append(abs(value - minimum))
    if maximum is not None:
        if interval.low > maximum:
            return Verdict("fail")
        states.append(interval.high <= maximum)
        distances.append(abs(value - maximum))
    if all(states):
        return Verdict("pass")
    return Verdict("inconclusive", more_needed(n, interval.half_width, min(distances)))


def more_needed(n: int, half_width: float, distance: float) -> int | None:
    """About how many more observations shrink an interval of ``half_width`` (from ``n``) below ``distance``
    (its half-width falls as 1/sqrt(n)); None when the point sits on the threshold (no sample decides it)."""
    if distance <= 0 or half_width <= 0 or n <= 0:
        return None
    needed = math.ceil(n * (half_width / distance) ** 2)
    return max(needed - n, 1)


# -- shares ------------------------------------------------------------------------------------------------


def wilson(successes: int, n: int, level: float = LEVEL) -> Interval | None:
    """Wilson score interval of a share; None without observations."""
    if n <= 0:
        return None
    z = z_of(level)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(low, high, "wilson", level)


def newcombe(k1: int, n1: int, k2: int, n2: int, level: float = LEVEL) -> Interval | None:
    """Newcombe's hybrid score interval for p1 - p2 (his method 10), from the two Wilson intervals."""
    a, b = wilson(k1, n1, level), wilson(k2, n2, level)
    if a is None or b is None:
        return None
    p1, p2 = k1 / n1, k2 / n2
    d = p1 - p2
    low = d - math.sqrt((p1 - a.low) ** 2 + (b.high - p2) ** 2)
    high = d + math.sqrt((a.high - p1) ** 2 + (p2 - b.low) ** 2)
    return Interval(max(-1.0, low), min(1.0, high), "newcombe", level)


def katz_ratio(k1: int, n1: int, k2: int, n2: int, level: float = LEVEL) -> Interval | None:
    """Katz's log interval for (k1/n1) / (k2/n2); a zero count gets the usual 0.5 correction."""
    if n1 <= 0 or n2 <= 0 or k2 <= 0 and k1 <= 0:
        return None
    c1, c2, m1, m2 = float(k1), float(k2), float(n1), float(n2)
    if k1 == 0 or k2 == 0:
        c1, c2, m1, m2 = c1 + 0.5, c2 + 0.5, m1 + 0.5, m2 + 0.5
    ratio = (c1 / m1) / (c2 / m2)
    se = math.sqrt(max(0.0, 1 / c1 - 1 / m1 + 1 / c2 - 1 / m2))
    z = z_of(level)
    return Interval(ratio * math.exp(-z * se), ratio * math.exp(z * se), "katz-log", level)


# -- means and other statistics ------------------------------------------------------------------------------


def mean_interval(values: Sequence[float], level: float = LEVEL) -> Interval | None:
    """Normal interval of a mean (the central limit theorem); None below two values."""
    n = len(values)
    if n < 2:
        return None
    mean = math.fsum(values) / n
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    half = z_of(level) * math.sqrt(var / n)
    return Interval(mean - half, mean + half, "normal", level)


def delong_auc(truth: Sequence[bool], scores: Sequence[float], level: float = LEVEL) -> Interval | None:
    """DeLong's interval of the AUC (variance from the placement values), clipped to [0, 1]."""
    import numpy as np

    y = np.asarray(truth, dtype=bool)
    s = np.asarray(scores, dtype=float)
    pos, neg = np.sort(s[y]), np.sort(s[~y])
    m, n = len(pos), len(neg)
    if m < 2 or n < 2:
        return None
    # for each positive: the share of negatives below it (ties count one half), and vice versa
    v10 = (np.searchsorted(neg, pos, "left") + np.searchsorted(neg, pos, "right")) / (2 * n)
    v01 = 1 - (np.searchsorted(pos, neg, "left") + np.searchsorted(pos, neg, "right")) / (2 * m)
    auc = float(v10.mean())
    se = math.sqrt(float(v10.var(ddof=1)) / m + float(v01.var(ddof=1)) / n)
    half = z_of(level) * se
    return Interval(max(0.0, auc - half), min(1.0, auc + half), "delong", level)


def paired_delong(
    truth: Sequence[bool], first: Sequence[float], second: Sequence[float], level: float = LEVEL
) -> Interval | None:
    """DeLong's interval of AUC(first) - AUC(second) for two models scored on the same rows (their
    placement values are paired, so the covariance narrows the interval)."""
    import numpy as np

    y = np.asarray(truth, dtype=bool)
    m, n = int(y.sum()), int((~y).sum())
    if m < 2 or n < 2:
        return None

    def placements(scores: Sequence[float]) -> tuple[Any, Any]:
        s = np.asarray(scores, dtype=float)
        pos, neg = s[y], s[~y]
        ns, ps = np.sort(neg), np.sort(pos)
        v10 = (np.searchsorted(ns, pos, "left") + np.searchsorted(ns, pos, "right")) / (2 * n)
        v01 = 1 - (np.searchsorted(ps, neg, "left") + np.searchsorted(ps, neg, "right")) / (2 * m)
        return v10, v01

    a10, a01 = placements(first)
    b10, b01 = placements(second)
    d = float(a10.mean() - b10.mean())
    se = math.sqrt(float(np.var(a10 - b10, ddof=1)) / m + float(np.var(a01 - b01, ddof=1)) / n)
    half = z_of(level) * se
    return Interval(d - half, d + half, "delong-paired", level)


def bootstrap(
    statistic: Callable[[Any], float | None],
    n: int,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> Interval | None:
    """Seeded percentile bootstrap: ``statistic`` is called with an index array (rows drawn with
    replacement from range(n)); resamples where it is undefined are left out."""
    import numpy as np

    if n < 2:
        return None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        v = statistic(rng.integers(0, n, n))
        if v is not None and math.isfinite(v):
            values.append(v)
    if len(values) < resamples // 2:
        return None
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return Interval(float(lo), float(hi), "bootstrap", level)


# -- percentiles --------------------------------------------------------------------------------------------


def _binom_pmf(n: int, p: float, k: int) -> float:
    return math.exp(
        math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p)
    )


def _binom_cdf_inverse(n: int, p: float, target: float) -> int:
    """The smallest k with P(Binomial(n, p) <= k) >= target (exact; summed from the thin tail)."""
    if n * p * (1 - p) > 400:  # normal approximation with continuity correction
        k = n * p + NormalDist().inv_cdf(target) * math.sqrt(n * p * (1 - p)) - 0.5
        return min(n, max(0, math.ceil(k)))
    if p <= 0.5:
        cdf = 0.0
        for k in range(n + 1):
            cdf += _binom_pmf(n, p, k)
            if cdf >= target:
                return k
        return n
    # Y = n - X ~ Binomial(n, 1 - p): the smallest k with P(Y <= n - k - 1) <= 1 - target
    cdf, j = 0.0, -1
    while j + 1 <= n:
        nxt = cdf + _binom_pmf(n, 1 - p, j + 1)
        if nxt > 1 - target:
            break
        cdf, j = nxt, j + 1
    return n - j - 1


def percentile_ranks(n: int, q: float, level: float = LEVEL) -> tuple[int, int] | None:
    """1-based ranks (lower, upper) of the order statistics bracketing the q-quantile with at least
    ``level`` confidence; None when the sample is too small for the upper one to exist."""
    if n <= 0:
        return None
    tail = (1 - level) / 2
    lower = _binom_cdf_inverse(n, q, tail)  # P(X < lower) <= tail, X counts values below the quantile
    upper = _binom_cdf_inverse(n, q, 1 - tail) + 1
    if upper > n:
        return None
    return max(lower, 1), upper


def samples_needed(q: float, level: float = LEVEL) -> int:
    """The smallest sample whose order statistics bracket the q-quantile at ``level`` (p99: 367,
    p99.9: 3,688): below it the largest value is still inside the interval, so the percentile is not
    estimable."""
    tail = (1 - level) / 2
    n = math.ceil(math.log(tail) / math.log(q))
    while percentile_ranks(n, q, level) is None:
        n += 1
    return n


def nearest_rank(sorted_values: Sequence[float], q: float) -> float | None:
    """The q-percentile by nearest rank over a sorted sample (None when empty): the value every report shows."""
    if not sorted_values:
        return None
    return float(sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)])


def percentile_interval(sorted_values: Sequence[float], q: float, level: float = LEVEL) -> Interval | None:
    """Distribution-free interval of the q-quantile from a sorted sample; None when not estimable."""
    ranks = percentile_ranks(len(sorted_values), q, level)
    if ranks is None:
        return None
    lower, upper = ranks
    return Interval(float(sorted_values[lower - 1]), float(sorted_values[upper - 1]), "order-statistic", level)


def chi2_quantile(df: int, level: float) -> float:
    """The chi-square quantile (Wilson-Hilferty's cube-root approximation: within 1 % for df >= 1 at the
    levels used here; scipy is not needed)."""
    z = NormalDist().inv_cdf(level)
    h = 2 / (9 * df)
    return float(df * (1 - h + z * math.sqrt(h)) ** 3)


def psi_noise(categories: int, n_reference: int, n_production: int, level: float = 0.99) -> float:
    """The PSI two samples of these sizes from one and the same population exceed with probability
    1 - ``level``: PSI is the symmetric Kullback-Leibler divergence, which under no drift is about
    chi-square with categories - 1 degrees of freedom, scaled by 1/n_reference + 1/n_production."""
    if categories < 2 or n_reference <= 0 or n_production <= 0:
        return 0.0
    # the chi-square limit is a little low for small samples (few rows per bin, bins cut on the reference
    # itself): simulated random splits of 285 rows a side exceed it 2.4 % of the time at 99 %; the factor
    # 1 + 2 k / min(n) brings that back to the nominal 1 % (tests/test_statistics.py simulates it)
    small = 1 + 2 * categories / min(n_reference, n_production)
    return chi2_quantile(categories - 1, level) * (1 / n_reference + 1 / n_production) * small
