"""A small model server for the measured-operations tests (MON-002, TPR-008, LAT-007), on 127.0.0.1.

    python monitored_server.py --port P [--vendor-url URL] [--on-vendor-failure fallback|500]
                               [--count-errors/--no-count-errors] [--leak-kb N]
    python monitored_server.py --vendor --port P

POST /predict {"x": number} -> {"score", "decision", "degraded"}; GET /metrics (prometheus_client);
GET /health. With --vendor it is instead the vendor: POST /score -> {"vendor_score": ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

REGISTRY = CollectorRegistry()
REQUESTS = Counter("toy_requests", "Prediction requests.", registry=REGISTRY)
ERRORS = Counter("toy_errors", "Failed prediction requests.", registry=REGISTRY)
LATENCY = Histogram(
    "toy_request_duration_seconds", "Request duration.", buckets=(0.005, 0.01, 0.05, 0.1, 0.5), registry=REGISTRY
)
SCORES = Histogram("toy_score", "Scores answered.", buckets=(0.25, 0.5, 0.75, 1.0), registry=REGISTRY)
LEAK: list[bytes] = []


def make_handler(args: argparse.Namespace) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/health":
                self.send(200, b'{"status": "ready"}')
            elif self.path == "/metrics" and not args.vendor:
                self.send(200, generate_latest(REGISTRY), "text/plain; version=0.0.4")
            else:
                self.send(404, b"{}")

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if args.vendor:
                self.send(200, b'{"vendor_score": 0.4}')
                return
            REQUESTS.inc()
            with LATENCY.time():
                try:
                    row = json.loads(raw)
                    x = float(row["x"])
                except (ValueError, KeyError, TypeError):
                    if args.count_errors:
                        ERRORS.inc()
                    self.send(400, b'{"error": "bad input"}')
                    return
                if args.leak_kb:
                    LEAK.append(os.urandom(args.leak_kb * 1024))
                out = {"score": min(1.0, abs(x) / 100), "decision": "approve", "degraded": False}
                vendor = args.vendor_url or os.environ.get("VENDOR_URL")
                if vendor:
                    try:
                        with urllib.request.urlopen(  # noqa: S310 - the test's own 127.0.0.1 vendor
                            urllib.request.Request(vendor, data=b"{}", method="POST"), timeout=0.05
                        ) as reply:
                            json.loads(reply.read())["vendor_score"]
                    except (OSError, ValueError, KeyError, TypeError, urllib.error.URLError):
                        if args.on_vendor_failure == "500":
                            ERRORS.inc()
                            self.send(500, b'{"error": "vendor down"}')
                            return
                        out.update(decision="refer", degraded=True)
                SCORES.observe(out["score"])
                self.send(200, json.dumps(out).encode())

        def log_message(self, *a: object) -> None:
            pass

    return Handler


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--vendor", action="store_true")
    p.add_argument("--vendor-url")
    p.add_argument("--on-vendor-failure", choices=["fallback", "500"], default="fallback")
    p.add_argument("--no-count-errors", dest="count_errors", action="store_false")
    p.add_argument("--leak-kb", type=int, default=0)
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
