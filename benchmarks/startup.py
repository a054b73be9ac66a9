"""Wall time of `readiness --help` and `readiness validate` (target: under 0.3 s each).

    python benchmarks/startup.py [--runs 20]

Runs each command as a fresh process, after one warm-up, and prints the median and the best time.
Byte-code caching is switched on for these runs (some environments set PYTHONDONTWRITEBYTECODE, which
makes every start compile readiness from source: an installed package has its .pyc files).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
COMMANDS = {
    "readiness --help": ["--help"],
    "readiness validate (credit-risk)": ["validate", str(ROOT / "examples/credit-risk/readiness.yaml")],
    "readiness checks list": ["checks", "list"],
}


def measure(args: list[str], runs: int) -> list[float]:
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "readiness", *args], check=True, capture_output=True, env=ENV)
        if i:  # the first run warms the file cache
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    print(f"{'command':<36} {'median s':>9} {'best s':>8}")
    for name, args in COMMANDS.items():
        t = measure(args, runs)
        print(f"{name:<36} {statistics.median(t):>9.3f} {min(t):>8.3f}")


if __name__ == "__main__":
    main()
