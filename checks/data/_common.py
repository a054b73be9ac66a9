"""What the data checks share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from readiness import numbers
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Data,
    DataError,
    Finding,
    Frame,
    Precondition,
    Severity,
    result_from_findings,
)

EXAMPLES = 5


EXTRAS: tuple[str, ...] = ("pandas",)


HINT = "pip install 'readiness[data]'"


def declared(ctx: CheckContext) -> Data:
    """The manifest's data section; raises :class:`Precondition` (FAIL) when there is none."""
    data = ctx.manifest.data
    if data is None:
        raise Precondition(
            Finding(
                severity=Severity.HIGH,
                message="No data section: there is no production data to check.",
                expected="data.production",
                observed="missing",
                location=ctx.at("model"),
                remediation="Point data.production at a production-shaped sample (file or SQL).",
            ),
            "No production data to check",
        )
    return data


def personal(ctx: CheckContext) -> set[str]:
    data = ctx.manifest.data
    if data is None:
        return set()
    return set(data.personal_data_columns) | {c for c, r in data.columns.items() if r.personal}


def examples(ctx: CheckContext, column: str, values: Any) -> list[str]:
    """Up to five distinct example values, masked when the column holds personal data."""
    shown = [str(v) for v in list(dict.fromkeys(values.tolist()))[:EXAMPLES]]
    if column in personal(ctx):
        return [mask(v) for v in shown]
    return shown


def mask(value: str) -> str:
    return value[:1] + "*" * max(3, len(value) - 2) + value[-1:] if len(value) > 2 else "***"


def rule_finding(
    ctx: CheckContext,
    column: str,
    rule: str,
    bad: Any,
    total: int,
    expected: str,
    severity: Severity = Severity.HIGH,
    remediation: str | None = None,
) -> Finding:
    count = int(len(bad))
    return Finding(
        severity=severity,
        message=f"{column}: {count} of {total} values break {rule} ({numbers.pct(count / total)}).",
        expected=expected,
        observed=f"{count} unexpected ({numbers.pct(count / total)})",
        location=ctx.at("data", "columns", column, column=column),
        remediation=remediation,
        evidence={
            "rule": rule,
            "unexpected_count": count,
            "unexpected_percent": round(100 * count / total, 4),
            "examples": examples(ctx, column, bad),
        },
    )


class DataCheck(Check):
    abstract = True
    area = "data"
    extras: ClassVar[tuple[str, ...]] = EXTRAS
    install_hint = HINT
    timeout_s = 600.0

    def production(self, ctx: CheckContext) -> Frame:
        """The production frame; raises :class:`Precondition` (FAIL) when there is none, it cannot be read
        or it has no rows."""
        data = ctx.manifest.data
        if data is None or data.production is None:
            raise Precondition(
                Finding(
                    severity=Severity.HIGH,
                    message="No production data sample is declared.",
                    expected="data.production",
                    observed="missing",
                    location=ctx.at("model"),
                    remediation="Point data.production at a production-shaped sample (file or SQL).",
                ),
                "No production data to check",
            )

        try:
            frame = ctx.evidence.frame("production")
        except DataError as exc:
            raise Precondition(
                Finding(
                    severity=Severity.HIGH,
                    message=str(exc),
                    location=ctx.at("data", "production"),
                    remediation="Make the source readable by readiness.",
                ),
                "Production data unreadable",
            ) from exc
        if len(frame.df) == 0:  # rules that hold on no rows have not been shown to hold
            raise Precondition(
                Finding(
                    severity=Severity.HIGH,
                    message=f"The production sample {frame.source} has no rows: nothing to judge.",
                    expected="rows",
                    observed="0 rows",
                    location=ctx.at("data", "production"),
                    remediation="Point data.production at a sample with production rows.",
                ),
                "No production rows to check",
            )
        if not isinstance(frame, Frame):
            raise TypeError(f"the evidence layer returned {type(frame).__name__}, not a Frame")
        return frame

    def conclude(
        self,
        frame: Frame,
        findings: Sequence[Finding],
        passed: str,
        failed: str,
        total: int | None = None,
        metrics: dict[str, Any] | None = None,
    ) -> CheckResult:
        metrics = {"rows": int(len(frame.df)), "source": frame.source, "sampled": frame.sampled, **(metrics or {})}
        if frame.sampled:
            passed += f" (first {len(frame.df)} rows: sampled)"
        return result_from_findings(findings, passed=passed, failed=failed, total=total, metrics=metrics)


TEXT_FORMATS = ("iso8601", "iso8601_space")


EPOCH_UNITS = {"epoch_s": "s", "epoch_ms": "ms", "epoch_us": "us", "epoch_ns": "ns"}


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
