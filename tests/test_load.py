"""Latency and load checks against real servers on 127.0.0.1 with known, injected behaviour.

Every run is bounded (a few seconds per stage, hard timeouts) and targets 127.0.0.1 only.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from support import NOW, ROOT

from readiness.api import assess
from readiness.engine import RunOptions
from readiness.loadtest.runner import LoadPlan, run
from readiness.resources import free_port

pytestmark = [pytest.mark.load]
serial = pytest.mark.serial  # measures time or throughput: run alone

FAKE = ROOT / "tests" / "fake_server.py"
ROWS = "amount,country,text\n" + "\n".join(f"{i * 37 % 1000},CH,hello {i}" for i in range(50)) + "\n"


def manifest(
    write,
    tmp_path,
    *,
    server_args: str = "",
    budget: str = "{p50: 50, p95: 100}",
    peak_rps: float = 100,
    users: int = 10,
    duration: float = 3,
    extra: str = "",
    endpoint: str = "",
    stages: str = "[1.0]",
    cold_start: float = 30,
    timeout: float = 2,
    min_samples: int | None = None,
) -> Path:
    write("data/prod.csv", ROWS)
    stats = tmp_path / "server-stats.json"
    samples = "" if min_samples is None else f", min_samples: {min_samples}"
    return write(
        "m.yaml",
        f"""
        model:
          id: fake
          name: Fake model
          version: 1.0.0
          endpoint:
            url: http://127.0.0.1:{{port}}/predict
            timeout_s: {timeout}
            {endpoint}
          serve:
            command: [python, {FAKE}, --port, "{{port}}", --stats, {stats} {server_args}]
            ready_url: http://127.0.0.1:{{port}}/health
            port: auto
            ready_timeout_s: 20
        data:
          production: {{path: data/prod.csv}}
        service_levels:
          latency_ms: {budget}
          max_error_rate: 0.001
          peak_rps: {peak_rps}
          peak_concurrency: {users}
          cold_start_s: {cold_start}
        load_test: {{duration_s: {duration}, warmup_s: 0.5, stages: {stages}{samples}}}
        {extra}
    """,
    )


def outcomes(path: Path, only: tuple[str, ...], **options) -> dict:
    a = assess(path, options=RunOptions(now=NOW, only=only, **options))
    return {o.id: o for o in a.outcomes if o.id in only}


def server_stats(tmp_path: Path) -> dict:
    deadline = time.time() + 5
    path = tmp_path / "server-stats.json"
    while not path.exists() and time.time() < deadline:
        time.sleep(0.05)
    return json.loads(path.read_text())


def close(client: float, server: float, ms: float = 2.5, share: float = 0.15) -> bool:
    """Within ``ms`` or ``share``. The generator always adds its own part (network stack, gevent, CPU wake-ups
    between paced requests: about 0.7 to 2 ms at p50 on a 2-core machine, more in the tail);
    benchmarks/load.py measures it."""
    return abs(client - server) <= max(ms, share * server)


def measured_against_truth(write, tmp_path, attempts: int = 2, **kwargs):
    """LAT-001's metrics and the server's own, retried once: a timing comparison on a shared 2-core
    machine can catch a scheduler hiccup (tens of ms) that says nothing about readiness."""
    for attempt in range(attempts):
        folder = tmp_path / f"try{attempt}"
        folder.mkdir()
        path = manifest(lambda name, text, a=attempt: write(f"try{a}/{name}", text), folder, **kwargs)
        lat = outcomes(path, ("LAT-001",))["LAT-001"].result
        truth = server_stats(folder)
        ok = close(lat.metrics["p50"], truth["p50"]) and close(lat.metrics["p99"], truth["p99"], ms=4.0, share=0.5)
        if ok:
            break
    return lat, truth


@serial
@pytest.mark.parametrize("server_args", [", --delay-ms, '5'", ", --delay-ms, '5', --jitter, lognormal"])
def test_percentiles_match_the_server_side_truth(write, tmp_path, server_args):
    # 3.5 s measured at 150 req/s: ~500 answers, well over the 300 asserted below whatever the ramp-up takes
    lat, truth = measured_against_truth(write, tmp_path, attempts=3, server_args=server_args, peak_rps=150, duration=4)
    assert lat.status.value == "pass", (lat.summary, [f.message for f in lat.findings], lat.metrics)
    assert lat.metrics["requests"] >= 300
    # bounds that hold on a busy 2-core machine; benchmarks/load.py reports the real error (~1 ms at p50)
    assert close(lat.metrics["p50"], truth["p50"], ms=2.5), (lat.metrics, truth)
    assert close(lat.metrics["p99"], truth["p99"], ms=4.0, share=0.5), (lat.metrics, truth)
    # microsecond resolution, not Locust's whole milliseconds
    assert any(lat.metrics[k] != round(lat.metrics[k]) for k in ("p50", "p95", "p99"))
    assert 120 <= lat.metrics["achieved_rps"] <= 170


def test_a_stalling_server_is_measured_open_loop_from_the_intended_send(write, tmp_path):
    """A server that freezes 500 ms every 2 s (2 ms otherwise), at a declared 50 req/s: a quarter of the arrivals
    wait 0-500 ms, so users feel a p95 of about 400 ms. A closed loop never sends during the freeze and reports a
    few ms; the open-loop schedule measures each request from when it was due. (benchmarks/load.py measures the
    200 ms case against its truth; under a busy CI machine its p95 varies too much for a 50 ms bound.)"""
    path = manifest(
        write,
        tmp_path,
        server_args=", --delay-ms, '2', --stall-every-s, '2', --stall-ms, '500'",
        peak_rps=50,
        users=10,
        duration=6.5,  # three freezes after the warm-up
        budget="{p50: 20, p95: 40}",
    )
    lat = outcomes(path, ("LAT-001",))["LAT-001"].result
    m = lat.metrics
    assert m["open_loop"] is True
    assert m["p95"] > 50, m  # the freeze is what users feel
    assert m["p50"] < 20, m  # and most requests are fast
    assert m["schedule"]["generator_lag_p99_ms"] < 50  # the generator kept its schedule: the freeze is the model's
    assert m["service_p99"] >= 0 and lat.status.value in {"warn", "fail"}  # never a pass: over budget or undecided
    assert any(f.message.startswith("p95 is") for f in lat.findings), lat.findings


# not serial: a 5 ms server against a 2 ms budget fails however busy the machine
def test_a_budget_the_server_cannot_meet_fails_with_the_percentile(write, tmp_path):
    path = manifest(write, tmp_path, server_args=", --delay-ms, '5'", budget="{p50: 2, p99: 100}")
    lat = outcomes(path, ("LAT-001",))["LAT-001"].result
    assert lat.status.value == "fail"
    assert any("p50 is" in f.message and "budget is 2 ms" in f.message for f in lat.findings)
    # a team that declared its budget is told how to meet it, not to declare it
    assert all(f.remediation.startswith("Profile the slow path") for f in lat.findings if "p50 is" in f.message)


def test_injected_errors_are_counted_by_kind(write, tmp_path):
    path = manifest(write, tmp_path, server_args=", --error-rate, '0.2'")
    res = outcomes(path, ("LAT-002",))["LAT-002"].result
    assert res.status.value == "fail"
    kinds = res.metrics["failure_kinds"]
    assert set(kinds) == {"http_5xx"}
    assert 0.12 <= res.metrics["error_rate"] <= 0.28
    assert res.metrics["status_codes"]["500"] == kinds["http_5xx"]


def test_malformed_bodies_fail(write, tmp_path):
    path = manifest(write, tmp_path, server_args=", --malformed")
    res = outcomes(path, ("LAT-002",))["LAT-002"].result
    assert res.status.value == "fail" and set(res.metrics["failure_kinds"]) == {"malformed"}


def test_a_hanging_server_gives_timeouts_in_bounded_time(write, tmp_path):
    path = manifest(write, tmp_path, server_args=", --hang-after, '20'", timeout=0.5, users=4, peak_rps=20)
    start = time.perf_counter()
    got = outcomes(path, ("LAT-002", "LAT-005"))
    assert time.perf_counter() - start < 45
    assert got["LAT-002"].result.status.value == "fail"
    assert "timeout" in got["LAT-002"].result.metrics["failure_kinds"]
    assert got["LAT-005"].result.status.value == "fail"


# not serial: 300 ms answers past a 250 ms timeout, however busy the machine
def test_slow_answers_past_the_callers_timeout_are_failures(write, tmp_path):
    path = manifest(
        write, tmp_path, server_args=", --delay-ms, '300'", timeout=0.25, users=4, peak_rps=8, min_samples=0
    )
    got = outcomes(path, ("LAT-002", "LAT-005"))
    assert got["LAT-005"].result.status.value == "fail"
    assert got["LAT-002"].result.metrics["failure_kinds"].keys() <= {"client_timeout", "timeout"}


# not serial: a 1.5 s start-up against a 1 s budget, with 8 s of margin above
def test_cold_start_is_timed_to_the_first_prediction(write, tmp_path):
    path = manifest(write, tmp_path, server_args=", --startup-s, '1.5'", cold_start=1.0)
    res = outcomes(path, ("LAT-004",))["LAT-004"].result
    assert res.status.value == "fail"
    assert 1.5 <= res.metrics["time_to_first_prediction_s"] < 10
    assert res.metrics["time_to_ready_s"] <= res.metrics["time_to_first_prediction_s"]


@serial
def test_the_performance_cliff_at_twice_the_peak(write, tmp_path):
    # one worker thread of latency: 20 ms each, 1 user at 1x, 2 at 2x; the fake server serves concurrently,
    # so no cliff: the check passes and reports both stages
    path = manifest(
        write, tmp_path, server_args=", --delay-ms, '20'", users=2, peak_rps=40, stages="[1.0, 2.0]", duration=2.5
    )
    res = outcomes(path, ("LAT-003",))["LAT-003"].result
    assert res.status.value == "pass", res.summary
    assert set(res.metrics) == {"1.0", "2.0"} and res.metrics["2.0"]["users"] == 4


def test_unreachable_endpoint_fails_in_bounded_time(write, tmp_path):
    write("data/prod.csv", ROWS)
    path = write(
        "m.yaml",
        f"""
        model:
          id: x
          name: X
          version: '1'
          endpoint: {{url: "http://127.0.0.1:{free_port()}/predict", timeout_s: 1}}
        data: {{production: {{path: data/prod.csv}}}}
        service_levels: {{latency_ms: {{p99: 10}}, peak_rps: 20, peak_concurrency: 2}}
        load_test: {{duration_s: 2, warmup_s: 0, min_samples: 0}}
    """,
    )
    start = time.perf_counter()
    got = outcomes(path, ("LAT-001", "LAT-002"))
    assert time.perf_counter() - start < 40
    assert got["LAT-002"].result.status.value == "fail"
    assert set(got["LAT-002"].result.metrics["failure_kinds"]) <= {"refused", "connection"}
    # the time it takes to be refused is not latency: nothing answered, so nothing was measured
    assert got["LAT-001"].result.status.value == "error"
    assert "latency not measured" in got["LAT-001"].result.summary


@pytest.mark.parametrize(
    "protocol,endpoint",
    [
        ("v2", "protocol: v2"),
        ("mlflow", "protocol: mlflow"),
        ("openai", "protocol: openai"),
        ("json", "protocol: json\n            response_field: decision"),
    ],
)
def test_protocol_adapters_against_servers_that_speak_them(write, tmp_path, protocol, endpoint):
    path = manifest(write, tmp_path, server_args=f", --protocol, {protocol}", endpoint=endpoint, duration=2)
    got = outcomes(path, ("SRV-001", "LAT-002"))
    assert got["SRV-001"].result.status.value == "pass", got["SRV-001"].result.findings
    assert got["LAT-002"].result.status.value == "pass", got["LAT-002"].result.metrics


def test_a_wrong_protocol_is_caught(write, tmp_path):
    path = manifest(write, tmp_path, server_args=", --protocol, json", endpoint="protocol: v2", duration=2)
    got = outcomes(path, ("SRV-001", "LAT-002"))
    assert got["SRV-001"].result.status.value == "fail"
    assert "'outputs'" in got["SRV-001"].result.findings[0].message
    assert got["LAT-002"].result.metrics["failure_kinds"] == {"malformed": got["LAT-002"].result.metrics["failures"]}


@serial
def test_openai_streaming_measures_time_to_first_token(write, tmp_path):
    path = manifest(
        write,
        tmp_path,
        server_args=", --protocol, openai, --delay-ms, '10', --token-ms, '30'",
        endpoint="protocol: openai\n            stream: true\n            model_name: fake",
        users=2,
        peak_rps=10,
        duration=3,
        # the whole answer and the gap between tokens are within budget; the first token (~10 ms) is not
        budget="{p50: 500}\n          ttft_ms: {p50: 5}\n          tpot_ms: {p50: 100}",
    )
    lat = outcomes(path, ("LAT-001",))["LAT-001"].result
    assert lat.status.value == "fail", lat.summary
    (over,) = [f for f in lat.findings if f.severity.name == "HIGH"]
    assert over.message.startswith("time to first token p50 is") and "the budget is 5 ms" in over.message
    assert over.location.field == "service_levels.ttft_ms.p50"
    assert lat.metrics["percentile_estimates"]["tpot_p50"]["verdict"] == "pass"
    assert lat.metrics["percentile_estimates"]["p50"]["verdict"] == "pass"
    assert 8 <= lat.metrics["ttft_p50"] <= 40  # first token after ~10 ms
    assert lat.metrics["p50"] >= 90  # the whole stream: 10 + 3 x 30 ms
    assert 25 <= lat.metrics["tpot_p50"] <= 45  # 30 ms between the four tokens


def test_two_workers_are_two_processes_whose_every_request_is_counted(tmp_path):
    """--workers 2 runs two Locust processes, each sending, and merges every request either sent. (Whether a
    second process raises throughput depends on the host: on two cores shared with the server, one process
    already saturates the server; benchmarks/load.py row 2 measures it.)"""
    import subprocess

    port = free_port()
    stats = tmp_path / "stats.json"
    server = subprocess.Popen(
        [sys.executable, str(FAKE), "--port", str(port), "--stats", str(stats)], stderr=subprocess.DEVNULL
    )
    try:
        time.sleep(1.0)
        plan = dict(base_url=f"http://127.0.0.1:{port}", path="/predict", bodies=[{"x": 1}], users=4, warmup_s=0)
        two = run(LoadPlan(**plan, rps=40, duration_s=2, workers=2))
        unpaced = run(LoadPlan(**plan, rps=None, duration_s=1, workers=2))
    finally:
        server.terminate()
        server.wait(10)
    assert two.processes == 2 and unpaced.processes == 2
    assert two.sent == 80 and two.failures == 0  # two users each, every phase kept: the schedule's count
    assert json.loads(stats.read_text())["count"] == two.sent + unpaced.sent  # each request merged once
    assert unpaced.failures == 0 and unpaced.achieved_rps > 200


@serial
def test_a_teams_own_locustfile_is_scored_the_same_way(write, tmp_path):
    write(
        "team_locustfile.py",
        """
        from locust import FastHttpUser, constant_throughput, task

        class Team(FastHttpUser):
            wait_time = constant_throughput(10)

            @task
            def score(self):
                self.client.post("/predict", json={"amount": 10})
    """,
    )
    path = manifest(write, tmp_path, server_args=", --delay-ms, '3'", extra="", duration=3)
    text = path.read_text().replace(
        "load_test: {duration_s: 3,", "load_test: {locustfile: team_locustfile.py, duration_s: 3,"
    )
    path.write_text(text)
    lat = outcomes(path, ("LAT-001",))["LAT-001"].result
    assert lat.status.value == "pass", lat.summary
    assert lat.metrics["requests"] > 50
    assert 3 <= lat.metrics["p50"] < 10


def test_the_parent_process_never_imports_locust(write, tmp_path):
    path = manifest(write, tmp_path, duration=1.5)
    outcomes(path, ("LAT-001",))
    assert "locust" not in sys.modules and "gevent" not in sys.modules


@serial
def test_in_process_latency_at_microsecond_resolution(write):
    write(
        "fastmodel.py",
        "def predict(row):\n    return row['amount'] * 2\n\n"
        "def slow(row):\n    x = 0\n    for i in range(20000):\n        x += i\n    return x\n",
    )
    write("data/prod.csv", ROWS)
    fast = write(
        "fast.yaml",
        """
        model: {id: f, name: F, version: '1', endpoint: {kind: python, callable: fastmodel:predict}}
        data: {production: {path: data/prod.csv}}
        service_levels: {latency_ms: {p50: 0.005, p99: 0.02}}
        load_test: {in_process_calls: 50000}
    """,
    )
    res = outcomes(fast, ("LAT-006",))["LAT-006"].result
    assert res.status.value == "pass", res.summary
    assert res.metrics["harness_overhead_ns"] < 500
    assert res.metrics["calls"] == 50000 and 0 < res.metrics["p50_us"] < 5
    slow = write(
        "slow.yaml",
        """
        model: {id: s, name: S, version: '1', endpoint: {kind: python, callable: fastmodel:slow}}
        data: {production: {path: data/prod.csv}}
        service_levels: {latency_ms: {p99: 0.05}}
        load_test: {in_process_calls: 2000}
    """,
    )
    res = outcomes(slow, ("LAT-006",))["LAT-006"].result
    assert res.status.value == "fail" and res.metrics["p99_us"] > 50


@serial
def test_tail_latency_example_shows_the_gap_the_median_hides(tmp_path):
    from support import EXAMPLES

    got = outcomes(EXAMPLES / "tail-latency" / "readiness.yaml", ("LAT-001",))
    lat = got["LAT-001"].result
    assert lat.status.value == "fail"
    assert lat.metrics["p50"] < 10  # the median is well within budget
    assert lat.metrics["p999"] > 100  # the slow path
    broken = [f.message.split()[0] for f in lat.findings]
    assert "p999" in broken and "p50" not in broken


@serial
def test_credit_risk_example_percentiles_match_its_servers_own(tmp_path):
    from support import EXAMPLES

    for attempt in range(2):  # one retry: see measured_against_truth
        stats = tmp_path / f"stats{attempt}.json"
        text = (EXAMPLES / "credit-risk" / "readiness.yaml").read_text()
        text = text.replace(
            'command: [python, serve.py, --port, "{port}", --previous, model/champion.json, --decision-log, '
            "logs/decisions.sqlite]",
            f'command: [python, serve.py, --port, "{{port}}", --previous, model/champion.json, --decision-log, '
            f"logs/decisions.sqlite, --stats, {stats}]",
        )
        assert str(stats) in text, "the example's serve command changed: update this test"
        # a 4-second stage: 200 answers estimate p50 and p95 (72 needed), so the budget names those two
        text = text.replace("  duration_s: 6 ", "  duration_s: 4\n  min_samples: 0  #")
        text = text.replace("latency_ms: {p50: 20, p95: 60, p99: 100}", "latency_ms: {p50: 20, p95: 60}")
        assert "min_samples: 0" in text and "p99: 100" not in text, "the example's load_test changed: update this test"
        path = EXAMPLES / "credit-risk" / f".test-{tmp_path.name}.yaml"  # beside the example: relative paths
        path.write_text(text)
        try:
            lat = outcomes(path, ("LAT-001",))["LAT-001"].result
        finally:
            path.unlink()
        truth = json.loads(stats.read_text())
        if close(lat.metrics["p50"], truth["p50"], ms=5.0):
            break
    assert lat.status.value == "pass", lat.summary
    # a sub-millisecond server: the generator's own share (gevent, CPU wake-ups between paced requests,
    # 2-5 ms here) is most of what the client sees; within that bound, and far from the 40 ms stalls
    # (Nagle, delayed ACKs, listen backlog) that this check exists to catch
    assert close(lat.metrics["p50"], truth["p50"], ms=5.0), (lat.metrics, truth)
    assert truth["count"] >= lat.metrics["requests"]


@serial
def test_a_joblib_model_file_is_timed_in_process(write, tmp_path):
    import joblib
    from sklearn.linear_model import LogisticRegression

    X = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.2, 0.9]]
    model = LogisticRegression().fit(X, [0, 1, 1, 0])
    joblib.dump(model, tmp_path / "model.joblib")
    write("data/rows.csv", "a,b\n" + "\n".join(f"{i / 10},{1 - i / 10}" for i in range(10)) + "\n")
    path = write(
        "m.yaml",
        """
        model: {id: j, name: J, version: '1', endpoint: {kind: file, path: model.joblib}}
        data: {production: {path: data/rows.csv}}
        service_levels: {latency_ms: {p99: 50}}
        load_test: {in_process_calls: 500}
    """,
    )
    got = outcomes(path, ("SRV-001", "LAT-006"))
    assert got["SRV-001"].result.status.value == "pass"
    lat = got["LAT-006"].result
    assert lat.status.value == "pass" and lat.metrics["calls"] == 500 and lat.metrics["p50_us"] > 1


def test_poisson_arrivals_keep_the_declared_rate_and_report_the_generators_health(write, tmp_path):
    path = manifest(write, tmp_path, server_args=", --delay-ms, '2'", peak_rps=50, duration=4.5, budget="{p50: 20}")
    path.write_text(path.read_text().replace("stages: [1.0]", "stages: [1.0], arrivals: poisson"))
    lat = outcomes(path, ("LAT-001",))["LAT-001"].result
    m = lat.metrics
    assert m["arrivals"] == "poisson" and m["open_loop"] is True
    assert 35 <= m["achieved_rps"] <= 65  # 50 a second on average, as a Poisson count varies
    # the rate is met within three standard deviations of its count: no throughput finding; on a loaded
    # machine the generator may wake late (p99 past 5 ms), which is said as the generator's, never the model's
    others = [f for f in lat.findings if "load generator, not the model" not in f.message]
    assert not others, others
    assert lat.status.value == ("warn" if lat.findings else "pass"), lat.findings
    assert 0 < m["generator_cpu_share"] < 2  # the generator's own CPU, beside the result
    assert m["schedule"]["generator_lag_p99_ms"] < 50


def _workers(master_port: int, n: int) -> list:
    """``readiness load-worker`` processes, as a team starts them on its load hosts (here, 127.0.0.1)."""
    import subprocess

    exe = Path(sys.executable).with_name("readiness")
    return [
        subprocess.Popen([str(exe), "load-worker", "--master", f"127.0.0.1:{master_port}"], stderr=subprocess.PIPE)
        for _ in range(n)
    ]


def test_distributed_load_merges_every_workers_samples(write, tmp_path):
    from readiness.loadtest.runner import Cluster

    path = manifest(write, tmp_path, server_args=", --delay-ms, '2'", users=4, peak_rps=40, duration=2.5)
    path.write_text(path.read_text().replace("warmup_s: 0.5", "warmup_s: 0"))
    master = free_port()
    workers = _workers(master, 2)
    try:
        lat = outcomes(path, ("LAT-001",), cluster=Cluster(2, "127.0.0.1", master, wait_s=30))["LAT-001"].result
        codes = [w.wait(timeout=30) for w in workers]  # the master's quit ends them
    finally:
        for w in workers:
            w.kill()
    m = lat.metrics
    assert codes == [0, 0]
    split = m["load_workers"]
    assert split["workers"] == 2 and min(split["requests"]) > 0  # both workers sent, and both were counted
    assert sum(split["requests"]) == m["requests"]
    # each worker keeps its users' schedule for the whole stage from its own start: 40/s for 3 s (Locust's
    # whole seconds), none lost to the master's clock starting first
    assert m["requests"] == 120, split
    # one merged sample set: every request the server answered (its first-prediction probe aside) is in
    # the percentiles, whichever worker sent it
    assert server_stats(tmp_path)["count"] == m["requests"] + 1
    # judged like any stage (a loaded machine may make the generator lag: said, never a latency failure)
    assert 30 <= m["achieved_rps"] <= 50 and lat.status.value in ("pass", "warn"), lat.summary
    assert m["p50"] is not None and m["good_requests"] == m["requests"]


def test_distributed_load_without_its_workers_is_an_error_that_says_how_to_start_them(write, tmp_path):
    from readiness.loadtest.runner import Cluster

    path = manifest(write, tmp_path, users=2, peak_rps=10, duration=1)
    master = free_port()
    workers = _workers(master, 1)  # one of the two expected
    try:
        lat = outcomes(path, ("LAT-001",), cluster=Cluster(2, "127.0.0.1", master, wait_s=2))["LAT-001"].result
    finally:
        for w in workers:
            w.kill()
    assert lat.status.value == "error"
    assert "2 load workers" in lat.summary and "readiness load-worker --master" in lat.summary, lat.summary


def test_a_constant_schedule_sends_its_rate_times_its_duration(tmp_path):
    """The stage lasts what it was asked to: Locust's run-time timer used to count from a stale gevent clock
    (the import time before the loop first ran), cutting a 1 s stage at 40 requests/s to 27 requests; and
    a stop timer that fires late no longer stretches the schedule."""
    import subprocess

    port = free_port()
    server = subprocess.Popen([sys.executable, str(FAKE), "--port", str(port)], stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        common = dict(base_url=f"http://127.0.0.1:{port}", path="/predict", bodies=[{"x": 1}], warmup_s=0)
        one = run(LoadPlan(**common, users=2, rps=40, duration_s=1))
        three = run(LoadPlan(**common, users=3, rps=30, duration_s=2))
    finally:
        server.terminate()
        server.wait(10)
    assert (one.sent, three.sent) == (40, 60)
    assert one.failures == 0 and three.failures == 0
    # the users together send every 1/rate seconds: the due times are evenly spread over the stage
    assert 0.9 <= one.elapsed_s <= 1.1 and 1.9 <= three.elapsed_s <= 2.1


KERNEL_STAMP_PROBE = r"""
import socket, threading, time, json
import gevent
from readiness.loadtest import locustfile as lf

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen()

