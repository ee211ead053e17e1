"""The reading commands on the real Slurm: what a cancelled array shows, its results and
logs, and ``hsm queue``'s order (``scripts/slurm-cluster.sh up``)."""

from __future__ import annotations

import re
import sys
import time

import pytest

from hsm.pure.cli_text import job_id_key
from tests.cli.conftest import Hsm
from tests.cli.test_cli_reading import PROGRAM

pytestmark = pytest.mark.slurm
SLURM = ("--system", "slurm")


def test_cancelled_array_shows_no_exit_code_and_reads_as_results_and_logs(
    hsm: Hsm, slurm_clean: str
) -> None:
    sweep = slurm_clean
    (hsm.cwd / "task.py").write_text(PROGRAM)
    hsm.ok(
        "sweep",
        "run",
        "--script",
        "task.py",
        "--python",
        sys.executable,
        *SLURM,
        "--sweep-id",
        sweep,
        f"sweep={sweep}",
        "x=range(12)",
        "sleep=30",
        "--throttle",
        "2",
    )
    log = hsm.cwd / "sweeps" / sweep / "logs"
    deadline = time.monotonic() + 60
    while not list(log.glob("*.log")) and time.monotonic() < deadline:
        time.sleep(0.5)
    ids = [j["job_id"] for j in hsm.ok("queue", *SLURM, "--json").json()["jobs"]]
    assert ids == sorted(ids, key=job_id_key)
    hsm.ok("cancel", "--sweep-id", sweep)
    deadline = time.monotonic() + 60
    data = hsm.ok("monitor", "--sweep-id", sweep, "--json").json()
    while data["counts"]["cancelled"] < 12 and time.monotonic() < deadline:
        time.sleep(1)
        data = hsm.ok("monitor", "--sweep-id", sweep, "--json").json()
    assert data["counts"]["cancelled"] == 12, data["counts"]

    text = hsm.ok("monitor", "--sweep-id", sweep).out
    lines = text.splitlines()
    exit_at = next(line for line in lines if line.startswith("TASK")).index("EXIT")
    rows = [line for line in lines if re.match(r"\d+ +x=\d+ +\d+_\d+ +cancelled ", line)]
    assert len(rows) == 12, text
    assert all(row[exit_at:].strip() == "" for row in rows), text  # not "0"
    no_log = [line for line in text.splitlines() if ": no log at " in line]
    assert no_log, text  # tasks cancelled while pending never had a log: one line each

    results = hsm.ok("results", "--sweep-id", sweep, "--json").json()
    assert {row["state"] for row in results["rows"]} == {"cancelled"}
    assert all(row["exit_code"] is None for row in results["rows"])

    started = [i for i in range(12) if (log / f"array_000_{i}.log").exists()]
    assert started
    out = hsm.ok("logs", "--sweep-id", sweep, str(started[0])).out
    assert f"x={started[0]} line 0" in out
