"""The credit-risk example's models, called in process for the per-profile tests: the same exported
numbers as examples/credit-risk/serve.py (logistic regression on standardised features), in numpy."""

import json
import math
from pathlib import Path

import readiness

# the repository's examples (the tests run against an editable install), wherever this file was copied
MODELS = Path(readiness.__file__).resolve().parents[1] / "examples" / "credit-risk" / "model"


def _load(name):
    spec = json.loads((MODELS / name).read_text(encoding="utf-8"))

    def predict(row):
        if not isinstance(row, dict):
            raise TypeError("body must be a JSON object")
        z, contributions = spec["intercept"], []
        for i, feature in enumerate(spec["features"]):
            value = row.get(feature)
            value = spec["mean"][i] if value is None else value
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"field {feature!r} must be a finite number")
            value = float(value)
            c = spec["coef"][i] * (value - spec["mean"][i]) / spec["scale"][i]
            contributions.append((c, feature))
            z += c
        p = 1 / (1 + math.exp(-max(-700.0, min(700.0, z))))
        reasons = [spec["reason_codes"][f] for c, f in sorted(contributions, reverse=True)[:3] if c > 0]
        return {
            "probability_of_default": round(p, 6),
            "decision": "decline" if p >= spec["threshold"] else "approve",
            "reason_codes": reasons or ["R00_NO_ADVERSE_FACTOR"],
            "model_version": spec["version"],
        }

    return predict


predict = _load("model.json")
champion = _load("champion.json")
