"""The poc-notebook example's model server: the churn model as the notebook left it, behind a demo API.

    python serve.py --port 8766

POST /predict with one customer as JSON -> {"churn_probability": p}. A real scikit-learn logistic
regression, fitted at start-up on the notebook's seeded sample, exactly as the proof of concept did.
It answers with a probability and nothing else: no reasons, no model version. That is what the
assessment of this example finds.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from sklearn.linear_model import LogisticRegression

FEATURES = ["tenure_months", "monthly_charges", "support_calls"]


def fit() -> LogisticRegression:
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.integers(1, 72, 2000), rng.normal(70, 20, 2000), rng.poisson(1.5, 2000)])
    z = -1.0 - 0.05 * x[:, 0] + 0.02 * (x[:, 1] - 70) + 0.5 * x[:, 2]
    y = (rng.random(2000) < 1 / (1 + np.exp(-z))).astype(int)
    return LogisticRegression(max_iter=1000).fit(x, y)


class Handler(BaseHTTPRequestHandler):
    model: LogisticRegression

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._send(200, {"status": "ok"}) if self.path == "/health" else self._send(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        row = [[float(body[f]) for f in FEATURES]]  # the notebook never validated its inputs
        self._send(200, {"churn_probability": round(float(self.model.predict_proba(row)[0, 1]), 4)})

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    Handler.model = fit()
    ThreadingHTTPServer.request_queue_size = 128  # the default 5 drops connections under any load
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
