"""Write data/payments.csv: 2,000 production-shaped payments, 0.8 % of them over 9,500 (seed 11)."""

import csv
import random
from pathlib import Path

rng = random.Random(11)
with (Path(__file__).parent / "data" / "payments.csv").open("w", newline="", encoding="utf-8") as fh:
    out = csv.writer(fh, lineterminator="\n")
    out.writerow(["payment_id", "amount", "currency", "country"])
    for i in range(2000):
        amount = rng.uniform(9_600, 25_000) if i % 125 == 17 else min(rng.lognormvariate(5.5, 1.0), 9_000)
        out.writerow([f"P{i:05d}", round(amount, 2), "CHF", rng.choice(["CH", "DE", "FR", "IT", "IN"])])
