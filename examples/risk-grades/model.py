"""The risk-grade model, in process: an ordered-probit reading of a linear score (model/grades.json).

An answer is {"grade": "C", "probabilities": {"A": 0.01, "B": 0.12, "C": 0.61, "D": 0.24, "E": 0.02}}:
readiness reads the grade through model.outputs.decision and the probabilities through
model.outputs.probabilities (evaluation.task: multiclass).
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import NormalDist

MODEL = json.loads((Path(__file__).parent / "model" / "grades.json").read_text(encoding="utf-8"))
GRADES = MODEL["grades"]


def _predict(row: dict, fit: dict) -> dict:
    score = fit["intercept"] + sum(w * float(row[name]) for name, w in fit["weights"].items())
    spread = NormalDist(score, fit["sigma"])
    edges = [spread.cdf(c) for c in fit["cuts"]]
    bounds = [0.0, *edges, 1.0]
    probabilities = {g: round(bounds[i + 1] - bounds[i], 6) for i, g in enumerate(GRADES)}
    return {"grade": max(probabilities, key=lambda g: probabilities[g]), "probabilities": probabilities}


def predict(row: dict) -> dict:
    return _predict(row, MODEL["candidate"])


def predict_champion(row: dict) -> dict:
    return _predict(row, MODEL["champion"])
