"""Write the market-surveillance example's order events and its Great Expectations suite (seed 5).

    python examples/market-surveillance/make_data.py

data/reference_orders.csv is a clean day; data/orders.csv is what the gateway really sent the next
day: microsecond UTC timestamps, except 1.5 % truncated to milliseconds by one venue adapter, 1 % out of
order within their symbol, and 0.5 % stamped in local time (+01:00) by a legacy feed. The suite in
expectations/orders.json is exported by Great Expectations 1.x itself, so readiness reads it as is.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).parent
SYMBOLS = ["NESN", "NOVN", "ROG", "UBSG", "ZURN", "ABBN"]
CET = timezone(timedelta(hours=1))


def events(rng: random.Random, day: datetime, n: int, defects: bool) -> list[list]:
    rows, clock = [], day
    for i in range(n):
        clock += timedelta(microseconds=rng.randint(200, 40_000))
        symbol = rng.choice(SYMBOLS)
        stamp = clock
        text = stamp.isoformat(timespec="microseconds")
        if defects:
            roll = rng.random()
            if roll < 0.015:
                text = stamp.isoformat(timespec="milliseconds")  # truncated by one venue adapter
            elif roll < 0.025:
                text = (stamp - timedelta(milliseconds=rng.randint(50, 400))).isoformat(timespec="microseconds")
            elif roll < 0.030:
                text = stamp.astimezone(CET).isoformat(timespec="microseconds")  # local time, legacy feed
        side = rng.choice(["BUY", "SELL"])
        price = round(rng.uniform(20, 400), 2)
        qty = rng.choice([10, 50, 100, 200, 500, 1000])
        rows.append([f"ORD{day:%Y%m%d}{i:07d}", text, symbol, side, price, qty, rng.choice(["XSWX", "XVTX", "AQEU"])])
    return rows


def write(path: Path, rows: list[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["order_id", "event_time", "symbol", "side", "price", "quantity", "venue"])
        out.writerows(rows)


def suite() -> dict:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    s = gx.ExpectationSuite(
        name="orders",
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="order_id"),
            gxe.ExpectColumnValuesToBeUnique(column="order_id"),
            gxe.ExpectColumnValuesToBeInSet(column="side", value_set=["BUY", "SELL"]),
            gxe.ExpectColumnValuesToBeBetween(column="price", min_value=0.01, max_value=10_000),
            gxe.ExpectColumnValuesToBeInSet(column="venue", value_set=["XSWX", "XVTX"]),
        ],
    )
    data = s.to_json_dict()
    data.pop("id", None)
    for e in data["expectations"]:
        e.pop("id", None)
    return data


def main() -> None:
    rng = random.Random(5)
    write(HERE / "data" / "reference_orders.csv", events(rng, datetime(2026, 11, 19, 8, tzinfo=UTC), 10_000, False))
    write(HERE / "data" / "orders.csv", events(rng, datetime(2026, 11, 20, 8, tzinfo=UTC), 10_000, True))
    (HERE / "expectations" / "orders.json").write_text(json.dumps(suite(), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
