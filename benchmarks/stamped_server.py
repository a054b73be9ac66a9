"""A 127.0.0.1 HTTP/1.1 keep-alive server whose own timing starts when the kernel received the request
(SO_TIMESTAMPNS on Linux x86-64/arm64), not when its code got round to reading it: the server-side truth
benchmarks/load.py compares the generator with when the server itself is loaded (its queue counted).

    python benchmarks/stamped_server.py --port P --delay-ms 5 --stats stats.json

A thread per connection; each answer waits delay_ms, then a fixed JSON body. On SIGTERM it writes
{count, p50, p99} (ms, from the request's kernel arrival to the answer's send) to --stats.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import struct
import sys
import threading
import time

SO_TIMESTAMPNS = 35
BODY = b'{"score": 0.5, "decision": "approve"}'
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + str(len(BODY)).encode() + b"\r\n\r\n"
) + BODY
DURATIONS: list[float] = []


def stamp(ancillary: list) -> int | None:
    for level, kind, raw in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(raw) >= 16:
            sec, nsec = struct.unpack("qq", raw[:16])
            return sec * 1_000_000_000 + nsec
    return None


def content_length(head: bytes) -> int:
    """The Content-Length of a message whose header block (up to the blank line) is ``head``; 0 without."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def serve(conn: socket.socket, delay_s: float) -> None:
    conn.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf, first = b"", None
    with conn:
        while True:
            try:
                data, anc, _flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(16))
            except OSError:
                return
            if not data:
                return
            arrived = stamp(anc) or time.time_ns()
            if not buf:
                first = arrived
            buf += data
            while b"\r\n\r\n" in buf:
                head, _, rest = buf.partition(b"\r\n\r\n")
                length = content_length(head)
                if len(rest) < length:
                    break
                buf = rest[length:]
                time.sleep(delay_s)
                conn.sendall(ANSWER)
                DURATIONS.append((time.time_ns() - (first or arrived)) / 1e6)
                first = arrived if buf else None


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--delay-ms", type=float, default=5.0)
    p.add_argument("--stats", required=True)
    args = p.parse_args()

    def stop(*_a: object) -> None:
        d = sorted(DURATIONS)
        pick = (lambda q: d[max(0, -(-int(q * len(d) * 1000) // 1000) - 1)]) if d else (lambda q: None)
        with open(args.stats, "w", encoding="utf-8") as fh:
            json.dump({"count": len(d), "p50": pick(0.5), "p99": pick(0.99)}, fh)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(512)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, args.delay_ms / 1000.0), daemon=True).start()


if __name__ == "__main__":
    main()
