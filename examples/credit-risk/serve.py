"""The credit-risk example's model server: a real scikit-learn model over real HTTP on 127.0.0.1.

    python serve.py --port 8765 [--stats stats.json]

POST /predict with one applicant as JSON -> probability of default, decision, reason codes.
GET /health -> 200 once the model is loaded. The model comes from model/model.json (plain numbers, no
pickle) and is rebuilt as a scikit-learn LogisticRegression at start-up. One asyncio event loop with
keep-alive and TCP_NODELAY; a prediction takes a fraction of a millisecond, so it runs on the loop.
The server times its own handling of every prediction (from the request line to the last byte
written) and, with --stats, writes the percentiles when it stops: the truth readiness is checked against.
With --previous (a second model file), POST /admin/rollback switches every answer to it and
/admin/forward back; POST /admin/stop makes every answer a referral to a human ("refer") on open
connections too, and /admin/release resumes decisions: the switches readiness drills (ROL-003, HUM-002).
With --decision-log, every decision is written to a SQLite table (the caller's X-Request-ID and
traceparent, a UTC timestamp in microseconds, the model version, the inputs as received, the decision,
score and reasons as answered): the decision store readiness reads back for AUD-003.
GET /metrics is the Prometheus page (prometheus_client): requests, errors, request duration, the scores
answered, the fallbacks taken and the input-drift gauge, which monitoring/rules.yml alerts on (MON-002).
With --bureau-url (or BUREAU_URL), each prediction asks the credit bureau for its score within
--bureau-timeout-ms; when the bureau is down, slow or answers nonsense, the documented fallback is to refer
the application to a credit officer ("refer", degraded: true), never an error (TPR-008).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import socket
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sklearn.linear_model import LogisticRegression

HERE = Path(__file__).parent
MAX_BODY = 64 * 1024
DURATIONS_MS: list[float] = []


REGISTRY = CollectorRegistry()
REQUESTS = Counter("credit_model_requests", "Prediction requests received.", registry=REGISTRY)
ERRORS = Counter("credit_model_errors", "Prediction requests answered with an error.", registry=REGISTRY)
DURATION = Histogram(
    "credit_model_request_duration_seconds",
    "Time to answer a prediction request.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
SCORES = Histogram(
    "credit_model_score",
    "Probability of default answered.",
    buckets=(0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0),
    registry=REGISTRY,
)
FALLBACKS = Counter("credit_model_fallbacks", "Predictions referred because the bureau failed.", registry=REGISTRY)
DRIFT = Gauge(
    "credit_model_feature_psi", "PSI of each input against the reference (drift job).", ["feature"], registry=REGISTRY
)


class Bureau:
    """The credit bureau's score, asked over HTTP within a timeout; None when it is down, slow or garbled.
    Connections are kept alive in a small pool (as a production HTTP client would); a pooled connection
    that turns out dead is retried once on a fresh one, a fresh one that fails is the bureau failing."""

    def __init__(self, url: str, timeout_s: float) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.host, self.port, self.path, self.timeout_s = parts.hostname, parts.port or 80, parts.path or "/", timeout_s
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def score(self, row: dict) -> float | None:
        body = json.dumps({"applicant": row.get("application_id"), "late_payments_12m": row.get("late_payments_12m")})
        try:
            return await asyncio.wait_for(self._ask(body.encode()), self.timeout_s)
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
            return None

    async def _ask(self, body: bytes) -> float:
        while self.idle:
            reader, writer = self.idle.pop()
            try:
                return await self._exchange(reader, writer, body)
            except (OSError, asyncio.IncompleteReadError, _Closed):
                writer.close()  # went stale while idle: try the next, then a fresh connection
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            return await self._exchange(reader, writer, body)
        except _Closed:
            writer.close()
            raise ConnectionResetError("the bureau closed the connection") from None

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, body: bytes) -> float:
        keep = False
        try:
            writer.write(
                f"POST {self.path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode("latin-1")
                + body
            )
            await writer.drain()
            line = await reader.readline()
            if not line:
                raise _Closed
            status = line.split()
            if len(status) < 2 or status[1] != b"200":
                raise ValueError("bureau answered an error")
            length, close = None, False
            while (header := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
                elif name.strip().lower() == "connection" and value.strip().lower() == "close":
                    close = True
            data = await (reader.readexactly(length) if length is not None else reader.read())
            value = json.loads(data)["bureau_score"]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError("bureau score is not a number")
            keep = length is not None and not close
            return float(value)
        finally:
            if keep and len(self.idle) < 32:
                self.idle.append((reader, writer))
            elif not keep:
                writer.close()


class _Closed(Exception):  # noqa: N818 - a signal: the peer closed before answering
    pass


class Model:
    def __init__(self, path: Path) -> None:
        spec = json.loads(path.read_text(encoding="utf-8"))
        self.version = spec["version"]
        self.features = spec["features"]
        self.mean = np.array(spec["mean"])
        self.scale = np.array(spec["scale"])
        self.threshold = spec["threshold"]
        self.reasons = spec["reason_codes"]
        self.clf = LogisticRegression()
        self.clf.coef_ = np.array([spec["coef"]])
        self.clf.intercept_ = np.array([spec["intercept"]])
        self.clf.classes_ = np.array([0, 1])

    def predict(self, row: dict) -> dict:
        values = []
        for i, name in enumerate(self.features):
            value = row.get(name)
            if value is None:  # missing: the training mean, which standardises to 0 (no contribution)
                value = float(self.mean[i])
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"field {name!r} must be a finite number")
            values.append(float(value))
        z = (np.array(values) - self.mean) / self.scale
        p = float(self.clf.predict_proba(z.reshape(1, -1))[0, 1])
        contributions = self.clf.coef_[0] * z
        order = np.argsort(-contributions)
        reasons = [self.reasons[self.features[i]] for i in order[:3] if contributions[i] > 0]
        return {
            "probability_of_default": round(p, 6),
            "decision": "decline" if p >= self.threshold else "approve",
            "reason_codes": reasons or ["R00_NO_ADVERSE_FACTOR"],
            "model_version": self.version,
        }


class DecisionLog:
    """Every decision, one row, committed before the answer is sent (an answer is never ahead of its record)."""

    COLUMNS = "request_id, traceparent, timestamp, model_version, inputs, decision, score, reasons"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(path, isolation_level=None)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS decisions (request_id TEXT, traceparent TEXT, timestamp TEXT, "
            "model_version TEXT, inputs TEXT, decision TEXT, score REAL, reasons TEXT)"
        )

    def write(self, headers: dict[str, str], row: dict, out: dict) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="microseconds")
        self.con.execute(
            f"INSERT INTO decisions ({self.COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            (
                headers.get("x-request-id"),
                headers.get("traceparent"),
                stamp,
                out["model_version"],
                json.dumps(row, sort_keys=True),
                out["decision"],
                out["probability_of_default"],
                json.dumps(out["reason_codes"]),
            ),
        )


def response(status: int, body: dict | bytes, server_us: float | None = None, kind: str = "application/json") -> bytes:
    data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 413: "Payload Too Large"}[status]
    timing = f"Server-Timing: infer;dur={server_us / 1000:.3f}\r\n" if server_us is not None else ""
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {len(data)}\r\n{timing}\r\n"
    ).encode("latin-1") + data


class State:
    """What the admin switches change: which model answers, and whether decisions are stopped."""

    def __init__(self, current: Model, previous: Model | None) -> None:
        self.candidate, self.previous, self.active, self.stopped = current, previous, current, False

    def admin(self, path: str) -> dict | None:
        if path == "/admin/rollback" and self.previous is not None:
            self.active = self.previous
        elif path == "/admin/forward":
            self.active = self.candidate
        elif path == "/admin/stop":
            self.stopped = True
        elif path == "/admin/release":
            self.stopped = False
        else:
            return None
        return {"active": self.active.version, "stopped": self.stopped}


def referral(model: Model) -> dict:
    """What a stopped model answers: no automated decision, a referral to a person."""
    return {"decision": "refer", "reason_codes": ["R99_REFERRED_STOP_CONTROL"], "model_version": model.version}


async def handle(
    state: State,
    log: DecisionLog | None,
    bureau: Bureau | None,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while line := await reader.readline():
            start = time.perf_counter()
            method, path, _ = line.decode("latin-1").split(" ", 2)
            length = 0
            headers: dict[str, str] = {}
            while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            predicting = method == "POST" and path == "/predict"
            if predicting:
                REQUESTS.inc()
            if length > MAX_BODY:
                if predicting:
                    ERRORS.inc()
                # read and drop the body first: closing on an unread body resets the connection, and the
                # caller would never see the 413
                while length > 0:
                    length -= len(await reader.read(min(length, 65536)) or b"x" * length)
                writer.write(response(413, {"error": f"body larger than {MAX_BODY} bytes"}))
                await writer.drain()
                break
            body = await reader.readexactly(length) if length else b""
            model = state.active
            if method == "GET" and path == "/health":
                writer.write(response(200, {"status": "ready", "model_version": model.version}))
            elif method == "GET" and path == "/metrics":
                writer.write(response(200, generate_latest(REGISTRY), kind="text/plain; version=0.0.4"))
            elif method == "POST" and path.startswith("/admin/") and (switched := state.admin(path)) is not None:
                writer.write(response(200, switched))
            elif method == "POST" and path == "/predict" and state.stopped:
                writer.write(response(200, referral(model)))
            elif method == "POST" and path == "/predict":
                try:
                    row = json.loads(body or b"null")
                    if not isinstance(row, dict):
                        raise ValueError("body must be a JSON object")
                    out = model.predict(row)
                except (ValueError, UnicodeDecodeError) as exc:
                    ERRORS.inc()
                    writer.write(response(400, {"error": str(exc)}))
                else:
                    if bureau is not None:
                        score = await bureau.score(row)
                        if score is None:  # the documented fallback: a credit officer decides
                            FALLBACKS.inc()
                            out = {**out, "decision": "refer", "degraded": True, "bureau_score": None}
                            out["reason_codes"] = ["R98_BUREAU_UNAVAILABLE", *out["reason_codes"]]
                        else:
                            out = {**out, "bureau_score": score, "degraded": False}
                    SCORES.observe(out["probability_of_default"])
                    if log is not None:
                        log.write(headers, row, out)
                    writer.write(response(200, out, (time.perf_counter() - start) * 1e6))
                    await writer.drain()
                    DURATIONS_MS.append((time.perf_counter() - start) * 1000.0)
                    DURATION.observe(time.perf_counter() - start)
                    continue
            if predicting:
                DURATION.observe(time.perf_counter() - start)
            else:
                writer.write(response(404, {"error": "not found"}))
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        writer.close()


def stats(values: list[float]) -> dict:
    data = sorted(values)

    def pct(q: float) -> float | None:
        return data[max(0, math.ceil(q * len(data)) - 1)] if data else None

    return {"count": len(data), "p50": pct(0.5), "p99": pct(0.99), "p999": pct(0.999)}


async def serve(args: argparse.Namespace) -> None:
    model = Model(args.model)
    state = State(model, Model(args.previous) if args.previous else None)
    log = DecisionLog(args.decision_log) if args.decision_log else None
    bureau_url = args.bureau_url or os.environ.get("BUREAU_URL")
    bureau = Bureau(bureau_url, args.bureau_timeout_ms / 1000) if bureau_url else None
    for feature in model.features:
        DRIFT.labels(feature=feature).set(0.0)
    server = await asyncio.start_server(
        lambda r, w: handle(state, log, bureau, r, w), args.host, args.port, backlog=512
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"serving {model.version} on http://{args.host}:{args.port}", file=sys.stderr, flush=True)
    async with server:
        await stop.wait()
    if args.stats:
        args.stats.write_text(json.dumps(stats(DURATIONS_MS)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--model", type=Path, default=HERE / "model" / "model.json")
    parser.add_argument("--stats", type=Path, help="Write the server's own latency percentiles here on exit.")
    parser.add_argument("--previous", type=Path, help="The previous model, served after POST /admin/rollback.")
    parser.add_argument("--decision-log", type=Path, help="Write every decision to this SQLite file (table decisions).")
    parser.add_argument("--bureau-url", help="The credit bureau's score URL (default: the BUREAU_URL variable).")
    parser.add_argument("--bureau-timeout-ms", type=float, default=50.0, help="How long to wait for the bureau.")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
