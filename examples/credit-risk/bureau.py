"""A stand-in for the credit bureau's scoring API, on 127.0.0.1, that readiness starts beside the model.

    python bureau.py --port 8766

POST /score with {"applicant": ..., "late_payments_12m": ...} -> {"bureau_score": 0..1}, the same score
for the same applicant; GET /health -> 200. Kept-alive connections, as a vendor's API gateway serves them.
The real bureau is outside the bank; this stub lets TPR-008 put its fault proxy between the model and
"the bureau" and rehearse the bureau's bad days. One asyncio loop: a lookup costs a few microseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import signal
import socket


def answer(status: int, body: dict) -> bytes:
    data = json.dumps(body).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    return head.encode("latin-1") + data


def score(raw: bytes) -> bytes:
    try:
        request = json.loads(raw or b"{}")
    except ValueError:
        return answer(400, {"error": "not JSON"})
    if not isinstance(request, dict):
        return answer(400, {"error": "not an object"})
    digest = hashlib.sha256(str(request.get("applicant")).encode()).digest()
    late = request.get("late_payments_12m") or 0
    value = min(1.0, digest[0] / 512 + 0.1 * (late if isinstance(late, (int, float)) else 0))
    return answer(200, {"bureau_score": round(value, 4)})


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while line := await reader.readline():
            method, path, _ = line.decode("latin-1").split(" ", 2)
            length = 0
            while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = min(int(value.strip()), 65536)
            body = await reader.readexactly(length) if length else b""
            if method == "GET" and path == "/health":
                writer.write(answer(200, {"status": "ready"}))
            elif method == "POST" and path == "/score":
                writer.write(score(body))
            else:
                writer.write(answer(404, {"error": "not found"}))
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass  # a caller (or readiness's fault proxy) that hung up
    finally:
        writer.close()


async def serve(port: int) -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=256)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8766)
    asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
