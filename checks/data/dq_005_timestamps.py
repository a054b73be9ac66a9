"""DQ-005: Timestamps at the declared precision, in UTC, in order, not from the future, without gaps."""

from __future__ import annotations

from typing import Any

from readiness.checks.data._common import (
    EPOCH_UNITS,
    TEXT_FORMATS,
    DataCheck,
    parse_stamps,
    rule_finding,
)

from readiness import citations
from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Severity,
    not_applicable,
)

DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}


class Timestamps(DataCheck):
    """Parses the declared timestamp columns in their declared format (ISO 8601, epoch seconds to nanoseconds) and
    checks precision, time zone (UTC), order, dates in the future and gaps.

    Example finding: ``event_time: 1,204 values carry millisecond precision; microseconds are declared`` (HIGH).
    """

    id = "DQ-005"
    title = "Timestamps at the declared precision, in UTC, in order, not from the future, without gaps"
    rationale = (
        "High-frequency systems stamp events in microseconds. A feed that silently truncates to "
        "milliseconds, mixes local time with UTC or delivers events out of order reorders a "
        "market and breaks surveillance and audit alike."
    )
    remediation = (
        "Emit ISO-8601 timestamps with the declared fractional digits and an explicit UTC offset; "
        "keep each stream ordered at the source."
    )
    references = (citations.DORA_RTS_ART_12_CLOCKS,)
    weight = 4.0

    def run(self, ctx: CheckContext) -> CheckResult:
        rule = ctx.manifest.data.timestamps if ctx.manifest.data else None
        if rule is None:
            return not_applicable("No timestamp rule is declared (data.timestamps)", needs="data.timestamps")
        frame = self.production(ctx)
        import pandas as pd

        df, total, findings = frame.df, len(frame.df), []
        if rule.column not in df.columns:
            return self.conclude(
                frame,
                [
                    Finding(
                        severity=Severity.HIGH,
                        message=f"No column {rule.column}.",
                        location=ctx.at("data", "timestamps", "column"),
                    )
                ],
                "",
                "No timestamps",
            )
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
                findings.append(
                    self._f(
                        ctx,
                        rule,
                        f"{rule.precision} precision",
                        coarse,
                        total,
                        f"{need} fractional digits (truncation loses ordering)",
                    )
                )
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
                findings.append(
                    self._f(
                        ctx,
                        rule,
                        f"{rule.format} form",
                        unparsable,
                        total,
                        "a year (e.g. 2026)"
                        if rule.format == "year"
                        else f"a number of {EPOCH_UNITS[rule.format]} since 1970-01-01 UTC",
                    )
                )
            if rule.format in EPOCH_UNITS and DIGITS[EPOCH_UNITS[rule.format]] < need:
                unit = EPOCH_UNITS[rule.format]
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{rule.column} is written in {rule.format}: precision {unit}, "
                        f"coarser than the declared {rule.precision}.",
                        expected=f"{rule.precision} precision",
                        observed=unit,
                        location=ctx.at("data", "timestamps", "precision"),
                        remediation=self.remediation,
                    )
                )
            if rule.format == "year":
                metrics["note"] = "years: precision and UTC offset do not apply; order and the future are checked"
        future = raw[stamps > pd.Timestamp(ctx.now) + pd.Timedelta(seconds=rule.max_future_s)]
        if len(future):
            findings.append(self._f(ctx, rule, "not in the future", future, total, f"<= {ctx.now.isoformat()}"))
        if rule.stream_key and rule.stream_key in df.columns:
            order = pd.DataFrame({"key": df[rule.stream_key], "t": stamps}).dropna()
            back = order["t"] < order.groupby("key")["t"].cummax()
            if back.any():
                findings.append(
                    self._f(
                        ctx,
                        rule,
                        f"order within {rule.stream_key}",
                        raw[order.index[back]],
                        total,
                        "non-decreasing per stream",
                    )
                )
        if rule.max_gap_s:
            gaps = stamps.dropna().sort_values().diff().dt.total_seconds()
            big = gaps[gaps > rule.max_gap_s]
            if len(big):
                findings.append(
                    Finding(
                        severity=Severity.MEDIUM,
                        message=f"{len(big)} gaps longer than {rule.max_gap_s:g} s (largest {big.max():.1f} s).",
                        expected=f"<= {rule.max_gap_s:g} s",
                        observed=f"{big.max():.1f} s",
                        location=ctx.at("data", "timestamps", "max_gap_s"),
                    )
                )
        passed = (
            f"{total} timestamps ({rule.format}) in order, none in the future"
            if rule.format == "year"
            else f"{total} timestamps ({rule.format}) at {rule.precision} precision, UTC, ordered"
        )
        if total == 0 or stamps.notna().sum() == 0:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"No timestamp in {rule.column} to judge ({total} rows).",
                    expected="timestamps",
                    observed="none",
                    location=ctx.at("data", "timestamps", "column"),
                )
            )
        return self.conclude(frame, findings, passed, "{n} timestamp defect(s)", metrics=metrics)

    def _f(self, ctx: CheckContext, rule: Any, name: str, bad: Any, total: int, expected: str) -> Finding:
        f = rule_finding(ctx, rule.column, name, bad, total, expected, remediation=self.remediation)
        return f.model_copy(update={"location": ctx.at("data", "timestamps", column=rule.column)})
