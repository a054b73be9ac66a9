"""Hostile input, faults and secrets: each class of attack or fault, tried for real (hostile servers on
127.0.0.1 only, every run bounded in time), and the promise it must not break."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from support import HISTORY, alive, run_cli

from readiness.testing import FakeModel

SECRET = "S3cr3t-Zq9-token-77"


def write_manifest(tmp_path: Path, doc: dict, name: str = "readiness.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def base(**model) -> dict:
    return {"apiVersion": "readiness/v1", "model": {"id": "h", "name": "Hostile", "version": "1.0.0", **model}}


# 1. credentials never follow a redirect ----------------------------------------------------------


def test_credentials_never_follow_a_redirect_anywhere(tmp_path):
    (tmp_path / "prod.csv").write_text("income,age\n50000,40\n61000,33\n")
    with FakeModel() as elsewhere, FakeModel("redirect", redirect_to=elsewhere.url) as fake:
        doc = base(
            endpoint={
                "url": fake.url,
                "timeout_s": 1,
                "headers": {"Authorization": "Bearer ${API_TOKEN}", "X-Api-Key": "${API_TOKEN}"},
            }
        )
        doc.update(
            data={"production": {"path": "prod.csv"}},
            service_levels={"latency_ms": {"p99": 500}, "peak_rps": 10, "peak_concurrency": 2},
            load_test={"duration_s": 1, "warmup_s": 0, "stages": [1.0], "min_samples": 0},
            champion={"version": "0", "endpoint": {"url": fake.url, "timeout_s": 1}},
        )
        path = write_manifest(tmp_path, doc)
        run = run_cli(
            "assess",
            str(path),
            "--only",
            "SRV-001,LAT-001,LAT-002,DET-001,ROB-001",
            "--no-history",
            "-f",
            "json",
            "-o",
            str(tmp_path / "o"),
            env={"API_TOKEN": SECRET},
        )
        assert fake.requests > 10  # the load, the replays and the edge cases all went to the declared URL
        assert elsewhere.requests == 0, elsewhere.headers_seen[:1]
    assert SECRET not in run.out + run.err
    a = json.loads((tmp_path / "o" / "assessment.json").read_text())
    srv = next(o for o in a["outcomes"] if o["id"] == "SRV-001")["result"]
    assert "redirects to" in srv["findings"][0]["message"]


# 2. secrets never reach a message ------------------------------------------------------------------


def test_a_secret_in_a_path_or_a_name_is_redacted_in_errors_and_history(tmp_path):
    doc = base(name="Model ${API_TOKEN}")
    doc["data"] = {"production": {"path": "data-${API_TOKEN}.csv"}}
    path = write_manifest(tmp_path, doc)
    run = run_cli("validate", str(path), env={"API_TOKEN": SECRET})
    assert run.code == 2 and "file not found" in run.err
    assert SECRET not in run.err + run.out and "[redacted]" in run.err
    del doc["data"]
    path = write_manifest(tmp_path, doc)
    history = tmp_path / "h.sqlite"
    run = run_cli(
        "assess",
        str(path),
        "--only",
        "MAN-001",
        "--history",
        str(history),
        "-f",
        "json",
        "-o",
        str(tmp_path / "o"),
        env={"API_TOKEN": SECRET},
    )
    assert run.code in (0, 1), run.err
    for args in (
        ("history", str(path), "--history", str(history)),
        ("history", str(path), "--history", str(history), "--json"),
    ):
        run = run_cli(*args, env={"API_TOKEN": SECRET})
        assert run.code == 0, run.err
        assert SECRET not in run.out + run.err


# 3. the terminal shows control characters, it does not obey them -----------------------------------


def test_control_sequences_from_a_manifest_never_reach_the_terminal(tmp_path):
    evil = "Evil\x1b]0;PWNED\x07 \x1b[2J\x1b[31mred\u202eabc\x9b"
    path = write_manifest(tmp_path, base(name=evil, intended_purpose=evil))
    for args in (
        ("assess", str(path), "--only", "MAN-001,SRV-001", "--no-history", "-o", str(tmp_path / "o")),
        ("validate", str(path)),
    ):
        run = run_cli(*args)
        for stream in (run.out, run.err):
            assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream and "\x9b" not in stream
    history = tmp_path / "h.sqlite"
    run = run_cli("assess", str(path), "--only", "MAN-001", "--history", str(history), "-o", str(tmp_path / "o"))
    assert "Evil\\x1b]0;PWNED\\x07" in run.out  # shown, as text
    run = run_cli("history", str(path), "--history", str(history))
    assert run.code == 0 and "\x1b" not in run.out and "\u202e" not in run.out and "Evil" in run.out
    # a manifest error that quotes a hostile value is neutralised as well
    owners = {"production_owner": {"name": "x", "mail\x1b[2J": 1}}
    bad = write_manifest(tmp_path, {**base(), "owners": owners}, "b.yaml")
    run = run_cli("validate", str(bad))
    assert run.code == 2 and "\x1b" not in run.err


# 4. an in-process model cannot decide readiness's exit code -------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "import os\n    os._exit(0)",
        "import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)",
        "import time\n    time.sleep(60)",
    ],
)
def test_an_in_process_model_that_exits_crashes_or_hangs_is_evidence_not_the_exit_code(tmp_path, body):
    (tmp_path / "evil.py").write_text(f"def predict(row):\n    {body}\n")
    path = write_manifest(
        tmp_path,
        base(endpoint={"kind": "python", "callable": "evil:predict", "timeout_s": 0.5, "request_example": {"x": 1}}),
    )
    start = time.perf_counter()
    run = run_cli(
        "assess",
        str(path),
        "--only",
        "SRV-001,DET-001,LAT-006",
        "--no-history",
        "-f",
        "json",
        "-o",
        str(tmp_path / "o"),
        timeout=120,
    )
    assert time.perf_counter() - start < 90
    assert run.code == 1, (run.code, run.err)  # not ready; never the model's 0
    a = json.loads((tmp_path / "o" / "assessment.json").read_text())
    got = {o["id"]: o["result"] for o in a["outcomes"] if o["result"]["status"] != "skipped"}
    assert got["SRV-001"]["status"] == "fail"
    assert got["DET-001"]["status"] == "fail"
    assert got["LAT-006"]["status"] in {"fail", "error"}


# 5. every process readiness starts is stopped ------------------------------------------------------

SERVE = r"""
import os, signal, socket, subprocess, sys, time
port = int(sys.argv[1])
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"])
open(sys.argv[2], "w").write(f"{os.getpid()} {child.pid}")
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", port)); s.listen(8)
while True:
    c, _ = s.accept()
    c.recv(65536)
    if sys.argv[3] == "garbage":  # headers, then the connection closes mid-body
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"half")
    else:
        body = b'{"score": 0.5}'
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        c.sendall(head + body)
    c.close()
