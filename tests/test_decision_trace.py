"""AUD-003, the decision-trace probe, against real servers on 127.0.0.1 that write their own decision store
(JSON Lines, SQLite, an HTTP lookup, a real PostgreSQL), well and in the ways logs go wrong."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from postgres import Postgres, binaries
from support import EXAMPLES, invoke

from readiness.resources import free_port
from readiness.testing import run_check


class LoggingModel:
    """A model server that logs each decision as it answers, with a chosen defect."""

    def __init__(self, folder: Path, defect: str = "", store: str = "jsonl", pg_url: str | None = None) -> None:
        self.folder, self.defect, self.store, self.count = folder, defect, store, 0
        self.records: dict[str, dict] = {}
        self.lock = threading.Lock()
        if store == "jsonl":
            (folder / "decisions.jsonl").touch()  # the store exists before the first decision
        if store == "sqlite":
            with sqlite3.connect(folder / "decisions.db") as con:
                con.execute(
                    "CREATE TABLE decisions (request_id TEXT, timestamp TEXT, model_version TEXT, decision TEXT, "
                    "score REAL, reasons TEXT, inputs TEXT)"
                )
        self.engine = None
        if store == "postgres":
            import sqlalchemy as sa

            self.engine = sa.create_engine(pg_url)
            with self.engine.begin() as con:
                con.execute(sa.text("DROP TABLE IF EXISTS decisions"))
                con.execute(
                    sa.text(
                        "CREATE TABLE decisions (request_id TEXT, timestamp TEXT, model_version TEXT, "
                        "decision TEXT, score DOUBLE PRECISION, reasons TEXT, inputs TEXT)"
                    )
                )
        model = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                key = self.path.rsplit("/", 1)[-1]
                record = model.records.get(key)
                body = json.dumps(record or {"error": "not found"}).encode()
                self.send_response(200 if record else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                row = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                score = round(float(row.get("x", 0)) / 10, 6)
                out = {
                    "score": score,
                    "decision": "decline" if score > 0.5 else "approve",
                    "reasons": ["R1", "R2"],
                    "model_version": "2.0.0",
                }
                model.log(self.headers, row, out)
                body = json.dumps(out).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LoggingModel:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.engine is not None:
            self.engine.dispose()

    def log(self, headers, row: dict, out: dict) -> None:
        with self.lock:
            self.count += 1
            n = self.count
        now = datetime.now(UTC)
        record = {
            "request_id": headers.get("X-Request-ID"),
            "timestamp": now.isoformat(timespec="microseconds"),
            "model_version": out["model_version"],
            "decision": out["decision"],
            "score": out["score"],
            "reasons": out["reasons"],
            "inputs": row,
        }
        if self.defect == "drops reasons under load" and n % 3 == 0:
            record["reasons"] = []
        if self.defect == "no request id":
            record["request_id"] = None
        if self.defect == "old version":
            record["model_version"] = "1.9.0"
        if self.defect == "seconds":
            record["timestamp"] = now.isoformat(timespec="seconds")
        if self.defect == "local time":
            record["timestamp"] = now.replace(tzinfo=None).isoformat(timespec="microseconds")
        if self.defect == "rounded score":
            record["score"] = round(out["score"], 1) + 0.01
        if self.defect == "late":  # written after the allowed lag (max_lag_s: 1)
            timer = threading.Timer(1.5, self._write, (record,))
            timer.daemon = True
            timer.start()
            return
        self._write(record)

    def _write(self, record: dict) -> None:
        with self.lock:
            if record["request_id"]:
                self.records[record["request_id"]] = record
            if self.store == "jsonl":
                with open(self.folder / "decisions.jsonl", "a") as fh:
                    fh.write(json.dumps(record) + "\n")
            elif self.store in {"sqlite", "postgres"}:
                values = {**record, "reasons": json.dumps(record["reasons"]), "inputs": json.dumps(record["inputs"])}
                sql = (
                    "INSERT INTO decisions VALUES (:request_id, :timestamp, :model_version, :decision, :score, "
                    ":reasons, :inputs)"
                )
                if self.store == "sqlite":
                    with sqlite3.connect(self.folder / "decisions.db") as con:
                        con.execute(sql, values)
                else:
                    import sqlalchemy as sa

                    with self.engine.begin() as con:
                        con.execute(sa.text(sql), values)


STORES = {
    "jsonl": {"path": "decisions.jsonl"},
    "sqlite": {"path": "decisions.db", "table": "decisions"},
}


def manifest(url: str, store: dict, **trace) -> dict:
    return {
        "apiVersion": "readiness/v1",
        "model": {
            "id": "m",
            "name": "M",
            "version": "2.0.0",
            "endpoint": {"url": f"{url}/predict", "request_example": {"x": 3, "applicant": "Aisha Khan"}},
            "outputs": {"score": "score", "decision": "decision"},
        },
        "explainability": {"response_path": "reasons"},
        "audit_logging": {
            "timestamp_precision": "us",
            "trace": {"store": store, "probes": 12, "max_lag_s": 1, **trace},
        },
    }


def trace(tmp_path: Path, defect: str = "", store: str = "jsonl", pg_url: str | None = None, **extra):
    with LoggingModel(tmp_path, defect, store, pg_url) as server:
        where = STORES.get(store) or (
            {"http": f"{server.url}/decisions/{{request_id}}"}
            if store == "http"
            else {"url": pg_url, "table": "decisions"}
        )
        return run_check("AUD-003", manifest(server.url, where, **extra), base_dir=tmp_path), server


@pytest.mark.parametrize("store", ["jsonl", "sqlite", "http"])
def test_a_store_that_records_every_decision_whole_passes(tmp_path, store):
    result, server = trace(tmp_path, store=store)
    assert result.status.value == "pass", result.summary + str([f.message for f in result.findings])
    assert result.metrics["reconstructed"] == result.metrics["probes"] == 12
    assert server.count == 12  # it sent its probes and nothing else


@pytest.mark.parametrize(
    "defect,what",
    [
        ("drops reasons under load", "no reasons"),
        ("no request id", "no record"),
        ("old version", "the logged model version differs"),
        ("seconds", "timestamps coarser than the declared us"),
        ("local time", "no readable timestamp with a time zone"),
        ("rounded score", "the logged score differs from the answer"),
        ("late", "no record"),
    ],
)
def test_each_way_a_log_goes_wrong_is_found(tmp_path, defect, what):
    result, _ = trace(tmp_path, defect)
    assert result.status.value == "fail", result.summary
    messages = [f.message for f in result.findings]
    assert any(what in m for m in messages), messages
    if defect == "drops reasons under load":
        assert "4 of 12 decisions cannot be reconstructed: no reasons." in messages
        assert result.metrics["reconstructed"] == 8


def test_a_tolerated_share_turns_the_gap_into_a_warning(tmp_path):
    with LoggingModel(tmp_path, "drops reasons under load") as server:
        result = run_check(
            "AUD-003", manifest(server.url, STORES["jsonl"]), base_dir=tmp_path, params={"min_share": 0.6}
        )
    assert result.status.value == "warn" and result.findings[0].severity.name == "MEDIUM"


def test_an_input_hash_is_checked_against_the_body_sent(tmp_path):
    import hashlib

    class Hashing(LoggingModel):
        def _write(self, record):
            body = json.dumps(record.pop("inputs"), sort_keys=True, separators=(",", ":")).encode()
            record["input_hash"] = hashlib.sha256(body).hexdigest() if self.defect != "bad hash" else "0" * 64
            super()._write(record)

    for defect, status in (("", "pass"), ("bad hash", "fail")):
        folder = tmp_path / (defect or "good")
        folder.mkdir()
        with Hashing(folder, defect) as server:
            m = manifest(server.url, STORES["jsonl"], fields={"input_hash": "input_hash"})
            result = run_check("AUD-003", m, base_dir=folder)
        assert result.status.value == status, [f.message for f in result.findings]


def test_personal_inputs_are_compared_but_never_shown(tmp_path):
    class Misspelt(LoggingModel):
        def _write(self, record):
            record["inputs"] = {**record["inputs"], "applicant": "A. Khan"}
            super()._write(record)

    with Misspelt(tmp_path) as server:
        m = manifest(server.url, STORES["jsonl"])
        m["data"] = {"personal_data_columns": ["applicant"]}
        result = run_check("AUD-003", m, base_dir=tmp_path)
    assert result.status.value == "fail"
    assert "the logged inputs differ from those sent" in result.findings[0].message
    text = json.dumps(result.model_dump(mode="json"))
    assert "Aisha Khan" not in text and "A. Khan" not in text


def test_a_missing_store_is_a_fail_that_names_it_and_no_trace_is_not_applicable(tmp_path):
    with LoggingModel(tmp_path, store="none") as server:
        result = run_check("AUD-003", manifest(server.url, {"path": "nowhere.jsonl"}), base_dir=tmp_path)
        assert result.status.value == "fail" and "nowhere.jsonl" in result.findings[0].message
        plain = manifest(server.url, {"path": "x.jsonl"})
        del plain["audit_logging"]["trace"]
        na = run_check("AUD-003", plain, base_dir=tmp_path)
    assert na.status.value == "not_applicable" and na.metrics["needs"] == "audit_logging.trace"


@pytest.mark.skipif(binaries() is None, reason="needs PostgreSQL's server binaries: apt-get install postgresql")
def test_a_postgresql_decision_table(tmp_path):
    server = Postgres(free_port())
    url = server.start()
    try:
        result, _ = trace(tmp_path, store="postgres", pg_url=url)
        assert result.status.value == "pass", [f.message for f in result.findings]
        (tmp_path / "old").mkdir()
        old, _ = trace(tmp_path / "old", "old version", store="postgres", pg_url=url)
        assert old.status.value == "fail" and "model version differs" in old.findings[0].message
    finally:
        server.stop()


def test_the_credit_risk_example_writes_and_passes_its_own_trace(tmp_path):
    r = invoke(
        "assess",
        str(EXAMPLES / "credit-risk" / "readiness.yaml"),
        "--only",
        "AUD-003",
        "--no-history",
        "-f",
        "json",
        "-o",
        str(tmp_path),
        "--as-of",
        "2026-11-22",
    )
    outcome = next(
        o for o in json.loads((tmp_path / "assessment.json").read_text())["outcomes"] if o["id"] == "AUD-003"
    )
    assert outcome["result"]["status"] == "pass", (r.err[-2000:], outcome["result"])
    assert outcome["result"]["metrics"]["reconstructed"] == 20
