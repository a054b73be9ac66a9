"""DQ-006: Production distributions have not drifted from the reference."""

from __future__ import annotations

import math
import re
from typing import Any

from readiness.checks.data._common import (
    DataCheck,
    declared,
    examples,
)

from readiness import citations, numbers
from readiness.check import (
    CheckContext,
    CheckResult,
    DataError,
    Finding,
    Param,
    Severity,
    not_applicable,
)
from readiness.stats import psi_noise


def psi(ref: Any, prod: Any, bins: int) -> tuple[float, list[str]]:
    """Population stability index; numeric columns binned on reference quantiles. Also returns the
    categories production has that the reference never had."""
    value, unseen, _ = psi_bins(ref, prod, bins)
    return value, unseen


def psi_bins(ref: Any, prod: Any, bins: int) -> tuple[float, list[str], int]:
    """:func:`psi`, and how many bins (or categories) it compared: the degrees of freedom of its noise."""
    import numpy as np
    import pandas as pd

    eps = 1e-4
    ref, prod = ref.dropna(), prod.dropna()
    numeric = (
        pd.api.types.is_numeric_dtype(ref)
        and pd.api.types.is_numeric_dtype(prod)
        and not pd.api.types.is_bool_dtype(ref)
    )
    if numeric and _more_distinct_than(ref, bins):
        edges = np.unique(np.quantile(ref.to_numpy(dtype=float), np.linspace(0, 1, bins + 1)))
        edges[0], edges[-1] = -np.inf, np.inf
        p = np.histogram(ref.to_numpy(dtype=float), edges)[0] / max(len(ref), 1)
        q = np.histogram(prod.to_numpy(dtype=float), edges)[0] / max(len(prod), 1)
        unseen: list[str] = []
    else:  # count first, then name the categories: converting a million values to text is the slow part
        p_counts = ref.value_counts(normalize=True)
        q_counts = prod.value_counts(normalize=True)
        p_counts.index = p_counts.index.astype(str)
        q_counts.index = q_counts.index.astype(str)
        p_counts = p_counts.groupby(level=0).sum()
        q_counts = q_counts.groupby(level=0).sum()
        cats = p_counts.index.union(q_counts.index)
        p = p_counts.reindex(cats, fill_value=0).to_numpy()
        q = q_counts.reindex(cats, fill_value=0).to_numpy()
        unseen = [str(c) for c in q_counts.index.difference(p_counts.index)]
    cells = int(np.sum((p > 0) | (q > 0)))
    p, q = np.clip(p, eps, None), np.clip(q, eps, None)
    return float(np.sum((q - p) * np.log(q / p))), unseen, cells


def _more_distinct_than(values: Any, k: int) -> bool:
    """values.nunique() > k, without hashing a million values when the first few thousand already have
    more than k distinct ones (the same answer: a part's distinct values are the whole's)."""
    return bool(values.head(10_000).nunique() > k or values.nunique() > k)


def second_opinion(ref: Any, prod: Any) -> dict[str, float] | None:
    """For a numeric feature: the two-sample Kolmogorov-Smirnov statistic and p-value and the Wasserstein
    distance (in the feature's units), from scipy; None for categories, or without scipy."""
    import pandas as pd

    ref, prod = ref.dropna(), prod.dropna()
    if not (
        pd.api.types.is_numeric_dtype(ref)
        and pd.api.types.is_numeric_dtype(prod)
        and not pd.api.types.is_bool_dtype(ref)
    ):
        return None
    try:
        from scipy import stats
    except ImportError:  # pragma: no cover - scipy comes with great-expectations
        return None
    a, b = ref.to_numpy(dtype=float), prod.to_numpy(dtype=float)
    ks = stats.ks_2samp(a, b)
    return {
        "ks_statistic": round(float(ks.statistic), 4),
        "ks_pvalue": float(f"{float(ks.pvalue):.4g}"),
        "wasserstein": float(f"{float(stats.wasserstein_distance(a, b)):.4g}"),
    }


ISO_DATE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?.*)?$"


ID_NAME = re.compile(r"(^|[_\W])(id|uuid|guid|key|ref|number|no)$", re.IGNORECASE)


