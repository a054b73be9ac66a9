"""DQ-008: The team's own expectation suites pass on production data."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


# -- Great Expectations at the floor: its slow paths avoided, its results unchanged --------------------------
# (shared/research/performance_anchors.md; tests/test_data_quality.py compares every result with plain GX)

SINGLE_COLUMN_SAFE = {
    "expect_column_values_to_be_between",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_unique",
}
"""Expectations whose result on an integer or float column does not depend on its width: a column used only
by these may be widened to int64/float64, which takes GX's vectorised path instead of a Python call per row."""
COLUMN_KEYS = ("column", "column_A", "column_B")
COLUMN_SCOPED = ("expect_column_", "expect_multicolumn_", "expect_compound_columns_", "expect_select_column_")
"""Expectation families that read only the columns they name."""


def _configs(suites: Sequence[Any]) -> list[Any]:
    return [e.configuration for suite in suites for e in suite.expectations]


def _named(config: Any) -> list[str]:
    """The columns an expectation names (column, column_A/B, column_list)."""
    kwargs = config.kwargs
    return [str(kwargs[k]) for k in COLUMN_KEYS if k in kwargs] + [str(c) for c in kwargs.get("column_list") or ()]


def needed_columns(suites: Sequence[Any], columns: Sequence[Any]) -> list[Any] | None:
    """The frame's columns the suites read, or None when one may read any (a table-wide expectation, a
    row condition, an expectation readiness does not know the shape of)."""
    needed: set[str] = set()
    for config in _configs(suites):
        if config.kwargs.get("row_condition"):
            return None
        if config.type in ROW_COUNT:
            continue
        if not config.type.startswith(COLUMN_SCOPED) or not _named(config):
            return None
        needed.update(_named(config))
    return [c for c in columns if str(c) in needed]


