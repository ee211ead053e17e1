"""The Hydra config check before submitting: a 1,000-task sweep of a real Hydra app.

Composes the configs of ``tests/helpers/hydra_launch_app`` (a config group and three
keys) for a 1,000-task sweep (``lr`` x 10, ``+seed`` x 50, ``optim`` x 2) as ``hsm sweep
run --hydra`` does before submitting: one subprocess of this interpreter composes the
covering set (60 tasks).  Also times the per-task cost (every task of a 32-task sweep,
the largest checked whole), the whole ``hsm sweep run --hydra --dry-run`` of the
1,000-task sweep as a subprocess, and Hydra's own compose cost per config.

    python benchmarks/bench_hydra_check.py

Prints what it measured (best of 3); asserts nothing.  Target: the 1,000-task check
under 10 s.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hsm.boundary import result_of  # noqa: E402
from hsm.effects.hydra_check import check_hydra_tasks  # noqa: E402
from hsm.pure.covering import covering_tasks  # noqa: E402

APP = ROOT / "tests" / "helpers" / "hydra_launch_app"
RUN_DIR = "hydra.run.dir=${oc.env:HSM_TASK_DIR}"


def sweep(lrs: int, seeds: int, optims: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [
        (f"lr={lr}", f"+seed={seed}", f"optim={optim}", RUN_DIR)
        for lr, seed, optim in itertools.product(range(lrs), range(seeds), optims)
    ]


def best_of(n: int, action) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    big = sweep(10, 50, ("sgd", "adam"))
    small = sweep(4, 4, ("sgd", "adam"))

    def check(argvs: list[tuple[str, ...]]) -> None:
        done = result_of(check_hydra_tasks(sys.executable, "app.py", argvs, APP))
        assert done.unwrap() == len(covering_tasks(argvs)), done

    print(f"covering set of the {len(big)}-task sweep: {len(covering_tasks(big))} tasks")
    big_s = best_of(3, lambda: check(big))
    print(f"check of the {len(big)}-task sweep (one subprocess): {big_s:.2f} s   target < 10 s")
    small_s = best_of(3, lambda: check(small))
    print(f"check of a {len(small)}-task sweep (every task): {small_s:.2f} s")
    empty_s = best_of(3, lambda: check(big[:1]))
    print(f"check of one task (start-up: interpreter, hydra import, app): {empty_s:.2f} s")
    per_task = (big_s - empty_s) / max(1, len(covering_tasks(big)) - 1)
    print(f"Hydra compose per task config: {per_task * 1000:.0f} ms")
    argv = [sys.executable, "-m", "hsm", "sweep", "run", "--hydra", "--script", "app.py",
            "--python", sys.executable, "--system", "local", "--dry-run",
            "lr=range(10)", "+seed=range(50)", "optim=sgd,adam"]  # fmt: skip
    env_run = best_of(
        3,
        lambda: subprocess.run(
            argv, cwd=APP, check=True, capture_output=True,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        ),
    )  # fmt: skip
    print(f"hsm sweep run --hydra --dry-run of the {len(big)}-task sweep: {env_run:.2f} s")


if __name__ == "__main__":
    main()
