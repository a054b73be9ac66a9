"""Shared, lazily started resources that checks use: above all the model server.

When the manifest gives ``model.serve``, the first check that needs the model starts the server with
its command, waits for its ready URL and keeps it up for the other checks; the engine stops it and its
whole process group at the end, whatever happened. Checks get a :class:`ModelHandle`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness import processes
from readiness.evidence import Answer, LoadError, ServeError, request
from readiness.manifest import LoadedManifest

__all__ = ["DependencyHandle", "ModelHandle", "Resources", "ServeError", "free_port"]


def port_holder(port: int) -> str | None:
    """Who listens on 127.0.0.1:``port`` (or any address), in words, or None when the port is free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        busy = s.connect_ex(("127.0.0.1", port)) == 0
    if not busy:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                busy = True
    if not busy:
        return None
    pids = listening_pids(port)
    return describe_pids(pids) if pids else "another process"


def listening_pids(port: int) -> list[int] | None:
    """The processes holding a listening TCP socket on ``port`` (Linux /proc), or None when unknown."""
    inodes = set()
    try:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = Path(table).read_text().splitlines()[1:]
            except FileNotFoundError:
                continue
            for line in lines:
                parts = line.split()
                if len(parts) > 9 and parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(parts[9])
    except (OSError, ValueError):
        return None
    if not inodes:
        return None
    wanted = {f"socket:[{i}]" for i in inodes}
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    pids.append(int(proc.name))
                    break
        except OSError:
            continue
    return pids or None


def describe_pids(pids: list[int]) -> str:
    out = []
    for pid in pids[:3]:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except OSError:
            cmd = ""
        out.append(f"pid {pid}" + (f" ({cmd[:80]})" if cmd else ""))
    return ", ".join(out)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ModelHandle:
    """How checks reach the model: its URL, headers, and what starting it cost."""

    url: str | None
    headers: dict[str, str]
    timeout_s: float
    started_by_readiness: bool = False
    time_to_ready_s: float | None = None
    time_to_first_prediction_s: float | None = None
    first_prediction_error: str | None = None
    log_tail: list[str] = field(default_factory=list)

    def predict(self, body: Any, method: str = "POST") -> Answer:
        if not self.url:
            raise ServeError("the manifest gives no model.endpoint.url")
        return request(self.url, method=method, body=body, headers=self.headers, timeout=self.timeout_s)


@dataclass
class DependencyHandle:
    """A runtime dependency as TPR-008 drives it: the fault proxy the model calls it through."""

    name: str
    runtime: Any
    proxy: Any
    upstream: str
    via: str
    """The URL the model was given (the proxy's)."""