"""


def serve_manifest(tmp_path: Path, mode: str, **extra) -> tuple[Path, Path]:
    (tmp_path / "serve.py").write_text(SERVE)
    pids = tmp_path / "pids.txt"
    doc = base(
        endpoint={"url": "http://127.0.0.1:{port}/predict", "timeout_s": 1, "request_example": {"x": 1}},
        serve={
            "command": ["python", "serve.py", "{port}", str(pids), mode],
            "port": "auto",
            "ready_url": "http://127.0.0.1:{port}/ready",
            "ready_timeout_s": 5,
        },
    )
    doc.update(extra)
    return write_manifest(tmp_path, doc), pids


def test_a_ready_url_that_breaks_off_leaves_no_process_behind(tmp_path):
    path, pids = serve_manifest(tmp_path, "garbage")
    run = run_cli(
        "assess",
        str(path),
        "--only",
        "SRV-001,DET-001,ROB-001,LAT-004",
        "--no-history",
        "-f",
        "json",
        "-o",
        str(tmp_path / "o"),
        timeout=120,
    )
    assert run.code == 1, run.err
    leader, child = map(int, pids.read_text().split())
    deadline = time.time() + 10
    while time.time() < deadline and (alive(leader) or alive(child)):
        time.sleep(0.2)
    assert not alive(leader) and not alive(child)  # the child ignored SIGTERM: it got SIGKILL
    assert "Traceback" not in run.err


@pytest.mark.serial  # looks for this run's Locust among the machine's processes
def test_sigkill_of_readiness_mid_load_leaves_no_process_of_the_run(tmp_path):
    path, pids = serve_manifest(
        tmp_path,
        "good",
        service_levels={"latency_ms": {"p99": 500}, "peak_rps": 20, "peak_concurrency": 2},
        load_test={"duration_s": 30, "warmup_s": 0, "stages": [1.0], "min_samples": 0},
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "readiness",
            "assess",
            str(path),
            "--only",
            "LAT-001",
            "--no-history",
            "-o",
            str(tmp_path / "o"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "READINESS_HISTORY": str(HISTORY)},
    )
    deadline = time.time() + 30
    while time.time() < deadline and not (pids.exists() and _locust_running(proc.pid)):
        time.sleep(0.2)
    assert pids.exists(), "the server never started"
    proc.kill()
    proc.wait()
    leader, child = map(int, pids.read_text().split())
    deadline = time.time() + 15
    while time.time() < deadline and (alive(leader) or alive(child) or _descendants_named("locust")):
        time.sleep(0.3)
    assert not alive(leader) and not alive(child)
    assert not _descendants_named("locust")


def _locust_running(_parent: int) -> bool:
    return bool(_descendants_named("locust"))


def _descendants_named(word: str) -> list[int]:
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:
                continue
            if f"-m {word}" in cmd and "READINESS" not in cmd and alive(int(proc.name)):
                out.append(int(proc.name))
    return out


@pytest.mark.serial  # looks for this run's Locust among the machine's processes
def test_ctrl_c_says_interrupted_exits_130_and_writes_nothing(tmp_path):
    path, pids = serve_manifest(
        tmp_path,
        "good",
        service_levels={"latency_ms": {"p99": 500}, "peak_rps": 20, "peak_concurrency": 2},
        load_test={"duration_s": 30, "warmup_s": 0, "stages": [1.0], "min_samples": 0},
    )
    history = tmp_path / "h.sqlite"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "readiness",
            "assess",
            str(path),
            "--only",
            "LAT-001",
            "--history",
            str(history),
            "-f",
            "all",
            "-o",
            str(tmp_path / "o"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 30
    while time.time() < deadline and not _descendants_named("locust"):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "readiness: error: interrupted" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
    if history.exists():
        with sqlite3.connect(history) as con:
            assert con.execute("SELECT count(*) FROM assessments").fetchone()[0] == 0
    leader, child = map(int, pids.read_text().split())
    deadline = time.time() + 10
    while time.time() < deadline and (alive(leader) or alive(child) or _descendants_named("locust")):
        time.sleep(0.2)
    assert not alive(leader) and not alive(child) and not _descendants_named("locust")


# 6. bounded input: a clear error and exit 2, never a traceback or a hang -------------------------


def test_hostile_files_and_options_are_refused_with_exit_2(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 20_000 + "]" * 20_000 + "\n")
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    ok = write_manifest(tmp_path, base())
    cases = [
        (("validate", str(deep)), "nesting deeper"),
        (("validate", "/dev/zero"), "not a regular file"),
        (("validate", str(fifo)), "not a regular file"),
        (("report", str(tmp_path)), "is a directory"),
        (("assess", str(ok), "--timeout", "inf"), "--timeout"),
        (("assess", str(ok), "--timeout", "nan"), ""),
        (("validate", str(tmp_path / "missing.yaml")), "file not found"),
    ]
    cases += [
        (("validate", str(ok), str(ok), "--nope"), "No such option: --nope (see `readiness validate --help`)"),
        (("nosuch",), "No such command"),
    ]
    for args, said in cases:
        start = time.perf_counter()
        run = run_cli(*args, timeout=30)
        assert time.perf_counter() - start < 20, args
        assert run.code == 2, (args, run.code, run.err[-500:])
        assert "Traceback" not in run.err and said in run.err, (args, run.err[-500:])
        assert run.err.startswith("readiness: error: ") and "Usage:" not in run.err, run.err  # one format


# 8. size and write promises ----------------------------------------------------------------------


def test_a_huge_model_name_still_gives_a_report_md_under_1_mib(tmp_path):
    path = write_manifest(tmp_path, base(name="N" * 1_500_000))
    run = run_cli("assess", str(path), "--only", "MAN-001", "--no-history", "-f", "md,json", "-o", str(tmp_path / "o"))
    assert run.code in (0, 1), run.err[-500:]
    assert (tmp_path / "o" / "report.md").stat().st_size < 1024 * 1024


def test_a_missing_sqlite_source_is_an_error_and_no_file_is_created(tmp_path):
    doc = base()
    doc["data"] = {
        "production": {"url": f"sqlite:///{tmp_path}/ghost.sqlite", "table": "t"},
        "columns": {"a": {"type": "int"}},
    }
    path = write_manifest(tmp_path, doc)
    run = run_cli("assess", str(path), "--only", "DQ-001", "--no-history", "-f", "json", "-o", str(tmp_path / "o"))
    assert run.code == 1, run.err
    outcomes = json.loads((tmp_path / "o" / "assessment.json").read_text())["outcomes"]
    result = next(o for o in outcomes if o["id"] == "DQ-001")["result"]
    assert "no such SQLite file" in json.dumps(result)
    assert not (tmp_path / "ghost.sqlite").exists()


def test_a_sqlite_source_is_opened_read_only(tmp_path):
    db = tmp_path / "real.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE t (a INTEGER)")
        con.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
    import sqlalchemy as sa

    from readiness.data import read_only_url
    from readiness.manifest import DataSource

    engine = sa.create_engine(read_only_url(DataSource(url=f"sqlite:///{db}", table="t")))
    with engine.connect() as con:
        assert con.execute(sa.text("SELECT count(*) FROM t")).scalar_one() == 2
        with pytest.raises(sa.exc.OperationalError, match="readonly"):
            con.execute(sa.text("INSERT INTO t VALUES (3)"))
    engine.dispose()


def test_an_interrupted_report_set_leaves_the_previous_set_whole(tmp_path, monkeypatch):
    from support import DATA

    from readiness import reports, session
    from readiness.reports import load_assessment

    out = tmp_path / "o"
    out.mkdir()
    names = {"assessment.json", "report.html", "report.md", "report.pdf"}
    for name in names:
        (out / name).write_text("from the previous run")
    real = reports.renderer

    def renderer(fmt):
        if fmt == "pdf":  # Ctrl-C while the slowest format renders

            def interrupted(_a):
                raise KeyboardInterrupt

            return interrupted
        return real(fmt)

    monkeypatch.setattr(reports, "renderer", renderer)
    with pytest.raises(KeyboardInterrupt):
        session.write_reports(load_assessment(DATA / "assessment-poc.json"), ["json", "html", "md", "pdf"], out)
    assert {p.name for p in out.iterdir()} == names
    assert all((out / n).read_text() == "from the previous run" for n in names)  # no new file beside old ones


def test_an_in_process_models_warnings_are_counted_not_streamed(tmp_path):
    (tmp_path / "noisy.py").write_text(
        "import warnings\n\ndef predict(row):\n"
        "    warnings.warn('X does not have valid feature names')\n"
        "    return {'score': 0.5}\n"
    )
    path = write_manifest(
        tmp_path,
        base(
            endpoint={"kind": "python", "callable": "noisy:predict", "request_example": {"x": 1}},
            outputs={"score": "score"},
        ),
    )
    run = run_cli(
        "assess", str(path), "--only", "SRV-001,DET-001", "--no-history", "-f", "json", "-o", str(tmp_path / "o")
    )
    assert "valid feature names" not in run.err  # 4 calls, no warning on the terminal
    srv = next(
        o for o in json.loads((tmp_path / "o" / "assessment.json").read_text())["outcomes"] if o["id"] == "SRV-001"
    )["result"]
    assert srv["status"] == "pass"
    assert srv["metrics"]["model_warnings"] == {"UserWarning: X does not have valid feature names": 1}
