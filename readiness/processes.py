"""Every process readiness starts is stopped, on every path.

Model servers, champions, dependencies and Locust runs are started in their own process group and
registered here. :func:`stop_all` kills every registered group (SIGTERM, then SIGKILL for what is left,
children that ignore SIGTERM included); the CLI calls it on every exit, Ctrl-C and SIGTERM included. For
the one path no code of ours can run on, SIGKILL of readiness itself, a small watchdog process (started
with the first group, in a session of its own) holds the read end of a pipe from readiness: when
readiness dies the pipe closes, and the watchdog kills every group still registered.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

__all__ = ["forget_inherited", "register", "stop_all", "stop_group", "unregister"]

_lock = threading.Lock()
_groups: set[int] = set()
_watchdog: subprocess.Popen[bytes] | None = None

WATCHDOG = r"""
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
groups = set()
for line in sys.stdin:
    line = line.strip()
    if line.startswith("+"):
        groups.add(int(line[1:]))
    elif line.startswith("-"):
        groups.discard(int(line[1:]))
for sig in (signal.SIGTERM, signal.SIGKILL):
    for g in groups:
        try:
            os.killpg(g, sig)
        except OSError:
            pass
    if sig == signal.SIGTERM and groups:
        time.sleep(2)
"""


def _tell(line: str) -> None:
    global _watchdog
    if os.name != "posix":
        return
    try:
        if _watchdog is None or _watchdog.poll() is not None:
            _watchdog = subprocess.Popen(
                [sys.executable, "-c", WATCHDOG],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                close_fds=True,
            )
        assert _watchdog.stdin is not None
        _watchdog.stdin.write((line + "\n").encode())
        _watchdog.stdin.flush()
    except (OSError, ValueError):
        pass  # the watchdog is a second line; the first (stop_all) still holds


def forget_inherited() -> None:
    """In a forked child: drop the parent's watchdog pipe and groups (they are the parent's to stop)."""
    global _watchdog, _lock
    _lock = threading.Lock()  # another thread of the parent may have held it at the fork
    _groups.clear()
    if _watchdog is not None and _watchdog.stdin is not None:
        try:
            _watchdog.stdin.close()  # our copy of the pipe: the watchdog must see readiness's end close
        except OSError:
            pass
    _watchdog = None


def register(pgid: int) -> None:
    """Track a process group readiness started (the leader's pid, with ``start_new_session=True``)."""
    with _lock:
        _groups.add(pgid)
        _tell(f"+{pgid}")


def unregister(pgid: int) -> None:
    with _lock:
        _groups.discard(pgid)
        _tell(f"-{pgid}")


def stop_group(pgid: int, leader: subprocess.Popen[bytes] | None = None, grace_s: float = 5.0) -> None:
    """SIGTERM the group, wait for the leader up to ``grace_s``, then SIGKILL whatever is left of the
    group (children that ignore SIGTERM, or outlive their leader)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        if leader is not None:
            try:
                leader.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                pass
        elif sig == signal.SIGTERM and grace_s > 0:
            time.sleep(min(grace_s, 0.2))
    unregister(pgid)


def stop_all() -> None:
    """Kill every registered group now (the CLI's last act on every exit path)."""
    with _lock:
        groups = list(_groups)
    for pgid in groups:
        stop_group(pgid, grace_s=1.0)
