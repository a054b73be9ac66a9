"""Data quality on production-shaped data: schema, completeness, validity, uniqueness, timestamps,
drift, freshness and volume.

The built-in rules are vectorised pandas/numpy passes over the production sample (a rule costs about
what a hand-written numpy pass costs; Great Expectations runs the teams' own suites, DQ-008). Evidence
per failing rule: observed and expected values, unexpected count and share, a few example values,
masked for columns marked personal. Nothing here writes to the data.
"""

from __future__ import annotations

import math
import re
from typing import Any

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceKind,
    Finding,
    Location,
    Param,
    Reference,
    Severity,
    not_applicable,
    result_from_findings,
)
from readiness.evidence import Precondition

EXAMPLES = 5
EXTRAS = ("pandas",)
HINT = "pip install 'readiness[data]'"


def personal(ctx: CheckContext) -> set[str]:
    data = ctx.manifest.data
    return set(data.personal_data_columns) | {c for c, r in data.columns.items() if r.personal}


def examples(ctx: CheckContext, column: str, values: Any) -> list[str]:
    """Up to five distinct example values, masked when the column holds personal data."""
    shown = [str(v) for v in list(dict.fromkeys(values.tolist()))[:EXAMPLES]]
    if column in personal(ctx):
        return [mask(v) for v in shown]
    return shown


def mask(value: str) -> str:
    return value[:1] + "*" * max(3, len(value) - 2) + value[-1:] if len(value) > 2 else "***"


def rule_finding(ctx: CheckContext, column: str, rule: str, bad: Any, total: int, expected: str,
                 severity: Severity = Severity.HIGH, remediation: str | None = None) -> Finding:
    count = int(len(bad))
    return Finding(severity=severity,
                   message=f"{column}: {count} of {total} values break {rule} ({count / total:.2%}).",
                   expected=expected, observed=f"{count} unexpected ({count / total:.2%})",
                   location=Location(file=str(ctx.loaded.path), line=ctx.loaded.line_of("data", "columns", column),
                                     field=f"data.columns.{column}", column=column),
                   remediation=remediation, evidence={"rule": rule, "unexpected_count": count,
                                                      "unexpected_percent": round(100 * count / total, 4),
                                                      "examples": examples(ctx, column, bad)})


class _DataCheck(Check):
    abstract = True
    area = "data"
    extras = EXTRAS
    install_hint = HINT
    timeout_s = 600.0

    def production(self, ctx: CheckContext):
        """The production frame, or a CheckResult explaining why there is none."""
        data = ctx.manifest.data
        if data is None or data.production is None:
            return result_from_findings([Finding(
                severity=Severity.HIGH, message="No production data sample is declared.",
                expected="data.production", observed="missing", location=ctx.at("model"),
                remediation="Point data.production at a production-shaped sample (file or SQL).")],
                passed="", failed="No production data to check")
        from readiness.data import DataError

        try:
            frame = ctx.evidence.frame("production")
        except DataError as exc:
            return result_from_findings([Finding(severity=Severity.HIGH, message=str(exc),
                                                 location=ctx.at("data", "production"),
                                                 remediation="Make the source readable by readiness.")],
                                        passed="", failed="Production data unreadable")
        if len(frame.df) == 0:  # rules that hold on no rows have not been shown to hold
            raise Precondition(result_from_findings([Finding(
                severity=Severity.HIGH, message=f"The production sample {frame.source} has no rows: nothing to "
                "judge.", expected="rows", observed="0 rows", location=ctx.at("data", "production"),
                remediation="Point data.production at a sample with production rows.")],
                passed="", failed="No production rows to check"))
        return frame

    def conclude(self, frame, findings, passed, failed, total=None, metrics=None) -> CheckResult:
        metrics = {"rows": int(len(frame.df)), "source": frame.source, "sampled": frame.sampled, **(metrics or {})}
        if frame.sampled:
            passed += f" (first {len(frame.df)} rows: sampled)"
        return result_from_findings(findings, passed=passed, failed=failed, total=total, metrics=metrics)


