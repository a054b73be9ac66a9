"""DQ-007: The newest record is recent and the row count is in the expected range."""

from __future__ import annotations

import math

from readiness.checks.data._common import (
    DataCheck,
    parse_stamps,
)

from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Severity,
    not_applicable,
)


class FreshnessVolume(DataCheck):
    """Checks that the newest timestamp in production is recent enough (``data.freshness``) and that the whole table's
    row count is in the expected range.

    Example finding: ``The newest record is 9 days old; at most 1 day is allowed`` (HIGH).
    """

    id = "DQ-007"
    title = "The newest record is recent and the row count is in the expected range"
    rationale = "A feed that stopped yesterday or delivers a tenth of its usual volume is an incident in waiting."
    remediation = "Check the feed's schedule and upstream jobs; alert on staleness and volume in monitoring."
    weight = 2.0

    def run(self, ctx: CheckContext) -> CheckResult:
        data = ctx.manifest.data
        if data is None or (data.freshness is None and data.volume is None):
            return not_applicable(
                "No freshness or volume expectation is declared", needs="data.freshness or data.volume"
            )
        frame = self.production(ctx)
        import pandas as pd

        findings, metrics = [], {}
        if data.freshness and data.freshness.column in frame.df.columns:
            fmt = (
                data.timestamps.format
                if data.timestamps and data.timestamps.column == data.freshness.column
                else "iso8601"
            )
            newest = parse_stamps(frame.df[data.freshness.column], fmt).max()
            age_h = (pd.Timestamp(ctx.now) - newest).total_seconds() / 3600 if pd.notna(newest) else math.inf
            metrics["newest"] = None if pd.isna(newest) else newest.isoformat()
            metrics["age_hours"] = round(age_h, 2) if math.isfinite(age_h) else None
            if age_h > data.freshness.max_age_hours:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"The newest record is {age_h:.1f} hours old.",
                        expected=f"<= {data.freshness.max_age_hours:g} h",
                        observed=f"{age_h:.1f} h",
                        location=ctx.at("data", "freshness"),
                        remediation=self.remediation,
                    )
                )
        if data.volume:
            rows, v = frame.total_rows, data.volume
            if rows is None:  # a sample, and the source cannot be counted: the volume is not shown
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"Only a sample of {len(frame.df)} rows "
                        "was read and the source's row count is unknown: volume not judged.",
                        expected=f"[{v.min_rows}, {v.max_rows}]",
                        observed="unknown",
                        location=ctx.at("data", "volume"),
                    )
                )
                rows = len(frame.df)
            metrics["rows_in_source"] = rows
            if frame.total_rows is not None and (
                (v.min_rows is not None and rows < v.min_rows) or (v.max_rows is not None and rows > v.max_rows)
            ):
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"{rows} rows.",
                        expected=f"[{v.min_rows}, {v.max_rows}]",
                        observed=str(rows),
                        location=ctx.at("data", "volume"),
                        remediation=self.remediation,
                    )
                )
        return self.conclude(
            frame, findings, "Fresh and of the expected volume", "{n} freshness/volume gap(s)", metrics=metrics
        )
