"""ROL-003 and HUM-002, the rollback and stop drills, against real servers on 127.0.0.1: switches that
work, a stop that spares open connections, a rollback slower than its RTO, and a restore that fails."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support import EXAMPLES, invoke

from readiness.api import assess
from readiness.engine import RunOptions
from readiness.testing import run_check


class SwitchableModel:
    """A keep-alive model server with admin switches: rollback/forward, stop/release, each with a flaw."""

    def __init__(self, flaw: str = "") -> None:
        self.flaw, self.version, self.stopped = flaw, "2.0.0", False
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the drill's probe keeps its connection

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                self.stopped_at_connect = server.stopped  # a flawed switch looks only at new connections

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/predict":
                    stopped = self.stopped_at_connect if server.flaw == "new connections only" else server.stopped
                    if stopped:
                        return self._send(200, {"decision": "refer", "model_version": server.version})
                    return self._send(200, {"score": 0.3, "decision": "approve", "model_version": server.version})
                if self.path == "/admin/release" and server.flaw == "release fails":
                    return self._send(500, {"error": "release switch is broken"})
                switch = {
                    "/admin/stop": ("stopped", True),
                    "/admin/release": ("stopped", False),
                    "/admin/rollback": ("version", "1.9.0"),
                    "/admin/forward": ("version", "2.0.0"),
                }
                field, value = switch[self.path]
                delay = 2.0 if server.flaw == "slow rollback" and self.path == "/admin/rollback" else 0.0
                threading.Timer(delay, setattr, (server, field, value)).start()
                self._send(200, {"ok": True})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def manifest(url: str, **sections) -> dict:
    return {
        "apiVersion": "readiness/v1",
        "model": {
            "id": "m",
            "name": "M",
            "version": "2.0.0",
            "endpoint": {"url": f"{url}/predict", "request_example": {"x": 1}, "timeout_s": 2},
            "outputs": {"score": "score", "decision": "decision"},
        },
        "rollback": {
            "drill": {
                "rollback": {"url": f"{url}/admin/rollback"},
                "forward": {"url": f"{url}/admin/forward"},
                "previous_version": "1.9.0",
                "rto_s": 1,
            }
        },
        "human_oversight": {
            "stop_drill": {
                "stop": {"url": f"{url}/admin/stop"},
                "release": {"url": f"{url}/admin/release"},
                "stopped_decision": "refer",
                "max_stop_s": 1,
                "max_recover_s": 3,
            }
        },
        **sections,
    }


@pytest.mark.parametrize("check", ["ROL-003", "HUM-002"])
def test_switches_that_work_pass_and_are_left_as_found(tmp_path, check):
    with SwitchableModel() as server:
        result = run_check(check, manifest(server.url), base_dir=tmp_path, allow_drills=True)
        assert result.status.value == "pass", (result.summary, [f.message for f in result.findings])
        assert server.version == "2.0.0" and server.stopped is False  # restored
    key = "recovery_s" if check == "ROL-003" else "time_to_stop_s"
    assert 0 < result.metrics[key] < 1


def test_a_stop_that_spares_open_connections_is_caught(tmp_path):
    with SwitchableModel("new connections only") as server:
        result = run_check("HUM-002", manifest(server.url), base_dir=tmp_path, allow_drills=True)
    assert result.status.value == "fail"
    assert "Automated decisions continued" in result.findings[0].message
    assert result.metrics["automated_after_stop"] > 5


def test_a_rollback_slower_than_its_rto_fails(tmp_path):
    with SwitchableModel("slow rollback") as server:
        result = run_check("ROL-003", manifest(server.url), base_dir=tmp_path, allow_drills=True)
        time.sleep(2.1)  # the slow switch lands; the roll-forward already ran
    assert result.status.value == "fail"
    assert "did not reach 1.9.0 within the RTO of 1 s" in result.findings[0].message


def test_a_release_that_fails_is_a_loud_error_that_blocks_the_verdict(tmp_path):
    with SwitchableModel("release fails") as server:
        path = tmp_path / "m.yaml"
        import yaml

        path.write_text(yaml.safe_dump(manifest(server.url)))
        a = assess(path, options=RunOptions(only=("HUM-002", "ROL-003"), allow_drills=True))
    hum = a.outcome("HUM-002").result
    assert hum.status.value == "error" and hum.summary.startswith("RESTORE FAILED: HUM-002 could not release")
    assert a.verdict.value == "not_ready" and a.reasons[0].startswith("HUM-002 left the serving state changed")
    assert a.outcome("ROL-003").result.status.value == "pass"  # the other drill still ran


def test_drills_leave_an_endpoint_readiness_did_not_start_alone_unless_allowed(tmp_path):
    with SwitchableModel() as server:
        result = run_check("HUM-002", manifest(server.url), base_dir=tmp_path)
        assert result.status.value == "not_applicable" and result.metrics["needs"] == "--allow-drills"
        assert server.stopped is False
        path = tmp_path / "m.yaml"
        import yaml

        path.write_text(yaml.safe_dump(manifest(server.url)))
        r = invoke(
            "assess",
            str(path),
            "--only",
            "HUM-002",
            "--allow-drills",
            "--no-history",
            "-f",
            "json",
            "-o",
            str(tmp_path / "o"),
        )
    outcome = next(
        o for o in json.loads((tmp_path / "o" / "assessment.json").read_text())["outcomes"] if o["id"] == "HUM-002"
    )
    assert outcome["result"]["status"] == "pass", (r.err[-1000:], outcome["result"])


def test_the_credit_risk_example_passes_all_three_drills_and_the_poc_has_none(tmp_path):
    out = tmp_path / "credit"
    invoke(
        "assess",
        str(EXAMPLES / "credit-risk" / "readiness.yaml"),
        "--only",
        "ROL-003,HUM-002,AUD-003",
        "--no-history",
        "-f",
        "json",
        "-o",
        str(out),
        "--as-of",
        "2026-11-22",
    )
    got = {
        o["id"]: o["result"]
        for o in json.loads((out / "assessment.json").read_text())["outcomes"]
        if o["result"]["status"] != "skipped"
    }
    assert {k: v["status"] for k, v in got.items()} == dict.fromkeys(("AUD-003", "ROL-003", "HUM-002"), "pass"), got
    assert got["ROL-003"]["metrics"]["recovery_s"] < 30 and got["ROL-003"]["metrics"]["failed_during_switch"] == 0
    poc = tmp_path / "poc"
    invoke(
        "assess",
        str(EXAMPLES / "poc-notebook" / "readiness.yaml"),
        "--only",
        "ROL-003,HUM-002,AUD-003",
        "--no-history",
        "-f",
        "json",
        "-o",
        str(poc),
    )
    for o in json.loads((poc / "assessment.json").read_text())["outcomes"]:
        if o["result"]["status"] == "skipped":
            continue
        assert o["result"]["status"] == "not_applicable" and o["result"]["metrics"]["needs"], o


def test_a_drill_measures_what_its_attested_check_claims(tmp_path):
    import yaml

    attested = {
        "rollback": {
            "procedure": "switch alias",
            "tested_on": "2026-10-10",
            "recovery_time_minutes": 10,
            "attested_by": "Marta Keller",
            "attested_on": "2026-10-10",
        },
    }
    results = {}
    for flaw in ("", "slow rollback"):
        with SwitchableModel(flaw) as server:
            m = manifest(server.url)
            m["rollback"] = {**attested["rollback"], "drill": m["rollback"]["drill"]}
            path = tmp_path / f"m{flaw.replace(' ', '-')}.yaml"
            path.write_text(yaml.safe_dump(m))
            a = assess(
                path,
                options=RunOptions(
                    only=("ROL-002", "ROL-003"), allow_drills=True, as_of=__import__("datetime").date(2026, 11, 22)
                ),
            )
            time.sleep(2.1 if flaw else 0)
        results[flaw] = a.outcome("ROL-002").result
    good, slow = results[""], results["slow rollback"]
    assert (
        good.status.value == "pass" and good.evidence_kind.value == "measured" and "measured by ROL-003" in good.summary
    )
    assert slow.status.value == "fail" and "The ROL-003 drill contradicts" in slow.findings[0].message
    # a profile that wants the rollback measured refuses the attestation alone
    profile = tmp_path / "p.yaml"
    profile.write_text("name: p\nextends: default\nchecks:\n  ROL-002: {evidence: measured}\n")
    m = manifest("http://127.0.0.1:9")
    m["rollback"] = attested["rollback"]
    path = tmp_path / "plain.yaml"
    path.write_text(yaml.safe_dump(m))
    a = assess(
        path, str(profile), options=RunOptions(only=("ROL-002",), as_of=__import__("datetime").date(2026, 11, 22))
    )
    r = a.outcome("ROL-002").result
    assert (
        r.status.value == "fail"
        and "requires measured evidence" in r.summary
        and "rollback.drill" in r.findings[0].remediation
    )


def test_command_actions_never_outlive_the_drill(tmp_path):
    import sys

    call = "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method='POST'))"
    orphan = tmp_path / "orphan.pid"
    # the stop spawns a child that would outlive it; the release hangs past its timeout
    stop_cmd = (
        "import subprocess, sys, urllib.request; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"open({str(orphan)!r}, 'w').write(str(p.pid)); "
        "urllib.request.urlopen(urllib.request.Request(sys.argv[1], method='POST'))"
    )
    with SwitchableModel() as server:
        m = manifest(server.url)
        m["human_oversight"]["stop_drill"]["stop"] = {
            "command": [sys.executable, "-c", stop_cmd, f"{server.url}/admin/stop"]
        }
        m["human_oversight"]["stop_drill"]["release"] = {
            "command": [sys.executable, "-c", "import time; time.sleep(30)"],
            "timeout_s": 1,
        }
        result = run_check("HUM-002", m, base_dir=tmp_path, allow_drills=True)
        assert result.status.value == "error" and "did not finish within 1 s (stopped)" in result.summary
        server.stopped = False  # the test puts the state back by hand
        pid = int(orphan.read_text())
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                __import__("os").kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the stop command's child outlived the drill")
        m["human_oversight"]["stop_drill"]["release"] = {
            "command": [sys.executable, "-c", call, f"{server.url}/admin/release"]
        }
        ok = run_check("HUM-002", m, base_dir=tmp_path, allow_drills=True)
    assert ok.status.value == "pass", ok.summary


@pytest.mark.parametrize("behaviour", ["refused", "status:500", "status:400", "no_output", "garbage"])
def test_no_drill_or_trace_passes_on_broken_evidence(tmp_path, behaviour):
    """A model that cannot be reached, answers only errors, or answers without the declared output gives
    the drills and the trace nothing to measure: never a PASS."""
    from readiness.testing import FakeModel, refused_url

    def judge(url: str) -> dict:
        m = manifest(url)
        m["audit_logging"] = {"trace": {"store": {"path": "d.jsonl"}, "probes": 3, "max_lag_s": 0.2}}
        (tmp_path / "d.jsonl").write_text("")
        # half a second to answer before the drill: a broken model gives nothing in three seconds either
        quick = {"ROL-003": {"baseline_s": 0.5}, "HUM-002": {"baseline_s": 0.5}}
        return {
            c: run_check(c, m, base_dir=tmp_path, allow_drills=True, params=quick.get(c))
            for c in ("ROL-003", "HUM-002", "AUD-003")
        }

    if behaviour == "refused":
        got = judge(refused_url("").rstrip("/"))
    else:
        with FakeModel(behaviour) as fake:
            got = judge(fake.url.rsplit("/", 1)[0])
    for check, result in got.items():
        assert result.status.value in {"fail", "error"}, (behaviour, check, result.status, result.summary)
