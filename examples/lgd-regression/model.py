"""The loss-given-default model, in process: a linear fit read from model/lgd.json, clipped to [0, 1].

An answer is {"lgd": 0.4213}: readiness reads it through model.outputs.score (evaluation.task: regression).
"""

from __future__ import annotations

import json
from pathlib import Path

COEF = json.loads((Path(__file__).parent / "model" / "lgd.json").read_text(encoding="utf-8"))


def _predict(row: dict, coef: dict) -> dict:
    value = coef["intercept"] + sum(w * float(row[name]) for name, w in coef.items() if name != "intercept")
    return {"lgd": round(min(1.0, max(0.0, value)), 4)}


def predict(row: dict) -> dict:
    return _predict(row, COEF["candidate"])


def predict_champion(row: dict) -> dict:
    return _predict(row, COEF["champion"])
