"""Write the risk-grade example's data and fit its model (numpy only, seed 23).

    python examples/risk-grades/make_data.py

A corporate obligor's internal risk grade (A best .. E worst) is a latent credit score, cut at four
thresholds: the score falls with interest cover and rises with leverage and sector cyclicality. The model
is a least-squares fit of the latent score with a normal error (an ordered-probit reading): it answers
each grade's probability and the most probable grade. The champion in production today ignores sector.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
FEATURES = ["interest_cover", "leverage", "cyclical", "years_trading"]
GRADES = ["A", "B", "C", "D", "E"]
CUTS = [-1.2, -0.4, 0.4, 1.2]


def obligors(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    cover = rng.gamma(3.0, 1.5, n)
    leverage = rng.beta(2, 3, n) * 6
    cyclical = (rng.random(n) < 0.4).astype(int)
    years = rng.integers(1, 60, n)
    latent = -0.25 * cover + 0.45 * leverage + 0.6 * cyclical - 0.01 * years + rng.normal(0, 0.45, n)
    latent -= np.median(latent)
    grade = np.searchsorted(np.array(CUTS), latent)
    return {
        "obligor_id": np.array([f"O{i:06d}" for i in range(n)]),
        "interest_cover": cover.round(4),
        "leverage": leverage.round(4),
        "cyclical": cyclical,
        "years_trading": years,
        "region": rng.choice(np.array(["EMEA", "AMER", "APAC"]), n),
        "grade": np.array(GRADES)[grade],
    }


def write(path: Path, cols: dict[str, np.ndarray], names: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i in range(len(cols[names[0]])):
            w.writerow([cols[c][i].item() for c in names])


def fit(cols: dict[str, np.ndarray], features: list[str]) -> dict[str, object]:
    """Least squares on the grade's index, then the cuts between indices and the residual spread."""
    y = np.array([GRADES.index(g) for g in cols["grade"]], dtype=float)
    x = np.column_stack([np.ones(len(y))] + [cols[f].astype(float) for f in features])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    sigma = float(np.std(y - x @ coef))
    return {
        "intercept": float(coef[0]),
        "weights": {f: float(c) for f, c in zip(features, coef[1:], strict=True)},
        "cuts": [0.5, 1.5, 2.5, 3.5],
        "sigma": sigma,
    }


def main() -> None:
    rng = np.random.default_rng(23)
    train, evaluation, production = obligors(rng, 6000), obligors(rng, 3000), obligors(rng, 1500)
    names = ["obligor_id", *FEATURES, "region", "grade"]
    write(HERE / "data" / "evaluation.csv", evaluation, names)
    write(HERE / "data" / "production.csv", production, ["obligor_id", *FEATURES])
    model = {
        "grades": GRADES,
        "candidate": fit(train, FEATURES),
        "champion": fit(train, ["interest_cover", "leverage", "years_trading"]),
    }
    (HERE / "model").mkdir(exist_ok=True)
    (HERE / "model" / "grades.json").write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
