"""A verdict you can trust: each way readiness used to pass (or fail) on evidence it never had, tried
against a real server on 127.0.0.1 (readiness.testing.FakeModel) and real files, with the right status
asserted. Table-driven where the cases share a shape."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from support import NOW, invoke, run_cli

from readiness.api import assess
from readiness.engine import RunOptions
from readiness.manifest import Waiver
from readiness.names import normalise, same_name
from readiness.scoring import valid_waiver
from readiness.testing import FakeModel, refused_url, run_check

BASE = {"apiVersion": "readiness/v1", "model": {"id": "m", "name": "M", "version": "1.0.0"}}


def manifest(tmp_path: Path, **sections) -> Path:
    doc = json.loads(json.dumps(BASE))
    for key, value in sections.items():
        doc[key] = {**doc.get(key, {}), **value} if isinstance(value, dict) and key in doc else value
    path = tmp_path / "readiness.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def write_csv(path: Path, header: list[str], rows: list[list]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path.name


def endpoint(url: str, **extra) -> dict:
    return {"endpoint": {"url": url, "timeout_s": 1, "request_example": {"income": 50000, "age": 40}, **extra}}


LOAD = {
    "service_levels": {
        "latency_ms": {"p50": 200, "p99": 1000},
        "peak_rps": 10,
        "peak_concurrency": 2,
        "max_error_rate": 0.01,
    },
    "load_test": {"duration_s": 1, "warmup_s": 0, "stages": [1.0], "min_samples": 0},
}


# -- the model: answers are typed, and only good ones count ---------------------------------------


@pytest.mark.parametrize(
    "behaviour,check,status,said",
    [
        ("status:400", "DET-001", "fail", "0 of 3 answers were good: 3 client error"),
        ("status:400", "ROB-001", "fail", "valid base input gets no good answer (HTTP 400"),
        ("status:400", "SRV-001", "fail", "answered HTTP 400"),
        ("status:500", "DET-001", "fail", "server error (5xx)"),
        ("no_output", "SRV-001", "fail", "without a numeric score at 'score'"),
        ("no_output", "DET-001", "fail", "without the declared output"),
        ("garbage", "ROB-001", "fail", "body that is not JSON"),
        (
            "uuid",
            "DET-001",
            "pass",
            "agree on the declared score",
        ),  # MLServer's fresh id per answer is not a difference
        ("random", "DET-001", "fail", "different the declared score"),
        ("redirect", "SRV-001", "fail", "does not follow redirects"),
    ],
)
def test_model_answers_are_judged_by_kind(tmp_path, behaviour, check, status, said):
    with FakeModel(behaviour) as fake:
        path = manifest(tmp_path, model={**endpoint(fake.url), "outputs": {"score": "score"}})
        result = run_check(check, path, params={"inputs": 1} if check == "DET-001" else None, now=NOW)
    text = result.summary + " | " + " | ".join(f.message for f in result.findings)
    assert result.status.value == status, text
    assert said in text


def test_a_refused_port_is_not_latency(tmp_path):
    path = manifest(tmp_path, model=endpoint(refused_url()), **LOAD)
    a = assess(path, options=RunOptions(now=NOW, only=("LAT-001", "LAT-005", "DET-001", "SRV-001")))
    got = {o.id: o.result for o in a.outcomes if o.result.status.value != "skipped"}
    assert got["LAT-001"].status.value == "error" and "latency not measured" in got["LAT-001"].summary
    assert "refused" in got["LAT-001"].summary
    assert got["LAT-005"].status.value == "error"
    assert got["DET-001"].status.value == "fail" and "no answer" in got["DET-001"].findings[0].message
    assert got["SRV-001"].status.value == "fail"


def test_a_server_that_answers_400_to_everything_has_no_latency(tmp_path):
    with FakeModel("status:400") as fake:
        path = manifest(tmp_path, model=endpoint(fake.url), **LOAD)
        a = assess(path, options=RunOptions(now=NOW, only=("LAT-001", "LAT-002")))
    got = {o.id: o.result for o in a.outcomes}
    lat = got["LAT-001"]
    assert lat.status.value == "fail", lat.summary
    assert lat.summary.startswith("0 of ") and "latency not measured" in lat.summary
    assert lat.metrics["p50"] is None  # no percentile from error answers
    assert got["LAT-002"].status.value == "fail"


def test_the_load_counts_only_answers_with_the_declared_output(tmp_path):
    with FakeModel("no_output") as fake:
        path = manifest(tmp_path, model={**endpoint(fake.url), "outputs": {"score": "score"}}, **LOAD)
        a = assess(path, options=RunOptions(now=NOW, only=("LAT-001",)))
    lat = a.outcome("LAT-001").result
    assert lat.status.value == "fail" and "malformed" in lat.summary, lat.summary


def test_a_port_already_taken_is_refused_not_assessed(tmp_path):
    with FakeModel() as old:
        path = manifest(
            tmp_path,
            model={
                "endpoint": {"url": f"http://127.0.0.1:{old.port}/predict", "timeout_s": 1},
                "serve": {
                    "command": ["python", "-c", "import time; time.sleep(30)"],
                    "port": old.port,
                    "ready_url": f"http://127.0.0.1:{old.port}/",
                    "ready_timeout_s": 5,
                },
            },
        )
        result = run_check("SRV-001", path, now=NOW)
        assert old.requests == 0  # the old server was never assessed
    assert result.status.value == "error"
    assert f"port {old.port} is already in use by pid" in result.summary


def test_a_server_that_exits_while_another_answers_its_ready_url_is_caught(tmp_path):
    with FakeModel() as other:
        path = manifest(
            tmp_path,
            model={
                "endpoint": {"url": other.url, "timeout_s": 1},
                "serve": {
                    "command": ["python", "-c", "pass"],
                    "ready_url": f"http://127.0.0.1:{other.port}/",
                    "ready_timeout_s": 5,
                },
            },
        )
        result = run_check("SRV-001", path, now=NOW)
    assert result.status.value == "error", result.summary


def test_redirects_are_never_followed_with_credentials(tmp_path):
    with FakeModel() as elsewhere, FakeModel("redirect", redirect_to=elsewhere.url) as fake:
        path = manifest(tmp_path, model=endpoint(fake.url, headers={"Authorization": "Bearer s3cr3t-token"}))
        run_check("SRV-001", path, now=NOW)
        run_check("ROB-001", path, now=NOW)
        assert fake.requests >= 2
        assert elsewhere.requests == 0


def test_threshold_decisions_are_recognised_as_adverse(tmp_path):
    with FakeModel(answer={"score": 0.9, "reason_codes": ["R01"]}) as fake:
        path = manifest(
            tmp_path,
            model={**endpoint(fake.url), "outputs": {"score": "score", "threshold": 0.5, "adverse": ["positive"]}},
            explainability={"response_path": "reason_codes", "reason_code_catalogue": ["R01"]},
        )
        result = run_check("XAI-001", path, params={"require_for": "adverse", "samples": 5}, now=NOW)
    assert result.status.value == "pass", result.findings
    assert result.metrics["needing_reasons"] == 1 and "positive" in result.metrics["by_decision"]


# -- the data: types as declared, coverage stated ----------------------------------------------


def test_text_columns_stay_text_in_data_and_requests(tmp_path):
    write_csv(
        tmp_path / "data" / "prod.csv",
        ["phone", "postcode", "income"],
        [["0791234567", "01234", 50000], ["+41446681800", "08001", 61000], ["0041446681800", "00100", 1]],
    )
    with FakeModel() as fake:
        path = manifest(
            tmp_path,
            model={"endpoint": {"url": fake.url, "timeout_s": 1}},
            data={
                "production": {"path": "data/prod.csv"},
                "columns": {
                    "phone": {"type": "str", "pattern": r"^(\+|0)\d{9,12}$"},
                    "postcode": {"type": "str", "pattern": r"^\d{5}$"},
                    "income": {"type": "int"},
                },
            },
        )
        for check in ("DQ-001", "DQ-003", "SRV-001"):
            result = run_check(check, path, now=NOW)
            assert result.status.value == "pass", (check, result.summary, result.findings)
        sent = fake.bodies[0]
    assert isinstance(sent["phone"], str) and sent["phone"] in {"0791234567", "+41446681800", "0041446681800"}
    assert isinstance(sent["postcode"], str) and len(sent["postcode"]) == 5 and isinstance(sent["income"], int)


@pytest.mark.parametrize(
    "fmt,values,precision,status",
    [
        ("year", [2019, 2020, 2021, 2022], "s", "pass"),
        ("epoch_s", [1761980000, 1761980060, 1761980120], "s", "pass"),
        ("epoch_s", [1761980000, 1761980060], "us", "fail"),  # seconds cannot carry microseconds
        ("epoch_ms", [1761980000123, 1761980000456], "ms", "pass"),
        ("iso8601_space", ["2026-11-01 09:00:00.123456+00:00", "2026-11-01 09:00:01.000001+00:00"], "us", "pass"),
        ("iso8601", ["2026-11-01 09:00:00.123456+00:00"], "us", "fail"),  # the T is required by default
        ("year", ["twenty", 2020], "s", "fail"),
    ],
)
def test_timestamp_formats(tmp_path, fmt, values, precision, status):
    write_csv(tmp_path / "data" / "prod.csv", ["ts", "x"], [[v, i] for i, v in enumerate(values)])
    path = manifest(
        tmp_path,
        data={
            "production": {"path": "data/prod.csv"},
            "columns": {"ts": {"type": "timestamp"}, "x": {"type": "int"}},
            "timestamps": {"column": "ts", "format": fmt, "precision": precision},
        },
    )
    result = run_check("DQ-005", path, now=NOW)
    assert result.status.value == status, (result.summary, [f.message for f in result.findings])
    if fmt != "iso8601" and status == "pass":
        assert run_check("DQ-001", path, now=NOW).status.value == "pass"


def test_as_of_means_the_end_of_that_day(tmp_path):
    write_csv(
        tmp_path / "data" / "prod.csv",
        ["ts"],
        [["2026-11-01T10:00:00.000000+00:00"], ["2026-11-01T23:30:00.000000+00:00"]],
    )
    path = manifest(
        tmp_path, data={"production": {"path": "data/prod.csv"}, "timestamps": {"column": "ts", "precision": "us"}}
    )
    a = assess(path, options=RunOptions(now=NOW, as_of=date(2026, 11, 1), only=("DQ-005",)))
    assert a.outcome("DQ-005").result.status.value == "pass", a.outcome("DQ-005").result.findings
    a = assess(path, options=RunOptions(now=NOW, as_of=date(2026, 10, 31), only=("DQ-005",)))
    assert "not in the future" in a.outcome("DQ-005").result.findings[0].message


def drift_files(tmp_path: Path) -> None:
    n = 400
    ref = [
        [f"C{i:05d}", f"2026-10-{1 + i % 28:02d}T00:00:00Z", i % 100, (i * 7) % 50, "a" if i % 2 else "b"]
        for i in range(n)
    ]
    prod = [
        [f"C{n + i:05d}", f"2026-11-{1 + i % 28:02d}T00:00:00Z", 60 + i % 100, (i * 7) % 50, "a" if i % 2 else "b"]
        for i in range(n)
    ]
    header = ["customer_ref", "seen_at", "shifted", "stable", "category"]
    write_csv(tmp_path / "data" / "ref.csv", header, ref)
    write_csv(tmp_path / "data" / "prod.csv", header, prod)


@pytest.mark.parametrize("columns", [None, {"stable": {"type": "int"}}])
def test_drift_covers_every_shared_column_and_says_what_it_left_out(tmp_path, columns):
    drift_files(tmp_path)
    data = {"production": {"path": "data/prod.csv"}, "reference": {"path": "data/ref.csv"}}
    if columns:
        data["columns"] = columns
    result = run_check("DQ-006", manifest(tmp_path, data=data), now=NOW)
    assert result.status.value == "fail"
    assert any("shifted drifted" in f.message for f in result.findings)  # undeclared, still covered
    assert set(result.metrics["covered"]) == {"shifted", "stable", "category"}
    assert result.metrics["left_out"] == {
        "customer_ref": "unique per row (an identifier)",
        "seen_at": "reads as timestamps",
    }
    if columns:  # DQ-001 names the columns nobody declared
        schema = run_check("DQ-001", manifest(tmp_path, data=data), now=NOW)
        assert schema.metrics["undeclared_columns"] == ["customer_ref", "seen_at", "shifted", "category"]


@pytest.mark.parametrize("kwargs,status", [({"min_value": 500}, "pass"), ({"max_value": 800}, "fail")])
def test_row_count_expectations_judge_the_whole_table(tmp_path, kwargs, status):
    write_csv(tmp_path / "data" / "prod.csv", ["x"], [[i] for i in range(1000)])
    path = manifest(
        tmp_path,
        data={
            "production": {"path": "data/prod.csv", "sample": 100},
            "expectations": [{"type": "expect_table_row_count_to_be_between", "kwargs": kwargs}],
        },
    )
    result = run_check("DQ-008", path, now=NOW)
    assert result.status.value == status, result.findings
    assert result.metrics["rows_in_source"] == 1000
    if status == "fail":
        assert "1000 rows" in result.findings[0].message


def fairness_files(tmp_path: Path) -> None:
    rows = [[30000 + 13 * i, "yes" if i % 3 == 0 else "no", int(i % 5 == 0)] for i in range(600)]
    write_csv(tmp_path / "data" / "eval.csv", ["income", "student", "defaulted"], rows)
    write_csv(tmp_path / "data" / "prod.csv", ["income", "student"], [r[:2] for r in rows[:50]])


def test_a_protected_attribute_the_model_takes_is_sent_and_reported(tmp_path):
    fairness_files(tmp_path)
    with FakeModel(answer={"score": 0.3}) as fake:
        path = manifest(
            tmp_path,
            model={"endpoint": {"url": fake.url, "timeout_s": 2}, "outputs": {"score": "score", "threshold": 0.5}},
            data={"production": {"path": "data/prod.csv"}, "evaluation": {"path": "data/eval.csv"}},
            evaluation={"label": "defaulted"},
            fairness={"protected_attributes": ["student"]},
        )
        result = run_check("FAIR-001", path, now=NOW)
        assert all("student" in b for b in fake.bodies)
        assert all("defaulted" not in b for b in fake.bodies)
    assert any("receives 'student' directly" in f.message for f in result.findings), result.findings
    assert not any("Collect more" in (f.remediation or "") for f in result.findings)


def test_unanswered_rows_say_why(tmp_path):
    fairness_files(tmp_path)
    with FakeModel("status:500") as fake:
        path = manifest(
            tmp_path,
            model={"endpoint": {"url": fake.url, "timeout_s": 2}, "outputs": {"score": "score"}},
            data={"production": {"path": "data/prod.csv"}, "evaluation": {"path": "data/eval.csv"}},
            evaluation={"label": "defaulted", "metrics": {"auc": {"min": 0.6}}},
            fairness={"protected_attributes": ["student"]},
        )
        quality = run_check("EVAL-001", path, now=NOW)
        fairness = run_check("FAIR-001", path, now=NOW)
    assert "600 of 600 rows" in quality.findings[0].message and "HTTP 500" in quality.findings[0].message
    assert fairness.status.value == "fail" and "HTTP 500" in fairness.findings[0].message


# -- scoring: no escape by omission or typography -----------------------------------------------


@pytest.mark.parametrize(
    "a,b",
    [
        ("Marta  Keller", "marta keller"),
        ("Marta\u00a0Keller", "MARTA KELLER"),
        ("Ｍａｒｔａ Keller", "Marta Keller"),
        (" marta\tkeller ", "Marta Keller"),
        ("marta.keller@bank.example", "Marta Keller"),
    ],
)
def test_one_name_normaliser(a, b):
    assert same_name(a, b)
    waiver = Waiver(
        check="DQ-002", reason="known gap, fixed next sprint", requested_by=a, approved_by=b, expires=date(2027, 1, 1)
    )
    assert valid_waiver(waiver, date(2026, 11, 22)) == "approved by the person who requested it"


def test_different_people_stay_different():
    assert not same_name("Marta Keller", "Martin Keller") and normalise("Jonas  Weber") == "jonas weber"


def test_one_person_twice_is_not_a_rotation(tmp_path):
    path = manifest(tmp_path, owners={"on_call": {"rotation": "pd:x", "members": ["Marta Keller", "marta  keller"]}})
    result = run_check("OWN-002", path, now=NOW)
    assert result.status.value != "pass" and "1 member(s)" in result.findings[0].message


PROFILE = """
name: strict
extends: default
pass_score: 0
select: [OWN-001, DQ-001, LAT-003]
require_blocking: true
checks:
  OWN-001: {blocking: true}
  LAT-003: {blocking: true}
