"""A real HTTP model server on 127.0.0.1 with known, injected behaviour, for tests and benchmarks.

    python tests/fake_server.py --port 8000 [--delay-ms 5] [--jitter lognormal] [--error-rate 0.1]
        [--protocol json|v2|mlflow|openai] [--hang-after N] [--stats FILE] [--exit-early]

It measures its own handling time for every request (server-side truth) and writes the percentiles to
--stats when it stops (SIGTERM or SIGINT). Plain asyncio streams with keep-alive and TCP_NODELAY, so
its own overhead is small next to the injected delay.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import signal
import socket
import sys
import time

STATE = {"durations_ms": [], "count": 0}


def percentile(values: list[float], q: float) -> float | None:
    data = sorted(values)
    return data[max(0, math.ceil(q * len(data)) - 1)] if data else None


def answer(protocol: str, request: dict, model: str) -> dict:
    if protocol == "v2":
        return {"model_name": model, "outputs": [{"name": "score", "shape": [1], "datatype": "FP64", "data": [0.42]}]}
    if protocol == "mlflow":
        return {"predictions": [0.42]}
    if protocol == "openai":
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi!"}, "finish_reason": "stop"}],
        }
    return {"score": 0.42, "decision": "approve", "reason_codes": ["R00"]}


STARTED = time.time()


class Server:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)

    def delay_s(self, request: dict) -> float:
        base = self.args.delay_ms / 1000.0
        if self.args.slow_field and float(request.get(self.args.slow_field, 0) or 0) > self.args.slow_above:
            return self.args.slow_ms / 1000.0
        if self.args.jitter == "lognormal":
            return base * self.rng.lognormvariate(0, 0.5)
        return base

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                start = time.perf_counter()
                method, path, _ = line.decode("latin-1").split(" ", 2)
                length = 0
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = header.decode("latin-1").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length) if length else b""
                await self.respond(writer, method, path, body, start)
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def respond(self, writer, method: str, path: str, body: bytes, start: float) -> None:
        a = self.args
        if method == "GET":
            await self.send(writer, 200, {"status": "ready"})
            return
        STATE["count"] += 1
        if a.hang_after and STATE["count"] > a.hang_after:
            await asyncio.sleep(3600)
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            await self.send(writer, 400, {"error": "bad json"})
            return
        if a.fail_on_text and any(
            isinstance(v, str) and any("\u0600" <= ch <= "\u06ff" for ch in v) for v in _values(request)
        ):
            await self.send(writer, 500, {"error": "cannot encode"})
            return
        if a.stall_every_s:  # the whole server freezes for stall_ms every stall_every_s (a GC pause, a lock)
            phase = (time.time() - STARTED) % a.stall_every_s
            if phase < a.stall_ms / 1000.0:
                await asyncio.sleep(a.stall_ms / 1000.0 - phase)
        await asyncio.sleep(self.delay_s(request if isinstance(request, dict) else {}))
        if a.error_rate and self.rng.random() < a.error_rate:
            await self.send(writer, 500, {"error": "injected"})
        elif a.malformed:
            await self.send_raw(writer, 200, b"not json at all")
        elif a.protocol == "openai" and isinstance(request, dict) and request.get("stream"):
            await self.stream(writer)
        elif a.random_output:
            await self.send(writer, 200, {**answer(a.protocol, request, a.model), "score": self.rng.random()})
        else:
            await self.send(writer, 200, answer(a.protocol, request, a.model))
        STATE["durations_ms"].append((time.perf_counter() - start) * 1000.0)

    async def stream(self, writer) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        for i, token in enumerate(["Hel", "lo", " there", "!"]):
            if i:
                await asyncio.sleep(self.args.token_ms / 1000.0)
            chunk = b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": token}}]}).encode() + b"\n\n"
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
        done = b"data: [DONE]\n\n"
        writer.write(f"{len(done):x}\r\n".encode() + done + b"\r\n0\r\n\r\n")
        await writer.drain()

    async def send(self, writer, status: int, payload: dict) -> None:
        await self.send_raw(writer, status, json.dumps(payload).encode())

    async def send_raw(self, writer, status: int, data: bytes) -> None:
        reason = {200: "OK", 400: "Bad Request", 500: "Internal Server Error"}[status]
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(data)}"
            "\r\n\r\n".encode()
            + data
        )
        await writer.drain()


def _values(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _values(v)
    elif isinstance(value, list):
        for v in value:
            yield from _values(v)
    else:
        yield value


def write_stats(path: str | None) -> None:
    if not path:
        return
    d = STATE["durations_ms"]
    stats = {
        "count": len(d),
        "p50": percentile(d, 0.5),
        "p95": percentile(d, 0.95),
        "p99": percentile(d, 0.99),
        "p999": percentile(d, 0.999),
        "max": max(d) if d else None,
        "started": STARTED,  # wall clock: the stall windows count from here
    }
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(stats, fh)


async def main(args: argparse.Namespace) -> None:
    if args.exit_early:
        print("fake server: configuration error, exiting", file=sys.stderr, flush=True)
        sys.exit(4)
    await asyncio.sleep(args.startup_s)
    server = await asyncio.start_server(Server(args).handle, "127.0.0.1", args.port, backlog=512)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"fake server on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
    async with server:
        await stop.wait()
    write_stats(args.stats)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--delay-ms", type=float, default=0.0)
    p.add_argument("--jitter", choices=["none", "lognormal"], default="none")
    p.add_argument("--error-rate", type=float, default=0.0)
    p.add_argument("--malformed", action="store_true")
    p.add_argument("--protocol", choices=["json", "v2", "mlflow", "openai"], default="json")
    p.add_argument("--model", default="fake")
    p.add_argument("--token-ms", type=float, default=20.0)
    p.add_argument("--hang-after", type=int, default=0)
    p.add_argument("--slow-field", default=None)
    p.add_argument("--slow-above", type=float, default=0.0)
    p.add_argument("--slow-ms", type=float, default=100.0)
    p.add_argument("--fail-on-text", action="store_true", help="500 on Arabic text")
    p.add_argument("--random-output", action="store_true", help="a different score on every call")
    p.add_argument("--startup-s", type=float, default=0.0)
    p.add_argument("--exit-early", action="store_true")
    p.add_argument("--stats", default=None)
    p.add_argument("--stall-every-s", type=float, default=0.0, help="freeze every N seconds ...")
    p.add_argument("--stall-ms", type=float, default=200.0, help="... for this long")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args(argv)


if __name__ == "__main__":
    try:
        import uvloop  # noqa: F401  # optional; plain asyncio is fine

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main(parse()))