class Resources:
    """Owns everything the checks share; :meth:`close` releases it all.

    A *target* is a model readiness can call: ``"model"`` (the candidate) or ``"champion"`` (the model in
    production today). Each has its own endpoint, server and port.
    """

    def __init__(self, loaded: LoadedManifest, cluster: Any = None) -> None:
        self.loaded = loaded
        self.cluster = cluster
        """Distributed load (a readiness.loadtest.runner.Cluster, ``--load-workers``), or None: local."""
        self._lock = threading.Lock()
        self._handles: dict[str, ModelHandle] = {}
        self._servers: dict[str, _Server] = {}
        self._ports: dict[str, int] = {}
        self._shared: dict[Any, Any] = {}
        self._shared_locks: dict[Any, threading.Lock] = {}
        self._proxies: dict[str, Any] = {}
        self._dependencies: dict[str, DependencyHandle] = {}
        self.idle_memory: Any = None
        """The model server's memory at rest, sampled once before its first load stage (LAT-007)."""

    def target(self, name: str = "model") -> tuple[Any, Any]:
        """(endpoint, serve) of a target: ``model``, ``champion`` or ``dependency:NAME`` (a vendor's stub)."""
        if name.startswith("dependency:"):
            runtime = self.runtime_dependencies().get(name.partition(":")[2])
            return None, runtime.serve if runtime else None
        if name == "champion":
            champion = self.loaded.manifest.champion
            return (champion.endpoint, champion.serve) if champion else (None, None)
        model = self.loaded.manifest.model
        return model.endpoint, model.serve

    def port(self, target: str = "model") -> int | None:
        serve = self.target(target)[1]
        if serve is None or serve.port is None:
            return None
        if target not in self._ports:
            self._ports[target] = free_port() if serve.port == "auto" else int(serve.port)
        return self._ports[target]

    def expand(self, text: str, target: str = "model") -> str:
        port = self.port(target)
        return text.replace("{port}", str(port)) if port is not None else text

    def runtime_dependencies(self) -> dict[str, Any]:
        """Third parties the model calls while it answers (name -> RuntimeDependency)."""
        return {t.name: t.runtime for t in self.loaded.manifest.third_parties or [] if t.runtime is not None}

    def dependency(self, name: str) -> DependencyHandle:
        """The fault proxy in front of a runtime dependency; the model (and the proxy) start first."""
        self.model()
        if name not in self._dependencies:
            raise ServeError(
                f"the proxy for {name!r} was not started: readiness puts it in place only when it starts "
                "the model itself (model.serve)"
            )
        return self._dependencies[name]

    def _start_dependencies(self) -> dict[str, str]:
        """Start each runtime dependency's stub (if declared) and a fault proxy in front of it; the model's
        environment, pointing each dependency's variable at its proxy."""
        from urllib.parse import urlsplit, urlunsplit

        from readiness.faults import FaultProxy

        env = {}
        for name, runtime in self.runtime_dependencies().items():
            target = f"dependency:{name}"
            if runtime.serve is not None:
                server = self._servers[target] = _Server(self, runtime.serve, target)
                server.start()
            url = self.expand(runtime.url, target)
            parts = urlsplit(url)
            if parts.scheme != "http" or not parts.hostname:
                raise ServeError(f"third party {name!r}: runtime.url {url!r} is not an http:// URL")
            port = parts.port or 80
            proxy = self._proxies[name] = FaultProxy((parts.hostname, port))
            via = urlunsplit(("http", proxy.address, parts.path, parts.query, parts.fragment))
            self._dependencies[name] = DependencyHandle(name, runtime, proxy, url, via)
            env[runtime.env] = via
        return env

    def model(self, target: str = "model") -> ModelHandle:
        """The target's endpoint, starting its server first if the manifest says how."""
        with self._lock:
            if target not in self._handles:
                self._handles[target] = self._start(target)
            return self._handles[target]

    def shared(self, key: Any, factory: Any) -> Any:
        """``factory()`` computed once per run and shared by every check that asks for ``key``;
        a failure is kept and raised to each of them alike."""
        with self._lock:
            lock = self._shared_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._shared:
                try:
                    self._shared[key] = (True, factory())
                except Exception as exc:  # noqa: BLE001 - kept, and raised to every caller
                    self._shared[key] = (False, exc)
            ok, value = self._shared[key]
        if not ok:
            raise value
        return value

    def _start(self, target: str) -> ModelHandle:
        endpoint, serve = self.target(target)
        url = self.expand(endpoint.url, target) if endpoint and endpoint.url else None
        headers = dict(endpoint.headers) if endpoint else {}
        handle = ModelHandle(url=url, headers=headers, timeout_s=endpoint.timeout_s if endpoint else 5.0)
        if serve is not None:
            extra_env = self._start_dependencies() if target == "model" else {}
            server = self._servers[target] = _Server(self, serve, target, extra_env)
            handle.time_to_ready_s = server.start()
            handle.started_by_readiness = True
            if url:  # cold start ends with the first good prediction, not with the health probe
                from readiness import adapters
                from readiness.evidence import classify

                body = (adapters.bodies(self.loaded, 1, endpoint) or [{}])[0]
                outputs = self.loaded.manifest.model.outputs
                reply = classify(handle.predict(body, method=endpoint.method), outputs, endpoint)
                if reply.ok:
                    handle.time_to_first_prediction_s = server.since_start()
                else:
                    handle.first_prediction_error = reply.why()
            handle.log_tail = server.tail()
        return handle

    def frame(self, role: str) -> Any:
        """The reference or production sample as a pandas frame, read once per run."""
        from readiness.data import needed_columns, read

        def read_frame() -> Any:
            source = getattr(self.loaded.manifest.data, role)
            columns, text = needed_columns(self.loaded)
            return read(self.loaded, source, columns, text)

        return self.shared(("frame", role), read_frame)  # a failure is kept: every check reports the same

    def load(self, multiplier: float, workers: int | None = None) -> Any:
        """One Locust stage at ``multiplier`` x the declared peak; run once, shared by the checks."""
        return self.shared(("load", multiplier, workers), lambda: self._load(multiplier, workers))

    def _load(self, multiplier: float, workers: int | None) -> Any:
        from readiness.loadtest.runner import LoadPlan, run

        handle = self.model()
        manifest = self.loaded.manifest
        endpoint, levels, cfg = manifest.model.endpoint, manifest.service_levels, manifest.load_test
        if endpoint is None:
            raise LoadError("no model.endpoint to load")
        if self.cluster is not None and cfg.locustfile:
            raise LoadError(
                "--load-workers runs readiness's own locustfile on the workers; the team's load_test.locustfile "
                "runs on this host only: drop --load-workers, or the locustfile"
            )
        from readiness import adapters

        base, path = adapters.split(handle.url or "")
        base_users = cfg.users or (levels.peak_concurrency if levels and levels.peak_concurrency else 10)
        rps = levels.peak_rps * multiplier if levels and levels.peak_rps else None
        plan = LoadPlan(
            base_url=base,
            path=path,
            bodies=adapters.bodies(self.loaded, cfg.sample_rows),
            users=max(1, round(base_users * multiplier)),
            rps=rps,
            duration_s=stage_duration(cfg, levels, rps),
            method=endpoint.method,
            headers=handle.headers,
            timeout_s=endpoint.timeout_s,
            warmup_s=cfg.warmup_s,
            workers=workers or cfg.workers,
            stream=endpoint.stream,
            required_key=adapters.required_key(endpoint),
            output_paths=tuple(p for p in (manifest.model.outputs.score, manifest.model.outputs.decision) if p),
            locustfile=self.loaded.resolve(cfg.locustfile) if cfg.locustfile else None,
            arrivals=cfg.arrivals,
            cluster=self.cluster,
        )
        server = self._servers.get("model")
        leader = server.proc.pid if server is not None and server.proc is not None else None
        if leader is not None and self.idle_memory is None:
            self.idle_memory = self._idle_memory(leader)
        before = self.scrape() if manifest.monitoring and manifest.monitoring.metrics_url else None
        if leader is not None:
            from readiness.procmem import Sampler

            with Sampler(leader, f"{multiplier:g}x peak") as sampler:
                result = run(plan)
            sampler.trace.requests = result.sent
            result.memory = sampler.trace
        else:
            result = run(plan)
        if before is not None:
            result.scrape_before, result.scrape_after = before, self.scrape()
        return result

    @staticmethod
    def _idle_memory(leader: int) -> Any:
        from readiness.procmem import MemoryTrace, tree_memory

        trace = MemoryTrace("idle")
        for _ in range(5):
            sample = tree_memory(leader)
            if sample is not None:
                trace.samples.append(sample)
            time.sleep(0.05)
        return trace

    def scrape(self) -> Any:
        """The model's metrics page now (monitoring.metrics_url, {port} filled), as a Scrape."""
        from readiness.monitoring import Scrape, scrape

        monitoring = self.loaded.manifest.monitoring
        if monitoring is None or not monitoring.metrics_url:
            return Scrape(error="no monitoring.metrics_url")
        self.model()
        return scrape(self.expand(monitoring.metrics_url), timeout=5.0)

    def close(self) -> None:
        with self._lock:
            for server in self._servers.values():
                server.stop()
            self._servers.clear()
            for proxy in self._proxies.values():
                proxy.close()
            self._proxies.clear()
            for ok, value in list(self._shared.values()):
                if ok and getattr(value, "close_with_run", False):
                    value.close()  # in-process model processes


