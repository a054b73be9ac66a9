"""In-process models (``kind: python`` and ``kind: file``) run in a child process that readiness supervises.

The model's code never runs inside readiness: a model that calls ``os._exit(0)``, crashes the
interpreter or hangs ends or stalls its child, and that is the calling check's evidence (an answer of
kind server error or timeout; the child is started again for the next call). readiness's own exit code
is never the model's. The microsecond harness of LAT-006 runs inside the child, next to the model, so it
times the model and not the pipe between the processes.

A scikit-learn file (``kind: file``) gets a one-row pandas DataFrame with its ``feature_names_in_``, as
it was trained; the warnings a model emits are counted in the child and summarised, never streamed.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from typing import Any

from readiness.evidence import Answer, EvidenceError

__all__ = ["ModelProcess", "jsonable"]

LOAD_TIMEOUT_S = 120.0


def _load(base_dir: str, kind: str, spec: str | None, path: str | None) -> Any:
    """The model as a callable taking one row. A scikit-learn file answers ``{"prediction": label,
    "score": probability of the last class}`` (score when it has ``predict_proba``)."""
    if kind == "python":
        from readiness.adapters import import_from

        return import_from(base_dir, spec or "")
    import joblib  # scikit-learn's own persistence; loading runs code from the named file only

    model = joblib.load(path)
    names = [str(n) for n in getattr(model, "feature_names_in_", [])]
    proba = getattr(model, "predict_proba", None)
    if names:
        import pandas as pd

        def values(row: dict[str, Any]) -> Any:
            return pd.DataFrame([[row[n] for n in names]], columns=names)
    else:

        def values(row: dict[str, Any]) -> Any:
            return [list(row.values())]

    def predict(row: dict[str, Any]) -> Any:
        x = values(row)
        answer = {"prediction": model.predict(x)[0].item()}
        if proba is not None:
            answer["score"] = float(proba(x)[0][-1])
        return answer

    return predict


def _child(conn: Any, base_dir: str, kind: str, spec: str | None, path: str | None) -> None:  # pragma: no cover
    """The child's loop (covered through the tests that run models, in another process)."""
    import warnings

    from readiness import processes

    processes.forget_inherited()  # the watchdog's pipe and the parent's groups are the parent's
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not readiness's handlers (fork copies them)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is readiness's to handle; it stops this process
    if hasattr(os, "setsid"):
        try:
            os.setsid()  # its own group, so that readiness's supervisor can kill it and whatever it starts
        except OSError:
            pass
    warned: Counter[str] = Counter()

    def showwarning(message: Any, category: Any, *_a: Any, **_k: Any) -> None:
        warned[f"{category.__name__}: {str(message)[:160]}"] += 1

    warnings.showwarning = showwarning
    warnings.simplefilter("always")
    try:
        fn = _load(base_dir, kind, spec, path)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent as the load failure
        conn.send(("load_error", f"{type(exc).__name__}: {exc}"[:500]))
        return
    conn.send(("ready", None))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return  # readiness is gone
        if msg[0] == "stop":
            return
        if msg[0] == "warnings":
            conn.send(("warnings", dict(warned)))
        elif msg[0] == "call":
            try:
                out = fn(msg[1])
            except (ValueError, TypeError, KeyError) as exc:  # a clear rejection of a bad input
                conn.send(("rejected", f"{type(exc).__name__}: {exc}"[:500]))
                continue
            except Exception as exc:  # noqa: BLE001 - anything else is the model crashing on the input
                conn.send(("crashed", f"{type(exc).__name__}: {exc}"[:500]))
                continue
            conn.send(("ok", jsonable(out)))
        elif msg[0] == "many":
            results = []
            for row in msg[1]:
                try:
                    results.append(("ok", jsonable(fn(row))))
                except (ValueError, TypeError, KeyError) as exc:
                    results.append(("rejected", f"{type(exc).__name__}: {exc}"[:500]))
                except Exception as exc:  # noqa: BLE001
                    results.append(("crashed", f"{type(exc).__name__}: {exc}"[:500]))
            conn.send(("many", results))
        elif msg[0] == "time":
            rows, calls, overhead_calls = msg[1], msg[2], msg[3]
            from readiness.harness import harness

            for row in rows[:50]:
                fn(row)  # warm-up
            overhead = harness(lambda row: None, rows, overhead_calls)
            conn.send(("timed", (harness(fn, rows, calls), overhead)))


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (numpy values as Python ones; anything else as text)."""
    import json

    try:
        return json.loads(json.dumps(value, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)))
    except (TypeError, ValueError):
        return str(value)


class ModelProcess:
    """A supervised child process holding one in-process model."""

    close_with_run = True  # Resources.close stops it with the run

    def __init__(self, base_dir: str, kind: str, spec: str | None, path: str | None, timeout_s: float) -> None:
        self.args = (base_dir, kind, spec, path)
        self.timeout_s = timeout_s
        self.proc: Any = None
        self.conn: Any = None
        self.lock = threading.Lock()
        self.restarts = 0
        self.warnings: Counter[str] = Counter()

    @classmethod
    def for_endpoint(cls, loaded: Any, endpoint: Any) -> ModelProcess:
        path = str(loaded.resolve(endpoint.path)) if endpoint.kind == "file" and endpoint.path else None
        return cls(str(loaded.base_dir), endpoint.kind, endpoint.callable, path, endpoint.timeout_s)

    def _start(self) -> None:
        import multiprocessing

        from readiness import processes

        # fork where there is one (milliseconds, and modules the parent already imported are not imported
        # again); a fresh interpreter elsewhere
        methods = multiprocessing.get_all_start_methods()
        mp: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        parent, child = mp.Pipe()
        self.proc = mp.Process(target=_child, args=(child, *self.args), daemon=True, name="readiness-model")
        self.proc.start()
        child.close()
        self.conn = parent
        processes.register(self.proc.pid)
        if not parent.poll(LOAD_TIMEOUT_S):
            self._kill()
            raise EvidenceError(f"the model did not load within {LOAD_TIMEOUT_S:g} s")
        try:
            kind, detail = parent.recv()
        except (EOFError, OSError):
            code = self._reap()
            raise EvidenceError(f"the model process exited with code {code} while loading the model") from None
        if kind == "load_error":
            self._kill()
            raise EvidenceError(f"cannot load the model: {detail}")

    def _reap(self) -> int | None:
        self.proc.join(timeout=5)
        code: int | None = self.proc.exitcode
        self._kill()
        return code

    def _kill(self) -> None:
        from readiness import processes

        if self.proc is None:
            return
        if self.proc.is_alive():
            processes.stop_group(self.proc.pid, grace_s=0.5)
            if self.proc.is_alive():  # killed before it had its own group
                self.proc.kill()
            self.proc.join(timeout=5)
        else:
            processes.stop_group(self.proc.pid, grace_s=0.0)  # what it started may still run
        self.conn.close()
        self.proc = None

    def _ask(self, message: tuple[Any, ...], timeout_s: float) -> tuple[str, Any]:
        """Send one message and wait for the answer; ("died", code) or ("timeout", None) when there is none."""
        if self.proc is None or not self.proc.is_alive():
            if self.proc is not None:
                self._reap()
                self.restarts += 1
            self._start()
        try:
            self.conn.send(message)
            if not self.conn.poll(timeout_s):
                self._kill()
                return "timeout", None
            kind, detail = self.conn.recv()
            return str(kind), detail
        except (EOFError, OSError, BrokenPipeError):
            return "died", self._reap()

    def call_many(self, rows: list[Any], batch: int = 256) -> list[Answer]:
        """One answer per row, sent in batches (one round trip each); a batch during which the model's
        process exits or hangs is sent again row by row, so that each row gets its own evidence."""
        out: list[Answer] = []
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            start = time.perf_counter()
            with self.lock:
                kind, detail = self._ask(("many", chunk), self.timeout_s * len(chunk))
            if kind != "many":
                out += [self.call(row) for row in chunk]
                continue
            each = (time.perf_counter() - start) / max(len(chunk), 1)
            out += [self._answer(k, d, each) for k, d in detail]
        return out

    def call(self, row: Any) -> Answer:
        start = time.perf_counter()
        with self.lock:
            kind, detail = self._ask(("call", row), self.timeout_s)
        return self._answer(kind, detail, time.perf_counter() - start)

    def _answer(self, kind: str, detail: Any, elapsed: float) -> Answer:
        if kind == "ok":
            return Answer(200, detail, elapsed_s=elapsed)
        if kind == "rejected":
            return Answer(400, error=detail, elapsed_s=elapsed)
        if kind == "crashed":
            return Answer(500, error=detail, elapsed_s=elapsed)
        if kind == "timeout":
            return Answer(
                None, error=f"timed out after {self.timeout_s:g} s (the model process was stopped)", elapsed_s=elapsed
            )
        return Answer(500, error=f"the model process exited (code {detail}) on this input", elapsed_s=elapsed)

    def time(self, rows: list[Any], calls: int, overhead_calls: int, timeout_s: float) -> tuple[list[int], list[int]]:
        """Per-call nanoseconds of ``calls`` calls, and of an empty call (the harness's own cost), timed
        in the child."""
        with self.lock:
            kind, detail = self._ask(("time", rows, calls, overhead_calls), timeout_s)
        if kind != "timed":
            raise EvidenceError(
                f"in-process timing failed: the model process {kind}" + (f" ({detail})" if detail is not None else "")
            )
        calls_ns, overhead_ns = detail
        return list(calls_ns), list(overhead_ns)

    def warning_counts(self) -> dict[str, int]:
        with self.lock:
            if self.proc is None or not self.proc.is_alive():
                return {}
            kind, detail = self._ask(("warnings",), 10.0)
        return detail if kind == "warnings" else {}

    def close(self) -> None:
        with self.lock:
            if self.proc is not None and self.proc.is_alive():
                try:
                    self.conn.send(("stop",))
                    self.proc.join(timeout=2)
                except (OSError, BrokenPipeError):
                    pass
            self._kill()
