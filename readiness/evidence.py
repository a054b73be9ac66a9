"""The evidence layer: the one way checks (built-in and plugins) see the world.

Everything a check learns about the model, the data or a load run comes through here, typed:

* an :class:`Answer` is one call's outcome, classified as a *good* answer (2xx with the declared
  outputs readable), an answer without the declared output, a redirect (never followed), a client
  error, a server error, a transport failure or a timeout;
* a frame (:class:`readiness.data.Frame`) knows which rows it was sampled from and the full table's
  row count;
* a load result (:class:`readiness.loadtest.runner.LoadResult`) knows its good and failed requests
  and computes percentiles from good answers only.

A check computes latency, determinism, quality or fairness from good answers only, and says how many it
had (:func:`tally`). There is one HTTP client (:class:`HttpClient`: keep-alive, hard timeouts, redirects
never followed, so credentials go nowhere but the declared endpoint) and one error base class
(:class:`EvidenceError`) that the engine turns into ERROR with its plain message.

The rule every check keeps: **no PASS without evidence**. Missing, failed or partial evidence is a FAIL
(or ERROR when nothing answered at all), and the result says what was missing.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from readiness.errors import ReadinessError

if TYPE_CHECKING:
    from readiness.check import CheckContext
    from readiness.manifest import Endpoint, Outputs
    from readiness.model import CheckResult, Finding

__all__ = [
    "Answer",
    "AnswerKind",
    "DataError",
    "Evidence",
    "EvidenceError",
    "HttpClient",
    "LoadError",
    "Precondition",
    "ServeError",
    "Tally",
    "classify",
    "number",
    "request",
    "tally",
]


# -- errors ---------------------------------------------------------------------------------------


class EvidenceError(ReadinessError):
    """Evidence could not be obtained (a server that would not start, data that cannot be read, a load
    run that produced nothing). The engine records the check as ERROR with this message, never as a
    crash; the other checks still run."""

    kind = "evidence"


class ServeError(EvidenceError):
    """The model server could not be started, did not become ready, or is not the server readiness started."""

    kind = "serve"


class DataError(EvidenceError):
    """A data source cannot be read; the message names the source."""

    kind = "data"


class LoadError(EvidenceError):
    """A load run could not run (not installed, crashed, no samples) or measured nothing."""

    kind = "load"


class Precondition(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a check (or a helper it calls) to end at once: the engine returns :attr:`result` as the
    check's own. Use it for "cannot judge, because ..." exits deep in helpers.

    ``Precondition(finding, "summary")`` (or a list of findings) concludes with the findings' verdict,
    FAIL on a high one and WARN on lesser ones, never PASS; ``Precondition(result)`` ends with a result
    built elsewhere (a NOT APPLICABLE, say)."""

    def __init__(
        self, outcome: CheckResult | Finding | Sequence[Finding], summary: str | None = None, **details: Any
    ) -> None:
        from readiness.model import CheckResult

        if isinstance(outcome, CheckResult):
            if summary is not None or details:
                raise TypeError("Precondition(result) takes no summary or details")
            self.result = outcome
        else:
            from readiness.check import fail

            if summary is None:
                raise TypeError("Precondition(findings, summary): the summary is required")
            self.result = fail(outcome, summary, **details)
        super().__init__(self.result.summary)


# -- answers --------------------------------------------------------------------------------------


class AnswerKind(StrEnum):
    GOOD = "good"
    """2xx with the declared outputs readable."""
    NO_OUTPUT = "no_output"
    """2xx, but the body is not JSON or lacks the declared output."""
    REDIRECT = "redirect"
    """3xx: readiness never follows a redirect (credentials would follow it)."""
    CLIENT_ERROR = "client_error"
    SERVER_ERROR = "server_error"
    TRANSPORT = "transport"
    """Refused, reset, unreachable: no HTTP answer at all."""
    TIMEOUT = "timeout"

    @property
    def label(self) -> str:
        return {
            "good": "good",
            "no_output": "without the declared output",
            "redirect": "redirected",
            "client_error": "client error (4xx)",
            "server_error": "server error (5xx)",
            "transport": "no answer (connection failed)",
            "timeout": "timed out",
        }[self.value]


