"""Write data/decision_log.jsonl: a sample of the decision log the credit-risk service keeps.

    python examples/credit-risk/make_decision_log.py

Each record says what input (its salted hash), what decision, on what basis (reason codes), when (UTC,
microseconds) and which model version. The applicant id is personal data, so it is logged hashed.
Deterministic: the committed file was produced by this script.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from serve import Model

HERE = Path(__file__).parent
SALT = b"example-salt-not-a-secret"


def main() -> None:
    model = Model(HERE / "model" / "model.json")
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    with (
        (HERE / "data" / "production.csv").open(encoding="utf-8") as fh,
        (HERE / "data" / "decision_log.jsonl").open("w", encoding="utf-8") as out,
    ):
        for i, row in enumerate(csv.DictReader(fh)):
            if i == 200:
                break
            features = {k: float(row[k]) if row[k] != "" else None for k in model.features}
            decision = model.predict(features)
            canonical = json.dumps(features, sort_keys=True).encode()
            record = {
                "request_id": f"req-{i:08d}",
                "timestamp": (start + timedelta(seconds=37 * i, microseconds=1013 * i)).isoformat(
                    timespec="microseconds"
                ),
                "model_version": decision["model_version"],
                "application_id": hashlib.sha256(SALT + row["application_id"].encode()).hexdigest(),
                "input_hash": "sha256:" + hashlib.sha256(canonical).hexdigest(),
                "output": {
                    "probability_of_default": decision["probability_of_default"],
                    "decision": decision["decision"],
                },
                "explanation": decision["reason_codes"],
            }
            out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
