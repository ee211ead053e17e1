"""What ``hsm cancel`` says of ids the scheduler no longer knows: a job that ended long
enough ago to have left Slurm's live queue reads "Invalid job id" to scancel, yet it had
finished -- accounting says so -- and only an id accounting lacks too is "no such job".
Driven through the fake Slurm commands (``tests/helpers/fakebin``)."""

from __future__ import annotations

import os
from pathlib import Path

from returns.unsafe import unsafe_perform_io

from hsm.cli.cancel import _reply
from hsm.effects.runner import RetryPolicy
from hsm.effects.scheduler_backend import SchedulerBackend
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.schedulers.base import CancelOutcome

FAKEBIN = Path(__file__).resolve().parents[1] / "helpers" / "fakebin"


def _backend(tmp_path: Path, sacct: str) -> SchedulerBackend:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_")}
    env["PATH"] = f"{FAKEBIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        FAKE_STATE_DIR=str(tmp_path / "calls"),
        FAKE_MODE_SCANCEL="permanent",
        FAKE_STDERR="\n".join(
            f"scancel: error: Kill job error on job id {job}: Invalid job id specified"
            for job in ("1001", "1002_3", "1003", "1004")
        ),
        FAKE_STDOUT_SQUEUE="",
        FAKE_STDOUT_SACCT=sacct,
    )
    return SchedulerBackend(
        SCHEDULERS["slurm"], env=env, policy=RetryPolicy(attempts=1), sleep=lambda _: None
    )


def test_ids_gone_from_the_queue_are_finished_when_accounting_has_them_ended(
    tmp_path: Path,
) -> None:
    sacct = (
        "1001|COMPLETED|0:0|None\n"  # a job
        "1002_3|FAILED|1:0|None\n"  # an array task
        "1003_1|COMPLETED|0:0|None\n1003_2|CANCELLED by 0|0:15|None\n"  # an array, all ended
    )  # 1004: accounting has nothing either
    backend = _backend(tmp_path, sacct)
    said = unsafe_perform_io(backend.cancel(["1001", "1002_3", "1003", "1004"]).unwrap())
    assert {job: outcome for job, (outcome, _) in said.items()} == {
        "1001": CancelOutcome.FINISHED,
        "1002_3": CancelOutcome.FINISHED,
        "1003": CancelOutcome.FINISHED,
        "1004": CancelOutcome.UNKNOWN,
    }


def test_a_failed_lookup_changes_nothing(tmp_path: Path) -> None:
    backend = _backend(tmp_path, "")
    env = {**(backend.env or {}), "FAKE_MODE_SQUEUE": "permanent"}
    flaky = SchedulerBackend(backend.scheduler, env=env, policy=backend.policy)
    said = unsafe_perform_io(flaky.cancel(["1001"]).unwrap())
    assert said["1001"][0] is CancelOutcome.UNKNOWN


def test_a_finished_sweep_says_so_once_and_briefly() -> None:
    finished = {f"{n}": (CancelOutcome.FINISHED, "") for n in range(100, 150)}
    reply = _reply(finished)
    assert reply.code == 0
    assert reply.text.splitlines() == [
        "had already finished: " + " ".join(str(n) for n in range(100, 120)) + " and 30 more"
    ]
    assert _reply({}).text == "nothing to cancel"
