"""Train a small credit model and lay it out for the real serving frameworks; run with the serving
environment's Python (.venv-serving), which has MLServer, mlserver-sklearn and MLflow:

    python tests/serving_model.py OUT_DIR

Writes OUT_DIR/data/{evaluation,production}.csv, OUT_DIR/mlserver/ (model-settings.json and model.joblib for
MLServer's scikit-learn runtime), OUT_DIR/mlflow-model/ (an MLflow sklearn model whose pyfunc answers
predict_proba) and OUT_DIR/expected.json (AUC, Brier and accuracy computed here by scikit-learn, and the
group rates), so the test can compare readiness's figures with an independent computation.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, brier_score_loss, roc_auc_score

FEATURES = ["income", "debt_ratio", "late_payments"]


def world(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    income = rng.lognormal(10.5, 0.4, n).round(2)
    debt = rng.beta(2, 5, n).round(4)
    late = rng.poisson(0.6, n)
    z = -1.2 - 0.9 * (np.log(income) - 10.5) / 0.4 + 3.0 * (debt - 0.3) + 0.8 * late
    label = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return {
        "application_id": np.array([f"A{i:05d}" for i in range(n)]),
        "income": income,
        "debt_ratio": debt,
        "late_payments": late,
        "sex": rng.choice(np.array(["F", "M"]), n),
        "defaulted": label,
    }


def write(path: Path, cols: dict[str, np.ndarray], names: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i in range(len(cols[names[0]])):
            w.writerow([cols[c][i].item() for c in names])


def main(out: Path) -> None:
    import mlflow.sklearn

    rng = np.random.default_rng(31)
    train, evaluation, production = world(rng, 3000), world(rng, 1200), world(rng, 400)
    model = LogisticRegression(max_iter=1000).fit(np.column_stack([train[f] for f in FEATURES]), train["defaulted"])
    write(out / "data" / "evaluation.csv", evaluation, ["application_id", *FEATURES, "sex", "defaulted"])
    write(out / "data" / "production.csv", production, FEATURES)
    (out / "mlserver").mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out / "mlserver" / "model.joblib")
    settings = {
        "name": "credit",
        "implementation": "mlserver_sklearn.SKLearnModel",
        "parameters": {"uri": "./model.joblib", "version": "v1"},
    }
    (out / "mlserver" / "model-settings.json").write_text(json.dumps(settings), encoding="utf-8")
    mlflow.sklearn.save_model(model, str(out / "mlflow-model"), pyfunc_predict_fn="predict_proba")
    x = np.column_stack([evaluation[f] for f in FEATURES])
    proba = model.predict_proba(x)[:, 1]
    decision = proba >= 0.5
    approve = ~decision
    expected = {
        "auc": roc_auc_score(evaluation["defaulted"], proba),
        "brier": brier_score_loss(evaluation["defaulted"], proba),
        "accuracy": accuracy_score(evaluation["defaulted"], decision),
        "selection": {g: float(approve[evaluation["sex"] == g].mean()) for g in ("F", "M")},
    }
    (out / "expected.json").write_text(json.dumps(expected), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