def drift_columns(ctx: CheckContext, ref: Any, prod: Any) -> tuple[list[str], dict[str, str]]:
    """The columns drift compares (every column shared by reference and production) and those it
    leaves out, each with why: declared keys, the timestamp column, drift: false, columns that read as
    timestamps or identifiers (unique per row), and columns only one side has."""
    import pandas as pd

    data = declared(ctx)
    left: dict[str, str] = {}
    for c in data.keys:
        left[c] = "declared key (data.keys)"
    if data.timestamps:
        left.setdefault(data.timestamps.column, "the timestamp column (data.timestamps)")
    for c, r in data.columns.items():
        if not r.drift:
            left.setdefault(c, "drift: false")
        elif r.type == "timestamp":
            left.setdefault(c, "declared timestamp")
    columns = []
    for c in prod.columns:
        if c not in ref.columns:
            left.setdefault(c, "only in production")
            continue
        if c in left:
            continue
        values = ref[c].dropna()
        textual = pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values)
        rule = data.columns.get(c)
        if pd.api.types.is_datetime64_any_dtype(values):
            left[c] = "timestamps (time moves on: not a feature to compare)"
        elif textual and len(values) and values.head(200).astype(str).str.match(ISO_DATE).all():
            left[c] = "reads as timestamps"
        elif (
            (rule is None or rule.unique)
            and len(values) >= 20
            and (  # the cheap tests first: counting distinct values hashes every one
                textual
                or (
                    pd.api.types.is_integer_dtype(values) and (ID_NAME.search(str(c)) or values.is_monotonic_increasing)
                )
            )
            and values.nunique() == len(values)
        ):
            left[c] = "unique per row (an identifier)"
        else:
            columns.append(c)
    for c in ref.columns:
        if c not in prod.columns and c not in left:
            left[c] = "only in the reference"
    return columns, left


def _reasons(left_out: dict[str, str]) -> str:
    shown = [f"{c} ({why})" for c, why in list(left_out.items())[:8]]
    return ", ".join(shown) + (" ..." if len(left_out) > 8 else "")


