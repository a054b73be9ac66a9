"""The locustfile readiness runs in a Locust subprocess. Never import this module from readiness itself.

It reads its configuration from the JSON file named by READINESS_LOAD_CONFIG, sends production-shaped
requests with Locust's fast HTTP client, and records every request's own duration (float milliseconds,
microsecond resolution: Locust's statistics round to whole milliseconds) with its outcome. On exit,
each process writes its samples to READINESS_LOAD_SAMPLES/<pid>.json for the parent to merge.

At a declared rate the load is **open-loop**: every user has a fixed schedule of intended send times
(its share of the rate, phases spread), and never waits for an answer to keep it. When the server stalls,
the requests due meanwhile leave late, as soon as the user is free, and each is measured from its
*intended* send time (wrk2's correction of coordinated omission): the response time users feel. Only
the time the user was still waiting for its previous answer counts (a real client would have sent on
time and waited in the queue); the generator's own lateness waking up (timer overshoot) is reported as
its schedule lag, never added to the model's latency. The sample keeps the service time (send to last
byte), the wait for the previous answer, and that lag.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import random
import socket
import struct
import sys
import time
from typing import Any

from locust import FastHttpUser, events, task  # isort: skip - patches first
import gevent
import gevent.event
from gevent import getcurrent
from geventhttpclient import HTTPClient
from geventhttpclient.connectionpool import ConnectionPool
from locust.exception import StopUser
from locust.runners import STATE_CLEANUP, STATE_STOPPED, STATE_STOPPING, MasterRunner

from readiness.loadtest import cluster  # Locust's master/worker messages: configuration out, samples back
from readiness.paths import at_path  # dependency-free: the same reading of answers as readiness

CFG: dict[str, Any] = {}
ENCODED: list[bytes] = []
HEADERS: dict[str, str] = {}
PERIOD: float | None = None
"""Seconds between one user's intended sends (None: unpaced, as fast as answers come: closed loop)."""
POISSON = False
"""Poisson arrivals: exponential gaps with that mean, as independent clients arrive."""
SAMPLES: list[list[Any]] = []  # [start offset s, duration ms, kind, status, ...]
T0 = time.time()
T0_CLOCK = time.perf_counter()
"""T0 on the clock the schedule is kept on."""
CONFIGURED = gevent.event.Event()


def configure(cfg: dict[str, Any]) -> None:
    """Take the run's configuration: from READINESS_LOAD_CONFIG here, or from the master (a worker on
    another host has no such file: :mod:`readiness.loadtest.cluster` hands it over)."""
    global CFG, ENCODED, HEADERS, PERIOD, POISSON
    CFG = cfg
    ENCODED = [json.dumps(b).encode("utf-8") for b in cfg["bodies"]]  # serialised once, not per request
    HEADERS = {"Content-Type": "application/json", "Accept": "application/json", **cfg["headers"]}
    PERIOD = 1.0 / float(cfg["rps_per_user"]) if cfg.get("rps_per_user") else None
    POISSON = cfg.get("arrivals") == "poisson"
    ReadinessUser.network_timeout = float(cfg["timeout_s"]) * 2
    ReadinessUser.connection_timeout = float(cfg["timeout_s"])
    CONFIGURED.set()


def classify(status: int | None, error: object, elapsed_s: float, body: bytes | None) -> str:
    """ok, or the failure kind: timeout, refused, connection, redirect, http_4xx, http_5xx, malformed,
    client_timeout (``unanswered``, still waiting when the run stopped, is recorded by the caller)."""
    if error is not None and not status:
        text = f"{type(error).__name__} {error}".lower()
        if "timeout" in text or "timed out" in text:
            return "timeout"
        if "refused" in text:
            return "refused"
        return "connection"
    if status is None or status == 0:
        return "connection"
    if status >= 500:
        return "http_5xx"
    if 300 <= status < 400:
        return "redirect"  # never followed: credentials stay with the declared endpoint
    if status >= 400:
        return "http_4xx"
    if elapsed_s > CFG["timeout_s"]:
        return "client_timeout"
    if CFG.get("validate", True) and not CFG.get("stream"):
        try:
            data = json.loads(body or b"")
        except ValueError:
            return "malformed"
        required = CFG.get("required_key")
        if required and (not isinstance(data, dict) or required not in data):
            return "malformed"
        for path in CFG.get("output_paths") or ():
            if at_path(data, path) is None:
                return "malformed"
    return "ok"


