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
* :func:`write_manifest` turns a manifest *snippet* (just the sections a test is about) into a valid
  manifest file; :func:`check_context` gives the :class:`~readiness.check.CheckContext` a check would
  get, for testing helpers one at a time.
* :func:`load_cases` reads a YAML case table (sqlfluff's ``load_test_cases`` style): each case a
  manifest snippet, optional params and date, and what the result must be; :meth:`Case.check_against`
  runs it and raises ``AssertionError`` naming every mismatch. ``pytest.mark.parametrize("case",
  load_cases(path), ids=str)`` makes each case a test.

Network traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = [
    "BROKEN_EVIDENCE",
    "Case",
    "FakeModel",
    "broken_manifest",
    "check_context",
    "load_cases",
    "refused_url",
    "run_check",
    "write_manifest",
]

GOOD = {"score": 0.42, "decision": "approve", "reason_codes": ["R01"]}


_HELD: list[socket.socket] = []
"""The ports refused_url handed out, kept bound (never listening) for the life of the process."""


def refused_url(path: str = "/predict") -> str:
    """A URL on 127.0.0.1 where nothing listens, and nothing will: its port stays bound, without
    listening, for the life of the process, so connections are refused and no other server (another
    test's, in a parallel run) can take the port over."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    _HELD.append(s)
    return f"http://127.0.0.1:{s.getsockname()[1]}{path}"


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
        "load_test": {"duration_s": 1, "warmup_s": 0, "stages": [1.0, 2.0], "sample_rows": 20, "min_samples": 0},
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
    allow_drills: bool = False,
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
            allow_drills=allow_drills,
        )
        result, _ = _isolated(check, ctx, timeout_s or check.timeout_s, debug=False)
    finally:
        resources.close()
    return privacy.scrubber(loaded).result(result)


def each_check() -> list[Callable[..., Any]]:
    """Every registered check class (built-in and installed plugins)."""
    from readiness.registry import load_registry

    return [reg.check for reg in load_registry()]


# -- manifests from snippets, contexts, case tables ------------------------------------------------

MINIMAL_MODEL = {"id": "m", "name": "M", "version": "1.0.0"}
"""The model section a snippet without one gets; a snippet's ``model`` keys are laid over it."""


def write_manifest(snippet: Mapping[str, Any] | str, base_dir: Path, name: str = "readiness.yaml") -> Path:
    """Write a valid manifest made of ``snippet`` (a dict or YAML text of just the sections a test is
    about) over a minimal one: ``apiVersion`` and :data:`MINIMAL_MODEL` are filled in where the snippet
    leaves them out."""
    import yaml

    data = yaml.safe_load(snippet) if isinstance(snippet, str) else dict(snippet)
    if not isinstance(data, dict):
        raise ValueError("a manifest snippet is a mapping of sections")
    data.setdefault("apiVersion", "readiness/v1")
    data["model"] = {**MINIMAL_MODEL, **(data.get("model") or {})}
    path = Path(base_dir) / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@contextmanager
def check_context(
    manifest: Path | Mapping[str, Any] | str,
    *,
    base_dir: Path | None = None,
    check: Any = None,
    params: dict[str, Any] | None = None,
    now: datetime | None = None,
    profile: str = "default",
) -> Iterator[Any]:
    """The :class:`~readiness.check.CheckContext` a check would get for ``manifest`` (a path, or a
    snippet written with :func:`write_manifest` into ``base_dir``), with ``check``'s parameters (its
    defaults, the profile's, then ``params``). What the context starts (a model server) is stopped on
    leaving the block."""
    from readiness.check import CheckContext
    from readiness.manifest import load_manifest
    from readiness.profile import load_profile
    from readiness.registry import load_registry
    from readiness.resources import Resources

    if isinstance(check, str):
        check = load_registry().get(check).check
    if not isinstance(manifest, Path):
        if base_dir is None:
            raise ValueError("base_dir is needed to write a manifest snippet")
        manifest = write_manifest(manifest, base_dir)
    loaded = load_manifest(manifest)
    prof = load_profile(profile)
    defaults = {k: p.default for k, p in check.params.items()} | prof.settings(check.id).params if check else {}
    resources = Resources(loaded)
    try:
        yield CheckContext(
            loaded=loaded,
            params={**defaults, **(params or {})},
            now=now or datetime.now(UTC),
            resources=resources,
            profile_name=prof.name,
            attestation_max_age_days=prof.attestation_max_age_days,
        )
    finally:
        resources.close()


@dataclass(frozen=True)
class Case:
    """One row of a case table: a manifest snippet, and what a check must conclude on it."""

    name: str
    check: str
    manifest: Mapping[str, Any]
    expect: Mapping[str, Any]
    params: Mapping[str, Any] = field(default_factory=dict)
    as_of: date | None = None
    files: Mapping[str, Any] = field(default_factory=dict)
    """Extra files written beside the manifest (a model card, a decision log): name to text, or to a
    list of records, written as JSON Lines."""
    source: str = ""
    """Where the case is written: ``file:line``, for failure messages."""

    def __str__(self) -> str:
        return self.name

    def run(self, base_dir: Path, check: Any = None) -> Any:
        """The check's result on this case (``check`` overrides the table's id: a class, for a plugin
        not installed)."""
        for rel, text in self.files.items():
            target = Path(base_dir) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            body = text if isinstance(text, str) else "".join(json.dumps(r) + "\n" for r in text)
            target.write_text(body, encoding="utf-8")
        path = write_manifest(self.manifest, base_dir)
        now = datetime.combine(self.as_of, time(12), tzinfo=UTC) if self.as_of else None
        return run_check(check or self.check, path, params=dict(self.params), now=now)

    def check_against(self, base_dir: Path, check: Any = None) -> Any:
        """Run the case and raise ``AssertionError`` listing every expectation the result missed."""
        result = self.run(base_dir, check)
        problems = mismatches(result, self.expect)
        if problems:
            raise AssertionError(f"case {self.name} ({self.source}):\n  " + "\n  ".join(problems))
        return result


EXPECT_KEYS = ("status", "summary", "findings", "messages", "no_messages", "severities", "metrics", "score", "evidence")


def mismatches(result: Any, expect: Mapping[str, Any]) -> list[str]:
    """What of ``expect`` the result does not meet. Keys: ``status`` (pass, warn, fail, error,
    not_applicable, skipped), ``summary`` (a substring), ``findings`` (how many), ``messages`` (substrings
    each found in some finding), ``no_messages`` (substrings no finding has), ``severities`` (the
    findings' severities, most severe first), ``metrics`` (a subset of the metrics), ``score``,
    ``evidence`` (measured, imported or attested). Every finding that points into the manifest must
    name its line."""
    out = []
    unknown = set(expect) - set(EXPECT_KEYS)
    if unknown:
        out.append(f"unknown expectation(s) {sorted(unknown)}; use {', '.join(EXPECT_KEYS)}")
    if "status" in expect and result.status.value != expect["status"]:
        out.append(f"status {result.status.value!r}, expected {expect['status']!r} ({result.summary})")
    if "summary" in expect and str(expect["summary"]) not in result.summary:
        out.append(f"summary {result.summary!r} does not contain {expect['summary']!r}")
    if "findings" in expect and len(result.findings) != expect["findings"]:
        out.append(
            f"{len(result.findings)} finding(s), expected {expect['findings']}: "
            + "; ".join(f.message for f in result.findings)
        )
    messages = [f.message for f in result.findings]
    for text in expect.get("messages", ()):
        if not any(str(text) in m for m in messages):
            out.append(f"no finding mentions {text!r}; findings: {messages}")
    for text in expect.get("no_messages", ()):
        if any(str(text) in m for m in messages):
            out.append(f"a finding mentions {text!r}: {messages}")
    if "severities" in expect:
        got = [f.severity.name.lower() for f in result.findings]
        if got != [str(s).lower() for s in expect["severities"]]:
            out.append(f"severities {got}, expected {list(expect['severities'])}")
    for key, value in (expect.get("metrics") or {}).items():
        if result.metrics.get(key) != value:
            out.append(f"metric {key} = {result.metrics.get(key)!r}, expected {value!r}")
    if "score" in expect and result.score != expect["score"]:
        out.append(f"score {result.score}, expected {expect['score']}")
    if "evidence" in expect and result.evidence_kind.value != expect["evidence"]:
        out.append(f"evidence {result.evidence_kind.value!r}, expected {expect['evidence']!r}")
    for f in result.findings:
        if f.location is not None and f.location.field and f.location.file and f.location.line is None:
            out.append(f"finding {f.message!r} points at {f.location.field} without a line")
    return out


def load_cases(path: Path | str) -> list[Case]:
    """The cases of a YAML case table::

        check: OWN-001            # the default check of every case
        as_of: 2026-11-22         # optional: the date every case is judged on
        cases:
          - name: a team is not an owner
            manifest: {owners: {production_owner: {name: ML Platform Team}}}
            params: {}            # optional
            as_of: 2026-11-22     # optional: the date the check judges ages by
            files: {MODEL_CARD.md: "..."}   # optional
            expect: {status: fail, messages: [reads as a team]}

    Read with readiness's safe YAML loader; a malformed table names its file, line and field."""
    from readiness.errors import ManifestError
    from readiness.yamlsource import load_yaml

    source = load_yaml(Path(path), error=ManifestError, interpolate=False)
    data = source.data
    where = str(path)
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise ManifestError("a case table is a mapping with a list of cases", file=where, field="cases")
    default_check = data.get("check")
    default_as_of = data.get("as_of")
    out = []
    for i, raw in enumerate(data["cases"]):
        line = source.lines.get(("cases", i))
        if not isinstance(raw, dict) or not raw.get("name") or not isinstance(raw.get("expect"), dict):
            raise ManifestError(
                "each case needs a name and an expect mapping", file=where, line=line, field=f"cases[{i}]"
            )
        check = raw.get("check", default_check)
        if not check:
            raise ManifestError(
                "no check: give one for the table or the case", file=where, line=line, field=f"cases[{i}].check"
            )
        as_of = raw.get("as_of", default_as_of)
        if isinstance(as_of, str):
            as_of = date.fromisoformat(as_of)
        out.append(
            Case(
                name=str(raw["name"]),
                check=str(check),
                manifest=raw.get("manifest") or {},
                expect=raw["expect"],
                params=raw.get("params") or {},
                as_of=as_of,
                files=raw.get("files") or {},
                source=f"{path}:{line}" if line else str(path),
            )
        )
    names = [c.name for c in out]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ManifestError(f"case names repeat: {', '.join(duplicated)}", file=where, field="cases")
    return out
