"""``--wait`` stops once every task is final -- but gives accounting a few more seconds when
a completed task still lacks its exit code (squeue prints none, sacct lags), so the final
table does not show a blank EXIT for tasks that ended with 0."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hsm.cli.output import Console
from hsm.cli.wait import SETTLE_SECONDS, _Progress
from hsm.pure.states import JobState, JobStatus


def _report(*statuses: JobStatus) -> Any:
    return SimpleNamespace(stale=False, statuses=dict(enumerate(statuses)), warning="")


def test_final_with_exit_codes_stops_at_once() -> None:
    progress = _Progress(Console(quiet=True), tty=False)
    report = _report(JobStatus("1_0", JobState.COMPLETED, "COMPLETED", 0, source="sacct"))
    assert progress.step(report) is report


def test_a_completed_task_without_a_code_gets_a_few_more_seconds_then_stops() -> None:
    now = [100.0]
    progress = _Progress(Console(quiet=True), tty=False, clock=lambda: now[0])
    lagging = _report(
        JobStatus("1_0", JobState.COMPLETED, "COMPLETED", None, source="squeue"),
        JobStatus("1_1", JobState.FAILED, "FAILED", 2, source="sacct"),
    )
    assert progress.step(lagging) is None
    now[0] += SETTLE_SECONDS - 1
    assert progress.step(lagging) is None
    now[0] += 1
    assert progress.step(lagging) is lagging


def test_the_code_arriving_ends_the_wait() -> None:
    progress = _Progress(Console(quiet=True), tty=False)
    assert progress.step(_report(JobStatus("1_0", JobState.COMPLETED, "COMPLETED"))) is None
    settled = _report(JobStatus("1_0", JobState.COMPLETED, "COMPLETED", 0))
    assert progress.step(settled) is settled
