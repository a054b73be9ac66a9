"""A real scikit-learn model over real HTTP on 127.0.0.1, for the behaviour and quality tests.

    python tests/sklearn_server.py --port 8000 --model model.joblib [--reasons shuffled|adverse-none|none]
        [--noise 0.001]

The joblib file holds {"model": fitted classifier with predict_proba, "features": [...],
"threshold": float}, written by the test that starts the server. POST /predict with one row as JSON
-> {"score": P(positive), "decision": "decline"|"approve", "reasons": [feature, ...]}: the reasons are
the features by signed contribution (coefficient x value), largest first, for linear models.
--reasons shuffled returns them in a random order on every call; adverse-none returns none with a
decline; none never returns any. GET /health -> 200.
"""

from __future__ import annotations

import argparse
import json
import random
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import joblib
import numpy as np


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as model servers answer: no connection per request
    disable_nagle_algorithm = True
    spec: dict
    mode: str
    noise = 0.0
    rng = random.Random(5)

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._send(200 if self.path == "/health" else 404, {})

    def do_POST(self) -> None:  # noqa: N802
        try:
            row = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            values = np.array([[float(row[f]) for f in self.spec["features"]]])
        except (ValueError, KeyError, TypeError) as exc:
            self._send(400, {"error": str(exc)})
            return
        model = self.spec["model"]
        score = float(model.predict_proba(values)[0, 1]) + self.rng.uniform(-self.noise, self.noise)
        decline = score >= self.spec["threshold"]
        contributions = model.coef_[0] * values[0] if hasattr(model, "coef_") else np.zeros(values.shape[1])
        reasons = [self.spec["features"][i] for i in np.argsort(-contributions)][:3]  # largest push first
        if self.mode == "shuffled":
            reasons = self.rng.sample(self.spec["features"], len(self.spec["features"]))
        elif self.mode == "none" or (self.mode == "adverse-none" and decline):
            reasons = []
        self._send(200, {"score": round(score, 9), "decision": "decline" if decline else "approve", "reasons": reasons})

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--noise", type=float, default=0.0, help="uniform noise added to every score")
    parser.add_argument("--reasons", choices=["ranked", "shuffled", "adverse-none", "none"], default="ranked")
    args = parser.parse_args()
    Handler.spec = joblib.load(args.model)  # a file the test wrote, in its own temporary folder
    Handler.mode = args.reasons
    Handler.noise = args.noise
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
