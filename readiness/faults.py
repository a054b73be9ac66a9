"""A fault-injecting TCP proxy on 127.0.0.1, between the model and a service it calls (TPR-008).

readiness starts one :class:`FaultProxy` per declared runtime dependency before it starts the model,
and points the model at it (the dependency's URL variable names the proxy). In ``pass`` mode it pumps
bytes both ways untouched, and counts them, which proves the model really calls the dependency. The
other modes are the vendor's bad days, after Toxiproxy's fault kinds:

* ``outage``: nothing listens on the port (connection refused);
* ``slow``: each connection waits ``delay_s`` before anything is forwarded (beyond the model's timeout);
* ``errors``: every request is answered ``503 Service Unavailable``;
* ``reset``: the answer starts, then the connection is reset (RST) mid-response;
* ``garbage``: ``200 OK`` with a body that is not what the vendor sends (not JSON).

Switching mode closes the open connections, so a model's kept-alive pool meets the fault at once.
The proxy binds to 127.0.0.1 only, runs in daemon threads and is bounded: at most ``max_connections``
at a time, requests read up to 1 MiB.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
import time
from typing import Literal

__all__ = ["MODES", "FaultProxy", "Mode"]

Mode = Literal["pass", "outage", "slow", "errors", "reset", "garbage"]
MODES: tuple[Mode, ...] = ("pass", "outage", "slow", "errors", "reset", "garbage")
MAX_REQUEST = 1024 * 1024
CANNED = {
    "errors": ("503 Service Unavailable", b'{"error": "service unavailable (readiness fault injection)"}'),
    "garbage": ("200 OK", b"<html>\x00\xff not what the vendor sends"),
}
"""The answers of the modes that answer instead of the vendor: status line and body."""


def _canned(status: str, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close"
    return (head + "\r\n\r\n").encode() + body


class FaultProxy:
    def __init__(self, upstream: tuple[str, int], max_connections: int = 256) -> None:
        self.upstream = upstream
        self.max_connections = max_connections
        self.mode: Mode = "pass"
        self.delay_s = 1.0
        self.connections = 0
        """Connections accepted, over the proxy's life."""
        self.forwarded_bytes = 0
        """Bytes passed from the model to the dependency in pass (and slow) mode."""
        self.faulted = 0
        """Connections that met a fault."""
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = threading.Event()
        self._listener: socket.socket | None = None
        self.port = self._listen(0)
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _listen(self, port: int) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
        sock.settimeout(0.1)
        self._listener = sock
        return int(sock.getsockname()[1])

    def set_mode(self, mode: Mode, delay_s: float | None = None) -> None:
        """Switch to ``mode``; open connections are closed so the next call meets it."""
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}")
        with self._lock:
            self.mode = mode
            if delay_s is not None:
                self.delay_s = delay_s
            conns = list(self._open)
            self._open.clear()
            closing = None
            if mode == "outage":
                closing, self._listener = self._listener, None
            elif self._listener is None:
                self._listen(self.port)
        for conn in conns:
            _reset(conn)
        if closing is not None:  # refused from now on: shutdown also wakes an accept() in progress
            with contextlib.suppress(OSError):
                closing.shutdown(socket.SHUT_RDWR)
            closing.close()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            listener = self._listener
            if listener is None:
                time.sleep(0.02)
                continue
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                if len(self._open) >= self.max_connections:
                    client.close()
                    continue
                self.connections += 1
                self._open.add(client)
                mode, delay = self.mode, self.delay_s
            threading.Thread(target=self._serve, args=(client, mode, delay), daemon=True).start()

    def _serve(self, client: socket.socket, mode: Mode, delay: float) -> None:
        client.settimeout(10.0)
        with contextlib.suppress(OSError):  # relay each chunk at once: no Nagle delay added by the proxy
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if mode in {"errors", "garbage", "reset"}:
                with self._lock:
                    self.faulted += 1
                if not _read_request(client):
                    return
                if mode in CANNED:
                    client.sendall(_canned(*CANNED[mode]))
                else:
                    client.sendall(
                        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"sc'
                    )
                    _reset(client)
                    return
                return
            if mode == "slow":
                with self._lock:
                    self.faulted += 1
                if self._closed.wait(delay):
                    return
            self._pump(client)
        except (OSError, ValueError):  # a socket closed by a mode switch under us
            pass
        finally:
            with self._lock:
                self._open.discard(client)
            with contextlib.suppress(OSError):
                client.close()

    def _pump(self, client: socket.socket) -> None:
        upstream = socket.create_connection(self.upstream, timeout=5.0)
        with contextlib.suppress(OSError):
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._open.add(upstream)
        sel = selectors.DefaultSelector()
        try:
            sel.register(client, selectors.EVENT_READ, upstream)
            sel.register(upstream, selectors.EVENT_READ, client)
            while not self._closed.is_set():
                events = sel.select(timeout=0.5)
                for key, _ in events:
                    src: socket.socket = key.fileobj  # type: ignore[assignment]
                    data = src.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
                    if src is client:
                        with self._lock:
                            self.forwarded_bytes += len(data)
        finally:
            sel.close()
            with self._lock:
                self._open.discard(upstream)
            with contextlib.suppress(OSError):
                upstream.close()

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            listener, self._listener = self._listener, None
            for conn in list(self._open):
                _reset(conn)
            self._open.clear()
        if listener is not None:
            listener.close()
        self._thread.join(timeout=2)


def _read_request(sock: socket.socket) -> bool:
    """Read one HTTP request (headers and a Content-Length body); False when the caller went away."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return False
        data += chunk
        if len(data) > MAX_REQUEST:
            return True
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            with contextlib.suppress(ValueError):
                length = min(int(value.strip()), MAX_REQUEST)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return False
        rest += chunk
    return True


def _reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), as a vendor's load balancer dropping the connection does."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
