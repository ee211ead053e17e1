"""Sweeps on a real Slurm: arguments arrive intact, states are read right, live and
after the jobs left squeue, chunked arrays run every task once, cancel and resubmit work.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from hsm import api
from hsm.boundary import result_of
from hsm.effects.scheduler_backend import SchedulerBackend
from hsm.hpc import SlurmJobManager
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.states import JobState
from tests.integration.conftest import PYTHON, TASK, read_outbox, wait_until

pytestmark = pytest.mark.usefixtures("slurm")

HOSTILE = [
    "two words",
    "it's",
    'say "hi"',
    "$HOME",
    "`id`",
    "a;b",
    "back\\slash",
    "line\nbreak",
    "ünï©ødé 🎉",
    "--flag",
    "*",
    "${PATH}",
]


def _options(tmp_path: Path, **extra: Any) -> api.JobOptions:
    settings: dict[str, Any] = {
        "walltime": "00:05:00",
        "python_path": PYTHON,
        "script_path": str(TASK),
        "project_dir": tmp_path,
        **extra,
    }
    return api.JobOptions(**settings)


def _backend(**extra: Any) -> SchedulerBackend:
    return SchedulerBackend(SCHEDULERS["slurm"], **extra)


def _parsed(argv: list[str]) -> dict[str, Any]:
    parser = OverridesParser.create()
    return {o.key_or_group: o.value() for o in (parser.parse_override(a) for a in argv)}


def _wait_final(sweep_dir: Path, backend: SchedulerBackend, timeout: float = 120) -> dict:
    holder: dict[str, Any] = {}

    def done() -> bool:
        report = result_of(api.sweep_status(sweep_dir, backend)).unwrap()
        holder["report"] = report
        return all(s.state.is_final for s in report.statuses.values())

    wait_until(done, timeout, f"every task of {sweep_dir.name} to finish", interval=1.0)
    return holder["report"].statuses


@pytest.mark.parametrize("mode", ["individual", "array"])
def test_every_task_receives_exactly_its_parameters(
    mode: str, tmp_path: Path, outbox: Path
) -> None:
    params = [{"idx": i, "text": value, "lr": 0.1 / (i + 1)} for i, value in enumerate(HOSTILE)]
    backend = _backend()
    sweep_dir = tmp_path / "sweep"
    result_of(
        api.submit_sweep(
            _options(tmp_path),
            backend,
            params,
            mode=mode,
            sweep_dir=sweep_dir,
            sweep_id=f"args_{mode}",
        )
    ).unwrap()
    statuses = _wait_final(sweep_dir, backend)
    assert {s.state for s in statuses.values()} == {JobState.COMPLETED}
    records = read_outbox(outbox)
    received = sorted((_parsed(r["argv"]) for r in records), key=lambda p: p["idx"])
    assert received == params
    if mode == "array":
        assert all(r["array_index"] is not None for r in records)


def test_final_states_live_and_after_leaving_squeue(tmp_path: Path, outbox: Path) -> None:
    backend = _backend()
    sweep_dir = tmp_path / "states"
    params = [{"exit": 0}, {"exit": 3}, {"sleep": 300}]
    done = result_of(
        api.submit_sweep(
            _options(tmp_path),
            backend,
            params,
            mode="individual",
            sweep_dir=sweep_dir,
            sweep_id="states",
        )
    ).unwrap()
    sleeper = done.job_ids["task_002"]
    wait_until(
        lambda: (
            result_of(api.sweep_status(sweep_dir, backend)).unwrap().statuses[2].state
            is JobState.RUNNING
        ),
        60,
        "the sleeper to run",
    )
    subprocess.run(["scancel", sleeper], check=True)
    statuses = _wait_final(sweep_dir, backend)
    assert [statuses[i].state for i in range(3)] == [
        JobState.COMPLETED,
        JobState.FAILED,
        JobState.CANCELLED,
    ]
    assert statuses[1].exit_code == 3
    # A single id Slurm has forgotten makes squeue exit 1; hsm must still answer from sacct.
    lone = result_of(backend.poll(["999999999"])).unwrap()
    assert "999999999" not in lone


@pytest.mark.slow
def test_timeout_is_failed_and_states_survive_purge_from_squeue(
    tmp_path: Path, outbox: Path
) -> None:
    backend = _backend()
    sweep_dir = tmp_path / "timeout"
    options = _options(tmp_path, walltime="1")  # one minute
    params = [{"sleep": 600}, {"exit": 0}, {"exit": 5}]
    done = result_of(
        api.submit_sweep(
            options, backend, params, mode="individual", sweep_dir=sweep_dir, sweep_id="timeout"
        )
    ).unwrap()
    statuses = _wait_final(sweep_dir, backend, timeout=240)
    assert statuses[0].state is JobState.FAILED and statuses[0].raw.startswith("TIMEOUT")
    ids = list(done.job_ids.values())

    def purged() -> bool:
        listed = subprocess.run(
            ["squeue", "-h", "--states=all", "-o", "%i", "-j", ",".join(ids)],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        return not set(listed) & set(ids)

    wait_until(purged, 200, "the finished jobs to leave squeue (MinJobAge)", interval=5)
    again = result_of(api.sweep_status(sweep_dir, backend)).unwrap().statuses
    assert [again[i].state for i in range(3)] == [
        JobState.FAILED,
        JobState.COMPLETED,
        JobState.FAILED,
    ]
    assert all(s.source == "sacct" for s in again.values())
    assert again[2].exit_code == 5


def test_sweep_above_lowered_array_limit_runs_every_task_once(tmp_path: Path, outbox: Path) -> None:
    backend = _backend(max_array_size=4)
    sweep_dir = tmp_path / "chunks"
    params = [{"idx": i} for i in range(10)]
    done = result_of(
        api.submit_sweep(
            _options(tmp_path, throttle=2),
            backend,
            params,
            mode="array",
            sweep_dir=sweep_dir,
            sweep_id="chunks",
        )
    ).unwrap()
    assert len(done.job_ids) == 3  # 4 + 4 + 2
    statuses = _wait_final(sweep_dir, backend)
    assert all(s.state is JobState.COMPLETED for s in statuses.values())
    got = sorted(_parsed(r["argv"])["idx"] for r in read_outbox(outbox))
    assert got == list(range(10))
    script = (sweep_dir / "scripts" / "array_000.sh").read_text()
    assert "#SBATCH --array=0-3%2" in script


def test_cancel_one_array_task_then_resubmit_failed_as_compact_array(
    tmp_path: Path, outbox: Path
) -> None:
    backend = _backend()
    sweep_dir = tmp_path / "resub"
    params = [
        {"idx": 0, "exit": 0},
        {"idx": 1, "exit": 4},
        {"idx": 2, "sleep": 300},
        {"idx": 3, "exit": 0},
    ]
    result_of(
        api.submit_sweep(
            _options(tmp_path), backend, params, mode="array", sweep_dir=sweep_dir, sweep_id="resub"
        )
    ).unwrap()
    wait_until(
        lambda: (
            result_of(api.sweep_status(sweep_dir, backend)).unwrap().statuses[2].state
            is JobState.RUNNING
        ),
        60,
        "task 2 to run",
    )
    cancelled = result_of(api.cancel(sweep_dir, backend, tasks=[2])).unwrap()
    assert len(cancelled) == 1 and next(iter(cancelled)).endswith("_2")
    assert [outcome.value for outcome, _ in cancelled.values()] == ["cancelled"]
    statuses = _wait_final(sweep_dir, backend)
    assert [statuses[i].state for i in range(4)] == [
        JobState.COMPLETED,
        JobState.FAILED,
        JobState.CANCELLED,
        JobState.COMPLETED,
    ]
    again = result_of(api.resubmit(sweep_dir, backend)).unwrap()
    assert again.submitted == ("r1_array_000",)
    script = (sweep_dir / "scripts" / "r1_array_000.sh").read_text()
    assert "#SBATCH --array=1-2" in script
    # Task 2 would sleep again; cancel it and check task 1 failed again with its own args.
    wait_until(
        lambda: result_of(api.sweep_status(sweep_dir, backend)).unwrap().statuses[1].state.is_final,
        60,
        "the resubmitted task 1 to finish",
    )
    result_of(api.cancel(sweep_dir, backend, tasks=[2])).unwrap()
    final = _wait_final(sweep_dir, backend)
    assert final[1].state is JobState.FAILED
    assert final[1].job_id.endswith("_1") and final[1].job_id != statuses[1].job_id
    # squeue has no exit codes; once accounting has the task, the poll carries it.
    wait_until(
        lambda: result_of(api.sweep_status(sweep_dir, backend)).unwrap().statuses[1].exit_code == 4,
        60,
        "sacct to report task 1's exit code",
    )


def test_seed_facade_on_slurm(tmp_path: Path, outbox: Path) -> None:
    manager = SlurmJobManager(
        walltime="00:05:00", python_path=PYTHON, script_path=str(TASK), project_dir=tmp_path
    )
    assert (manager.scheduler_name, manager.submit_command, manager.status_command) == (
        "slurm",
        "sbatch",
        "squeue",
    )
    single = manager.submit_single_job({"lr": 0.5}, "seed_single_001", tmp_path / "sw", "seed")
    array = manager.submit_array_job([{"lr": 0.1}, {"lr": 0.2}], "seed_arr", tmp_path / "sa")
    ids = manager.submit_sweep(
        [{"lr": 1}, {"lr": 2}], mode="individual", sweep_dir=tmp_path / "si", sweep_id="seed_ind"
    )
    assert len(ids) == 2
    everything = [single, array, *ids]
    wait_until(
        lambda: all(manager.get_job_status(j) == "completed" for j in everything),
        120,
        "the seed facade's jobs to complete",
    )
    assert manager.get_job_status("424242424") == "unknown"
    names = {r["job_name"] for r in read_outbox(outbox)}
    assert "seed_single_001" in names


def test_a_pending_array_task_cancelled_alone_ends_cancelled(tmp_path: Path, outbox: Path) -> None:
    # Slurm keeps no accounting record of its own for a pending array task cancelled
    # alone (SLURM_NOTES.md); hsm's journal remembers that it asked, so the task is
    # cancelled -- not unknown forever, which made --wait exit 5.
    backend = _backend()
    sweep_dir = tmp_path / "pend"
    params = [{"idx": 0, "sleep": 4}, {"idx": 1}, {"idx": 2}]
    options = _options(tmp_path, throttle=1)  # tasks 1 and 2 wait behind task 0
    result_of(
        api.submit_sweep(
            options, backend, params, mode="array", sweep_dir=sweep_dir, sweep_id="pend"
        )
    ).unwrap()
    wait_until(
        lambda: (
            result_of(api.sweep_status(sweep_dir, backend)).unwrap().statuses[2].state
            is JobState.QUEUED
        ),
        60,
        "task 2 to wait",
    )
    cancelled = result_of(api.cancel(sweep_dir, backend, tasks=[2])).unwrap()
    assert [outcome.value for outcome, _ in cancelled.values()] == ["cancelled"]
    statuses = _wait_final(sweep_dir, backend)
    assert [statuses[i].state for i in range(3)] == [
        JobState.COMPLETED,
        JobState.COMPLETED,
        JobState.CANCELLED,
    ]
