"""Every command's happy path on the real Slurm (``scripts/slurm-cluster.sh up``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.cli.conftest import Hsm, squeue_jobs, tree

pytestmark = pytest.mark.slurm
FAST = ("--poll-interval", "1")
SLURM = ("--system", "slurm")


def test_example_sweep_runs_on_slurm_with_wait_and_json(hsm: Hsm, slurm_clean: str) -> None:
    data = hsm.ok(
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        *SLURM,
        "--sweep-id",
        slurm_clean,
        "--wait",
        "--json",
        *FAST,
        timeout=300,
    ).json()
    assert data["scheduler"] == "slurm" and data["tasks"] == 9
    assert data["status"]["counts"]["completed"] == 9, data["status"]
    job_id = data["jobs"][0]["job_id"]
    assert [t["job_id"] for t in data["status"]["tasks"]] == [f"{job_id}_{i}" for i in range(9)]
    # squeue prints no exit code; --wait gives sacct the moment it needs to have them.
    assert [t["exit_code"] for t in data["status"]["tasks"]] == [0] * 9, data["status"]
    assert len(list((hsm.cwd / "sweeps" / slurm_clean / "tasks").glob("*/metrics.json"))) == 9
    monitor = hsm.ok("monitor", "--mode", "hpc", "--sweep-id", slurm_clean, "--json").json()
    assert monitor["state"] == "completed" and monitor["scheduler"] == "slurm"


def test_dry_run_on_slurm_writes_and_submits_nothing(hsm: Hsm, slurm_clean: str) -> None:
    before_files = tree(hsm.cwd)
    before_queue = squeue_jobs(slurm_clean)
    run = hsm.ok(
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        *SLURM,
        "--sweep-id",
        slurm_clean,
        "--dry-run",
        "--mode",
        "individual",
    )
    assert run.out.count("#SBATCH --job-name=") == 9
    assert f"$ sbatch --parsable sweeps/{slurm_clean}/scripts/task_000.sh" in run.out
    assert tree(hsm.cwd) == before_files
    assert squeue_jobs(slurm_clean) == before_queue == []


def test_failed_task_log_monitor_and_resubmit(hsm: Hsm, slurm_clean: str) -> None:
    run = hsm(
        "sweep",
        "run",
        "--script",
        "examples/train.py",
        "--python",
        sys.executable,
        *SLURM,
        "--sweep-id",
        slurm_clean,
        "lr=0.1,nan_is_not_a_float",
        "--wait",
        *FAST,
        timeout=300,
    )
    assert run.code == 5, str(run)
    assert "failed task 1" in run.out and "ValueError" in run.out
    monitor = hsm.ok("monitor", "--sweep-id", slurm_clean, "--json").json()
    failed = monitor["tasks"][1]
    assert failed["state"] == "failed" and failed["raw"]
    assert failed["exit_code"] in (1, None)  # squeue (unlike sacct) reports no exit code
    assert failed["log"].endswith("_1.log")
    # A bad new value is refused in one line and submits nothing.
    before = squeue_jobs(slurm_clean)
    bad = hsm("sweep", "resubmit", "--sweep-id", slurm_clean, "--walltime", "8 hours")
    assert bad.code == 2 and "walltime" in bad.err and "Traceback" not in bad.err, str(bad)
    assert squeue_jobs(slurm_clean) == before
    again = hsm(
        "sweep",
        "resubmit",
        "--sweep-id",
        slurm_clean,
        "--failed",
        "--walltime",
        "00:07:00",
        "--resources",
        "--mem=100M",
        "--json",
    )
    assert again.code == 0, str(again)
    assert again.json()["resubmitted_tasks"] == [1]
    assert again.json()["changes"] == {"walltime_seconds": 420, "resources": "--mem=100M"}
    manifest = json.loads((hsm.cwd / "sweeps" / slurm_clean / "manifest.json").read_text())
    r1 = next(job for job in manifest["jobs"] if job["key"] == "r1_array_000")
    assert r1["changes"] == {"walltime_seconds": 420, "resources": "--mem=100M"}
    assert all("changes" not in job for job in manifest["jobs"] if job is not r1)
    # The scheduler really holds the new job to the new limits.
    shown = subprocess.run(
        ["scontrol", "show", "job", r1["job_id"]], capture_output=True, text=True, check=True
    ).stdout
    # MinMemoryNode is the request; TRES shows mem only while the job is pending (this
    # cluster's CR_Core does not allocate memory), so a job that already started lacks it.
    assert "TimeLimit=00:07:00" in shown and "MinMemoryNode=100M" in shown, shown


def test_render_submit_queue_cancel(hsm: Hsm, slurm_clean: str) -> None:
    hsm.ok(
        "sweep",
        "render",
        "--script",
        "examples/train.py",
        *SLURM,
        "--sweep-id",
        slurm_clean,
        "epochs=3000",
        "lr=0.0001,0.0002",
        "--mode",
        "individual",
    )
    assert squeue_jobs(slurm_clean) == []
    submitted = hsm.ok("sweep", "submit", f"sweeps/{slurm_clean}", "--json").json()
    ids = sorted(j["job_id"] for j in submitted["jobs"])
    assert sorted(squeue_jobs(slurm_clean)) == ids
    queue = hsm.ok("queue", *SLURM, "--json").json()
    listed = {j["job_id"]: j for j in queue["jobs"]}
    assert set(ids) <= set(listed)
    assert {listed[i]["state"] for i in ids} <= {"queued", "running"}
    assert {listed[i]["name"] for i in ids} == {
        f"{slurm_clean}_task_000",
        f"{slurm_clean}_task_001",
    }
    assert f"{slurm_clean}_task_000" in hsm.ok("queue", *SLURM).out
    one = hsm.ok("cancel", ids[0], *SLURM)
    assert ids[0] in one.out
    rest = hsm.ok("cancel", "--sweep-id", slurm_clean, "--json").json()
    assert ids[1] in rest["cancelled"]
    monitor = hsm.ok("monitor", "--sweep-id", slurm_clean, "--json").json()
    assert monitor["counts"]["cancelled"] == 2, monitor


def test_refused_submission_is_a_scheduler_error_and_leaves_nothing(
    hsm: Hsm, slurm_clean: str
) -> None:
    before = tree(hsm.cwd)
    run = hsm(
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        *SLURM,
        "--sweep-id",
        slurm_clean,
        "--partition",
        "no_such_partition",
    )
    assert run.code == 3, str(run)
    assert run.err.startswith("hsm: error: ") and "partition" in run.err
    assert "Traceback" not in run.err and len(run.err.splitlines()) <= 2
    assert tree(hsm.cwd) == before
    assert squeue_jobs(slurm_clean) == []


def test_resources_starting_with_a_dash_reach_the_script(hsm: Hsm, slurm_clean: str) -> None:
    run = hsm.ok(
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        *SLURM,
        "--sweep-id",
        slurm_clean,
        "--resources",
        "--mem=200M",
        "--dry-run",
    )
    assert "#SBATCH --mem=200M" in run.out
