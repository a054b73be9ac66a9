"""DQ-004: Declared keys are unique and no record is duplicated."""

from __future__ import annotations

from readiness.checks.data._common import (
    DataCheck,
    declared,
    rule_finding,
)

from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Severity,
)


class Uniqueness(DataCheck):
    """Checks that the declared key columns are unique and that no record is duplicated.

    Example finding: ``transaction_id has 14 duplicated values`` (HIGH).
    """

    id = "DQ-004"
    title = "Declared keys are unique and no record is duplicated"
    rationale = (
        "Duplicated decisions double-count exposure, and duplicated training rows teach the model "
        "to memorise: keys must identify one record."
    )
    remediation = "Deduplicate upstream, or fix the key declaration (data.keys)."
    weight = 3.0

    def run(self, ctx: CheckContext) -> CheckResult:
        frame = self.production(ctx)
        df, data, findings = frame.df, declared(ctx), []
        total = len(df)
        keyed = bool(data.keys) and all(k in df.columns for k in data.keys)
        dup = df.iloc[0:0]
        if keyed:
            nokey = df[df[data.keys].isna().any(axis=1)]
            if len(nokey):
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{len(nokey)} of {total} records have no key ({', '.join(data.keys)} missing).",
                        expected="a key on every record",
                        observed=f"{len(nokey)} without",
                        location=ctx.at("data", "keys"),
                        remediation=self.remediation,
                    )
                )
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
                    findings.append(
                        rule_finding(ctx, column, "uniqueness", dup, total, "unique", remediation=self.remediation)
                    )
        # an exact duplicate record duplicates its key too: with keys, only key duplicates need hashing
        full = int(dup.duplicated().sum()) if keyed else int(df.duplicated().sum())
        if full:
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"{full} records are exact duplicates.",
                    expected="0",
                    observed=str(full),
                    location=ctx.at("data", "production"),
                    remediation=self.remediation,
                )
            )
        return self.conclude(
            frame,
            findings,
            "No duplicate keys or records",
            "{n} uniqueness gap(s)",
            metrics={"duplicate_records": full},
        )
