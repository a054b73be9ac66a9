"""A payment-screening model with a deliberate tail: most answers take about 2 ms, but payments over
9,500 take a synchronous detour to a rules engine (120 ms). The p50 looks excellent; the p99.9 is what
production callers will hit. readiness starts it from readiness.yaml.

    python server.py --port 8766
"""

from __future__ import annotations

import argparse
import json
import math
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_ABOVE = 9_500.0


def score(payment: dict) -> dict:
    amount = float(payment["amount"])
    time.sleep(0.120 if amount > SLOW_ABOVE else 0.002)  # the slow path: a synchronous rules-engine call
    risk = 1 / (1 + math.exp(-(math.log1p(amount) - 7.5)))
    return {"risk": round(risk, 4), "decision": "review" if risk > 0.7 else "pass", "reason_codes": ["AMOUNT"]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args) -> None:
        pass

    def reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.reply(200 if self.path == "/health" else 404, {"status": "ready"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            payment = json.loads(self.rfile.read(length) or b"{}")
            self.reply(200, score(payment))
        except (ValueError, KeyError, TypeError) as exc:
            self.reply(400, {"error": str(exc)})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
