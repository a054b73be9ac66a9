"""Memory of a server's whole process tree, read from Linux's /proc (LAT-007).

A server readiness starts leads its own session (``start_new_session``), so every process it forks
(workers, a reloader, a child that was re-parented) shares that session id. The tree's memory is the
sum of each process's *proportional* set size (PSS, ``/proc/PID/smaps_rollup``): pages shared between
forked workers are split between them instead of being counted once per worker, so the figure is what
the replica really occupies. Where PSS cannot be read, resident set size (RSS) is summed instead and the
sample says so.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MemorySample", "MemoryTrace", "Sampler", "tree_memory"]

PROC = Path("/proc")


@dataclass(frozen=True)
class MemorySample:
    at_s: float
    """perf_counter time of the sample."""
    bytes: int
    processes: int
    measure: str
    """"pss" or "rss"."""

    @property
    def mb(self) -> float:
        return self.bytes / 1_000_000


def _session_members(sid: int) -> list[int]:
    members = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command may hold spaces and parentheses: fields follow the last ')'
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 3 and int(fields[3]) == sid:
            members.append(int(entry.name))
    return members


def _pss_kb(pid: int) -> int | None:
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _rss_kb(pid: int) -> int | None:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return 0  # a zombie has no VmRSS line


def tree_memory(leader: int, members: list[int] | None = None) -> MemorySample | None:
    """The memory of every process in ``leader``'s session now (or of ``members``, a recent list of them), or
    None when none is left (or /proc is absent)."""
    if not PROC.is_dir():
        return None
    pids = members or _session_members(leader) or ([leader] if (PROC / str(leader)).exists() else [])
    if not pids:
        return None
    pss = [_pss_kb(p) for p in pids]
    if all(v is not None for v in pss):
        return MemorySample(time.perf_counter(), sum(v or 0 for v in pss) * 1024, len(pids), "pss")
    rss = [_rss_kb(p) for p in pids]
    return MemorySample(time.perf_counter(), sum(v or 0 for v in rss) * 1024, len(pids), "rss")


@dataclass
class MemoryTrace:
    """Samples taken during one stage, with what the stage was."""

    stage: str
    samples: list[MemorySample] = field(default_factory=list)
    requests: int = 0

    @property
    def peak(self) -> MemorySample | None:
        return max(self.samples, key=lambda s: s.bytes) if self.samples else None

    def growth_bytes(self) -> int | None:
        """Median of the last fifth of the samples minus median of the first fifth: a leak signal that one
        garbage-collection spike does not fake."""
        n = len(self.samples)
        if n < 5:
            return None
        k = max(1, n // 5)

        def median(values: list[int]) -> int:
            values = sorted(values)
            return values[len(values) // 2]

        return median([s.bytes for s in self.samples[-k:]]) - median([s.bytes for s in self.samples[:k]])


class Sampler:
    """Samples a process tree every ``interval_s`` in a daemon thread while in its ``with`` block."""

    def __init__(self, leader: int, stage: str, interval_s: float = 0.1) -> None:
        self.leader, self.interval_s = leader, interval_s
        self.trace = MemoryTrace(stage)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"memory-{stage}", daemon=True)

    def _run(self) -> None:
        members: list[int] = []
        listed = 0.0
        while True:
            if time.perf_counter() - listed > 1.0:  # who is in the session: a /proc walk, once a second
                members, listed = _session_members(self.leader), time.perf_counter()
            sample = tree_memory(self.leader, members)
            if sample is not None:
                self.trace.samples.append(sample)
            if self._stop.wait(self.interval_s):
                return

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def available() -> bool:
    return PROC.is_dir() and (PROC / str(os.getpid()) / "stat").exists()


def session_cpu_s(sid: int) -> float | None:
    """CPU seconds (user + system) used so far by every live process of session ``sid`` (and by the children
    they have reaped); None without /proc. The load generator's share of the CPU comes from this."""
    if not PROC.is_dir():
        return None
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for pid in _session_members(sid):
        try:
            stat = (PROC / str(pid) / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        try:  # utime, stime, cutime, cstime are fields 14-17 of stat (11-14 after the command)
            total += sum(int(v) for v in fields[11:15])
        except (ValueError, IndexError):
            continue
    return total / ticks