TIMING: dict[Any, list[Any]] = {}
"""Per request in flight (by greenlet): [first byte sent, last byte read (perf_counter s); first byte sent,
last byte's arrival in the kernel (wall clock ns)], taken at the socket, so the client's own work building
the request and parsing the answer (about 0.3-0.5 ms in geventhttpclient) is not counted as the model's
latency; nor, where the kernel stamps arrivals, the wait for the event loop to get round to reading an
answer that is already there (other users' answers being parsed: the error that grows with the users
one process holds)."""

_GENERIC_ABI = platform.machine().lower() in {"x86_64", "amd64", "aarch64", "arm64"}
# Python's socket module does not name it: SO_TIMESTAMPNS (its control message has the same number) is 35
# in Linux's generic socket ABI (x86-64, arm64), whose struct timespec is two 64-bit fields on a 64-bit
# build; elsewhere the answer's time is taken when the read returns
SO_TIMESTAMPNS = 35 if sys.platform == "linux" and struct.calcsize("P") == 8 and _GENERIC_ABI else None
ANCILLARY = socket.CMSG_SPACE(16) if hasattr(socket, "CMSG_SPACE") else 0  # one struct timespec


class TimedSocket:
    """A plain TCP socket of the connection pool, timing the bytes of the request in flight: the send in
    user space just before the bytes go, the answer by the kernel's receive timestamp of its last segment
    (SO_TIMESTAMPNS, CLOCK_REALTIME) where it gives one, else when the read returned."""

    __slots__ = ("_sock", "_stamped")

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._stamped = False
        if SO_TIMESTAMPNS is not None and ANCILLARY:
            try:
                sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                self._stamped = True
            except OSError:
                pass

    def sendall(self, data: Any, *args: Any) -> Any:
        t = TIMING.get(getcurrent())
        if t is not None and t[0] is None:
            t[2] = time.time_ns()
            t[0] = time.perf_counter()
        return self._sock.sendall(data, *args)

    def recv(self, size: int, *args: Any) -> Any:
        kernel = None
        if self._stamped and not args:
            data, ancillary, _flags, _addr = self._sock.recvmsg(size, ANCILLARY)
            for level, kind, raw in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(raw) >= 16:
                    sec, nsec = struct.unpack("qq", raw[:16])
                    kernel = sec * 1_000_000_000 + nsec
        else:
            data = self._sock.recv(size, *args)
        if data:
            t = TIMING.get(getcurrent())
            if t is not None:
                t[1] = time.perf_counter()
                t[3] = kernel
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def socket_seconds(timing: list[Any]) -> float | None:
    """First byte sent to the answer's last byte, at the socket: by the kernel's arrival stamp when it is
    consistent (after the send, not after the read that returned it: a wall clock stepped meanwhile is not
    trusted), else by when the read returned; None when the socket saw no full exchange."""
    sent, read, sent_ns, kernel_ns = timing
    if sent is None or read is None or read <= sent:
        return None
    user = float(read) - float(sent)
    if kernel_ns is not None and sent_ns is not None:
        stamped = (int(kernel_ns) - int(sent_ns)) / 1e9
        if 0 < stamped <= user + 0.001:
            return min(stamped, user)
    return user


def _timed(create: Any) -> Any:
    def create_socket(pool: Any) -> Any:
        sock = create(pool)
        # plain HTTP only: a TLS socket's bytes are timed by Locust, as before (wrapping it would hide TLS)
        return TimedSocket(sock) if type(pool) is ConnectionPool else sock

    return create_socket


ConnectionPool._create_socket = _timed(ConnectionPool._create_socket)  # type: ignore[method-assign]
ENDED = (STATE_STOPPING, STATE_CLEANUP, STATE_STOPPED)
USER_INDEX = itertools.count()
"""The users this process started, in order (their phases follow)."""


