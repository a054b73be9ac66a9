"""The credit-risk example's model server: a real scikit-learn model over real HTTP on 127.0.0.1.

    python serve.py --port 8765

POST /predict with one applicant as JSON -> probability of default, decision, reason codes.
GET /health -> 200 once the model is loaded. The model comes from model/model.json (plain numbers, no
pickle) and is rebuilt as a scikit-learn LogisticRegression at start-up.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

HERE = Path(__file__).parent
MAX_BODY = 64 * 1024


class Model:
    def __init__(self, path: Path) -> None:
        spec = json.loads(path.read_text(encoding="utf-8"))
        self.version = spec["version"]
        self.features = spec["features"]
        self.mean = np.array(spec["mean"])
        self.scale = np.array(spec["scale"])
        self.threshold = spec["threshold"]
        self.reasons = spec["reason_codes"]
        self.clf = LogisticRegression()
        self.clf.coef_ = np.array([spec["coef"]])
        self.clf.intercept_ = np.array([spec["intercept"]])
        self.clf.classes_ = np.array([0, 1])

    def predict(self, row: dict) -> dict:
        values = []
        for name in self.features:
            value = row.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"field {name!r} must be a finite number")
            values.append(float(value))
        z = (np.array(values) - self.mean) / self.scale
        p = float(self.clf.predict_proba(z.reshape(1, -1))[0, 1])
        contributions = self.clf.coef_[0] * z
        order = np.argsort(-contributions)
        reasons = [self.reasons[self.features[i]] for i in order[:3] if contributions[i] > 0]
        return {"probability_of_default": round(p, 6),
                "decision": "decline" if p >= self.threshold else "approve",
                "reason_codes": reasons or ["R00_NO_ADVERSE_FACTOR"],
                "model_version": self.version}


def handler(model: Model) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

        def log_message(self, *args) -> None:  # quiet: readiness keeps the log tail as evidence
            pass

        def reply(self, status: int, body: dict, server_us: float | None = None) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if server_us is not None:
                self.send_header("Server-Timing", f"infer;dur={server_us / 1000:.3f}")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/health":
                self.reply(200, {"status": "ready", "model_version": model.version})
            else:
                self.reply(404, {"error": "not found"})

        def do_POST(self) -> None:
            start = time.perf_counter()
            if self.path != "/predict":
                self.reply(404, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.reply(413, {"error": f"body larger than {MAX_BODY} bytes"})
                self.close_connection = True
                return
            try:
                row = json.loads(self.rfile.read(length) or b"null")
                if not isinstance(row, dict):
                    raise ValueError("body must be a JSON object")
                out = model.predict(row)
            except (ValueError, UnicodeDecodeError) as exc:
                self.reply(400, {"error": str(exc)})
                return
            self.reply(200, out, (time.perf_counter() - start) * 1e6)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--model", type=Path, default=HERE / "model" / "model.json")
    args = parser.parse_args()
    model = Model(args.model)
    ThreadingHTTPServer.request_queue_size = 128  # the default 5 drops SYNs when callers connect at once
    server = ThreadingHTTPServer((args.host, args.port), handler(model))
    server.daemon_threads = True
    print(f"serving {model.version} on http://{args.host}:{args.port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
