"""Data quality with real files, a real SQLite file, a real PostgreSQL server and real Great Expectations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from postgres import Postgres
from support import EXAMPLES, NOW, run_cli

from readiness.api import assess
from readiness.engine import RunOptions
from readiness.resources import free_port

DQ = ("DQ-001", "DQ-002", "DQ-003", "DQ-004", "DQ-005", "DQ-006", "DQ-007", "DQ-008")


def results(path: Path, only=DQ, now=NOW) -> dict:
    a = assess(path, options=RunOptions(now=now, only=only))
    return {o.id: o for o in a.outcomes if o.id in only}


@pytest.mark.slow
@pytest.mark.e2e
def test_credit_risk_defects_are_found_with_evidence():
    got = results(EXAMPLES / "credit-risk" / "readiness.yaml")
    dq2 = got["DQ-002"].result
    assert dq2.status.value == "fail" and dq2.metrics["null_rate"] == {"employment_years": 0.08}
    assert dq2.findings[0].location.column == "employment_years"
    dq3 = got["DQ-003"].result
    f = dq3.findings[0]
    assert f.location.column == "age" and f.evidence["unexpected_count"] == 5
    assert sorted(f.evidence["examples"]) == ["0", "150"]
    dq6 = got["DQ-006"].result
    assert dq6.metrics["psi"]["income"] > 0.25
    assert all(v < 0.1 for k, v in dq6.metrics["psi"].items() if k != "income")
    assert got["DQ-001"].result.status.value == "pass" and got["DQ-008"].result.status.value == "pass"
    assert {o.id for o in got.values() if o.waived} == {"DQ-002", "DQ-003", "DQ-006"}


def test_market_surveillance_timestamp_defects_and_the_exported_suite():
    from datetime import UTC, datetime

    got = results(EXAMPLES / "market-surveillance" / "readiness.yaml", now=datetime(2026, 11, 21, tzinfo=UTC))
    ts = {f.evidence["rule"]: f.evidence for f in got["DQ-005"].result.findings}
    assert set(ts) == {"us precision", "UTC offset", "order within symbol"}
    assert 0.010 <= ts["us precision"]["unexpected_percent"] / 100 <= 0.020
    assert all(e.count(":") == 3 and len(e.split(".")[1].split("+")[0]) == 3 for e in ts["us precision"]["examples"])
    assert all(e.endswith("+01:00") for e in ts["UTC offset"]["examples"])
    assert 0.004 <= ts["order within symbol"]["unexpected_percent"] / 100 <= 0.015
    suite = got["DQ-008"].result
    assert suite.status.value == "fail" and suite.metrics["evaluated"] == 5
    assert [f.evidence["examples"] for f in suite.findings] == [["AQEU"]]
    assert got["DQ-007"].result.status.value == "pass"


def write_case(tmp_path: Path, df: pd.DataFrame, data: dict, fmt: str = "csv") -> Path:
    target = tmp_path / f"prod.{fmt}"
    if fmt == "csv":
        df.to_csv(target, index=False)
    elif fmt == "parquet":
        df.to_parquet(target, index=False)
    else:
        df.to_json(target, orient="records", lines=True)
    manifest = {
        "model": {"id": "m", "name": "M", "version": "1.0.0"},
        "data": {"production": {"path": target.name}, **data},
    }
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False))
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_file_formats_and_personal_data_masking(tmp_path, fmt):
    df = pd.DataFrame(
        {"phone": ["+91 98765 43210", "+41 44 668 18 00", "0041446681800", "12345"], "amount": [10.0, 20.0, None, 40.0]}
    )
    path = write_case(
        tmp_path,
        df,
        {
            "columns": {
                "phone": {"type": "str", "pattern": r"\+[1-9][0-9 ]{6,17}", "personal": True},
                "amount": {"type": "float", "max_null_rate": 0.1},
            }
        },
        fmt,
    )
    got = results(path, ("DQ-001", "DQ-002", "DQ-003"))
    assert got["DQ-001"].result.status.value == "pass"
    assert got["DQ-002"].result.findings[0].message == "amount is 25.0% null."  # one decimal, as every share
    bad = got["DQ-003"].result.findings[0]
    assert bad.evidence["unexpected_count"] == 2
    assert bad.evidence["examples"] == ["0***********0", "1***5"]  # masked: personal data
    text = json.dumps([o.result.model_dump(mode="json") for o in got.values()])
    assert "0041446681800" not in text and "12345" not in text


def test_sampling_reads_only_the_first_rows_and_says_so(tmp_path):
    df = pd.DataFrame({"x": range(1000)})
    path = write_case(tmp_path, df, {"columns": {"x": {"type": "int"}}})
    text = path.read_text().replace("path: prod.csv", "path: prod.csv\n    sample: 100")
    path.write_text(text)
    res = results(path, ("DQ-001",))["DQ-001"].result
    assert res.metrics["rows"] == 100 and res.metrics["sampled"] is True
    assert "sampled" in res.summary


def test_uniqueness_and_schema_gaps(tmp_path):
    df = pd.DataFrame({"id": [1, 2, 2, 3], "amount": ["a", "b", "c", "d"]})
    path = write_case(
        tmp_path,
        df,
        {
            "keys": ["id"],
            "columns": {
                "id": {"type": "int", "unique": True},
                "amount": {"type": "float"},
                "missing": {"type": "str", "required": True},
            },
        },
    )
    got = results(path, ("DQ-001", "DQ-004"))
    messages = [f.message for f in got["DQ-001"].result.findings]
    assert "Column missing is missing from prod.csv." in messages
    assert any("amount is" in m and "declared float" in m for m in messages)
    dup = got["DQ-004"].result.findings[0]
    assert dup.evidence["unexpected_count"] == 2 and dup.evidence["examples"] == ["2"]


def test_drift_on_a_categorical_feature_and_unseen_categories(tmp_path):
    ref = pd.DataFrame({"country": ["CH"] * 80 + ["DE"] * 20})
    ref.to_csv(tmp_path / "ref.csv", index=False)
    df = pd.DataFrame({"country": ["CH"] * 30 + ["DE"] * 50 + ["IN"] * 20})
    path = write_case(tmp_path, df, {"reference": {"path": "ref.csv"}})
    res = results(path, ("DQ-006",))["DQ-006"].result
    assert res.status.value == "fail" and res.metrics["psi"]["country"] > 0.25
    assert any(
        "categories the reference never had" in f.message and f.evidence["unseen"] == ["IN"] for f in res.findings
    )


def test_a_malformed_csv_is_a_located_failure_not_a_crash(tmp_path):
    (tmp_path / "prod.csv").write_text('a,b\n1,2\n3,"unterminated\n')
    path = tmp_path / "m.yaml"
    path.write_text(
        "model: {id: m, name: M, version: '1'}\ndata:\n  production: {path: prod.csv}\n  columns: {a: {type: int}}\n"
    )
    got = results(path, ("DQ-001", "DQ-002"))
    for o in got.values():
        assert o.status.value == "fail"
        assert o.result.findings[0].message.startswith("prod.csv: cannot read")


def test_unknown_expectation_type_and_missing_column_are_reported(tmp_path):
    df = pd.DataFrame({"a": [1, 2, 3]})
    path = write_case(
        tmp_path,
        df,
        {
            "expectations": [
                {"type": "expect_column_values_to_be_fabulous", "kwargs": {"column": "a"}},
                {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "nope"}},
                {"type": "expect_column_values_to_be_between", "kwargs": {"column": "a", "min_value": 2}},
            ]
        },
    )
    res = results(path, ("DQ-008",))["DQ-008"].result
    messages = [f.message for f in res.findings]
    assert any(m.startswith("expect_column_values_to_be_fabulous") for m in messages)
    assert any("could not run" in m and "nope" in m for m in messages)
    assert any("expect_column_values_to_be_between on a fails: 1 unexpected" in m for m in messages)


@pytest.mark.slow
def test_great_expectations_leaves_no_trace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    df = pd.DataFrame({"a": [1, 2, 3]})
    path = write_case(tmp_path, df, {"expectations": [{"type": "expect_column_to_exist", "kwargs": {"column": "a"}}]})
    r = run_cli(
        "assess", str(path), "--only", "DQ-008", "--no-history", "-f", "json", "-o", str(tmp_path / "o"), cwd=tmp_path
    )
    assert "Calculating Metrics" not in r.err
    assert not (tmp_path / "gx").exists() and not list(tmp_path.rglob("great_expectations.yml"))
    a = json.loads((tmp_path / "o" / "assessment.json").read_text())
    assert next(o for o in a["outcomes"] if o["id"] == "DQ-008")["result"]["status"] == "pass"


def test_a_0x_suite_is_refused_with_the_reason(tmp_path):
    (tmp_path / "old.json").write_text(
        json.dumps(
            {
                "expectation_suite_name": "x",
                "expectations": [{"expectation_type": "expect_column_to_exist", "kwargs": {"column": "a"}}],
            }
        )
    )
    path = write_case(tmp_path, pd.DataFrame({"a": [1]}), {"expectation_suites": ["old.json"]})
    res = results(path, ("DQ-008",))["DQ-008"].result
    assert "0.x suite" in res.findings[0].message


def test_sqlite_table_and_query_read_only(tmp_path):
    import sqlite3

    db = tmp_path / "features.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE features (id INTEGER, amount REAL, note TEXT)")
        rows = [(i, i * 1.5, "x") for i in range(50)] + [(7, -1.0, "y")]
        con.executemany("INSERT INTO features VALUES (?, ?, ?)", rows)
    before = (db.stat().st_mtime_ns, db.read_bytes())
    for source in (
        {"url": f"sqlite:///{db}", "table": "features"},
        {"url": f"sqlite:///{db}", "query": "SELECT id, amount FROM features WHERE id < 100"},
    ):
        manifest = {
            "model": {"id": "m", "name": "M", "version": "1"},
            "data": {
                "production": source,
                "keys": ["id"],
                "columns": {"id": {"type": "int"}, "amount": {"type": "float", "min": 0}},
            },
        }
        path = tmp_path / "m.yaml"
        path.write_text(yaml.safe_dump(manifest))
        got = results(path, ("DQ-001", "DQ-003", "DQ-004"))
        assert got["DQ-001"].result.status.value == "pass"
        assert got["DQ-003"].result.findings[0].evidence["examples"] == ["-1.0"]
        assert got["DQ-004"].result.findings[0].evidence["examples"] == ["7"]
    assert (db.stat().st_mtime_ns, db.read_bytes()) == before


def test_unreachable_database_names_the_source_without_the_password(tmp_path):
    manifest = {
        "model": {"id": "m", "name": "M", "version": "1"},
        "data": {
            "production": {
                "url": f"postgresql+psycopg2://reader:${{DB_PASSWORD}}@127.0.0.1:{free_port()}/prod",
                "table": "features",
            },
            "columns": {"id": {"type": "int"}},
        },
    }
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(manifest))
    os.environ["DB_PASSWORD"] = "hunter2-secret"
    try:
        res = results(path, ("DQ-001",))["DQ-001"].result
    finally:
        del os.environ["DB_PASSWORD"]
    assert res.status.value == "fail"
    message = res.findings[0].message
    assert "postgresql+psycopg2://127.0.0.1/prod features" in message and "cannot connect" in message
    assert "hunter2" not in json.dumps(res.model_dump(mode="json"))


@pytest.fixture(scope="module")
def postgres_url():
    server = Postgres(free_port())
    url = server.start()
    yield url
    server.stop()


def test_postgresql_table_against_a_real_server(postgres_url, tmp_path):
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    with engine.begin() as con:
        con.execute(sa.text("CREATE TABLE orders (order_id TEXT, price DOUBLE PRECISION, venue TEXT)"))
        con.execute(sa.text("INSERT INTO orders VALUES ('A1', 10.5, 'XSWX'), ('A2', -3, 'XSWX'), ('A2', 7, 'AQEU')"))
    engine.dispose()
    manifest = {
        "model": {"id": "m", "name": "M", "version": "1"},
        "data": {
            "production": {"url": postgres_url, "table": "orders"},
            "keys": ["order_id"],
            "columns": {
                "order_id": {"type": "str"},
                "price": {"type": "float", "min": 0},
                "venue": {"type": "category", "allowed": ["XSWX"]},
            },
            "expectations": [
                {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "venue", "value_set": ["XSWX"]}}
            ],
        },
    }
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(manifest))
    got = results(path, ("DQ-001", "DQ-003", "DQ-004", "DQ-008"))
    assert got["DQ-001"].result.status.value == "pass"
    assert {f.evidence["rule"] for f in got["DQ-003"].result.findings} == {"range", "allowed set"}
    assert got["DQ-004"].result.findings[0].evidence["examples"] == ["A2"]
    assert got["DQ-008"].result.findings[0].evidence["examples"] == ["AQEU"]


SPARK_RUN = """
import json, sys
from datetime import datetime, timezone
from readiness.api import assess
from readiness.engine import RunOptions
out = {}
for path in sys.argv[1:]:
    a = assess(path, options=RunOptions(now=datetime(2026, 11, 22, tzinfo=timezone.utc),
                                        only=("DQ-001", "DQ-003", "DQ-004")))
    out[path] = {o.id: o.result.model_dump(mode="json") for o in a.outcomes}
