"""A stand-in for the credit bureau's scoring API, on 127.0.0.1, that readiness starts beside the model.

    python bureau.py --port 8766

POST /score with {"applicant": ..., "late_payments_12m": ...} -> {"bureau_score": 0..1}, the same score
for the same applicant; GET /health -> 200. The real bureau is outside the bank; this stub lets TPR-008
put its fault proxy between the model and "the bureau" and rehearse the bureau's bad days.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # kept-alive connections, as a vendor's API gateway serves them
    disable_nagle_algorithm = True

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self._send(200, {"status": "ready"}) if self.path == "/health" else self._send(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        length = min(int(self.headers.get("Content-Length") or 0), 65536)
        try:
            request = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._send(400, {"error": "not JSON"})
        if self.path != "/score" or not isinstance(request, dict):
            return self._send(404, {"error": "not found"})
        digest = hashlib.sha256(str(request.get("applicant")).encode()).digest()
        late = request.get("late_payments_12m") or 0
        score = min(1.0, digest[0] / 512 + 0.1 * (late if isinstance(late, (int, float)) else 0))
        self._send(200, {"bureau_score": round(score, 4)})

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
