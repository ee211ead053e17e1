"""The monitor's page from a poll: a summary above 50 tasks, a table otherwise; what each
row and each failure line may say.  Built from a planned manifest and made-up statuses,
with real log files in a temporary directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hsm import api
from hsm.cli.output import Console
from hsm.cli.queue import _view as queue_view
from hsm.cli.requests import QueueRequest
from hsm.cli.views import Shown, sweep_view
from hsm.effects.sweeps import SweepReport
from hsm.pure.layout import task_dir
from hsm.pure.manifest import task_logs
from hsm.pure.schedulers.base import UserJobs
from hsm.pure.states import JobState, JobStatus

STATUS_KEYS = {
    *("task", "params", "job_id", "state", "raw", "exit_code", "signal", "reason", "log"),
    *("elapsed", "node", "max_mem"),
    "attempts",
}


def _report(tmp_path: Path, n: int, state_of: Any, logged: Any = lambda task: True) -> SweepReport:
    """A local array sweep of ``n`` tasks whose task i is ``state_of(i)`` (a JobStatus)."""
    sweep_dir = tmp_path / "sweeps" / "s"
    options = api.JobOptions(script_path="train.py", project_dir=tmp_path)
    params = [{"lr": 0.1 * (i % 4), "seed": i, "epochs": 10, "model": "mlp"} for i in range(n)]
    manifest, _ = api.plan_sweep(
        options, "local", 1_000_000, "s", sweep_dir, params, "array"
    ).unwrap()
    manifest = manifest.with_job_ids({"array_000": "7"})
    for task, log in task_logs(manifest).items():
        if logged(task):
            path = tmp_path / log
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(f"task {task} line {k}\n" for k in range(20)))
    statuses = {i: state_of(i)._replace(job_id=f"7_{i}") for i in range(n)}
    return SweepReport(manifest, statuses, {"array_000": "7"})


def _mixed(task: int) -> JobStatus:
    if task % 5 == 1:
        return JobStatus("", JobState.FAILED, "exited", 1)
    if task % 7 == 3:
        return JobStatus("", JobState.CANCELLED, "cancelled")
    return JobStatus("", JobState.COMPLETED, "exited", 0)


def _view(tmp_path: Path, report: SweepReport, **shown: Any) -> tuple[str, dict[str, Any]]:
    return sweep_view(tmp_path / "sweeps" / "s", report, shown=Shown(**shown))


def test_a_big_sweep_reads_as_a_summary_that_fits_on_a_screen(tmp_path: Path) -> None:
    report = _report(tmp_path, 2000, _mixed)
    text, data = _view(
        tmp_path, report, since=(1000.0, "first submission"), now=4723.0, ref="--sweep-id s"
    )
    lines = text.splitlines()
    assert len(lines) < 80, text
    assert lines[0].startswith("sweep s (local, array): 2000 tasks, failed -- ")
    assert "1h02m since first submission" in lines[1]
    assert "same in every task: epochs=10 model=mlp" in text
    assert "varying: lr seed" in text
    failures = [line for line in lines if line.startswith("failed task ")]
    assert len(failures) == 10
    assert failures[0] == "failed task 1 lr=0.1 seed=1 (job 7_1, exit code 1):"
    assert "  | task 1 line 19" in lines and "  | task 1 line 16" not in lines
    assert "390 more: hsm monitor --sweep-id s --state failed" in text  # 400 failed
    assert "cancelled task" not in text and "completed" not in lines[5:]
    assert len(data) and len(data["tasks"]) == 2000  # --json stays complete


def test_quiet_is_one_line(tmp_path: Path) -> None:
    text, _ = _view(tmp_path, _report(tmp_path, 60, _mixed), quiet=True)
    assert text.count("\n") == 0 and text.startswith("sweep s ")


@pytest.mark.parametrize("n", [3, 50])
def test_a_small_sweep_is_a_table_of_the_varying_params(tmp_path: Path, n: int) -> None:
    text, data = _view(tmp_path, _report(tmp_path, n, _mixed))
    lines = text.splitlines()
    assert lines[1] == "same in every task: epochs=10 model=mlp"
    assert lines[2].split() == ["TASK", "PARAMS", "JOB", "ID", "STATE", "RAW", "EXIT"]
    assert lines[3].split() == ["0", "lr=0.0", "seed=0", "7_0", "completed", "exited", "0"]
    assert "epochs" not in "\n".join(lines[2 : 3 + n])
    assert len(data["tasks"]) == n and set(data["tasks"][0]) == STATUS_KEYS
    assert data["varying"] == ["lr", "seed"] and data["constants"] == {"epochs": 10, "model": "mlp"}


def test_all_shows_every_row_and_every_failure(tmp_path: Path) -> None:
    text, _ = _view(tmp_path, _report(tmp_path, 200, _mixed), every=True, lines=2)
    assert sum(1 for line in text.splitlines() if "  7_" in line) == 200
    assert text.count("\nfailed task ") == 40 and "more" not in text


def test_state_filter_lists_only_those_tasks_and_says_so(tmp_path: Path) -> None:
    report = _report(tmp_path, 200, _mixed)
    failed = frozenset({JobState.FAILED})
    text, data = _view(tmp_path, report, states=failed)
    rows = [line for line in text.splitlines() if "  7_" in line]
    assert len(rows) == 40 and all(" failed " in row for row in rows)
    assert "showing 40 failed of 200 tasks" in text
    assert text.count("\nfailed task ") == 10 and "30 more failed or cancelled" in text
    assert {t["state"] for t in data["tasks"]} == {"failed"} and len(data["tasks"]) == 40
    assert data["counts"]["completed"] > 0  # counts stay the whole sweep's


def test_a_cancelled_task_without_a_log_is_one_line(tmp_path: Path) -> None:
    def state(task: int) -> JobStatus:
        return JobStatus("", JobState.CANCELLED, "CANCELLED by 0", 0, 15)

    text, _ = _view(tmp_path, _report(tmp_path, 4, state, logged=lambda t: t == 0))
    lines = text.splitlines()
    for task in (1, 2, 3):
        line = f"cancelled task {task} lr={0.1 * task!r} seed={task} (job 7_{task}, CANCELLED by 0): no log at "
        assert any(x.startswith(line) for x in lines), text
    assert "(no log" not in text
    assert sum(1 for x in lines if x.startswith("  | ")) == 10  # task 0's log only
    assert all(row.split()[-1] == "0" for row in lines[3:7])  # "by 0", not an EXIT 0


def test_no_exit_zero_for_a_timeout(tmp_path: Path) -> None:
    def state(task: int) -> JobStatus:
        if task == 0:
            return JobStatus("", JobState.FAILED, "TIMEOUT", 0, None, "TimeLimit")
        return JobStatus("", JobState.COMPLETED, "COMPLETED", 0)

    text, data = _view(tmp_path, _report(tmp_path, 2, state))
    row = text.splitlines()[3]
    assert row.split()[-1] == "TIMEOUT", row  # the EXIT cell is empty
    assert "failed task 0 lr=0.0 seed=0 (job 7_0, TIMEOUT: TimeLimit); log: " in text
    assert data["tasks"][0]["exit_code"] == 0  # the JSON keeps what the scheduler said


def test_usage_columns_in_human_units_blank_when_unknown(tmp_path: Path) -> None:
    def state(task: int) -> JobStatus:
        if task == 0:  # finished, measured: elapsed, node and peak memory
            return JobStatus("", JobState.COMPLETED, "COMPLETED", 0, None, "", "sacct", 725.0,
                             "vm", 904 * 1024)  # fmt: skip
        if task == 1:  # running: time so far and node, no memory yet
            return JobStatus("", JobState.RUNNING, "RUNNING", None, None, "", "squeue", 10920.0,
                             "n[1-2]")  # fmt: skip
        return JobStatus("", JobState.QUEUED, "PENDING")  # nothing measured

    text, data = _view(tmp_path, _report(tmp_path, 3, state))
    lines = text.splitlines()
    headers = ["TASK", "PARAMS", "JOB", "ID", "STATE", "RAW", "EXIT", "ELAPSED", "NODE", "MAXMEM"]
    assert lines[2].split() == headers
    assert lines[3].split()[-4:] == ["0", "12m05s", "vm", "904K"]
    assert lines[4].split()[-3:] == ["RUNNING", "3h02m", "n[1-2]"]
    assert lines[5].split()[-2:] == ["queued", "PENDING"]  # blank usage cells
    assert lines[3].index("12m05s") == lines[2].index("ELAPSED")
    tasks = data["tasks"]
    assert [(t["elapsed"], t["node"], t["max_mem"]) for t in tasks] == [
        (725.0, "vm", 904 * 1024),
        (10920.0, "n[1-2]", None),
        (None, None, None),
    ]


def test_usage_columns_nobody_has_are_left_out(tmp_path: Path) -> None:
    def state(task: int) -> JobStatus:  # a scheduler that reports the node only
        return JobStatus("", JobState.COMPLETED, "F", 0, None, "", "qstat", None, f"n{task}")

    text, _ = _view(tmp_path, _report(tmp_path, 2, state))
    assert text.splitlines()[2].split() == ["TASK", "PARAMS", "JOB", "ID", "STATE", "RAW", "EXIT",
                                            "NODE"]  # fmt: skip


def test_metrics_dir_is_the_tasks_number() -> None:
    assert task_dir(12) == "tasks/12"


def test_queue_orders_job_ids_as_numbers() -> None:
    statuses = {i: JobStatus(i, JobState.RUNNING, "R") for i in ["10", "9", "12_10", "12_3", "100"]}
    request = QueueRequest(api.make_backend("local"), "me", None)
    names = {"12": "sweep_array_000", "9": "solo"}
    reply = queue_view(Console(), request, UserJobs(statuses, names))
    assert [j["job_id"] for j in reply.data["jobs"]] == ["9", "10", "12_3", "12_10", "100"]
    assert [j["name"] for j in reply.data["jobs"]] == ["solo", "", *["sweep_array_000"] * 2, ""]
    rows = reply.text.splitlines()[2:]
    assert [r.split()[0] for r in rows] == ["9", "10", "12_3", "12_10", "100"]
    assert rows[2].split()[1] == "sweep_array_000"
