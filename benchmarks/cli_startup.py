"""How fast ``hsm --help`` starts, against a bare ``python -c pass``.

Target (issue 4): ``hsm --help`` takes at most 2.5x the wall time of ``python -c pass``.
Both are run ``--runs`` times (after one warm-up each) and the medians compared; the
interpreter's own start-up is in both, so the ratio shows what hsm's imports add.

    python benchmarks/cli_startup.py [--runs 30]

Exit status 0 when the target is met, 1 when not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 2.5


def _median_wall(argv: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(argv, env=env, capture_output=True, check=True)  # warm the caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    bare = _median_wall([sys.executable, "-c", "pass"], args.runs, env)
    help_ = _median_wall([sys.executable, "-m", "hsm", "--help"], args.runs, env)
    ratio = help_ / bare
    print(f"python -c pass : {bare * 1000:7.1f} ms (median of {args.runs})")
    print(f"hsm --help     : {help_ * 1000:7.1f} ms (python -m hsm --help)")
    print(
        f"ratio          : {ratio:7.2f}x  (target <= {TARGET}x: "
        f"{'met' if ratio <= TARGET else 'NOT met'})"
    )
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