print(json.dumps(out))
"""


@pytest.mark.slow
def test_a_local_spark_session_reads_prunes_and_samples(tmp_path):
    df = pd.DataFrame({"id": [1, 2, 2, 4, 5, 6], "amount": [1.0, -2.0, 3.0, 4.0, 5.0, 6.0], "unused": list("abcdef")})
    paths = []
    for fmt in ("parquet", "csv"):
        folder = tmp_path / fmt
        folder.mkdir()
        path = write_case(
            folder, df, {"keys": ["id"], "columns": {"id": {"type": "int"}, "amount": {"type": "float", "min": 0}}}, fmt
        )
        text = path.read_text().replace(f"path: prod.{fmt}", f"path: prod.{fmt}\n    engine: spark\n    sample: 5")
        path.write_text(text)
        paths.append(str(path))
    # both formats in one subprocess (one JVM start), which ends Spark's JVM with it
    proc = subprocess.run([sys.executable, "-c", SPARK_RUN, *paths], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for path in paths:
        got = results[path]
        assert got["DQ-001"]["status"] == "pass", (path, got["DQ-001"])
        assert got["DQ-001"]["metrics"]["rows"] == 5 and got["DQ-001"]["metrics"]["sampled"] is True
        assert got["DQ-003"]["findings"][0]["evidence"]["examples"] == ["-2.0"]
        assert got["DQ-004"]["findings"][0]["evidence"]["examples"] == ["2"]


def _hostile_frame():
    """Every dtype Great Expectations treats differently, with values on the bounds, nulls, Decimals."""
    from decimal import Decimal

    import numpy as np
    import pandas as pd

    n = 40  # small: GX walks the interpreter's stack for every Decimal it converts (0.02-0.08 s each)
    rng = np.random.default_rng(7)
    f32 = rng.uniform(0, 0.2, n).astype("float32")
    f32[:3] = np.float32(0.1)  # float32's 0.1 is above the float 0.1 bound: the edge a wrong cast would move
    f32[5] = np.nan
    return pd.DataFrame(
        {
            "age": np.array([17, 18, 90, 91] + [40] * (n - 4), dtype="int16"),
            "n": rng.integers(0, 50, n).astype("int32"),
            "u": rng.integers(0, 255, n).astype("uint8"),
            "f": f32,
            "g": rng.normal(0.5, 0.1, n).astype("float32"),
            "dec": [Decimal("0.5") + Decimal(i % 7) / 100 for i in range(n)],
            "ts": pd.to_datetime(rng.integers(1_600_000_000, 1_700_000_000, n), unit="s").astype("datetime64[us]"),
            "country": pd.Categorical(rng.choice(["CH", "IN", "AE", "XX"], n)),
            "a": rng.integers(10, 20, n),
            "b": rng.integers(0, 12, n),
            "unused": rng.normal(size=n),
        }
    )


HOSTILE_SUITE = [
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "age", "min_value": 18, "max_value": 90}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "n", "min_value": 1, "mostly": 0.9}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "u", "max_value": 200, "strict_max": True}},
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "f", "min_value": 0, "max_value": 0.1}},
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "f"}},
    {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "n"}},
    {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "g", "min_value": 0.45, "max_value": 0.55}},
    {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "dec", "min_value": 0.5, "max_value": 0.52}},
    {"type": "expect_column_stdev_to_be_between", "kwargs": {"column": "g", "min_value": 0.0, "max_value": 0.05}},
    {"type": "expect_column_sum_to_be_between", "kwargs": {"column": "u", "min_value": 0}},
    {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "ts", "min_value": "2021-01-01", "max_value": "2023-06-30"},
    },
    {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "country", "value_set": ["CH", "IN", "AE"]}},
    {"type": "expect_column_pair_values_a_to_be_greater_than_b", "kwargs": {"column_A": "a", "column_B": "b"}},
    {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1, "max_value": 1000}},
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "no_such_column"}},
]


BROKEN = {"ts", "no_such_column"}
"""Columns of the hostile suite's expectations that raise inside GX (a Timestamp against a date; no column)."""


