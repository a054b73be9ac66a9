"""DQ-008: The team's own expectation suites pass on production data."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from readiness.checks.data._common import (
    DataCheck,
    declared,
    mask,
    personal,
)

from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Severity,
    not_applicable,
)

ROW_COUNT = {"expect_table_row_count_to_be_between", "expect_table_row_count_to_equal"}


SEVERITY = {"critical": Severity.HIGH, "warning": Severity.MEDIUM, "info": Severity.LOW}


def gx_context(ctx: CheckContext) -> Any:
    """The run's one ephemeral Great Expectations context, created on first use."""
    return ctx.evidence.shared(("gx_context",), _new_gx_context)  # one per run: it is not thread-safe


def _new_gx_context() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.captureWarnings(False)  # GX switches warnings capture on at import
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def errors_of(result: Any) -> list[str]:
    info = result.exception_info or {}
    if "raised_exception" in info:
        return [info["exception_message"]] if info["raised_exception"] else []
    return [v["exception_message"] for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]


def _safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


class ExpectationSuites(DataCheck):
    """Runs the team's own Great Expectations suites (``data.expectations``) on the production frame with Great
    Expectations 1.x and reports every failed expectation with its severity (critical, warning, info) and unexpected
    share; row-count expectations are judged on the whole table.

    Example finding: ``expect_column_values_to_be_between(amount): 2.40% unexpected`` (HIGH).
    """

    id = "DQ-008"
    title = "The team's own expectation suites pass on production data"
    rationale = (
        "Teams already encode what their data must look like as Great Expectations suites; those "
        "rules must hold on the production sample, not only on the training set."
    )
    remediation = "Fix the data, or the expectation if production legitimately differs (and say why)."
    weight = 4.0
    extras = ("great_expectations", "pandas")
    install_hint = "pip install 'readiness[data]'"
    timeout_s = 900.0

    def run(self, ctx: CheckContext) -> CheckResult:
        data = ctx.manifest.data
        if data is None or (not data.expectations and not data.expectation_suites):
            return not_applicable("No expectations or expectation suites are declared", needs="data.expectations")
        frame = self.production(ctx)
        import great_expectations as gx  # noqa: F401 - imported by gx_context, first

        context = gx_context(ctx)
        findings: list[Finding] = []
        suites: list[tuple[str, tuple[str | int, ...], Any]] = []
        if data.expectations:
            suite = self._inline(ctx, findings)
            if suite is not None:
                suites.append(("data.expectations", ("data", "expectations"), suite))
        for i, path in enumerate(data.expectation_suites):
            suite = self._file(ctx, path, i, findings)
            if suite is not None:
                suites.append((path, ("data", "expectation_suites", i), suite))
        source = context.data_sources.add_or_update_pandas(name=f"readiness-{self.id}")
        asset = source.add_dataframe_asset(name=f"production-{len(source.assets)}")
        # one consolidated copy: the reader keeps columns in separate blocks to halve its peak memory,
        # and Great Expectations' column-by-column metrics run ~1.7x slower on such a frame
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
            batch_parameters={"dataframe": frame.df.copy()}
        )
        evaluated, on_table = 0, 0
        for label, loc, suite in suites:
            result = batch.validate(suite, result_format="SUMMARY")
            evaluated += len(result.results)
            for r in result.results:
                if frame.sampled and r.expectation_config.type in ROW_COUNT:
                    # a row count judged on readiness's sample says nothing about the table
                    on_table += 1
                    finding = self._row_count(ctx, label, loc, r, frame)
                    if finding is not None:
                        findings.append(finding)
                elif not r.success:
                    findings.append(self._finding(ctx, label, loc, r))
        passed = f"{evaluated} expectations pass"
        if on_table:
            passed += f" (row counts on the whole table, {frame.total_rows} rows)"
        return self.conclude(
            frame,
            findings,
            passed,
            "{n} expectation(s) fail",
            total=max(evaluated, 1),
            metrics={
                "evaluated": evaluated,
                "suites": len(suites),
                "row_counts_on_table": on_table,
                "rows_in_source": frame.total_rows,
            },
        )

    def _row_count(
        self, ctx: CheckContext, label: str, loc: tuple[str | int, ...], r: Any, frame: Any
    ) -> Finding | None:
        """A table row-count expectation judged on the source's full row count, not on the sample."""
        config = r.expectation_config
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        where = ctx.at(*loc, label=label)
        total = frame.total_rows
        if total is None:
            return Finding(
                severity=Severity.HIGH,
                message=f"{config.type} ran on a sample of {len(frame.df)} rows "
                "and the source's row count is unknown: the table's row count is not shown.",
                expected=json.dumps(_safe(kwargs))[:200],
                observed="unknown",
                location=where,
            )
        if config.type == "expect_table_row_count_to_equal":
            ok = total == kwargs.get("value")
        else:
            low, high = kwargs.get("min_value"), kwargs.get("max_value")
            ok = (low is None or total >= low) and (high is None or total <= high)
        if ok:
            return None
        return Finding(
            severity=Severity.HIGH,
            message=f"{config.type} fails on the whole table: {total} rows "
            f"(readiness read a sample of {len(frame.df)}).",
            expected=json.dumps(_safe(kwargs))[:200],
            observed=str(total),
            location=where,
            remediation=self.remediation,
            evidence={"expectation": config.type, "observed_value": total, "on": "whole table"},
        )

    def _inline(self, ctx: CheckContext, findings: list[Finding]) -> Any:
        import great_expectations as gx
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        expectations = []
        for i, exp in enumerate(declared(ctx).expectations):
            try:
                expectations.append(ExpectationConfiguration(type=exp.type, kwargs=exp.kwargs).to_domain_obj())
            except Exception as exc:  # GX raises its own errors for unknown types and bad arguments
                message = f"{exp.type}: {type(exc).__name__}: {exc}"[:300]
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=message,
                        location=ctx.at("data", "expectations", i),
                        remediation="Use a Great Expectations 1.x expectation type and its arguments.",
                    )
                )
        return gx.ExpectationSuite(name="manifest", expectations=expectations) if expectations else None

    def _file(self, ctx: CheckContext, path: str, i: int, findings: list[Finding]) -> Any:
        import great_expectations as gx

        where = ctx.at("data", "expectation_suites", i)
        try:
            raw = json.loads(ctx.resolve(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            findings.append(
                Finding(severity=Severity.HIGH, message=f"{path}: not readable JSON: {exc}", location=where)
            )
            return None
        if "expectation_suite_name" in raw:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{path} is a Great Expectations 0.x suite; 1.x is required.",
                    expected="keys name and expectations[].type",
                    observed="expectation_suite_name / expectation_type",
                    location=where,
                    remediation="Export the suite again with Great Expectations 1.x.",
                )
            )
            return None
        try:
            return gx.ExpectationSuite(**raw)
        except Exception as exc:  # unknown expectation types and malformed suites
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{path}: {type(exc).__name__}: {exc}"[:300],
                    location=where,
                    remediation="Fix the suite so that Great Expectations loads it.",
                )
            )
            return None

    def _finding(self, ctx: CheckContext, label: str, loc: tuple[str | int, ...], r: Any) -> Finding:
        config = r.expectation_config
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        column = kwargs.get("column")
        errors = errors_of(r)
        result = r.result or {}
        examples = list(dict.fromkeys(str(v) for v in (result.get("partial_unexpected_list") or [])))[:5]
        if column in personal(ctx):
            examples = [mask(v) for v in examples]
        severity = SEVERITY.get(str(getattr(config, "severity", "critical")).lower().split(".")[-1], Severity.HIGH)
        where = ctx.at(*loc, label=label, column=column)
        if errors:
            return Finding(
                severity=Severity.HIGH,
                message=f"{config.type} could not run: {errors[0][:200]}",
                location=where,
                evidence={"expectation": config.type, "kwargs": _safe(kwargs)},
                remediation="Check the column names and arguments of this expectation.",
            )
        count, percent = result.get("unexpected_count"), result.get("unexpected_percent")
        observed = result.get("observed_value")
        message = f"{config.type}" + (f" on {column}" if column else "") + " fails"
        if count is not None:
            message += f": {count} unexpected ({percent:.2f}%)" if percent is not None else f": {count} unexpected"
        return Finding(
            severity=severity,
            message=message,
            expected=json.dumps(_safe(kwargs))[:200],
            observed=str(observed)[:200] if observed is not None else f"{count} unexpected",
            location=where,
            remediation=self.remediation,
            evidence={
                "expectation": config.type,
                "unexpected_count": count,
                "unexpected_percent": percent,
                "examples": examples,
            },
        )