def kind_of(status: int | None, error: str | None = None) -> AnswerKind:
    if status is None:
        text = (error or "").lower()
        return AnswerKind.TIMEOUT if ("timeout" in text or "timed out" in text) else AnswerKind.TRANSPORT
    if 200 <= status < 300:
        return AnswerKind.GOOD
    if 300 <= status < 400:
        return AnswerKind.REDIRECT
    if 400 <= status < 500:
        return AnswerKind.CLIENT_ERROR
    return AnswerKind.SERVER_ERROR


@dataclass(frozen=True)
class Answer:
    """One call's outcome. ``status`` is 200 for an in-process answer; ``body`` the parsed JSON (None
    when there is none or it is not JSON); ``error`` says what went wrong in words."""

    status: int | None
    body: Any = None
    error: str | None = None
    raw: bytes = b""
    kind: AnswerKind | None = None
    elapsed_s: float = 0.0
    location: str | None = None
    """For a redirect: where it pointed (not followed)."""

    def __post_init__(self) -> None:
        if self.kind is None:
            object.__setattr__(self, "kind", kind_of(self.status, self.error))

    @property
    def ok(self) -> bool:
        """A good answer: the only kind a measurement may use."""
        return self.kind is AnswerKind.GOOD

    @property
    def answered(self) -> bool:
        """Some HTTP answer came back (even an error)."""
        return self.status is not None

    def why(self, limit: int = 160) -> str:
        """What this answer was, in words, for findings: ``HTTP 400: {"detail": ...}``."""
        if self.kind is AnswerKind.GOOD:
            return f"HTTP {self.status}"
        if self.kind in {AnswerKind.TRANSPORT, AnswerKind.TIMEOUT}:
            return self.error or self.kind.label
        if self.kind is AnswerKind.REDIRECT:
            return f"HTTP {self.status} redirect to {self.location or '?'} (not followed)"
        excerpt = self.raw[:limit].decode("utf-8", "replace").strip() if self.raw else ""
        text = f"HTTP {self.status}" if self.status is not None else "no answer"
        if self.kind is AnswerKind.NO_OUTPUT and self.error:
            text += f" {self.error}"
        elif self.error and not self.error.startswith("HTTP"):
            text += f" ({self.error})"
        return f"{text}: {excerpt}" if excerpt else text


def number(value: Any) -> float | None:
    """A finite number from an answer value (a number, numeric text, or a one-element list), else None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = float(value)
        except ValueError:
            return None
        return parsed if math.isfinite(parsed) else None
    if isinstance(value, list) and len(value) == 1:
        return number(value[0])
    return None


def missing_output(body: Any, outputs: Outputs | None, endpoint: Endpoint | None, raw: bytes = b"") -> str | None:
    """Why a 2xx body is not a good answer (it lacks what the manifest declares), or None."""
    from readiness.adapters import required_key
    from readiness.paths import at_path

    if endpoint is not None and endpoint.stream:
        return None if raw or body is not None else "with an empty stream"
    if body is None:
        return "with a body that is not JSON"
    key = required_key(endpoint) if endpoint is not None else None
    if key and (not isinstance(body, dict) or key not in body):
        return f"without {key!r}"
    if outputs is not None:
        if outputs.score and number(at_path(body, outputs.score)) is None:
            return f"without a numeric score at {outputs.score!r}"
        if outputs.decision and at_path(body, outputs.decision) is None:
            return f"without a decision at {outputs.decision!r}"
    return None


def classify(answer: Answer, outputs: Outputs | None, endpoint: Endpoint | None) -> Answer:
    """``answer``, downgraded to NO_OUTPUT when a 2xx lacks the declared output."""
    if answer.kind is not AnswerKind.GOOD:
        return answer
    problem = missing_output(answer.body, outputs, endpoint, answer.raw)
    return answer if problem is None else replace(answer, kind=AnswerKind.NO_OUTPUT, error=problem)


@dataclass(frozen=True)
class Tally:
    """How many answers of each kind a check had, and one example of each failing kind."""

    total: int
    good: int
    kinds: dict[str, int]
    examples: dict[str, str] = field(default_factory=dict)

    @property
    def share(self) -> float:
        return self.good / self.total if self.total else 0.0

    def describe(self) -> str:
        """``0 of 20 answers were good: 20 client error (4xx), e.g. HTTP 400: {...}``."""
        head = f"{self.good} of {self.total} answers were good"
        bad = [(k, n) for k, n in self.kinds.items() if k != "good"]
        if not bad:
            return head
        parts = [f"{n} {AnswerKind(k).label}" for k, n in sorted(bad, key=lambda kv: -kv[1])]
        first = sorted(bad, key=lambda kv: -kv[1])[0][0]
        example = self.examples.get(first)
        return head + ": " + ", ".join(parts) + (f"; e.g. {example}" if example else "")

    def metrics(self) -> dict[str, Any]:
        return {"answers": self.total, "good_answers": self.good, "answer_kinds": dict(sorted(self.kinds.items()))}


def tally(answers: Iterable[Answer]) -> Tally:
    kinds: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for a in answers:
        k = a.kind.value if a.kind else "transport"
        kinds[k] += 1
        if k != "good" and k not in examples:
            examples[k] = a.why()
    return Tally(total=sum(kinds.values()), good=kinds.get("good", 0), kinds=dict(kinds), examples=examples)


# -- the one HTTP client --------------------------------------------------------------------------


def parse(raw: bytes) -> Any:
    """A JSON body, or None when there is none or it is not JSON."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