def _numeric_bound(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def widened(df: Any, suites: Sequence[Any]) -> dict[Any, str]:
    """Columns to widen (name -> dtype): narrow integers (int8/16/32, uint8/16/32) and float32 that only
    SINGLE_COLUMN_SAFE expectations read, with numeric bounds. Their values are the same numbers, so every
    result is the same; GX then compares them in one vectorised pass."""
    uses: dict[str, list[Any]] = {}
    for config in _configs(suites):
        for name in _named(config):
            uses.setdefault(name, []).append(config)
    import numpy as np

    by_name = {str(c): c for c in df.columns}
    out: dict[Any, str] = {}
    for name, configs in uses.items():
        if name not in by_name:
            continue
        dtype = df[by_name[name]].dtype
        if not isinstance(dtype, np.dtype):
            continue  # extension dtypes (nullable Int16, categorical, arrow) keep their own paths
        kind, size = dtype.kind, dtype.itemsize
        target = "int64" if (kind == "i" and size < 8) or (kind == "u" and size <= 4) else None
        target = "float64" if kind == "f" and size < 8 else target
        if target is None:
            continue
        safe = all(
            c.type in SINGLE_COLUMN_SAFE
            and "column" in c.kwargs
            and _numeric_bound(c.kwargs.get("min_value"))
            and _numeric_bound(c.kwargs.get("max_value"))
            for c in configs
        )
        if safe:
            out[by_name[name]] = target
    return out


def gx_frame(df: Any, suites: Sequence[Any]) -> Any:
    """The one copy Great Expectations validates: only the columns the suites read (all of them when one
    may read any), consolidated (GX's column metrics run ~1.7x slower on the reader's split blocks), with
    narrow numeric columns widened where no result depends on it (:func:`widened`)."""
    import pandas as pd

    columns = needed_columns(suites, list(df.columns))
    casts = widened(df, suites)
    names = list(df.columns) if columns is None else columns
    return pd.DataFrame(
        {c: df[c].astype(casts[c]) if c in casts else df[c] for c in names}, index=df.index, columns=names
    )


@contextmanager
def gx_fast_paths() -> Iterator[None]:
    """Two of Great Expectations' costs that change no result, switched off while readiness validates:
    the md5 fingerprint of every batch under 1 GB (a batch marker nothing here reads), and the Python
    scan for Decimal values in mean, sum and standard deviation of columns whose dtype cannot hold one."""
    import great_expectations.execution_engine.pandas_execution_engine as engine
    from great_expectations.expectations.metrics.column_aggregate_metrics import (
        column_mean,
        column_standard_deviation,
        column_sum,
    )

    name = "convert_pandas_series_decimal_to_float_dtype"
    saved: list[tuple[Any, str, Any]] = []
    if hasattr(engine, "HASH_THRESHOLD"):
        saved.append((engine, "HASH_THRESHOLD", engine.HASH_THRESHOLD))
        engine.HASH_THRESHOLD = 0
    for module in (column_mean, column_sum, column_standard_deviation):
        original = getattr(module, name, None)
        if original is None:
            continue

        def typed_only(data: Any, inplace: bool = False, _original: Any = original) -> Any:
            if getattr(data.dtype, "kind", "O") in "iufbmM":  # numbers, booleans, datetimes: never a Decimal
                return None if inplace else data
            return _original(data=data, inplace=inplace)

        saved.append((module, name, original))
        setattr(module, name, typed_only)
    try:
        yield
    finally:
        for module, attr, value in reversed(saved):
            setattr(module, attr, value)


def validate_suites(context: Any, df: Any, suites: Sequence[Any], name: str) -> list[list[Any]]:
    """Each suite's expectation results (SUMMARY), in the suite's own order, on the floor.

    When every expectation reads only the columns it names, the expectations naming the same columns
    share a batch whose frame holds just those columns: Great Expectations filters its whole batch frame
    by each column's nulls for every column metric, so on a wide frame each expectation pays for every
    column. Otherwise (a table-wide expectation, a row condition) one batch holds them all."""
    source = context.data_sources.add_or_update_pandas(name=name)
    asset = source.add_dataframe_asset(name=f"production-{len(source.assets)}")
    definition = asset.add_batch_definition_whole_dataframe("whole")
    with gx_fast_paths():
        if needed_columns(suites, list(df.columns)) is None:
            batch = definition.get_batch(batch_parameters={"dataframe": gx_frame(df, suites)})
            return [_in_order(suite, batch.validate(suite, result_format="SUMMARY").results) for suite in suites]
        groups: dict[tuple[str, ...], list[tuple[int, int, Any]]] = {}
        for si, suite in enumerate(suites):
            for ei, expectation in enumerate(suite.expectations):
                key = tuple(sorted(set(_named(expectation.configuration))))
                groups.setdefault(key, []).append((si, ei, expectation))
        out: list[list[Any]] = [[None] * len(suite.expectations) for suite in suites]
        for members in groups.values():
            group = [_Group([e for _, _, e in members])]
            batch = definition.get_batch(batch_parameters={"dataframe": gx_frame(df, group)})
            for si, ei, expectation in members:
                out[si][ei] = batch.validate(expectation, result_format="SUMMARY")
        return out


def _config_key(config: Any) -> str:
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    return json.dumps([config.type, kwargs], sort_keys=True, default=str)


def _in_order(suite: Any, results: Sequence[Any]) -> list[Any]:
    """A suite's results in the suite's own order (GX returns them in its own)."""
    pending: dict[str, list[Any]] = {}
    for r in results:
        pending.setdefault(_config_key(r.expectation_config), []).append(r)
    try:
        return [pending[_config_key(e.configuration)].pop(0) for e in suite.expectations]
    except (KeyError, IndexError):  # a result GX reshaped: its order, then
        return list(results)


class _Group:
    """Expectations that share a batch (what gx_frame reads of a suite)."""

    def __init__(self, expectations: list[Any]) -> None:
        self.expectations = expectations


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
    share; row-count expectations are judged on the whole table. Expectations that name the same columns share a
    batch holding only those columns, so one that cannot run (a missing column, a type GX cannot compare) is
    reported as such without hiding the results of the others.

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
        validated = validate_suites(context, frame.df, [suite for _, _, suite in suites], f"readiness-{self.id}")
        evaluated, on_table = 0, 0
        for (label, loc, _suite), results in zip(suites, validated, strict=True):
            evaluated += len(results)
            for r in results:
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
