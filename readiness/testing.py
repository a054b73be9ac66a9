"""Fakes and helpers for testing checks, ours and plugins' alike.

* :class:`FakeModel` is a real HTTP server on 127.0.0.1 with a chosen behaviour: good answers, a fixed
  status for everything (400, 500), answers without the declared output, a fresh UUID in every
  answer, a redirect, or garbage. :func:`refused_url` is a URL where nothing listens.
* :data:`BROKEN_EVIDENCE` names the evidence sources a check must never PASS on; :func:`broken_manifest`
  writes a manifest (and its data files) that feeds every check one of them, for the contract test:
  run every check under it and assert that none passes.
* :func:`run_check` runs one check as the engine does (isolated, with ``Precondition`` and
  ``EvidenceError`` mapped, personal values scrubbed) against a manifest given as a dict, YAML text or
  a path, and releases what it started.

Network traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["BROKEN_EVIDENCE", "FakeModel", "broken_manifest", "refused_url", "run_check"]

GOOD = {"score": 0.42, "decision": "approve", "reason_codes": ["R01"]}


def refused_url(path: str = "/predict") -> str:
    """A URL on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


class FakeModel:
    """A real model server on 127.0.0.1 with one behaviour:

    ``good`` (``answer`` or a score, decision and reasons), ``status:400`` / ``status:500`` (that status
    and a JSON error for every request, the ready URL included), ``no_output`` (200 without the declared
    outputs), ``uuid`` (a good answer plus a fresh ``id`` per call, as MLServer's v2 answers carry),
    ``redirect`` (302 to ``redirect_to``), ``garbage`` (200 with a body that is not JSON), ``random``
    (a good answer whose score changes on every call) and ``fragile`` (good answers to well-formed
    inputs, 500 for a null, a missing field of the request example, non-JSON or an oversized body).
    Every request body it received is kept in ``bodies`` (parsed JSON, or None).
    """

    def __init__(
        self, behaviour: str = "good", answer: Any = None, redirect_to: str | None = None, needs: tuple[str, ...] = ()
    ) -> None:
        self.behaviour, self.answer, self.redirect_to = behaviour, answer if answer is not None else GOOD, redirect_to
        self.needs = needs
        self.requests = 0
        self.headers_seen: list[dict[str, str]] = []
        self.bodies: list[Any] = []
        self._rng = __import__("random").Random(5)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once: no delayed-ACK stalls

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _reply(self, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                with fake._lock:
                    fake.requests += 1
                    fake.headers_seen.append(dict(self.headers))
                    if len(fake.bodies) < 10_000 and length < 100_000:
                        fake.bodies.append(body)
                b = fake.behaviour
                if b == "fragile":
                    broken = (
                        not isinstance(body, dict)
                        or length > 100_000
                        or any(v is None for v in body.values())
                        or any(k not in body for k in fake.needs)
                    )
                    b = "status:500" if broken and self.command != "GET" else "good"
                if b == "random":
                    with fake._lock:
                        score = fake._rng.random()
                    self._reply(200, json.dumps({**fake.answer, "score": score}).encode())
                    return
                if b.startswith("status:"):
                    code = int(b.split(":", 1)[1])
                    self._reply(code, json.dumps({"error": f"always {code}"}).encode())
                elif b == "no_output":
                    self._reply(200, b'{"result": "ok"}')
                elif b == "uuid":
                    self._reply(200, json.dumps({**fake.answer, "id": str(uuid.uuid4())}).encode())
                elif b == "redirect":
                    self._reply(302, b"{}", {"Location": fake.redirect_to or "http://127.0.0.1:9/"})
                elif b == "garbage":
                    self._reply(200, b"<html>not json</html>")
                else:
                    self._reply(200, json.dumps(fake.answer).encode())

            do_GET = do_POST = do_PUT = _any  # noqa: N815 - http.server's names

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/predict"

    def start(self) -> FakeModel:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeModel:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


BROKEN_EVIDENCE = (
    "no endpoint",
    "refused",
    "every answer 400",
    "every answer 500",
    "no declared output",
    "empty data file",
    "all-null columns",
)
"""The evidence sources no check may PASS on."""

COLUMNS = ("application_id", "applied_at", "income", "age", "region", "sex", "defaulted")


def _rows(n: int, null: bool) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for i in range(n):
        if null:
            rows.append(["", "", "", "", "", "", ""])
        else:
            rows.append(
                [
                    f"A{i:04d}",
                    f"2026-11-01T09:{i % 60:02d}:00.000000+00:00",
                    30000 + 97 * i,
                    20 + i % 50,
                    "north" if i % 3 else "south",
                    "F" if i % 2 else "M",
                    int(i % 4 == 0),
                ]
            )
    return rows


def _csv(path: Path, rows: list[list[Any]]) -> None:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerows(rows)


def broken_manifest(folder: Path, model: str, data: str) -> Path:
    """Write ``folder/readiness.yaml`` with the model evidence ``model`` (one of no endpoint, refused, or
    a URL of a :class:`FakeModel`) and the data evidence ``data`` (empty data file, all-null columns) for
    every data role. Everything a check could read is declared, so each check meets the broken source;
    nothing is attested, so the attested checks have nothing to pass on either."""
    import yaml

    rows = [] if data == "empty data file" else _rows(300, null=True)
    for role in ("production", "reference", "evaluation"):
        _csv(folder / "data" / f"{role}.csv", rows)
    manifest: dict[str, Any] = {
        "apiVersion": "readiness/v1",
        "model": {
            "id": "broken",
            "name": "Broken evidence",
            "version": "0.0.1",
            "outputs": {"score": "score", "decision": "decision", "adverse": ["decline"]},
        },
        "data": {
            "production": {"path": "data/production.csv"},
            "reference": {"path": "data/reference.csv"},
            "evaluation": {"path": "data/evaluation.csv"},
            "keys": ["application_id"],
            "columns": {
                "income": {"type": "float", "min": 0, "max_null_rate": 0.1, "required": True},
                "age": {"type": "int", "min": 18, "max": 120, "required": True},
                "region": {"type": "str", "allowed": ["north", "south"]},
                "application_id": {"type": "str", "unique": True},
            },
            "timestamps": {"column": "applied_at", "precision": "us"},
            "freshness": {"column": "applied_at", "max_age_hours": 1e6},
            "volume": {"min_rows": 1},
            "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "income"}}],
        },
        "service_levels": {
            "latency_ms": {"p50": 200, "p99": 1000},
            "peak_rps": 10,
            "peak_concurrency": 2,
            "max_error_rate": 0.01,
            "cold_start_s": 30,
        },
        "load_test": {"duration_s": 1, "warmup_s": 0, "stages": [1.0, 2.0], "sample_rows": 20},
        "explainability": {"response_path": "reason_codes", "reason_code_catalogue": ["R01"]},
        "evaluation": {"label": "defaulted", "positive_label": 1, "metrics": {"auc": {"min": 0.5}}},
        "fairness": {"protected_attributes": ["sex"]},
    }
    if model != "no endpoint":
        url = refused_url() if model == "refused" else model
        manifest["model"]["endpoint"] = {
            "url": url,
            "timeout_s": 1,
            "request_example": {"income": 50000, "age": 40, "region": "north"},
        }
        manifest["champion"] = {"version": "0.0.0", "endpoint": {"url": url, "timeout_s": 1}}
    path = folder / "readiness.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return path


def run_check(
    check: Any,
    manifest: Any,
    *,
    base_dir: Path | None = None,
    params: dict[str, Any] | None = None,
    now: datetime | None = None,
    profile: str = "default",
    timeout_s: float | None = None,
) -> Any:
    """Run one check (a class, or an id of a registered check) against ``manifest`` (a path, YAML text
    or a dict; text and dicts are written to ``base_dir``) as the engine would, and return its
    :class:`~readiness.model.CheckResult`."""
    import yaml

    from readiness import privacy
    from readiness.check import CheckContext
    from readiness.engine import _isolated
    from readiness.manifest import load_manifest
    from readiness.profile import load_profile
    from readiness.registry import load_registry
    from readiness.resources import Resources

    if isinstance(check, str):
        check = load_registry().get(check).check
    if not isinstance(manifest, Path):
        if base_dir is None:
            raise ValueError("base_dir is needed to write a manifest given as text or a dict")
        text = manifest if isinstance(manifest, str) else yaml.safe_dump(manifest, sort_keys=False)
        path = Path(base_dir) / "readiness.yaml"
        path.write_text(text, encoding="utf-8")
        manifest = path
    loaded = load_manifest(manifest)
    prof = load_profile(profile)
    merged = {k: p.default for k, p in check.params.items()} | prof.settings(check.id).params | (params or {})
    resources = Resources(loaded)
    try:
        ctx = CheckContext(
            loaded=loaded,
            params=merged,
            now=now or datetime.now(UTC),
            resources=resources,
            profile_name=prof.name,
            attestation_max_age_days=prof.attestation_max_age_days,
        )
        result, _ = _isolated(check, ctx, timeout_s or check.timeout_s, debug=False)
    finally:
        resources.close()
    return privacy.scrubber(loaded).result(result)


def each_check() -> list[Callable[..., Any]]:
    """Every registered check class (built-in and installed plugins)."""
    from readiness.registry import load_registry

    return [reg.check for reg in load_registry()]
