"""Generate the credit-risk example's data and train its model, deterministically (seed 7).

    python examples/credit-risk/train.py

Writes data/reference.csv (training sample, labelled), data/production.csv (a production-shaped
sample), model/model.json (a scikit-learn logistic regression exported as plain numbers, so that
serving loads no pickle), data/evaluation.csv (labelled outcomes of recent applications, with the
applicant's sex for the fairness examination; never sent to the model) and model/champion.json (the
production champion 1.3.2, trained without employment and loan amount). The committed files were
produced by this script.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).parent
SEED = 7
VERSION = "1.4.0"
FEATURES = ["age", "income", "debt_ratio", "credit_lines", "late_payments_12m", "employment_years", "loan_amount"]
REASONS = {
    "age": "R01_YOUNG_APPLICANT",
    "income": "R02_LOW_INCOME",
    "debt_ratio": "R03_HIGH_DEBT_RATIO",
    "credit_lines": "R04_FEW_CREDIT_LINES",
    "late_payments_12m": "R05_RECENT_LATE_PAYMENTS",
    "employment_years": "R06_SHORT_EMPLOYMENT",
    "loan_amount": "R07_LARGE_LOAN",
}


def applicants(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    age = rng.integers(19, 75, n)
    income = np.round(rng.lognormal(10.9, 0.45, n), 2)
    debt_ratio = np.round(np.clip(rng.beta(2.2, 5.0, n), 0, 1), 4)
    credit_lines = rng.poisson(4, n)
    late = rng.poisson(0.4, n)
    employment = np.round(np.clip(rng.gamma(2.0, 3.5, n), 0, age - 18), 1)
    loan = np.round(rng.lognormal(9.6, 0.6, n), 2)
    return {
        "age": age,
        "income": income,
        "debt_ratio": debt_ratio,
        "credit_lines": credit_lines,
        "late_payments_12m": late,
        "employment_years": employment,
        "loan_amount": loan,
    }


def inject_defects(cols: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """What production really sends: incomes reported net rather than gross (a drift of about -25 %),
    employment years missing for 8 % of applicants, and a handful of impossible ages."""
    n = len(cols["age"])
    cols["income"] = np.round(cols["income"] * 0.75, 2)
    employment = cols["employment_years"].astype(float)
    employment[rng.choice(n, size=n * 8 // 100, replace=False)] = np.nan
    cols["employment_years"] = employment
    age = cols["age"].astype(int)
    age[rng.choice(n, size=5, replace=False)] = [0, 0, 0, 150, 150]
    cols["age"] = age


def default_flag(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> np.ndarray:
    z = (
        -2.2
        - 0.02 * (cols["age"] - 40)
        - 0.6 * np.log(cols["income"] / 55000)
        + 3.1 * (cols["debt_ratio"] - 0.3)
        + 0.7 * cols["late_payments_12m"]
        - 0.05 * cols["employment_years"]
        + 0.25 * np.log(cols["loan_amount"] / 15000)
    )
    return (rng.random(len(z)) < 1 / (1 + np.exp(-z))).astype(int)


def write_csv(path: Path, cols: dict[str, np.ndarray], start: datetime, rng: np.random.Generator, prefix: str) -> None:
    n = len(next(iter(cols.values())))
    stamps = start + np.cumsum(rng.exponential(3.0, n)).astype("float64") * timedelta(seconds=1)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["application_id", "applied_at", *cols])
        for i in range(n):
            stamp = stamps[i].isoformat(timespec="microseconds")
            values = [c[i].item() for c in cols.values()]
            writer.writerow([f"{prefix}-{i:06d}", stamp, *("" if v != v else v for v in values)])  # NaN -> empty


def export(
    model: LogisticRegression, scaler: StandardScaler, features: list[str], version: str, auc: float, rows: int
) -> dict:
    return {
        "model": "credit-risk-pd",
        "version": version,
        "kind": "sklearn.linear_model.LogisticRegression",
        "features": features,
        "mean": scaler.mean_.round(10).tolist(),
        "scale": scaler.scale_.round(10).tolist(),
        "coef": model.coef_[0].round(10).tolist(),
        "intercept": round(float(model.intercept_[0]), 10),
        "threshold": 0.35,
        "reason_codes": {f: REASONS[f] for f in features},
        "training_auc": round(float(auc), 4),
        "training_rows": rows,
    }


def evaluation_and_champion(ref: dict[str, np.ndarray]) -> None:
    """The labelled evaluation set (recent outcomes, with sex) and the champion, from their own seeds."""
    rng = np.random.default_rng(SEED + 2)
    cols = applicants(rng, 2500)
    employment = cols["employment_years"].astype(float)
    employment[rng.choice(2500, size=2500 * 8 // 100, replace=False)] = np.nan  # as production sends it
    labels = default_flag(rng, {**cols, "employment_years": np.nan_to_num(employment, nan=7.0)})
    cols["employment_years"] = employment
    cols["sex"] = rng.choice(np.array(["F", "M"]), 2500)
    cols["defaulted"] = labels
    write_csv(HERE / "data" / "evaluation.csv", cols, datetime(2026, 6, 1, tzinfo=UTC), rng, "EVA")

    features = ["age", "income", "debt_ratio", "credit_lines", "late_payments_12m"]
    x = np.column_stack([ref[f].astype(float) for f in features])
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(max_iter=1000, random_state=SEED).fit(scaler.transform(x), ref["defaulted"])
    auc = roc_auc_score(ref["defaulted"], model.predict_proba(scaler.transform(x))[:, 1])
    spec = export(model, scaler, features, "1.3.2", auc, int(len(x)))
    (HERE / "model" / "champion.json").write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    rng = np.random.default_rng(SEED)
    ref = applicants(rng, 4000)
    ref["defaulted"] = default_flag(rng, ref)
    prod = applicants(rng, 1000)
    inject_defects(prod, np.random.default_rng(SEED + 1))
    (HERE / "data").mkdir(exist_ok=True)
    (HERE / "model").mkdir(exist_ok=True)
    write_csv(HERE / "data" / "reference.csv", ref, datetime(2026, 3, 1, tzinfo=UTC), rng, "REF")
    write_csv(HERE / "data" / "production.csv", prod, datetime(2026, 11, 1, tzinfo=UTC), rng, "APP")

    x = np.column_stack([ref[f].astype(float) for f in FEATURES])
    y = ref["defaulted"]
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(max_iter=1000, random_state=SEED).fit(scaler.transform(x), y)
    auc = roc_auc_score(y, model.predict_proba(scaler.transform(x))[:, 1])
    exported = {
        "model": "credit-risk-pd",
        "version": VERSION,
        "kind": "sklearn.linear_model.LogisticRegression",
        "features": FEATURES,
        "mean": scaler.mean_.round(10).tolist(),
        "scale": scaler.scale_.round(10).tolist(),
        "coef": model.coef_[0].round(10).tolist(),
        "intercept": round(float(model.intercept_[0]), 10),
        "threshold": 0.35,
        "reason_codes": REASONS,
        "training_auc": round(float(auc), 4),
        "training_rows": int(len(y)),
    }
    (HERE / "model" / "model.json").write_text(json.dumps(exported, indent=2) + "\n", encoding="utf-8")
    evaluation_and_champion(ref)
    print(f"trained on {len(y)} rows, default rate {y.mean():.3f}, training AUC {auc:.3f}")


if __name__ == "__main__":
    main()