KIND_CHECKS = {
    "int": lambda s, pd: pd.api.types.is_integer_dtype(s) or (pd.api.types.is_float_dtype(s) and
                                                               bool(((s.dropna() % 1) == 0).all())),
    "float": lambda s, pd: pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s),
    "number": lambda s, pd: pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s),
    "bool": lambda s, pd: pd.api.types.is_bool_dtype(s),
    "str": lambda s, pd: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s),
    "category": lambda s, pd: True,
    "timestamp": lambda s, pd: pd.api.types.is_string_dtype(s) or pd.api.types.is_datetime64_any_dtype(s),
}


def numeric_stamps(ctx: CheckContext, column: str, df: Any, pd: Any) -> bool:
    """A declared ``timestamp`` column written as numbers under a numeric data.timestamps format."""
    rule = ctx.manifest.data.timestamps
    return bool(rule and rule.column == column and rule.format not in TEXT_FORMATS
                and pd.api.types.is_numeric_dtype(df[column]))


TEXT_FORMATS = ("iso8601", "iso8601_space")
EPOCH_UNITS = {"epoch_s": "s", "epoch_ms": "ms", "epoch_us": "us", "epoch_ns": "ns"}
DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}


def parse_stamps(raw: Any, fmt: str) -> Any:
    """Timestamps in UTC from a column written in ``fmt`` (see data.timestamps.format); NaT where a
    value does not parse."""
    import pandas as pd

    if fmt in EPOCH_UNITS:
        return pd.to_datetime(pd.to_numeric(raw, errors="coerce"), unit=EPOCH_UNITS[fmt], utc=True, errors="coerce")
    if fmt == "year":
        years = pd.to_numeric(raw, errors="coerce")
        years = years.where((years >= 1) & (years <= 9999) & (years % 1 == 0))
        return pd.to_datetime(years.astype("Int64").astype("string"), format="%Y", utc=True, errors="coerce")
    return pd.to_datetime(raw.astype("string"), utc=True, errors="coerce", format="ISO8601")


class SchemaConformance(_DataCheck):
    id = "DQ-001"
    title = "Production data has the declared columns and types"
    rationale = ("A model trained on one schema and fed another fails silently: a renamed column becomes "
                 "all nulls, an amount in cents looks like an amount in francs.")
    remediation = "Align the production feed with data.columns (names and types), or update the declaration."
    references = (citations.AIA_ART_10_3_4, citations.FINMA_GM_2_3)
    weight = 6.0
    blocking = True

    def run(self, ctx: CheckContext) -> CheckResult:
        rules = ctx.manifest.data.columns if ctx.manifest.data else {}
        if not rules:
            return not_applicable("No columns are declared in data.columns", needs="data.columns")
        frame = self.production(ctx)
        if isinstance(frame, CheckResult):
            return frame
        import pandas as pd

        df, findings = frame.df, []
        for column, rule in rules.items():
            where = Location(file=str(ctx.loaded.path), line=ctx.loaded.line_of("data", "columns", column),
                             field=f"data.columns.{column}", column=column)
            if column not in df.columns:
                sev = Severity.HIGH if rule.required else Severity.MEDIUM
                findings.append(Finding(severity=sev, message=f"Column {column} is missing from {frame.source}.",
                                        expected="present", observed="missing", location=where,
                                        remediation=self.remediation))
            elif df[column].notna().sum() == 0:
                findings.append(Finding(severity=Severity.MEDIUM, message=f"Column {column} has no value in "
                                        f"{frame.source}: its type is not shown.", expected=rule.type or "values",
                                        observed="all null", location=where, remediation=self.remediation))
            elif rule.type and not KIND_CHECKS[rule.type](df[column], pd) and not numeric_stamps(ctx, column, df, pd):
                findings.append(Finding(severity=Severity.HIGH,
                                        message=f"Column {column} is {df[column].dtype}, declared {rule.type}.",
                                        expected=rule.type, observed=str(df[column].dtype), location=where,
                                        remediation=self.remediation))
        data = ctx.manifest.data
        known = set(rules) | set(data.keys) | ({data.timestamps.column} if data.timestamps else set())
        extra = [c for c in (frame.all_columns or list(df.columns)) if c not in known]
        passed = f"All {len(rules)} declared columns present with their types"
        if extra:
            more = " ..." if len(extra) > 10 else ""
            passed += f"; {len(extra)} undeclared column(s): {', '.join(extra[:10])}{more}"
        return self.conclude(frame, findings, passed, "{n} schema gap(s)", total=len(rules),
                             metrics={"undeclared_columns": extra[:50], "undeclared_count": len(extra)})


