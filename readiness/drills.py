"""Drills: change the serving state on purpose, measure what callers see, and always put it back.

A drill (ROL-003's rollback, HUM-002's stop control) runs a declared action (a command, or an HTTP call
to an admin endpoint) while a light paced prober keeps asking the model, and reads from the answers when
the new state took hold. Whatever happens in between, the restoring action runs (``finally``); a restore
that fails or does not take hold raises :class:`RestoreError`, which the engine records as an ERROR that
blocks the verdict, so that a run never leaves a model rolled back or stopped without saying so loudly.

Drills run against servers readiness started itself; an external endpoint only with ``--allow-drills``.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from readiness.evidence import Answer, EvidenceError, request
from readiness.manifest import DrillAction, LoadedManifest

ACTION_OUTPUT = 300
"""Characters of an action's output kept for the finding."""


class RestoreError(EvidenceError):
    """A drill could not put the serving state back (roll forward, release the stop)."""

    kind = "restore"


@dataclass(frozen=True)
class Sample:
    at: float
    """time.time() when the answer arrived."""
    answer: Answer


class Prober:
    """Calls ``ask()`` every ``interval_s`` in a background thread and keeps every answer with its time."""

    def __init__(self, ask: Callable[[], Answer], interval_s: float) -> None:
        self.ask, self.interval_s = ask, interval_s
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="readiness-drill-prober", daemon=True)

    def _loop(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            answer = self.ask()
            self.samples.append(Sample(time.time(), answer))
            next_at += self.interval_s
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def since(self, t: float) -> list[Sample]:
        return [s for s in list(self.samples) if s.at >= t]

    def wait_until(
        self, since: float, holds: Callable[[Answer], bool], timeout_s: float, settle: int = 3
    ) -> float | None:
        """The arrival time of the first answer after ``since`` from which ``settle`` answers in a row (and
        every later one seen while waiting) satisfy ``holds``; None when that did not happen in time."""
        deadline = time.time() + timeout_s
        while True:
            found = first_settled(self.since(since), holds, settle)
            if found is not None or time.time() >= deadline:
                return found
            time.sleep(self.interval_s)


def first_settled(samples: list[Sample], holds: Callable[[Answer], bool], settle: int = 3) -> float | None:
    """The time of the first sample from which every later sample holds, given at least ``settle`` of them."""
    start = None
    for i, s in enumerate(samples):
        if holds(s.answer):
            if start is None:
                start = i
        else:
            start = None
    if start is None or len(samples) - start < settle:
        return None
    return samples[start].at


def run_action(loaded: LoadedManifest, action: DrillAction, port: int | None) -> str | None:
    """Run a drill action; None when it succeeded, else why not (its exit code or answer, and output)."""
    if action.command:
        from readiness import processes

        argv = [a.replace("{port}", str(port)) if port is not None else a for a in action.command]
        import tempfile

        # output to a file, not a pipe: a child the command leaves behind would hold a pipe open
        with tempfile.TemporaryFile() as log:
            try:  # its own process group, registered: a hung or orphaning command is stopped with its children
                proc = subprocess.Popen(  # noqa: S603 - the manifest's own command, as model.serve's is
                    argv,
                    cwd=loaded.base_dir,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            except OSError as exc:
                return f"{argv[0]}: {type(exc).__name__}: {exc}"[:ACTION_OUTPUT]
            processes.register(proc.pid)
            try:
                proc.wait(timeout=action.timeout_s)
            except subprocess.TimeoutExpired:
                return f"{' '.join(argv)[:120]} did not finish within {action.timeout_s:g} s (stopped)"
            finally:
                processes.stop_group(proc.pid, proc, grace_s=0.5)  # with any child it left behind
            log.seek(0)
            tail = log.read().decode("utf-8", "replace").strip()[-ACTION_OUTPUT:]
        if proc.returncode != 0:
            return f"{' '.join(argv)[:120]} exited with {proc.returncode}" + (f": {tail}" if tail else "")
        return None

    url = (action.url or "").replace("{port}", str(port)) if port is not None else (action.url or "")
    answer = request(url, method=action.method, body=action.body, timeout=action.timeout_s)
    if answer.status is None or not 200 <= answer.status < 300:
        return f"{action.method} {url}: {answer.why()}"
    return None


def port_of(url: str | None) -> int | None:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url or "").port
    except ValueError:
        return None


def describe_action(action: DrillAction) -> str:
    return " ".join(action.command) if action.command else f"{action.method} {action.url}"


def summarise(samples: list[Sample], holds: Callable[[Answer], bool]) -> dict[str, Any]:
    return {"answers": len(samples), "holding": sum(1 for s in samples if holds(s.answer))}
