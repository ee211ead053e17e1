"""The reading commands on the real Slurm: what a cancelled array shows, its results and
logs, and ``hsm queue``'s order (``scripts/slurm-cluster.sh up``)."""

from __future__ import annotations

import re
import subprocess
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
    header = next(line for line in lines if line.startswith("TASK"))
    # EXIT is followed by ELAPSED and NODE (the tasks that ran have them)
    exit_at, exit_end = header.index("EXIT"), header.find("ELAPSED")
    rows = [line for line in lines if re.match(r"\d+ +x=\d+ +\d+_\d+ +cancelled ", line)]
    assert len(rows) == 12, text
    assert all(row[exit_at : exit_end if exit_end > 0 else None].strip() == "" for row in rows), (
        text  # not "0"
    )
    no_log = [line for line in text.splitlines() if ": no log at " in line]
    assert no_log, text  # tasks cancelled while pending never had a log: one line each

    results = hsm.ok("results", "--sweep-id", sweep, "--json").json()
    assert {row["state"] for row in results["rows"]} == {"cancelled"}
    assert all(row["exit_code"] is None for row in results["rows"])

    started = [i for i in range(12) if (log / f"array_000_{i}.log").exists()]
    assert started
    out = hsm.ok("logs", "--sweep-id", sweep, str(started[0])).out
    assert f"x={started[0]} line 0" in out


def test_finished_tasks_show_elapsed_node_and_memory_from_sacct(hsm: Hsm, slurm_clean: str) -> None:
    sweep = slurm_clean
    (hsm.cwd / "task.py").write_text(PROGRAM)
    args = ["sweep", "run", "--script", "task.py", "--python", sys.executable, *SLURM]
    run = hsm(*args, "--sweep-id", sweep, f"sweep={sweep}", "x=1,2", "sleep=2", "--wait",
              "--poll-interval", "0.5")  # fmt: skip
    assert run.code == 0, str(run)
    host = subprocess.run(["hostname", "-s"], capture_output=True, text=True).stdout.strip()
    data = hsm.ok("monitor", "--sweep-id", sweep, "--json").json()
    tasks = data["tasks"]
    assert [t["state"] for t in tasks] == ["completed", "completed"]
    for task in tasks:
        assert task["elapsed"] >= 2 and task["node"] == host, task
        # MaxRSS as sacct has it for the job's batch step: empty (or 0) when the cluster
        # gathers no accounting (JobAcctGatherType=jobacct_gather/none), and then unknown
        sacct = subprocess.run(
            ["sacct", "-n", "-P", "-o", "MaxRSS", "-j", f"{task['job_id']}.batch"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        measured = [value for value in sacct if value.strip("0K") != ""]
        if measured:
            assert task["max_mem"] is not None and task["max_mem"] > 1024, (task, sacct)
        else:
            assert task["max_mem"] is None, (task, sacct)
    table = hsm.ok("monitor", "--sweep-id", sweep, "--all").out.splitlines()
    header = next(line for line in table if line.startswith("TASK"))
    assert header.split()[-2:] == ["ELAPSED", "NODE"] or header.endswith("MAXMEM"), header
    rows = [line for line in table if re.match(r"\d+ +x=\d+ +\d+_\d+ +completed ", line)]
    assert len(rows) == 2 and all(f" {host}" in row for row in rows), table
    assert all(re.search(r" \d+s +" + re.escape(host), row) for row in rows), table
    results = hsm.ok("results", "--sweep-id", sweep, "--json").json()
    assert all(r["elapsed"] >= 2 and r["elapsed_source"] == "sacct" for r in results["rows"])