class Completeness(_DataCheck):
    id = "DQ-002"
    title = "Null rates within limits and not above the reference sample"
    rationale = ("Production data has holes the proof-of-concept's clean CSV never had; a model fed nulls "
                 "it never saw imputes, crashes or quietly degrades.")
    remediation = "Fix the feed or declare and handle the missing values (imputation the model was trained with)."
    references = (citations.AIA_ART_10_3_4, citations.FINMA_GM_2_3)
    weight = 4.0
    params = {"max_increase": Param(0.05, "Largest rise in null rate over the reference sample (absolute, ours).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        frame = self.production(ctx)
        if isinstance(frame, CheckResult):
            return frame
        df, rules = frame.df, ctx.manifest.data.columns
        ref = None
        if ctx.manifest.data.reference is not None:
            try:
                ref = ctx.evidence.frame("reference").df
            except Exception:  # noqa: BLE001 - the reference is optional evidence here; DQ-006 reports it
                ref = None
        rates = df.isna().mean()
        findings, metrics = [], {"null_rate": {c: round(float(v), 6) for c, v in rates.items() if v > 0}}
        for column, rate in rates.items():
            rule = rules.get(column)
            where = Location(file=str(ctx.loaded.path), line=ctx.loaded.line_of("data", "columns", column)
                             if rule else ctx.loaded.line_of("data", "production"), column=str(column))
            if rule and rule.max_null_rate is not None and rate > rule.max_null_rate:
                findings.append(Finding(severity=Severity.HIGH, message=f"{column} is {rate:.2%} null.",
                                        expected=f"<= {rule.max_null_rate:.2%}", observed=f"{rate:.2%}",
                                        location=where, remediation=self.remediation,
                                        evidence={"null_count": int(df[column].isna().sum())}))
            elif ref is not None and column in ref.columns:
                before = float(ref[column].isna().mean())
                if rate - before > ctx.params["max_increase"]:
                    findings.append(Finding(severity=Severity.HIGH,
                                            message=f"{column} is {rate:.2%} null in production, "
                                                    f"{before:.2%} in the reference.",
                                            expected=f"<= {before + ctx.params['max_increase']:.2%}",
                                            observed=f"{rate:.2%}", location=where, remediation=self.remediation))
        return self.conclude(frame, findings, f"Null rates within limits across {len(rates)} columns",
                             "{n} completeness gap(s)", total=len(rates), metrics=metrics)


class Validity(_DataCheck):
    id = "DQ-003"
    title = "Values within declared ranges, allowed sets and patterns"
    rationale = ("An age of 212, a currency 'XXX' or a phone number '+91 000' in production are either "
                 "defects upstream or cases the model was never meant to see; both must be known.")
    remediation = "Fix the feed, or reject such records before they reach the model and log them."
    references = (citations.AIA_ART_10_3_4,)
    weight = 4.0
    params = {"max_unexpected_share": Param(0.0, "Share of values allowed to break a rule (ours).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        rules = {c: r for c, r in ctx.manifest.data.columns.items()
                 if r.min is not None or r.max is not None or r.allowed is not None or r.pattern} \
            if ctx.manifest.data else {}
        if not rules:
            return not_applicable("No ranges, allowed sets or patterns are declared", needs="data.columns rules")
        frame = self.production(ctx)
        if isinstance(frame, CheckResult):
            return frame
        import pandas as pd

        df, total, findings, checked = frame.df, len(frame.df), [], 0
        for column, rule in rules.items():
            if column not in df.columns:
                continue  # DQ-001 reports it
            values = df[column].dropna()
            if values.empty:
                findings.append(Finding(severity=Severity.MEDIUM, message=f"{column}: no value to validate "
                                        f"({total} rows, all null): its rules are not shown to hold.",
                                        expected="values", observed="all null", location=ctx.at("data", "columns",
                                                                                                column)))
                continue
            if rule.min is not None or rule.max is not None:
                checked += 1
                numeric = pd.to_numeric(values, errors="coerce")
                bad = values[numeric.isna() | (numeric < (rule.min if rule.min is not None else -math.inf)) |
                             (numeric > (rule.max if rule.max is not None else math.inf))]
                self._add(ctx, findings, column, "range", bad, total, f"[{rule.min}, {rule.max}]")
            if rule.allowed is not None:
                checked += 1
                bad = values[~values.isin(rule.allowed)]
                self._add(ctx, findings, column, "allowed set", bad, total, f"one of {rule.allowed[:10]}")
            if rule.pattern:
                checked += 1
                text = values.astype("string")
                bad = values[~text.str.fullmatch(re.compile(rule.pattern)).fillna(False).astype(bool)]
                self._add(ctx, findings, column, "pattern", bad, total, f"matches {rule.pattern}")
        return self.conclude(frame, findings, f"{checked} rules hold", "{n} validity rule(s) broken",
                             total=max(checked, 1))

    def _add(self, ctx, findings, column, rule, bad, total, expected) -> None:
        if total and len(bad) / total > ctx.params["max_unexpected_share"]:
            findings.append(rule_finding(ctx, column, rule, bad, total, expected, remediation=self.remediation))


class Uniqueness(_DataCheck):
    id = "DQ-004"
    title = "Declared keys are unique and no record is duplicated"
    rationale = ("Duplicated decisions double-count exposure, and duplicated training rows teach the model "
                 "to memorise: keys must identify one record.")
    remediation = "Deduplicate upstream, or fix the key declaration (data.keys)."
    weight = 3.0

    def run(self, ctx: CheckContext) -> CheckResult:
        frame = self.production(ctx)
        if isinstance(frame, CheckResult):
            return frame
        df, data, findings = frame.df, ctx.manifest.data, []
        total = len(df)
        keyed = bool(data.keys) and all(k in df.columns for k in data.keys)
        dup = df.iloc[0:0]
        if keyed:
            nokey = df[df[data.keys].isna().any(axis=1)]
            if len(nokey):
                findings.append(Finding(severity=Severity.HIGH, message=f"{len(nokey)} of {total} records have no "
                                        f"key ({', '.join(data.keys)} missing).", expected="a key on every record",
                                        observed=f"{len(nokey)} without", location=ctx.at("data", "keys"),
                                        remediation=self.remediation))
            dup = df[df.duplicated(subset=data.keys, keep=False) & df[data.keys].notna().all(axis=1)]
            if len(dup):
                column = data.keys[0] if len(data.keys) == 1 else "+".join(data.keys)
                shown = dup[data.keys[0]] if len(data.keys) == 1 else dup[data.keys].astype(str).agg("|".join, axis=1)
                f = rule_finding(ctx, column, "key uniqueness", shown, total, "unique", remediation=self.remediation)
                findings.append(f.model_copy(update={"location": ctx.at("data", "keys")}))
        for column, rule in data.columns.items():
            if rule.unique and column in df.columns:
                dup = df[column][df[column].duplicated(keep=False) & df[column].notna()]
                if len(dup):
                    findings.append(rule_finding(ctx, column, "uniqueness", dup, total, "unique",
                                                 remediation=self.remediation))
        # an exact duplicate record duplicates its key too: with keys, only key duplicates need hashing
        full = int(dup.duplicated().sum()) if keyed else int(df.duplicated().sum())
        if full:
            findings.append(Finding(severity=Severity.MEDIUM, message=f"{full} records are exact duplicates.",
                                    expected="0", observed=str(full), location=ctx.at("data", "production"),
                                    remediation=self.remediation))
        return self.conclude(frame, findings, "No duplicate keys or records", "{n} uniqueness gap(s)",
                             metrics={"duplicate_records": full})


class Timestamps(_DataCheck):
    id = "DQ-005"
    title = "Timestamps at the declared precision, in UTC, in order, not from the future, without gaps"
    rationale = ("High-frequency systems stamp events in microseconds. A feed that silently truncates to "
                 "milliseconds, mixes local time with UTC or delivers events out of order reorders a "
                 "market and breaks surveillance and audit alike.")
    remediation = ("Emit ISO-8601 timestamps with the declared fractional digits and an explicit UTC offset; "
                   "keep each stream ordered at the source.")
    references = (citations.DORA_RTS_ART_12_CLOCKS,)
    weight = 4.0

    def run(self, ctx: CheckContext) -> CheckResult:
        rule = ctx.manifest.data.timestamps if ctx.manifest.data else None
        if rule is None:
            return not_applicable("No timestamp rule is declared (data.timestamps)", needs="data.timestamps")
        frame = self.production(ctx)
        if isinstance(frame, CheckResult):
            return frame
        import pandas as pd

        df, total, findings = frame.df, len(frame.df), []
        if rule.column not in df.columns:
            return self.conclude(frame, [Finding(severity=Severity.HIGH, message=f"No column {rule.column}.",
                                                 location=ctx.at("data", "timestamps", "column"))], "", "No timestamps")
        raw = df[rule.column].astype("string")
        need = DIGITS[rule.precision]
        metrics: dict[str, Any] = {"format": rule.format}
        if rule.format in TEXT_FORMATS:
            sep = "T" if rule.format == "iso8601" else " "
            digits = raw.str.extract(sep + r"\d{2}:\d{2}:\d{2}(?:\.(\d+))?", expand=False).fillna("").str.len()
            unparsable = raw[raw.notna() & raw.str.match(r"\d{4}-\d{2}-\d{2}" + sep + r"\d{2}:\d{2}:\d{2}").eq(False)]
            if len(unparsable):
                shape = f"YYYY-MM-DD{sep}HH:MM:SS[.f]+00:00"
                findings.append(self._f(ctx, rule, f"{rule.format} form", unparsable, total, shape))
            coarse = raw[raw.notna() & (digits < need)]
            if len(coarse):
                findings.append(self._f(ctx, rule, f"{rule.precision} precision", coarse, total,
                                        f"{need} fractional digits (truncation loses ordering)"))
            offsets = raw.str.extract(r"(Z|[+-]\d{2}:?\d{2})$", expand=False)
            if rule.require_utc:
                bad = raw[raw.notna() & ~offsets.isin(["Z", "+00:00", "+0000", "-00:00"])]
                if len(bad):
                    findings.append(self._f(ctx, rule, "UTC offset", bad, total, "Z or +00:00"))
            metrics["min_fraction_digits"] = int(digits.min()) if total else None
        stamps = parse_stamps(df[rule.column], rule.format)
        if rule.format not in TEXT_FORMATS:
            unparsable = raw[raw.notna() & stamps.isna()]
            if len(unparsable):
                findings.append(self._f(ctx, rule, f"{rule.format} form", unparsable, total,
                                        "a year (e.g. 2026)" if rule.format == "year" else
                                        f"a number of {EPOCH_UNITS[rule.format]} since 1970-01-01 UTC"))
            if rule.format in EPOCH_UNITS and DIGITS[EPOCH_UNITS[rule.format]] < need:
                unit = EPOCH_UNITS[rule.format]
                findings.append(Finding(severity=Severity.HIGH,
                                        message=f"{rule.column} is written in {rule.format}: precision {unit}, "
                                                f"coarser than the declared {rule.precision}.",
                                        expected=f"{rule.precision} precision", observed=unit,
                                        location=ctx.at("data", "timestamps", "precision"),
                                        remediation=self.remediation))
            if rule.format == "year":
                metrics["note"] = "years: precision and UTC offset do not apply; order and the future are checked"
        future = raw[stamps > pd.Timestamp(ctx.now) + pd.Timedelta(seconds=rule.max_future_s)]
        if len(future):
            findings.append(self._f(ctx, rule, "not in the future", future, total, f"<= {ctx.now.isoformat()}"))
        if rule.stream_key and rule.stream_key in df.columns:
            order = pd.DataFrame({"key": df[rule.stream_key], "t": stamps}).dropna()
            back = order["t"] < order.groupby("key")["t"].cummax()
            if back.any():
                findings.append(self._f(ctx, rule, f"order within {rule.stream_key}", raw[order.index[back]], total,
                                        "non-decreasing per stream"))
        if rule.max_gap_s:
            gaps = stamps.dropna().sort_values().diff().dt.total_seconds()
            big = gaps[gaps > rule.max_gap_s]
            if len(big):
                findings.append(Finding(severity=Severity.MEDIUM,
                                        message=f"{len(big)} gaps longer than {rule.max_gap_s:g} s "
                                                f"(largest {big.max():.1f} s).",
                                        expected=f"<= {rule.max_gap_s:g} s", observed=f"{big.max():.1f} s",
                                        location=ctx.at("data", "timestamps", "max_gap_s")))
        passed = (f"{total} timestamps ({rule.format}) in order, none in the future" if rule.format == "year"
                  else f"{total} timestamps ({rule.format}) at {rule.precision} precision, UTC, ordered")
        if total == 0 or stamps.notna().sum() == 0:
            findings.append(Finding(severity=Severity.HIGH, message=f"No timestamp in {rule.column} to judge "
                                    f"({total} rows).", expected="timestamps", observed="none",
                                    location=ctx.at("data", "timestamps", "column")))
        return self.conclude(frame, findings, passed, "{n} timestamp defect(s)", metrics=metrics)

    def _f(self, ctx, rule, name, bad, total, expected) -> Finding:
        f = rule_finding(ctx, rule.column, name, bad, total, expected, remediation=self.remediation)
        return f.model_copy(update={"location": Location(file=str(ctx.loaded.path),
                                                         line=ctx.loaded.line_of("data", "timestamps"),
                                                         field="data.timestamps", column=rule.column)})


def psi(ref: Any, prod: Any, bins: int) -> tuple[float, list[str]]:
    """Population stability index; numeric columns binned on reference quantiles. Also returns the
    categories production has that the reference never had."""
    import numpy as np
    import pandas as pd

    eps = 1e-4
    ref, prod = ref.dropna(), prod.dropna()
    numeric = pd.api.types.is_numeric_dtype(ref) and pd.api.types.is_numeric_dtype(prod) \
        and not pd.api.types.is_bool_dtype(ref)
    if numeric and ref.nunique() > bins:
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
    p, q = np.clip(p, eps, None), np.clip(q, eps, None)
    return float(np.sum((q - p) * np.log(q / p))), unseen


class Drift(_DataCheck):
    id = "DQ-006"
    title = "Production distributions have not drifted from the reference"
    rationale = ("A model is only as good as the resemblance between what it learnt from and what it sees. "
                 "The population stability index per feature says where that resemblance broke.")
    remediation = ("Investigate the drifted features; retrain or recalibrate on recent data, or confirm the "
                   "shift is benign and record it.")
    references = (citations.AIA_ART_10_3_4, citations.FINMA_GM_2_3)
    weight = 5.0
    params = {"psi_warn": Param(0.10, "PSI at which a feature warns (ours)."),
              "psi_fail": Param(0.25, "PSI at which a feature fails (ours)."),
              "bins": Param(10, "Quantile bins on the reference for numeric features."),
              "max_unseen_share": Param(0.01, "Share of production values in categories the reference lacks.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        data = ctx.manifest.data
        if data is None or data.reference is None:
            return not_applicable("No reference sample to compare with (data.reference)", needs="data.reference")
        frame = self.production(ctx)
        if isinstance(frame, CheckResult):
            return frame
        from readiness.data import DataError

        try:
            ref = ctx.evidence.frame("reference").df
        except DataError as exc:
            return self.conclude(frame, [Finding(severity=Severity.HIGH, message=str(exc),
                                                 location=ctx.at("data", "reference"))], "", "Reference unreadable")
        prod = frame.df
        if len(ref) == 0:
            return self.conclude(frame, [Finding(severity=Severity.HIGH, message="The reference sample has no rows: "
                                                 "nothing to compare with.", location=ctx.at("data", "reference"))],
                                 "", "No reference rows")
        columns, left_out = drift_columns(ctx, ref, prod)
        findings, scores = [], {}
        for column in list(columns):
            n_ref, n_prod = int(ref[column].notna().sum()), int(prod[column].notna().sum())
            if n_ref and n_prod:
                continue
            columns.remove(column)
            if n_ref and not n_prod:
                findings.append(Finding(severity=Severity.HIGH, message=f"{column} has no value in production "
                                        f"(the reference has {n_ref}): the feed lost it.", expected="values",
                                        observed="all null", location=ctx.at("data", "production"),
                                        remediation=self.remediation))
            left_out[column] = "no values in production" if n_ref else "no values in the reference"
        for column in columns:
            value, unseen = psi(ref[column], prod[column], ctx.params["bins"])
            scores[column] = round(value, 4)
            where = Location(file=str(ctx.loaded.path), line=ctx.loaded.line_of("data", "reference"), column=column)
            if value >= ctx.params["psi_warn"]:
                sev = Severity.HIGH if value >= ctx.params["psi_fail"] else Severity.MEDIUM
                findings.append(Finding(severity=sev, message=f"{column} drifted: PSI {value:.3f}.",
                                        expected=f"< {ctx.params['psi_warn']}", observed=f"{value:.3f}",
                                        location=where, remediation=self.remediation,
                                        evidence={"psi": round(value, 4)}))
            if unseen:
                counts = prod[column].value_counts(normalize=True)
                share = float(counts[counts.index.astype(str).isin(unseen)].sum())
                if share > ctx.params["max_unseen_share"]:
                    findings.append(Finding(
                        severity=Severity.MEDIUM, message=f"{column}: {share:.2%} of values are in categories the "
                        f"reference never had.", expected=f"<= {ctx.params['max_unseen_share']:.0%}",
                        observed=f"{share:.2%}", location=where,
                        evidence={"unseen": examples(ctx, column, __import__("pandas").Series(unseen))}))
        if not columns:
            findings.append(Finding(severity=Severity.HIGH, message="No feature shared by the reference and the "
                                    "production sample to compare" + (f" (left out: {_reasons(left_out)})"
                                                                      if left_out else "") + ".",
                                    expected="shared feature columns", observed="none", location=ctx.at("data")))
        passed = f"PSI below {ctx.params['psi_warn']} on {len(columns)} features"
        if left_out:
            passed += f"; left out {len(left_out)}: {_reasons(left_out)}"
        return self.conclude(frame, findings, passed, "{n} drift finding(s)", total=max(len(columns), 1),
                             metrics={"psi": scores, "covered": columns, "left_out": left_out})


ISO_DATE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?.*)?$"
ID_NAME = re.compile(r"(^|[_\W])(id|uuid|guid|key|ref|number|no)$", re.IGNORECASE)


def drift_columns(ctx: CheckContext, ref: Any, prod: Any) -> tuple[list[str], dict[str, str]]:
    """The columns drift compares (every column shared by reference and production) and those it
    leaves out, each with why: declared keys, the timestamp column, drift: false, columns that read as
    timestamps or identifiers (unique per row), and columns only one side has."""
    import pandas as pd

    data = ctx.manifest.data
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
        declared = data.columns.get(c)
        if textual and len(values) and values.astype(str).head(200).str.match(ISO_DATE).all():
            left[c] = "reads as timestamps"
        elif (declared is None or declared.unique) and len(values) >= 20 and values.nunique() == len(values) and (
                textual or (pd.api.types.is_integer_dtype(values) and (ID_NAME.search(str(c)) or
                                                                       values.is_monotonic_increasing))):
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


class FreshnessVolume(_DataCheck):
    id = "DQ-007"
    title = "The newest record is recent and the row count is in the expected range"
    rationale = "A feed that stopped yesterday or delivers a tenth of its usual volume is an incident in waiting."
    remediation = "Check the feed's schedule and upstream jobs; alert on staleness and volume in monitoring."
    weight = 2.0

    def run(self, ctx: CheckContext) -> CheckResult:
        data = ctx.manifest.data
        if data is None or (data.freshness is None and data.volume is None):
            return not_applicable("No freshness or volume expectation is declared",
                                  needs="data.freshness or data.volume")
        frame = self.production(ctx)
        if isinstance(frame, CheckResult):
            return frame
        import pandas as pd

        findings, metrics = [], {}
        if data.freshness and data.freshness.column in frame.df.columns:
            fmt = data.timestamps.format if data.timestamps and data.timestamps.column == data.freshness.column \
                else "iso8601"
            newest = parse_stamps(frame.df[data.freshness.column], fmt).max()
            age_h = (pd.Timestamp(ctx.now) - newest).total_seconds() / 3600 if pd.notna(newest) else math.inf
            metrics["newest"] = None if pd.isna(newest) else newest.isoformat()
            metrics["age_hours"] = round(age_h, 2) if math.isfinite(age_h) else None
            if age_h > data.freshness.max_age_hours:
                findings.append(Finding(severity=Severity.HIGH,
                                        message=f"The newest record is {age_h:.1f} hours old.",
                                        expected=f"<= {data.freshness.max_age_hours:g} h", observed=f"{age_h:.1f} h",
                                        location=ctx.at("data", "freshness"), remediation=self.remediation))
        if data.volume:
            rows, v = frame.total_rows, data.volume
            if rows is None:  # a sample, and the source cannot be counted: the volume is not shown
                findings.append(Finding(severity=Severity.HIGH, message=f"Only a sample of {len(frame.df)} rows "
                                        "was read and the source's row count is unknown: volume not judged.",
                                        expected=f"[{v.min_rows}, {v.max_rows}]", observed="unknown",
                                        location=ctx.at("data", "volume")))
                rows = len(frame.df)
            metrics["rows_in_source"] = rows
            if frame.total_rows is not None and ((v.min_rows is not None and rows < v.min_rows) or
                                                 (v.max_rows is not None and rows > v.max_rows)):
                findings.append(Finding(severity=Severity.HIGH, message=f"{rows} rows.",
                                        expected=f"[{v.min_rows}, {v.max_rows}]", observed=str(rows),
                                        location=ctx.at("data", "volume"), remediation=self.remediation))
        return self.conclude(frame, findings, "Fresh and of the expected volume", "{n} freshness/volume gap(s)",
                             metrics=metrics)


__all__ = ["EvidenceKind"]
