"""Write the loss-given-default example's data and fit its model (numpy only, seed 11).

    python examples/lgd-regression/make_data.py

A defaulted loan's LGD (the share of the exposure lost, 0..1) falls with collateral cover, rises for
subordinated debt and with the months spent in default. The model is an ordinary least-squares fit on a
training sample (model/lgd.json); the champion in production today knows only the collateral cover.
sex and borrower_age are independent of the loss by construction (the fairness check should find no gap);
data/production.csv is a later month in which collateral cover has fallen (drift the check should see).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
FEATURES = ["collateral_ratio", "subordinated", "months_in_default", "log_exposure"]


def loans(rng: np.random.Generator, n: int, collateral_shift: float = 0.0) -> dict[str, np.ndarray]:
    collateral = np.clip(rng.gamma(2.0, 0.35, n) - collateral_shift, 0, 2.5)
    subordinated = (rng.random(n) < 0.25).astype(int)
    months = rng.integers(0, 37, n)
    exposure = np.exp(rng.normal(11, 1, n))
    lgd = 0.62 - 0.28 * collateral + 0.18 * subordinated + 0.004 * months + rng.normal(0, 0.12, n)
    return {
        "loan_id": np.array([f"L{i:06d}" for i in range(n)]),
        "collateral_ratio": collateral.round(4),
        "subordinated": subordinated,
        "months_in_default": months,
        "log_exposure": np.log(exposure).round(4),
        "sex": rng.choice(np.array(["F", "M"]), n),
        "borrower_age": rng.integers(21, 80, n),
        "lgd": np.clip(lgd, 0, 1).round(4),
    }


def write(path: Path, cols: dict[str, np.ndarray], names: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i in range(len(cols[names[0]])):
            w.writerow([cols[c][i].item() for c in names])


def fit(cols: dict[str, np.ndarray], features: list[str]) -> dict[str, float]:
    x = np.column_stack([np.ones(len(cols["lgd"]))] + [cols[f].astype(float) for f in features])
    coef, *_ = np.linalg.lstsq(x, cols["lgd"].astype(float), rcond=None)
    return {"intercept": float(coef[0]), **{f: float(c) for f, c in zip(features, coef[1:], strict=True)}}


def main() -> None:
    rng = np.random.default_rng(11)
    train, evaluation = loans(rng, 6000), loans(rng, 3000)
    reference, production = loans(rng, 2000), loans(rng, 2000, collateral_shift=0.25)
    names = ["loan_id", *FEATURES, "sex", "borrower_age", "lgd"]
    write(HERE / "data" / "evaluation.csv", evaluation, names)
    write(HERE / "data" / "reference.csv", reference, names)
    write(HERE / "data" / "production.csv", production, ["loan_id", *FEATURES])
    model = {"candidate": fit(train, FEATURES), "champion": fit(train, ["collateral_ratio"])}
    (HERE / "model").mkdir(exist_ok=True)
    (HERE / "model" / "lgd.json").write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
