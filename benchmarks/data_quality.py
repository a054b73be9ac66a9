"""Data-quality speed and memory, side by side in one run, on a seeded table of N rows x 20 columns.

    python benchmarks/data_quality.py [--rows 1000000] [--rows 10000000]

Each phase runs in its own process (so its peak memory is its own): reading the Parquet file with
pandas; a hand-vectorised numpy pass over the same rules; readiness' built-in data checks (DQ-001..007,
through `readiness.api.assess`, reading the Parquet itself); Great Expectations alone on a
18-expectation suite (int16, int32 and float32 columns among them: GX's row-by-row between path) and
the same rules by hand (numpy-suite, DQ-008's floor); readiness' DQ-008 running the suite; and the whole
data area (DQ-001..008 in one assessment, one read). Targets (issue 16): built-in checks and DQ-008
each within 2x of their numpy pass (read included), DQ-008's results those of GX alone; the whole data
area on 10M rows from Parquet within 15 s with peak memory within 3x the in-memory table.
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
NARROW = {"age": "int16", "n_items": "int32", "feature": "float32"}
"""Columns Great Expectations' between would walk row by row (readiness widens them: no result changes)."""
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
    + [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "age", "min_value": 18, "max_value": 90}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "n_items", "min_value": 0}},
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "feature", "min_value": -6, "max_value": 6},
        },
        {
            "type": "expect_column_mean_to_be_between",
            "kwargs": {"column": "amount", "min_value": 100, "max_value": 500},
        },
    ]
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
    data["age"] = rng.integers(18, 91, rows).astype("int16")
    data["n_items"] = rng.integers(0, 40, rows).astype("int32")
    data["feature"] = rng.standard_normal(rows).astype("float32")
    data["event_ts"] = (
        pd.Timestamp("2026-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 86_400_000_000, rows)), "us")
    ).astype("datetime64[us]")
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
                "age": {"type": "int", "min": 18, "max": 90},
                "n_items": {"type": "int", "min": 0},
                "feature": {"type": "float", "min": -6, "max": 6},
            },
        },
    }
    (folder / "builtin.yaml").write_text(yaml.safe_dump(manifest))
    manifest["data"]["expectations"] = SUITE
    (folder / "whole.yaml").write_text(yaml.safe_dump(manifest))  # the whole data area: DQ-001..008, one read
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
    elif name == "numpy-suite":  # the suite's rules by hand: DQ-008's floor
        start = time.perf_counter()
        df = pd.read_parquet(folder / "prod.parquet")
        failed = 0
        for e in SUITE:
            kw, col = e["kwargs"], df[e["kwargs"]["column"]]
            if e["type"].endswith("not_be_null"):
                failed += bool(col.isna().any())
            elif e["type"].endswith("values_to_be_between"):
                v = col.dropna()
                lo, hi = kw.get("min_value"), kw.get("max_value")
                failed += bool((lo is not None and (v < lo).any()) or (hi is not None and (v > hi).any()))
            elif e["type"].endswith("in_set"):
                failed += bool((~col.dropna().isin(kw["value_set"])).any())
            elif e["type"].endswith("unique"):
                failed += bool(col.duplicated().any())
            elif e["type"].endswith("mean_to_be_between"):
                failed += not kw["min_value"] <= col.mean() <= kw["max_value"]
        out["failed"] = failed
    elif name in {"builtin", "dq008", "whole"}:
        import pyarrow.parquet  # noqa: F401 - imports outside the timer, as in the other phases

        from readiness.api import assess
        from readiness.engine import RunOptions

        builtin = ("DQ-001", "DQ-002", "DQ-003", "DQ-004", "DQ-005", "DQ-006", "DQ-007")
        only = {"builtin": builtin, "dq008": ("DQ-008",), "whole": (*builtin, "DQ-008")}[name]
        manifest = folder / {"builtin": "builtin.yaml", "dq008": "suite.yaml", "whole": "whole.yaml"}[name]
        if name != "builtin":
            import great_expectations  # noqa: F401 - its import (seconds) is outside the timer, as for gx
        start = time.perf_counter()
        a = assess(manifest, options=RunOptions(only=only))
        out["statuses"] = {o.id: o.status.value for o in a.outcomes if o.id in only}
        out["check_s"] = {o.id: round(o.duration_s, 2) for o in a.outcomes if o.id in only}
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
        for name in ("read", "numpy", "builtin", "numpy-suite", "gx", "dq008", "whole"):
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