"""

OWNER = {"production_owner": {"name": "Marta Keller", "email": "marta.keller@bank.example"}}


@pytest.mark.parametrize(
    "attested,reason",
    [
        ({}, "attestation stale (no attested_on date)"),
        ({"attested_by": "Marta Keller", "attested_on": "2027-03-01"}, "attestation dated in the future"),
        ({"attested_by": "Marta Keller", "attested_on": "2024-01-01"}, "attestation stale (1056 days old"),
    ],
)
def test_a_stale_blocking_attestation_is_a_blocking_gap(tmp_path, attested, reason):
    (tmp_path / "strict.yaml").write_text(PROFILE)
    path = manifest(tmp_path, owners={**OWNER, **attested})
    a = assess(path, str(tmp_path / "strict.yaml"), options=RunOptions(now=NOW, only=("OWN-001",)))
    assert a.verdict.value == "not_ready"
    assert "OWN-001" in a.blocking_gaps
    assert any(r.startswith(f"blocking check OWN-001: {reason}") for r in a.reasons), a.reasons


def test_required_checks_cannot_be_escaped_by_omission(tmp_path):
    (tmp_path / "strict.yaml").write_text(PROFILE)
    write_csv(tmp_path / "p.csv", ["x"], [[1], [2]])
    with FakeModel() as fake:
        path = manifest(
            tmp_path,
            model=endpoint(fake.url),
            data={"production": {"path": "p.csv"}},
            load_test={"stages": [1.0], "min_samples": 0},
        )
        a = assess(path, str(tmp_path / "strict.yaml"), options=RunOptions(now=NOW, only=("DQ-001", "LAT-003")))
    for check, needs in (("DQ-001", "data.columns"), ("LAT-003", "a load_test stage above 1.0")):
        o = a.outcome(check)
        assert o.status.value == "fail" and o.result.summary.startswith("Not shown"), o.result.summary
        assert o.result.findings[0].expected == needs and check in a.blocking_gaps
    # without the profile's requirement, the same omission is only not applicable
    plain = assess(path, options=RunOptions(now=NOW, only=("DQ-001",)))
    assert plain.outcome("DQ-001").status.value == "not_applicable"


def test_a_waiver_for_an_unknown_check_is_a_manifest_error(tmp_path):
    path = manifest(
        tmp_path,
        waivers=[
            {
                "check": "DQ-999",
                "reason": "a typo in the check id",
                "requested_by": "Marta Keller",
                "approved_by": "Jonas Weber",
                "expires": "2027-01-01",
            }
        ],
    )
    run = invoke("validate", str(path))
    assert run.code == 2, run.err
    assert "readiness.yaml:" in run.err and "waivers[0].check" in run.err and "DQ-999" in run.err
    assert "Traceback" not in run.err


def test_bundled_levels_agree_with_the_pass_score():
    from importlib import resources

    from readiness.profile import load_profile

    for entry in resources.files("readiness.profiles").iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        p = load_profile(entry.name.removesuffix(".yaml"))
        levels = {lv.name: lv.min_score for lv in p.levels}
        if p.target_level:  # READY under a tier profile means its level's score bar is met too
            assert levels[p.target_level] <= p.pass_score, p.name
        else:
            assert p.pass_score in levels.values(), p.name
        if p.regime or p.name in {"tier-production", "tier-critical"}:
            assert p.require_blocking and p.requires_live_model, p.name


# -- personal data never leaves through evidence -------------------------------------------------

PHONES = [f"+4179{5550000 + 37 * i}" for i in range(30)]


@pytest.mark.slow
def test_personal_values_never_reach_any_output(tmp_path):
    write_csv(
        tmp_path / "data" / "prod.csv",
        ["phone", "income", "age"],
        [[p, 40000 + 1000 * i, 30 + i] for i, p in enumerate(PHONES)],
    )
    out = tmp_path / "out"
    with FakeModel("random", answer={"score": 0.5}) as noisy, FakeModel("fragile", needs=("phone",)) as fragile:
        for fake, only in ((noisy, "XAI-001,XAI-003,DET-001,DQ-003"), (fragile, "ROB-001")):
            path = manifest(
                tmp_path,
                model={"endpoint": {"url": fake.url, "timeout_s": 1}, "outputs": {"score": "score"}},
                data={
                    "production": {"path": "data/prod.csv"},
                    "columns": {"phone": {"type": "str", "personal": True, "pattern": r"^0\d+$"}},
                },
                explainability={"response_path": "reason_codes"},
            )
            run = run_cli(
                "assess",
                str(path),
                "--only",
                only,
                "--format",
                "all",
                "--output",
                str(out / only),
                "--no-history",
                "--as-of",
                "2026-11-22",
            )
            assert run.code == 1, run.err
            texts = [run.out, run.err]
            for f in (out / only).iterdir():
                if f.suffix == ".pdf":
                    from pypdf import PdfReader

                    texts.append(" ".join(page.extract_text() for page in PdfReader(f).pages))
                else:
                    texts.append(f.read_text(encoding="utf-8"))
            assessment = json.loads((out / only / "assessment.json").read_text())
            failing = {o["id"] for o in assessment["outcomes"] if o["result"]["status"] == "fail"}
            assert failing == set(only.split(",")), failing
            for phone in PHONES:
                for text in texts:
                    assert phone not in text and phone[1:] not in text, (only, phone)


@pytest.mark.parametrize("profile,status,blocking", [("default", "not_applicable", False), ("finma", "fail", True)])
def test_predictions_only_has_a_defined_verdict(profile, status, blocking):
    from support import EXAMPLES

    live = ("SRV-001", "LAT-001", "DET-001", "ROB-001")
    a = assess(EXAMPLES / "vendor-scorecard" / "readiness.yaml", profile, options=RunOptions(now=NOW, only=live))
    for check in live:
        o = a.outcome(check)
        assert o.status.value == status, (check, o.result.summary)
        assert (check in a.blocking_gaps) is blocking
        assert "live model" in o.result.summary and "measured" not in o.result.summary.replace("not measured", "")
    assert (a.verdict.value == "not_ready") or not blocking


def test_the_scrubber_removes_identifiers_but_leaves_categories(tmp_path):
    from readiness import privacy
    from readiness.manifest import load_manifest

    rows = [[f"+4179{5550000 + i}", "female" if i % 2 else "male", 30 + i % 40] for i in range(300)]
    write_csv(tmp_path / "data" / "prod.csv", ["phone", "sex", "age"], rows)
    path = manifest(
        tmp_path,
        data={
            "production": {"path": "data/prod.csv"},
            "personal_data_columns": ["sex"],
            "columns": {"phone": {"type": "str", "personal": True}},
        },
    )
    scrub = privacy.scrubber(load_manifest(path))
    text = scrub.text("group female at 45%; example +41795550007 called, +41795550299 too")
    assert "female" in text  # 150 rows share it: a category the fairness table may name
    assert "+41795550007" not in text and "+41795550299" not in text and "+**********7" in text
    row = {"phone": "+41795550007", "sex": "female", "age": 40}
    assert privacy.masked(row, privacy.personal_columns(load_manifest(path).manifest)) == {
        "phone": "+**********7",
        "sex": "f****e",
        "age": 40,
    }  # in example inputs, both are masked


def test_drift_leaves_native_timestamps_out_and_says_so(tmp_path):
    import pandas as pd

    (tmp_path / "data").mkdir(exist_ok=True)
    for name, start, shift in (("ref", "2026-10-01", 0), ("prod", "2026-11-01", 60)):
        pd.DataFrame(
            {
                "seen_at": pd.date_range(start, periods=400, freq="min").astype("datetime64[us]"),
                "shifted": [shift + i % 100 for i in range(400)],
            }
        ).to_parquet(tmp_path / "data" / f"{name}.parquet")
    data = {"production": {"path": "data/prod.parquet"}, "reference": {"path": "data/ref.parquet"}}
    result = run_check("DQ-006", manifest(tmp_path, data=data), now=NOW)
    assert result.metrics["covered"] == ["shifted"] and result.status.value == "fail"
    assert "timestamps" in result.metrics["left_out"]["seen_at"]