class _Server:
    """A model server process started by readiness, in its own process group."""

    def __init__(
        self, resources: Resources, serve: Any, target: str = "model", extra_env: dict[str, str] | None = None
    ) -> None:
        self.resources = resources
        self.serve = serve
        self.target = target
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tempfile.TemporaryFile()
        self.lines: deque[str] = deque(maxlen=40)

    def start(self) -> float:
        res = self.resources
        argv = [res.expand(a, self.target) for a in self.serve.command]
        cwd = res.loaded.resolve(self.serve.cwd) if self.serve.cwd else res.loaded.base_dir
        env = {**os.environ, **{k: res.expand(v, self.target) for k, v in self.serve.env.items()}, **self.extra_env}
        if argv[0] in {"python", "python3"}:
            import sys

            argv[0] = sys.executable  # the interpreter readiness runs under, with its packages
        ready_url = res.expand(self.serve.ready_url, self.target)
        port = res.port(self.target)
        if port is None:  # no declared port: the ready URL's, when it is on this machine
            from urllib.parse import urlsplit

            parts = urlsplit(ready_url)
            if parts.hostname in {"127.0.0.1", "localhost", "::1"}:
                port = parts.port or (443 if parts.scheme == "https" else 80)
        if port is not None:
            holder = port_holder(port)
            if holder is not None:
                raise ServeError(
                    f"port {port} is already in use by {holder}, before readiness started the "
                    "server: readiness will not assess a server it did not start; stop it, or set "
                    "model.serve.port: auto"
                )
        self.started = start = time.perf_counter()
        try:
            self.proc = subprocess.Popen(
                argv,
                cwd=Path(cwd),
                env=env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            raise ServeError(f"cannot start serve command {argv[0]!r}: {exc.strerror}") from None
        processes.register(self.proc.pid)
        try:
            return self._wait_ready(argv, ready_url, port, start)
        except BaseException:  # garbage from the ready URL, a timeout, Ctrl-C: never leave it running
            self.stop()
            raise

    def _wait_ready(self, argv: list[str], ready_url: str, port: int | None, start: float) -> float:
        assert self.proc is not None
        deadline = start + self.serve.ready_timeout_s
        while time.perf_counter() < deadline:
            code = self.proc.poll()
            if code is not None:
                raise ServeError(
                    f"serve command {' '.join(argv)!r} exited with code {code} before "
                    f"{ready_url} was ready; last output: {' | '.join(self.tail()[-5:])}"
                )
            reply = request(ready_url, timeout=1.0)
            if reply.status is not None and 200 <= reply.status < 300:
                ready = time.perf_counter() - start
                if self.proc.poll() is not None:
                    raise ServeError(
                        f"{ready_url} answered, but the serve command exited with code "
                        f"{self.proc.returncode}: something else is answering on that port"
                    )
                # the port was free before the start (checked above) and the started process still
                # runs; who holds the socket is not asked: a serve command may rightly hand it to a port
                # forwarder (docker run -p) that is not its child
                return ready
            time.sleep(0.05)
        raise ServeError(
            f"{ready_url} was not ready within {self.serve.ready_timeout_s:g} s after "
            f"starting {' '.join(argv)!r}; last output: {' | '.join(self.tail()[-5:])}"
        )

    def since_start(self) -> float:
        return time.perf_counter() - self.started

    def tail(self) -> list[str]:
        self.log.flush()
        self.log.seek(0)
        text = self.log.read()[-8192:].decode("utf-8", "replace")
        self.log.seek(0, 2)
        return [line for line in text.splitlines() if line.strip()][-20:]

    def stop(self) -> None:
        """SIGTERM the server's whole process group, then SIGKILL what is left (children that ignore
        SIGTERM or outlive the leader included)."""
        if self.proc is None:
            return
        processes.stop_group(self.proc.pid, self.proc)


def min_samples(cfg: Any, levels: Any) -> int:
    """Good answers a stage needs: load_test.min_samples, or enough to estimate the highest budgeted
    percentile at 95 % (readiness.stats.samples_needed)."""
    if cfg.min_samples is not None:
        return int(cfg.min_samples)
    from readiness.stats import PERCENTILES, samples_needed

    budget = levels.latency_ms if levels is not None and levels.latency_ms is not None else None
    wanted = [q for k, q in PERCENTILES.items() if budget is not None and getattr(budget, k, None) is not None]
    return samples_needed(max(wanted)) if wanted else 0


def stage_duration(cfg: Any, levels: Any, rps: float | None) -> float:
    """duration_s, stretched (up to max_duration_s) so that a paced stage collects min_samples answers."""
    needed = min_samples(cfg, levels)
    if not rps or needed <= 0:
        return float(cfg.duration_s)
    # the warm-up's answers are not counted, and a paced generator delivers a little under its rate
    wanted = needed / rps * 1.1 + cfg.warmup_s
    return float(min(max(cfg.duration_s, wanted), max(cfg.max_duration_s, cfg.duration_s)))
