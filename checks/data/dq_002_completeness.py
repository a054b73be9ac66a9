"""DQ-002: Null rates within limits and not above the reference sample."""

from __future__ import annotations

from readiness.checks.data._common import (
    DataCheck,
    declared,
)

from readiness import citations, numbers
from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
)


class ColumnCompleteness(DataCheck):
    """Computes each column's null rate on the production sample against its ``max_null_rate`` and, when a reference
    sample is declared, against the reference rate plus ``max_increase``.

    Example finding: ``income is 7.40% null; at most 1.00% is allowed`` (HIGH).
    """

    id = "DQ-002"
    title = "Null rates within limits and not above the reference sample"
    rationale = (
        "Production data has holes the proof-of-concept's clean CSV never had; a model fed nulls "
        "it never saw imputes, crashes or quietly degrades."
    )
    remediation = "Fix the feed or declare and handle the missing values (imputation the model was trained with)."
    references = (citations.AIA_ART_10_3_4, citations.FINMA_GM_2_3)
    weight = 4.0
    params = {"max_increase": Param(0.05, "Largest rise in null rate over the reference sample (absolute, ours).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        frame = self.production(ctx)
        df, rules = frame.df, declared(ctx).columns
        ref = None
        if declared(ctx).reference is not None:
            try:
                ref = ctx.evidence.frame("reference").df
            except Exception:  # noqa: BLE001 - the reference is optional evidence here; DQ-006 reports it
                ref = None
        rates = df.isna().mean()
        findings, metrics = [], {"null_rate": {c: round(float(v), 6) for c, v in rates.items() if v > 0}}
        for column, rate in rates.items():
            rule = rules.get(column)
            where = ctx.at(
                *(("data", "columns", column) if rule else ("data", "production")), column=str(column), label=False
            )
            if rule and rule.max_null_rate is not None and rate > rule.max_null_rate:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{column} is {numbers.pct(rate)} null.",
                        expected=f"<= {numbers.pct(rule.max_null_rate)}",
                        observed=f"{numbers.pct(rate)}",
                        location=where,
                        remediation=self.remediation,
                        evidence={"null_count": int(df[column].isna().sum())},
                    )
                )
            elif ref is not None and column in ref.columns:
                before = float(ref[column].isna().mean())
                if rate - before > ctx.params["max_increase"]:
                    findings.append(
                        Finding(
                            severity=Severity.HIGH,
                            message=f"{column} is {numbers.pct(rate)} null in production, "
                            f"{numbers.pct(before)} in the reference.",
                            expected=f"<= {numbers.pct(before + ctx.params['max_increase'])}",
                            observed=f"{numbers.pct(rate)}",
                            location=where,
                            remediation=self.remediation,
                        )
                    )
        return self.conclude(
            frame,
            findings,
            f"Null rates within limits across {len(rates)} columns",
            "{n} completeness gap(s)",
            total=len(rates),
            metrics=metrics,
        )