class HttpClient:
    """HTTP/1.1 with one persistent connection per thread, hard timeouts, and redirects never followed.

    A redirect is an answer of kind REDIRECT that names where it pointed: the request (and the
    credentials in its headers) is not re-sent anywhere. A stale keep-alive connection is retried once
    on a new connection; a second failure is the answer. After ``give_up`` calls in a row without any
    answer, the server is taken to be gone and further calls fail at once.
    """

    def __init__(
        self,
        url: str,
        method: str = "POST",
        headers: dict[str, str] | None = None,
        timeout: float = 5.0,
        give_up: int = 20,
    ) -> None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.url = url
        self.https, self.host, self.port = parts.scheme == "https", parts.hostname, parts.port
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.method, self.timeout, self.give_up = method, timeout, give_up
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self._local = threading.local()
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self.unanswered = 0

    def _connection(self) -> Any:
        import http.client

        conn = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            conn = self._local.conn = cls(self.host, self.port, timeout=self.timeout)
            with self._lock:
                self._connections.append(conn)
        return conn

    def call(self, body: Any = None, raw: bytes | None = None, method: str | None = None) -> Answer:
        """Send ``body`` as JSON (or ``raw`` bytes as they are); never raises for HTTP or network failures."""
        import http.client

        data = raw if raw is not None else (None if body is None else json.dumps(body).encode("utf-8"))
        if self.unanswered >= self.give_up:
            return Answer(None, error=f"not sent: {self.give_up} calls in a row got no answer")
        error = "no answer"
        start = time.perf_counter()
        deadline = start + self.timeout
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method or self.method, self.path, body=data, headers=self.headers)
                reply = conn.getresponse()
                payload = _read_bounded(reply, deadline)
            except (OSError, TimeoutError, ValueError, http.client.HTTPException) as exc:  # IncompleteRead too
                error = _describe_exception(exc)
                conn.close()
                self._local.conn = None
                if isinstance(exc, TimeoutError) or time.perf_counter() >= deadline or attempt:
                    break
                continue
            if reply.will_close:
                conn.close()
                self._local.conn = None
            with self._lock:
                self.unanswered = 0
            status = reply.status
            location = reply.getheader("Location") if 300 <= status < 400 else None
            return Answer(
                status,
                parse(payload),
                None if 200 <= status < 300 else f"HTTP {status}",
                payload,
                elapsed_s=time.perf_counter() - start,
                location=location,
            )
        with self._lock:
            self.unanswered += 1
        return Answer(None, error=error, elapsed_s=time.perf_counter() - start)

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


