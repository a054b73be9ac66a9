"""DQ-001: Production data has the declared columns and types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from readiness.checks.data._common import (
    TEXT_FORMATS,
    DataCheck,
    declared,
)

from readiness import citations
from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Severity,
    not_applicable,
)

KIND_CHECKS: dict[str, Callable[[Any, Any], bool]] = {
    "int": lambda s, pd: (
        pd.api.types.is_integer_dtype(s) or (pd.api.types.is_float_dtype(s) and bool(((s.dropna() % 1) == 0).all()))
    ),
    "float": lambda s, pd: pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s),
    "number": lambda s, pd: pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s),
    "bool": lambda s, pd: pd.api.types.is_bool_dtype(s),
    "str": lambda s, pd: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s),
    "category": lambda s, pd: True,
    "timestamp": lambda s, pd: pd.api.types.is_string_dtype(s) or pd.api.types.is_datetime64_any_dtype(s),
}


def numeric_stamps(ctx: CheckContext, column: str, df: Any, pd: Any) -> bool:
    """A declared ``timestamp`` column written as numbers under a numeric data.timestamps format."""
    rule = ctx.manifest.data.timestamps if ctx.manifest.data else None
    return bool(
        rule and rule.column == column and rule.format not in TEXT_FORMATS and pd.api.types.is_numeric_dtype(df[column])
    )


class SchemaConformance(DataCheck):
    """Reads the production sample (file or SQL, read-only) and checks each declared column in ``data.columns`` is
    present with its declared type; undeclared columns are reported at a lower severity.

    Example finding: ``Column amount is missing from data/production.csv`` (HIGH).
    """

    id = "DQ-001"
    title = "Production data has the declared columns and types"
    rationale = (
        "A model trained on one schema and fed another fails silently: a renamed column becomes "
        "all nulls, an amount in cents looks like an amount in francs."
    )
    remediation = "Align the production feed with data.columns (names and types), or update the declaration."
    references = (citations.AIA_ART_10_3_4, citations.FINMA_GM_2_3)
    weight = 6.0
    blocking = True

    def run(self, ctx: CheckContext) -> CheckResult:
        rules = ctx.manifest.data.columns if ctx.manifest.data else {}
        if not rules:
            return not_applicable("No columns are declared in data.columns", needs="data.columns")
        frame = self.production(ctx)
        import pandas as pd

        df, findings = frame.df, []
        for column, rule in rules.items():
            where = ctx.at("data", "columns", column, column=column)
            if column not in df.columns:
                sev = Severity.HIGH if rule.required else Severity.MEDIUM
                findings.append(
                    Finding(
                        severity=sev,
                        message=f"Column {column} is missing from {frame.source}.",
                        expected="present",
                        observed="missing",
                        location=where,
                        remediation=self.remediation,
                    )
                )
            elif df[column].notna().sum() == 0:
                findings.append(
                    Finding(
                        severity=Severity.MEDIUM,
                        message=f"Column {column} has no value in {frame.source}: its type is not shown.",
                        expected=rule.type or "values",
                        observed="all null",
                        location=where,
                        remediation=self.remediation,
                    )
                )
            elif rule.type and not KIND_CHECKS[rule.type](df[column], pd) and not numeric_stamps(ctx, column, df, pd):
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"Column {column} is {df[column].dtype}, declared {rule.type}.",
                        expected=rule.type,
                        observed=str(df[column].dtype),
                        location=where,
                        remediation=self.remediation,
                    )
                )
        data = declared(ctx)
        known = set(rules) | set(data.keys) | ({data.timestamps.column} if data.timestamps else set())
        extra = [c for c in (frame.all_columns or list(df.columns)) if c not in known]
        passed = f"All {len(rules)} declared columns present with their types"
        if extra:
            more = " ..." if len(extra) > 10 else ""
            passed += f"; {len(extra)} undeclared column(s): {', '.join(extra[:10])}{more}"
        return self.conclude(
            frame,
            findings,
            passed,
            "{n} schema gap(s)",
            total=len(rules),
            metrics={"undeclared_columns": extra[:50], "undeclared_count": len(extra)},
        )