def answer():
    conn, _ = srv.accept()
    conn.recv(100)
    time.sleep(0.005)  # the model's 5 ms
    conn.sendall(b"answer")
    time.sleep(0.5)

threading.Thread(target=answer, daemon=True).start()
sock = lf.TimedSocket(socket.create_connection(srv.getsockname()))
timing = [None, None, None, None]
lf.TIMING[gevent.getcurrent()] = timing
sock.sendall(b"request")
time.sleep(0.05)  # the generator busy elsewhere while the answer waits in the kernel
data = sock.recv(100)
print(json.dumps({"data": data.decode(), "read_s": timing[1] - timing[0], "socket_s": lf.socket_seconds(timing),
                  "stamped": timing[3] is not None}))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="kernel receive timestamps (SO_TIMESTAMPNS) are Linux's")
def test_an_answer_waiting_in_the_kernel_is_timed_at_its_arrival():
    """The answer's time is the kernel's receive stamp of its last segment, not when the generator got round
    to reading it: with many users in one process, the wait behind other users' answers was counted as the
    model's latency (+2.6 ms at the p50 with 50 users on a 5 ms endpoint)."""
    import platform
    import subprocess

    if platform.machine().lower() not in {"x86_64", "amd64", "aarch64", "arm64"}:
        pytest.skip("SO_TIMESTAMPNS is read on Linux's generic socket ABI only; elsewhere the read time is used")
    out = subprocess.run([sys.executable, "-c", KERNEL_STAMP_PROBE], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["data"] == "answer" and got["stamped"] is True
    assert got["read_s"] >= 0.05  # read late, on purpose
    assert 0.004 <= got["socket_s"] < 0.03, got  # timed at its arrival: the 5 ms answer, not the 50 ms read
