"""Data-quality speed and memory, side by side in one run, on a seeded table of N rows x 20 columns.

    python benchmarks/data_quality.py [--rows 1000000] [--rows 10000000]

Each phase runs in its own process (so its peak memory is its own): reading the Parquet file with
pandas; a hand-vectorised numpy pass over the same rules; readiness' built-in data checks (DQ-001..007,
through `readiness.api.assess`, reading the Parquet itself); Great Expectations alone on a
14-expectation suite; and readiness' DQ-008 running the same suite. Targets (issue 3): built-in checks
within 2x of the numpy pass (after reading); DQ-008 no slower than Great Expectations alone; the whole
data area on 10M rows from Parquet within 15 s with peak memory within 3x the in-memory table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

NUM = [f"x{i}" for i in range(14)]
CAT = ["country", "segment", "channel", "product"]
SUITE = (
    [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": c}} for c in NUM[:5]]
    + [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": c, "min_value": -5, "max_value": 5}}
        for c in NUM[5:10]
    ]
    + [
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": c, "value_set": ["a", "b", "c", "d"]}}
        for c in CAT[:3]
    ]
    + [{"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}}]
)


def generate(rows: int, folder: Path) -> Path:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(42)
    data = {"id": np.arange(rows, dtype=np.int64)}
    for c in NUM:
        col = rng.standard_normal(rows)
        col[rng.random(rows) < 0.01] = np.nan
        data[c] = col
    for c in CAT:
        data[c] = pd.Categorical(rng.choice(["a", "b", "c", "d", "e"], rows, p=[0.3, 0.3, 0.2, 0.15, 0.05]))
    data["amount"] = rng.lognormal(5, 1, rows)
    df = pd.DataFrame(data)
    for name, frame in (("prod", df), ("ref", df.sample(frac=0.2, random_state=1))):
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    manifest = {
        "model": {"id": "bench", "name": "Bench", "version": "1"},
        "data": {
            "production": {"path": "prod.parquet"},
            "reference": {"path": "ref.parquet"},
            "keys": ["id"],
            "columns": {
                **{c: {"type": "float", "max_null_rate": 0.02, "min": -6, "max": 6} for c in NUM},
                **{c: {"type": "category", "allowed": ["a", "b", "c", "d", "e"]} for c in CAT},
                "id": {"type": "int", "unique": True},
                "amount": {"type": "float", "min": 0},
            },
        },
    }
    (folder / "builtin.yaml").write_text(yaml.safe_dump(manifest))
    manifest["data"] = {"production": {"path": "prod.parquet"}, "expectations": SUITE}
    (folder / "suite.yaml").write_text(yaml.safe_dump(manifest))
    return folder


def phase(name: str, folder: Path) -> dict:
    import pandas as pd

    start = time.perf_counter()
    out: dict = {}
    if name == "read":
        df = pd.read_parquet(folder / "prod.parquet")
        out["table_mb"] = round(df.memory_usage(deep=True).sum() / 2**20, 1)
    elif name == "numpy":
        import numpy as np

        start = time.perf_counter()  # reading both samples, then the rules: as readiness does
        df = pd.read_parquet(folder / "prod.parquet")
        ref = pd.read_parquet(folder / "ref.parquet")
        nulls = df.isna().mean()
        out_of_range = {c: int(((df[c] < -6) | (df[c] > 6)).sum()) for c in NUM}
        bad_sets = {c: int((~df[c].isin(["a", "b", "c", "d", "e"])).sum()) for c in CAT}
        dup = int(df["id"].duplicated().sum())
        for c in NUM + ["amount"]:
            edges = np.quantile(ref[c].dropna(), np.linspace(0, 1, 11))
            np.histogram(df[c].dropna(), edges)
        out["checked"] = int(nulls.size + len(out_of_range) + len(bad_sets) + dup)
    elif name in {"builtin", "dq008"}:
        import pyarrow.parquet  # noqa: F401 - imports outside the timer, as in the other phases

        from readiness.api import assess
        from readiness.engine import RunOptions

        only = (
            ("DQ-001", "DQ-002", "DQ-003", "DQ-004", "DQ-005", "DQ-006", "DQ-007") if name == "builtin" else ("DQ-008",)
        )
        manifest = folder / ("builtin.yaml" if name == "builtin" else "suite.yaml")
        if name == "dq008":
            import great_expectations  # noqa: F401 - its import (seconds) is outside the timer, as for gx
        start = time.perf_counter()
        a = assess(manifest, options=RunOptions(only=only))
        out["statuses"] = {o.id: o.status.value for o in a.outcomes if o.id in only}
    elif name == "gx":
        import logging

        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        start = time.perf_counter()  # reading included, as DQ-008 reads the file itself
        df = pd.read_parquet(folder / "prod.parquet")
        ctx = gx.get_context(mode="ephemeral")
        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
        suite = gx.ExpectationSuite(
            name="s", expectations=[ExpectationConfiguration(**e).to_domain_obj() for e in SUITE]
        )
        batch = (
            ctx.data_sources.add_pandas("p")
            .add_dataframe_asset("a")
            .add_batch_definition_whole_dataframe("w")
            .get_batch(batch_parameters={"dataframe": df})
        )
        result = batch.validate(suite, result_format="SUMMARY")
        out["evaluated"] = len(result.results)
    out["seconds"] = round(time.perf_counter() - start, 2)
    out["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--phase")
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.folder)))
        return
    for rows in args.rows or [1_000_000]:
        folder = generate(rows, Path(tempfile.mkdtemp(prefix="readiness-dq-")))
        print(
            f"\n{rows:,} rows x 20 columns (Parquet {sum(p.stat().st_size for p in folder.glob('*.parquet')) / 2**20:.0f} MiB)"
        )
        for name in ("read", "numpy", "builtin", "gx", "dq008"):
            proc = subprocess.run(
                [sys.executable, __file__, "--phase", name, "--folder", str(folder)],
                capture_output=True,
                text=True,
                timeout=3600,
            )
            if proc.returncode:
                print(f"  {name:8} failed: {proc.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            rate = rows / r["seconds"] if r["seconds"] else float("inf")
            extra = {k: v for k, v in r.items() if k not in {"seconds", "peak_mb"}}
            print(
                f"  {name:8} {r['seconds']:7.2f} s  {rate / 1e6:7.2f} M rows/s  peak {r['peak_mb']:7.0f} MiB  {extra}"
            )


if __name__ == "__main__":
    main()
