"""Run Locust in a subprocess and turn its raw samples into percentiles and failure counts.

The parent never imports locust. Percentiles are exact (nearest rank) over every request's own
duration, in milliseconds with microsecond resolution; the warm-up (connection set-up, spawn) is
dropped. Each run is bounded: Locust's own run time, then a hard timeout that kills its process group.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from readiness import processes
from readiness.evidence import LoadError
from readiness.stats import PERCENTILES, nearest_rank

LATE_MS = 1.0
"""A request that left its open-loop schedule more than this late counts as late."""
NO_ANSWER = ("refused", "connection", "timeout", "unanswered")
"""Failure kinds where no HTTP answer came back at all."""


__all__ = ["Cluster", "LoadError", "LoadPlan", "LoadResult", "locust_available", "run"]


@dataclass(frozen=True)
class Cluster:
    """Distributed load: a Locust master on ``host:port`` that waits for ``workers`` workers
    (``readiness load-worker --master HOST:PORT``), on this host or others, for at most ``wait_s``."""

    workers: int
    host: str = "127.0.0.1"
    port: int = 5557
    wait_s: float = 120.0

    @classmethod
    def parse(cls, workers: int, bind: str | None, wait_s: float = 120.0) -> Cluster:
        """``--load-workers N --master-bind HOST:PORT`` (default 127.0.0.1:5557); ValueError when malformed."""
        host, port = "127.0.0.1", 5557
        if bind:
            head, sep, tail = bind.rpartition(":")
            if not sep or not head or not tail.isdigit() or not 0 < int(tail) < 65536:
                raise ValueError(f"--master-bind {bind!r}: expected HOST:PORT, for example 0.0.0.0:5557")
            host, port = head.strip("[]"), int(tail)
        return cls(workers=workers, host=host, port=port, wait_s=wait_s)


@dataclass(frozen=True)
class LoadPlan:
    base_url: str
    path: str
    bodies: list[Any]
    users: int
    rps: float | None
    duration_s: float
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    timeout_s: float = 5.0
    warmup_s: float = 1.0
    workers: int = 1
    stream: bool = False
    required_key: str | None = None
    output_paths: tuple[str, ...] = ()
    """Paths (model.outputs score and decision) every good answer must hold."""
    locustfile: Path | None = None
    arrivals: str = "constant"
    """Open-loop arrivals at the declared rate: constant intervals, or poisson (exponential gaps)."""
    cluster: Cluster | None = None
    """Distributed: a master here, its workers wherever they run (``--load-workers``)."""


@dataclass
class LoadResult:
    plan: LoadPlan
    latencies_ms: list[float]
    kinds: Counter[str]
    statuses: Counter[Any]
    elapsed_s: float
    ttft_ms: list[float] = field(default_factory=list)
    tpot_ms: list[float] = field(default_factory=list)
    due_s: list[float] = field(default_factory=list)
    """Good answers' intended send times (wall clock, s), in the order of ``latencies_ms``."""
    service_ms: list[float] = field(default_factory=list)
    """Good answers' service time (send to last byte); ``latencies_ms`` is measured from the intended send."""
    lag_ms: list[float] = field(default_factory=list)
    """The generator's own lateness leaving each request (waking up late: not counted as latency)."""
    waited_ms: list[float] = field(default_factory=list)
    """How long past its due time each request waited for the user's previous answer (counted as latency)."""
    stderr_tail: list[str] = field(default_factory=list)
    generator_cpu_s: float | None = None
    """CPU seconds the Locust processes used (from /proc; None elsewhere)."""
    sent: int = 0
    """Every request the stage sent, the warm-up's included (what the model's own request counter should see)."""
    processes: int = 0
    """Generator processes whose samples were merged (``--workers N`` locally; the workers when distributed)."""
    per_worker: list[int] = field(default_factory=list)
    """Distributed: the requests each worker sent (every one of them in the percentiles)."""
    scrape_before: Any = None
    """The model's metrics page just before the stage (a readiness.monitoring.Scrape), when declared."""
    scrape_after: Any = None
    memory: Any = None
    """The server's memory during the stage (a readiness.procmem.MemoryTrace), when readiness started it."""

    @property
    def total(self) -> int:
        return sum(self.kinds.values())

    @property
    def good(self) -> int:
        """Requests answered with a good answer: the only ones the percentiles are computed from."""
        return self.kinds.get("ok", 0)

    @property
    def answered(self) -> int:
        """Requests that got some HTTP answer (even an error)."""
        return self.total - sum(self.kinds.get(k, 0) for k in NO_ANSWER)

    def describe_failures(self) -> str:
        """``230 refused`` or ``200 http_4xx, 30 timeout``: the failure kinds, largest first."""
        bad = sorted(((k, n) for k, n in self.kinds.items() if k != "ok"), key=lambda kv: -kv[1])
        return ", ".join(f"{n} {k}" for k, n in bad) or "none"

    @property
    def failures(self) -> int:
        return self.total - self.kinds.get("ok", 0)

    @property
    def error_rate(self) -> float:
        return self.failures / self.total if self.total else 1.0

    @property
    def achieved_rps(self) -> float:
        return self.total / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def percentile(self, q: float, values: list[float] | None = None) -> float | None:
        return nearest_rank(sorted(self.latencies_ms if values is None else values), q)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: _round(self.percentile(q)) for k, q in PERCENTILES.items()}
        out["max"] = _round(max(self.latencies_ms)) if self.latencies_ms else None
        out.update(
            requests=self.total,
            good_requests=self.good,
            failures=self.failures,
            error_rate=round(self.error_rate, 6),
            achieved_rps=round(self.achieved_rps, 1),
            target_rps=self.plan.rps,
            users=self.plan.users,
            workers=self.plan.workers,
            duration_s=round(self.elapsed_s, 2),
            failure_kinds={k: v for k, v in sorted(self.kinds.items()) if k != "ok"},
            status_codes={str(k): v for k, v in sorted(self.statuses.items())},
        )
        if self.ttft_ms:
            out["ttft_p50"] = _round(self.percentile(0.5, self.ttft_ms))
            out["ttft_p99"] = _round(self.percentile(0.99, self.ttft_ms))
        if self.tpot_ms:
            out["tpot_p50"] = _round(self.percentile(0.5, self.tpot_ms))
        if self.service_ms:
            out["service_p50"] = _round(self.percentile(0.5, self.service_ms))
            out["service_p99"] = _round(self.percentile(0.99, self.service_ms))
        if self.plan.cluster is not None:
            out["load_workers"] = {"workers": len(self.per_worker), "requests": list(self.per_worker)}
        out["open_loop"] = bool(self.plan.rps) and not self.plan.locustfile
        if self.plan.rps and not self.plan.locustfile:
            out["arrivals"] = self.plan.arrivals
        if self.generator_cpu_s is not None and self.elapsed_s > 0:
            # CPU seconds per second of the run Locust was given (warm-up included: its CPU is counted too)
            ran = max(self.elapsed_s + self.plan.warmup_s, math.ceil(self.plan.duration_s))
            out["generator_cpu_share"] = round(self.generator_cpu_s / ran, 3)
        if self.lag_ms:
            late = [v for v in self.lag_ms if v > LATE_MS]
            queued = [v for v in self.waited_ms if v > 0]
            out["schedule"] = {
                "generator_late": len(late),
                "generator_late_share": round(len(late) / len(self.lag_ms), 4),
                "generator_lag_p99_ms": _round(self.percentile(0.99, self.lag_ms)),
                "generator_lag_max_ms": _round(max(self.lag_ms)),
                "waited_for_previous_answer": len(queued),
                "waited_max_ms": _round(max(queued)) if queued else 0.0,
            }
        return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def locust_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("locust") is not None