@pytest.mark.parametrize("table_wide", [False, True], ids=["named-columns", "table-wide"])
def test_great_expectations_on_the_floor_gives_every_result_plain_gx_gives(table_wide):
    """DQ-008's fast paths (no fingerprint, no Decimal scan on typed columns, narrow numbers widened, only
    the named columns copied, one batch per set of named columns) change no result: each expectation's
    result equals plain GX's, byte for byte, failures and unexpected values included. One difference is
    deliberate: in one suite, GX lets an expectation that raises spill its error into the results of others
    resolved with it; validated by column set, the broken expectations report their own errors and every
    other one the result GX gives without them."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
    from readiness.checks.data import dq_008_expectations as dq8

    df = _hostile_frame()
    raw = HOSTILE_SUITE + (
        [{"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": list(df.columns)}}]
        if table_wide
        else []
    )

    def suite(expectations):
        return gx.ExpectationSuite(
            name="s", expectations=[ExpectationConfiguration(**e).to_domain_obj() for e in expectations]
        )

    def key(r) -> str:
        return json.dumps(r.expectation_config.to_json_dict(), sort_keys=True, default=str)

    def as_json(results) -> dict[str, str]:  # GX orders a suite's results its own way: matched by expectation
        return {key(r): json.dumps(r.to_json_dict(), sort_keys=True, default=str) for r in results}

    def plain(expectations) -> dict[str, str]:
        context = dq8._new_gx_context()  # the same names as readiness's batch: the same batch and metric ids
        source = context.data_sources.add_pandas("floor")
        batch = (
            source.add_dataframe_asset("production-0")
            .add_batch_definition_whole_dataframe("whole")
            .get_batch(batch_parameters={"dataframe": df})
        )
        return as_json(batch.validate(suite(expectations), result_format="SUMMARY").results)

    (results,) = dq8.validate_suites(dq8._new_gx_context(), df, [suite(raw)], "floor")
    got = as_json(results)
    assert len(got) == len(raw) and [r.expectation_config.type for r in results] == [e["type"] for e in raw]
    if table_wide:  # one batch for the suite: GX's own results, broken ones included
        assert got == plain(raw)
    else:
        clean = plain([e for e in raw if e["kwargs"].get("column") not in BROKEN])
        for k, v in clean.items():
            assert got[k] == v
        broken = [r for r in results if key(r) not in clean]
        assert len(broken) == 2 and all(dq8.errors_of(r) and not r.success for r in broken)
    # and the fast paths were taken: the narrow numbers GX would walk row by row are widened, the column
    # used by a mean keeps its width, and only the named columns are copied unless one expectation reads all
    frame = dq8.gx_frame(df, [suite(raw)])
    assert {c: str(frame[c].dtype) for c in ("age", "n", "u", "f", "g")} == {
        "age": "int64",
        "n": "int64",
        "u": "uint8",
        "f": "float64",
        "g": "float32",  # u: a sum reads it too
    }
    assert ("unused" in frame.columns) is table_wide
    statuses = [r.success for r in results]
    assert statuses.count(False) >= 6  # the bounds bite: age, f's float32 0.1, country, the pair, the broken


def test_an_expectation_that_cannot_run_hides_no_other_result(tmp_path):
    """In one GX suite, an expectation whose metric raises (a timestamp column against date bounds) can
    spill its error into the results of others resolved with it; DQ-008 reports it alone as unable to run,
    and every other expectation with its own result."""
    df = pd.DataFrame(
        {
            "a": [1, 2, 3, 4],
            "b": [5, 6, 7, 8],
            "ts": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]).astype("datetime64[us]"),
        }
    )
    path = write_case(
        tmp_path,
        df,
        {
            "expectations": [
                {"type": "expect_column_values_to_be_between", "kwargs": {"column": "a", "min_value": 2}},
                {"type": "expect_column_values_to_be_between", "kwargs": {"column": "ts", "min_value": "2026-01-15"}},
                {"type": "expect_column_values_to_be_between", "kwargs": {"column": "b", "max_value": 7}},
            ]
        },
        fmt="parquet",
    )
    res = results(path, ("DQ-008",))["DQ-008"].result
    messages = [f.message for f in res.findings]
    assert len(messages) == 3, messages
    assert messages[0] == "expect_column_values_to_be_between on a fails: 1 unexpected (25.00%)"
    assert "could not run" in messages[1]
    assert messages[2] == "expect_column_values_to_be_between on b fails: 1 unexpected (25.00%)"
