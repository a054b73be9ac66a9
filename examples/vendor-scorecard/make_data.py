"""Generate the vendor-scorecard example's files, deterministically (seed 11).

    python examples/vendor-scorecard/make_data.py

data/evaluation.csv: 3,000 of the bank's past applications with their outcome (defaulted), the
applicant's sex and age band (for the fairness examination only). vendor/predictions.csv: the
vendor's batch answers for the same applications (score, decision, reason codes joined by "|"), as a
vendor without a test endpoint delivers them. The committed files were produced by this script.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
CODES = ["V01_DELINQUENCY", "V02_UTILISATION", "V03_THIN_FILE", "V04_RECENT_INQUIRIES"]


def main() -> None:
    rng = np.random.default_rng(11)
    n = 3000
    sex = rng.choice(np.array(["F", "M"]), n)
    age_band = rng.choice(np.array(["21-34", "35-54", "55+"]), n, p=[0.4, 0.4, 0.2])
    age_band[rng.choice(n, size=45, replace=False)] = "18-20"  # few young applicants: too few to judge
    risk = rng.normal(0, 1, (n, 4))
    z = -2.0 + risk @ np.array([0.9, 0.6, 0.3, 0.4])
    defaulted = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    score = 1 / (1 + np.exp(-(z + rng.normal(0, 0.6, n))))  # the vendor's model: good, not perfect
    (HERE / "data").mkdir(exist_ok=True)
    (HERE / "vendor").mkdir(exist_ok=True)
    with open(HERE / "data" / "evaluation.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["application_id", "sex", "age_band", "defaulted"])
        for i in range(n):
            w.writerow([f"APP-{i:06d}", sex[i], age_band[i], defaulted[i]])
    with open(HERE / "vendor" / "predictions.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["application_id", "score", "decision", "reason_codes"])
        for i in range(n):
            top = np.argsort(-risk[i])[:2]
            w.writerow(
                [
                    f"APP-{i:06d}",
                    round(float(score[i]), 6),
                    "decline" if score[i] >= 0.3 else "approve",
                    "|".join(CODES[j] for j in top),
                ]
            )


if __name__ == "__main__":
    main()