MAX_BODY = 64 * 1024 * 1024
"""Largest answer body read; a bigger one is cut (a model answer is never this large)."""


def _read_bounded(reply: Any, deadline: float) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = reply.read(65536)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY or time.perf_counter() > deadline + 1.0:
            break
    return b"".join(chunks)


def _describe_exception(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"timed out: {exc}" if str(exc) else "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return f"{type(exc).__name__}: {exc}"


def request(
    url: str,
    *,
    method: str = "GET",
    body: Any = None,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> Answer:
    """One request on a fresh connection (no redirects followed); never raises for HTTP or network failures."""
    try:
        client = HttpClient(url, method=method, headers=headers, timeout=timeout)
    except ValueError as exc:
        return Answer(None, error=str(exc), kind=AnswerKind.TRANSPORT)
    with client:
        return client.call(body, raw)


# -- what checks may ask for ----------------------------------------------------------------------


class Evidence:
    """The narrow interface a check sees (``ctx.evidence``): the model as typed answers, the data as
    frames, the load run as counted requests, and ``shared`` for anything else computed once per run.
    The engine owns what is behind it (servers, processes, caches) and releases it after the run."""

    def __init__(self, resources: Any) -> None:
        self._resources = resources

    def call(self, ctx: CheckContext, body: Any, raw: bytes | None = None, target: str = "model") -> Answer:
        """One request to a target (``model`` or ``champion``), as a typed, classified answer."""
        from readiness.outputs import call

        return call(ctx, body, raw, target)

    def model(self, target: str = "model") -> Any:
        """The target's handle (URL, headers, cold-start timings), starting its server on first use."""
        return self._resources.model(target)

    def target(self, name: str = "model") -> tuple[Any, Any]:
        """(endpoint, serve) of a target as declared."""
        endpoint, serve = self._resources.target(name)
        return endpoint, serve

    def frame(self, role: str) -> Any:
        """The ``production`` or ``reference`` data as a :class:`readiness.data.Frame`, read once per run."""
        return self._resources.frame(role)

    def load(self, multiplier: float, workers: int | None = None) -> Any:
        """The load stage at ``multiplier`` x the declared peak, as a LoadResult; run once per run."""
        return self._resources.load(multiplier, workers)

    def scrape(self) -> Any:
        """The model's metrics page now (``monitoring.metrics_url``) as a :class:`readiness.monitoring.Scrape`."""
        return self._resources.scrape()

    def dependency(self, name: str) -> Any:
        """The fault proxy in front of runtime dependency ``name`` (TPR-008), once the model runs."""
        return self._resources.dependency(name)

    def idle_memory(self) -> Any:
        """The model server's memory at rest before its first load stage (a MemoryTrace), or None."""
        return self._resources.idle_memory

    def started(self, target: str = "model") -> bool:
        """Whether readiness started (and so may measure and fault) this target's server."""
        return bool(self.model(target).started_by_readiness)

    def shared(self, key: Any, factory: Any) -> Any:
        """``factory()`` computed once per run for every check that asks for ``key``."""
        return self._resources.shared(key, factory)


def require_good(
    ctx: CheckContext, answers: Sequence[Answer], what: str, location: Any = None, min_share: float = 1.0
) -> Tally:
    """The tally of ``answers``; raises :class:`Precondition` with a FAIL naming what was missing when
    fewer than ``min_share`` of them (or none) are good."""
    t = tally(answers)
    if t.total and t.good and t.share >= min_share:
        return t
    from readiness.model import Finding, Severity

    message = f"{what}: {t.describe()}." if t.total else f"{what}: nothing was sent."
    raise Precondition(
        Finding(
            severity=Severity.HIGH,
            message=message,
            expected="good answers (2xx with the declared outputs)",
            observed=f"{t.good} of {t.total} good",
            location=location or ctx.at("model", "endpoint"),
            remediation="Make the model answer the requests in the evidence; check model.endpoint, "
            "its protocol and model.outputs.",
            evidence={"answer_kinds": t.kinds},
        ),
        f"Not measured: {t.good} of {t.total} answers were good",
        metrics=t.metrics(),
    )