class Drift(DataCheck):
    """Compares production with the reference sample column by column with the population stability index (``bins``
    quantile bins on the reference; categories as their own bins; warn at ``psi_warn``, fail at ``psi_fail``), judged
    against its own noise: a PSI that two samples of these sizes from one population reach (the no-drift level at
    ``noise_level``: PSI is about chi-square with bins - 1 degrees of freedom times 1/n_ref + 1/n_prod) is an
    inconclusive WARN saying how many rows would tell, never drift. Numeric features over ``psi_warn`` get a second
    opinion (two-sample Kolmogorov-Smirnov and Wasserstein distance, scipy). Reports unseen categories above
    ``max_unseen_share``; identifier-like and free-text columns are left out with
    the reason.

    Example finding: ``income drifted: PSI 0.31 (fail at 0.25)`` (HIGH).
    """

    id = "DQ-006"
    title = "Production distributions have not drifted from the reference"
    rationale = (
        "A model is only as good as the resemblance between what it learnt from and what it sees. "
        "The population stability index per feature says where that resemblance broke."
    )
    remediation = (
        "Investigate the drifted features; retrain or recalibrate on recent data, or confirm the "
        "shift is benign and record it."
    )
    references = (citations.AIA_ART_10_3_4, citations.FINMA_GM_2_3)
    weight = 5.0
    params = {
        "psi_warn": Param(0.10, "PSI at which a feature warns (ours)."),
        "psi_fail": Param(0.25, "PSI at which a feature fails (ours)."),
        "bins": Param(10, "Quantile bins on the reference for numeric features."),
        "max_unseen_share": Param(0.01, "Share of production values in categories the reference lacks."),
        "noise_level": Param(
            0.99,
            "Confidence of the no-drift level: a PSI below what samples of these sizes from one population "
            "reach this often is inconclusive, not drift.",
        ),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        data = ctx.manifest.data
        if data is None or data.reference is None:
            return not_applicable("No reference sample to compare with (data.reference)", needs="data.reference")
        frame = self.production(ctx)

        try:
            ref = ctx.evidence.frame("reference").df
        except DataError as exc:
            return self.conclude(
                frame,
                [Finding(severity=Severity.HIGH, message=str(exc), location=ctx.at("data", "reference"))],
                "",
                "Reference unreadable",
            )
        prod = frame.df
        if len(ref) == 0:
            return self.conclude(
                frame,
                [
                    Finding(
                        severity=Severity.HIGH,
                        message="The reference sample has no rows: nothing to compare with.",
                        location=ctx.at("data", "reference"),
                    )
                ],
                "",
                "No reference rows",
            )
        columns, left_out = drift_columns(ctx, ref, prod)
        findings, scores = [], {}
        noise_levels: dict[str, float] = {}
        opinions: dict[str, dict[str, float]] = {}
        inconclusive: list[str] = []
        for column in list(columns):
            n_ref, n_prod = int(ref[column].notna().sum()), int(prod[column].notna().sum())
            if n_ref and n_prod:
                continue
            columns.remove(column)
            if n_ref and not n_prod:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{column} has no value in production (the reference has {n_ref}): the feed lost it.",
                        expected="values",
                        observed="all null",
                        location=ctx.at("data", "production"),
                        remediation=self.remediation,
                    )
                )
            left_out[column] = "no values in production" if n_ref else "no values in the reference"
        for column in columns:
            value, unseen, cells = psi_bins(ref[column], prod[column], ctx.params["bins"])
            n_ref, n_prod = int(ref[column].notna().sum()), int(prod[column].notna().sum())
            noise = psi_noise(cells, n_ref, n_prod, ctx.params["noise_level"])
            scores[column] = round(value, 4)
            noise_levels[column] = round(noise, 4)
            other = second_opinion(ref[column], prod[column]) if value >= ctx.params["psi_warn"] else None
            if other:
                opinions[column] = other
            where = ctx.at("data", "reference", column=column, label=False)
            evidence = {"psi": round(value, 4), "no_drift_level": round(noise, 4), **(other or {})}
            ks = f"; Kolmogorov-Smirnov p = {other['ks_pvalue']:.3g}" if other else ""
            if value >= ctx.params["psi_warn"] and value <= noise:
                factor = noise / value  # the noise level falls as 1/n
                inconclusive.append(column)
                findings.append(
                    Finding(
                        severity=Severity.MEDIUM,
                        message=f"{column}: PSI {value:.3f} is within what {n_ref:,} reference and {n_prod:,} "
                        f"production rows show with no drift at all (up to {noise:.3f} at "
                        f"{numbers.pct(ctx.params['noise_level'])}){ks}: inconclusive; about "
                        f"{math.ceil(n_prod * factor):,} production rows (and as many reference rows) would tell.",
                        expected=f"PSI < {ctx.params['psi_warn']} or above the no-drift level",
                        observed=f"{value:.3f}",
                        location=where,
                        remediation="Compare larger samples before concluding that the feature drifted.",
                        evidence=evidence,
                    )
                )
            elif value >= ctx.params["psi_warn"]:
                sev = Severity.HIGH if value >= ctx.params["psi_fail"] else Severity.MEDIUM
                findings.append(
                    Finding(
                        severity=sev,
                        message=f"{column} drifted: PSI {value:.3f} (no drift at these sample sizes stays below "
                        f"{noise:.3f}){ks}.",
                        expected=f"< {ctx.params['psi_warn']}",
                        observed=f"{value:.3f}",
                        location=where,
                        remediation=self.remediation,
                        evidence=evidence,
                    )
                )
            if unseen:
                counts = prod[column].value_counts(normalize=True)
                share = float(counts[counts.index.astype(str).isin(unseen)].sum())
                if share > ctx.params["max_unseen_share"]:
                    findings.append(
                        Finding(
                            severity=Severity.MEDIUM,
                            message=f"{column}: {numbers.pct(share)} of values are in categories the reference "
                            "never had.",
                            expected=f"<= {numbers.pct(ctx.params['max_unseen_share'])}",
                            observed=f"{numbers.pct(share)}",
                            location=where,
                            evidence={"unseen": examples(ctx, column, __import__("pandas").Series(unseen))},
                        )
                    )
        if not columns:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message="No feature shared by the reference and the "
                    "production sample to compare" + (f" (left out: {_reasons(left_out)})" if left_out else "") + ".",
                    expected="shared feature columns",
                    observed="none",
                    location=ctx.at("data"),
                )
            )
        passed = f"PSI below {ctx.params['psi_warn']} on {len(columns)} features"
        if left_out:
            passed += f"; left out {len(left_out)}: {_reasons(left_out)}"
        return self.conclude(
            frame,
            findings,
            passed,
            "{n} drift finding(s)",
            total=max(len(columns), 1),
            metrics={
                "psi": scores,
                "no_drift_level": noise_levels,
                "noise_level": ctx.params["noise_level"],
                "thresholds": {"warn": ctx.params["psi_warn"], "fail": ctx.params["psi_fail"]},
                "second_opinion": opinions,
                "inconclusive": inconclusive,
                "covered": columns,
                "left_out": left_out,
            },
        )
