"""DQ-003: Values within declared ranges, allowed sets and patterns."""

from __future__ import annotations

import math
import re
from typing import Any

from readiness.checks.data._common import (
    DataCheck,
    rule_finding,
)

from readiness import citations
from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    not_applicable,
)


class Validity(DataCheck):
    """Checks declared ranges (``min``/``max``), allowed sets and patterns on every production row and reports the
    share of unexpected values (above ``max_unexpected_share``) with masked examples.

    Example finding: ``age: 312 values (3.12%) outside [18, 120]`` (HIGH).
    """

    id = "DQ-003"
    title = "Values within declared ranges, allowed sets and patterns"
    rationale = (
        "An age of 212, a currency 'XXX' or a phone number '+91 000' in production are either "
        "defects upstream or cases the model was never meant to see; both must be known."
    )
    remediation = "Fix the feed, or reject such records before they reach the model and log them."
    references = (citations.AIA_ART_10_3_4,)
    weight = 4.0
    params = {"max_unexpected_share": Param(0.0, "Share of values allowed to break a rule (ours).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        rules = (
            {
                c: r
                for c, r in ctx.manifest.data.columns.items()
                if r.min is not None or r.max is not None or r.allowed is not None or r.pattern
            }
            if ctx.manifest.data
            else {}
        )
        if not rules:
            return not_applicable("No ranges, allowed sets or patterns are declared", needs="data.columns rules")
        frame = self.production(ctx)
        import pandas as pd

        df, total, findings, checked = frame.df, len(frame.df), [], 0
        for column, rule in rules.items():
            if column not in df.columns:
                continue  # DQ-001 reports it
            values = df[column].dropna()
            if values.empty:
                findings.append(
                    Finding(
                        severity=Severity.MEDIUM,
                        message=f"{column}: no value to validate "
                        f"({total} rows, all null): its rules are not shown to hold.",
                        expected="values",
                        observed="all null",
                        location=ctx.at("data", "columns", column),
                    )
                )
                continue
            if rule.min is not None or rule.max is not None:
                checked += 1
                numeric = pd.to_numeric(values, errors="coerce")
                bad = values[
                    numeric.isna()
                    | (numeric < (rule.min if rule.min is not None else -math.inf))
                    | (numeric > (rule.max if rule.max is not None else math.inf))
                ]
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
        return self.conclude(
            frame, findings, f"{checked} rules hold", "{n} validity rule(s) broken", total=max(checked, 1)
        )

    def _add(
        self, ctx: CheckContext, findings: list[Finding], column: str, rule: str, bad: Any, total: int, expected: str
    ) -> None:
        if total and len(bad) / total > ctx.params["max_unexpected_share"]:
            findings.append(rule_finding(ctx, column, rule, bad, total, expected, remediation=self.remediation))