def run(plan: LoadPlan) -> LoadResult:
    """One bounded Locust run against ``plan.base_url``; raises LoadError when it cannot run."""
    if not locust_available():
        raise LoadError("Locust is not installed: pip install 'readiness[load]'")
    with tempfile.TemporaryDirectory(prefix="readiness-load-") as tmp:
        tmpdir = Path(tmp)
        samples_dir = tmpdir / "samples"
        samples_dir.mkdir()
        config = tmpdir / "config.json"
        config.write_text(
            json.dumps(
                {
                    "path": plan.path,
                    "method": plan.method,
                    "headers": plan.headers,
                    "bodies": plan.bodies,
                    "timeout_s": plan.timeout_s,
                    "stream": plan.stream,
                    "required_key": plan.required_key,
                    "output_paths": list(plan.output_paths),
                    "rps_per_user": (plan.rps / plan.users) if plan.rps else None,
                    "arrivals": plan.arrivals,
                    "distributed": plan.cluster is not None,
                    "duration_s": max(1, math.ceil(plan.duration_s)),
                    "workers": plan.cluster.workers if plan.cluster else plan.workers,
                    "users": plan.users,
                }
            ),
            encoding="utf-8",
        )
        own = resources.files("readiness.loadtest")
        files = [str(plan.locustfile), str(own / "collector.py")] if plan.locustfile else [str(own / "locustfile.py")]
        # Locust takes whole seconds. Each generator process keeps its own users to the stage's length from
        # its own start; worker processes start a little after the master's clock, so with several the
        # master allows a second more (the users stop on their own: the count stays rate x duration)
        run_time = f"{max(1, math.ceil(plan.duration_s)) + (1 if plan.workers > 1 else 0)}s"
        # a request in flight when the run ends may finish, or time out, before Locust stops its user:
        # an answer still missing after that is recorded as unanswered, never dropped
        grace = stop_grace_s(plan)
        argv = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            ",".join(files),
            "--headless",
            "-u",
            str(plan.users),
            "-r",
            str(plan.users),
            "-H",
            plan.base_url,
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            str(grace),
            "--exit-code-on-error",
            "0",
        ]
        wait_s = 0.0
        if plan.cluster is not None:
            # the master's own clock (readiness.loadtest.cluster) ends the run once every worker started,
            # and collects their samples before it quits: no --run-time
            c = plan.cluster
            argv += ["--master", "--expect-workers", str(c.workers), "--expect-workers-max-wait", f"{c.wait_s:g}"]
            argv += ["--master-bind-host", c.host, "--master-bind-port", str(c.port)]
            wait_s = c.wait_s + 30  # the samples' hand-over included
        else:
            argv += ["-t", run_time]
            if plan.workers > 1:
                argv += ["--processes", str(plan.workers)]
        env = {
            **os.environ,
            "READINESS_LOAD_CONFIG": str(config),
            "READINESS_LOAD_SAMPLES": str(samples_dir),
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("LOCUST_SKIP_MONKEY_PATCH", None)
        stderr = tmpdir / "stderr.txt"
        with open(stderr, "wb") as err:
            proc = subprocess.Popen(
                argv, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, env=env, start_new_session=True
            )
            processes.register(proc.pid)
            cpu = _CpuWatch(proc.pid)
            try:
                code = cpu.wait(proc, timeout=plan.duration_s + grace + wait_s + 60)
            except subprocess.TimeoutExpired:
                limit = plan.duration_s + grace + wait_s + 60
                raise LoadError(f"Locust did not finish within {limit:g} s; killed") from None
            finally:  # the master and its worker processes, on every path
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                proc.wait()
                processes.unregister(proc.pid)
        tail = [line for line in stderr.read_text(errors="replace").splitlines() if line.strip()][-15:]
        result = _collect(plan, samples_dir, code, tail)
        if result.generator_cpu_s is None and plan.cluster is None:
            result.generator_cpu_s = cpu.last  # samples without their CPU: the processes', start included
        if plan.cluster is not None and result.per_worker and len(result.per_worker) < plan.cluster.workers:
            raise LoadError(
                f"{len(result.per_worker)} of {plan.cluster.workers} load workers sent their samples: "
                "the merged percentiles would miss the others' requests"
            )
        return result


def stop_grace_s(plan: LoadPlan) -> int:
    """Seconds Locust lets the requests in flight at the end of the run finish: past the client's own
    network timeout (twice the request timeout), so that only a request the client would still be
    waiting on is cut, and recorded as unanswered; at most a minute."""
    return min(60, math.ceil(2 * plan.timeout_s) + 1)


class _CpuWatch:
    """The generator's CPU seconds, read from /proc while it runs (its last reading before it exits)."""

    def __init__(self, sid: int) -> None:
        self.sid = sid
        self.last: float | None = None

    def wait(self, proc: Any, timeout: float) -> int:
        from readiness.procmem import session_cpu_s

        deadline = time.monotonic() + timeout
        while True:
            reading = session_cpu_s(self.sid)
            if reading is not None and reading > 0:
                self.last = reading
            try:
                return int(proc.wait(timeout=0.25))
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    raise


def _collect(plan: LoadPlan, samples_dir: Path, code: int, tail: list[str]) -> LoadResult:
    rows: list[list[Any]] = []
    t0s, per_worker, cpu = [], [], []
    for path in sorted(samples_dir.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        t0s.append(data["t0"])
        offset = data["t0"]
        rows += [[offset + r[0], *r[1:]] for r in data["samples"]]
        per_worker.append(len(data["samples"]))
        if "cpu_s" in data:
            cpu.append(float(data["cpu_s"]))
    if not rows:
        if plan.cluster is not None and any("Gave up waiting for workers" in line for line in tail):
            raise LoadError(
                f"fewer than the {plan.cluster.workers} load workers expected connected to the master on "
                f"{plan.cluster.host}:{plan.cluster.port} within {plan.cluster.wait_s:g} s: load not run (start "
                f"each with: readiness load-worker --master HOST:{plan.cluster.port})"
            )
        raise LoadError(f"Locust produced no samples (exit {code}): {' | '.join(tail[-5:]) or 'no output'}")
    start = min(t0s) + plan.warmup_s
    kept = [r for r in rows if r[0] >= start] or rows
    first, last = min(r[0] for r in kept), max(r[0] + r[1] / 1000.0 for r in kept)
    ok = [r for r in kept if r[2] == "ok"]
    # percentiles come from good answers only: a refusal or an error page is fast, and says nothing
    # about how long the model takes to answer
    return LoadResult(
        plan=plan,
        latencies_ms=[r[1] for r in ok],
        due_s=[r[0] for r in ok],
        kinds=Counter(r[2] for r in kept),
        statuses=Counter(r[3] for r in kept),
        elapsed_s=max(last - first, 1e-9),
        ttft_ms=[r[4] for r in ok if len(r) > 4 and r[4] is not None],
        tpot_ms=[r[5] for r in ok if len(r) > 5 and r[5] is not None],
        service_ms=[r[6] for r in ok if len(r) > 6 and r[6] is not None],
        lag_ms=[r[7] for r in kept if len(r) > 7 and r[7] is not None],
        waited_ms=[r[8] for r in kept if len(r) > 8 and r[8] is not None],
        stderr_tail=tail,
        sent=len(rows),
        processes=len(t0s),
        per_worker=per_worker if plan.cluster is not None else [],
        generator_cpu_s=sum(cpu) if cpu else None,
    )