class ReadinessUser(FastHttpUser):
    network_timeout = 10.0  # set by configure()
    connection_timeout = 5.0

    def wait_time(self) -> float:
        """Open loop: until this user's next intended send, whatever the last answer took; 0 when behind."""
        if PERIOD is None:
            return 0.0
        return max(0.0, self.next_due - time.perf_counter())

    def on_start(self) -> None:
        if not CONFIGURED.wait(timeout=30):  # a worker whose master never sent the run's configuration
            raise StopUser()
        self.rng = random.Random(id(self))  # noqa: S311 - picks request bodies
        self.direct: HTTPClient | None = None
        host = self.host or ""
        if host.lower().startswith("http://") and not CFG.get("stream"):
            self.direct = HTTPClient.from_url(
                host,
                concurrency=1,
                connection_timeout=self.connection_timeout,
                network_timeout=self.network_timeout,
            )
        # spread the users' phases evenly: users started together would fire in bursts (the generator's
        # own queueing would show up as latency), and random phases make a constant schedule a comb with
        # as few teeth as there are users, which a server's periodic stall meets at the same few points
        # every cycle; evenly spread, the users together send every 1/rate seconds, as one steady client
        # the schedule counts from the start of the test, not from when Locust got round to this user: a
        # user started late sends what was due meanwhile at once (the generator's lag, reported as such)
        self.next_due = (T0_CLOCK + self.phase() * PERIOD) if PERIOD else time.perf_counter()
        self.last_end = 0.0
        if PERIOD:
            gevent.sleep(max(0.0, self.next_due - time.perf_counter()))

    def phase(self) -> float:
        """This user's share of the period, in [0, 1): user k of this process, on worker w of W, is user
        k*W + w of all N (Locust deals users to workers in turn), at (k*W + w + 0.5) / N; with Poisson
        arrivals a random phase (the gaps are random anyway)."""
        if POISSON:
            return self.rng.random()
        runner = self.environment.runner
        workers = max(1, int(CFG.get("workers") or 1))
        worker = int(getattr(runner, "worker_index", 0) or 0) % workers
        users = max(1, int(CFG.get("users") or 1))
        index = next(USER_INDEX) * workers + worker
        return ((index % users) + 0.5) / users

    @task
    def call(self) -> None:
        runner = self.environment.runner
        if runner is not None and runner.state in ENDED:
            # the run has ended: Locust's stop may already be on its way to this user (it kills a user it
            # found waiting, and the kill can land in the next request), so nothing more is sent
            raise StopUser()
        intended = self.next_due
        due = intended if PERIOD else time.perf_counter()
        if CFG.get("duration_s") and due - T0_CLOCK >= float(CFG["duration_s"]):
            # due after the end of the stage (counted from this process's own start): a late stop must not
            # stretch it, so a paced stage sends exactly its rate times its duration (1 s at 40/s: 40)
            raise StopUser()
        body = self.rng.choice(ENCODED)
        if PERIOD:
            self.next_due = intended + (self.rng.expovariate(1.0 / PERIOD) if POISSON else PERIOD)
        start = time.perf_counter()
        if PERIOD:
            # past its due time the user was either still waiting for its previous answer (the model's
            # doing: counted) or waking up late (the generator's: reported, not counted)
            blocked = max(0.0, min(start, self.last_end) - intended)
            overshoot = max(0.0, start - max(intended, self.last_end))
        else:
            blocked = overshoot = 0.0
        offset = time.time() - T0 - blocked - overshoot  # when it was due
        status, error, payload, first, measured, tokens = None, None, None, None, None, 0
        timing: list[Any] = [None, None, None, None]
        TIMING[getcurrent()] = timing
        try:
            if self.direct is not None:
                status, payload = self.send_direct(body)
            else:
                status, error, payload, first, measured, tokens = self.send_locust(body, start)
        except Exception as exc:  # noqa: BLE001 - every failure is a sample, never a crash
            error = exc
        except gevent.GreenletExit:
            TIMING.pop(getcurrent(), None)
            # stopped by the end of the run while still waiting for its answer (past even the request
            # timeout's grace): a request without an answer, never silently dropped
            waited = (time.perf_counter() - start) * 1000.0
            SAMPLES.append(
                [
                    round(offset, 4),
                    waited + blocked * 1000.0,
                    "unanswered",
                    0,
                    None,
                    None,
                    waited,
                    overshoot * 1000.0,
                    blocked * 1000.0,
                ]
            )
            raise
        self.record(start, offset, blocked, overshoot, timing, status, error, payload, first, measured, tokens)

    def send_direct(self, body: bytes) -> tuple[int, bytes]:
        """One request on geventhttpclient's own HTTP client, under Locust's session and user agent
        (which cost a third of the generator's CPU per request): keep-alive, Content-Length or chunked
        answers, no redirect followed, no retry of a POST."""
        assert self.direct is not None
        response = self.direct.request(CFG["method"], CFG["path"], body=body, headers=HEADERS)
        try:
            return response.status_code, response.read()
        finally:
            response.release()

    def send_locust(self, body: bytes, start: float) -> tuple[Any, Any, Any, Any, Any, int]:
        """One request on Locust's FastHttpSession: TLS endpoints and streamed answers."""
        payload, first, measured, tokens = None, None, None, 0
        with self.client.request(
            CFG["method"],
            CFG["path"],
            data=body,  # type: ignore[arg-type]  # FastHttpSession sends bytes as they are
            headers=HEADERS,
            catch_response=True,
            name="predict",
            stream=bool(CFG.get("stream")),
            allow_redirects=False,
        ) as r:
            status = r.status_code
            error = r.request_meta.get("exception")
            if CFG.get("stream"):
                payload, first, tokens = self.read_stream(r, start)
            else:
                payload = r.content
                measured = r.request_meta.get("response_time")  # send to last body byte, by Locust
            r.success()  # readiness judges the outcome itself, below
        return status, error, payload, first, measured, tokens

    def record(
        self,
        start: float,
        offset: float,
        blocked: float,
        overshoot: float,
        timing: list[Any],
        status: Any,
        error: Any,
        payload: Any,
        first: Any,
        measured: Any,
        tokens: int,
    ) -> None:
        TIMING.pop(getcurrent(), None)
        elapsed = time.perf_counter() - start
        at_socket = None if CFG.get("stream") else socket_seconds(timing)
        if at_socket is not None:
            elapsed = at_socket  # first byte sent to last byte received, at the socket
        elif measured is not None:
            elapsed = measured / 1000.0
        kind = classify(status, error, elapsed, payload)
        ttft = None if first is None else (first - start) * 1000.0
        tpot = (elapsed * 1000.0 - ttft) / (tokens - 1) if ttft is not None and tokens > 1 else None
        self.last_end = time.perf_counter()
        # [due offset s, response time from the intended send ms, kind, status, ttft, tpot, service ms,
        #  generator lag ms, waited for the previous answer ms]
        response = (elapsed + blocked) * 1000.0
        SAMPLES.append(
            [
                round(offset, 4),
                response,
                kind,
                status or 0,
                ttft,
                tpot,
                elapsed * 1000.0,
                overshoot * 1000.0,
                blocked * 1000.0,
            ]
        )

    def read_stream(self, r: Any, start: float) -> tuple[bytes, float | None, int]:
        """Read a server-sent-event stream byte by byte (larger reads hide the first token); count the
        content-bearing chunks as tokens."""
        buf, out, first, tokens = b"", b"", None, 0
        for chunk in r.iter_content(chunk_size=1, decode_content=False):
            buf += chunk
            out += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.startswith(b"data: ") and b'"content"' in line:
                    tokens += 1
                    if first is None:
                        first = time.perf_counter()
        return out, first, tokens


@events.test_start.add_listener  # type: ignore[untyped-decorator]
def _started(environment: Any, **_kw: Any) -> None:
    """Offsets count from the start of the test (on a worker: when its master started it)."""
    global T0, T0_CLOCK
    if not isinstance(environment.runner, MasterRunner):
        T0, T0_CLOCK = time.time(), time.perf_counter()


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def _dump(environment: Any, **_kw: Any) -> None:
    environment.process_exit_code = 0
    if not SAMPLES or "READINESS_LOAD_SAMPLES" not in os.environ:
        return  # a remote worker: its samples went to the master (readiness.loadtest.cluster)
    path = os.path.join(os.environ["READINESS_LOAD_SAMPLES"], f"{os.getpid()}.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"t0": T0, "samples": SAMPLES, "cpu_s": cluster.run_cpu_s()}, fh)


if os.environ.get("READINESS_LOAD_CONFIG"):
    configure(json.load(open(os.environ["READINESS_LOAD_CONFIG"], encoding="utf-8")))
cluster.install(configure, lambda: (T0, SAMPLES), lambda: CFG)
