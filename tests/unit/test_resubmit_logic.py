"""Resubmission logic against a scripted backend (the real-Slurm path is in
tests/integration): lagging accounting must not cause duplicates, and every
resubmission gets a fresh generation prefix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from returns.io import IOResult, IOSuccess

from hsm import api
from hsm.boundary import result_of
from hsm.effects.sweeps import load_manifest
from hsm.pure.errors import CommandError, HSMFailure
from hsm.pure.schedulers.base import Statuses
from hsm.pure.states import JobState, JobStatus


@dataclass
class ScriptedBackend:
    """Answers polls from a list of canned answers; records submissions."""

    answers: list[Statuses]
    submitted: list[str] = field(default_factory=list)
    key: str = "slurm"

    def submit(
        self,
        script: Path,
        *,
        cwd: Path,
        job_name: str,
        indices: Sequence[int] | None,
        log_path: str | None = None,
    ) -> IOResult[str, HSMFailure]:
        self.submitted.append(job_name)
        return IOSuccess(str(100 + len(self.submitted)))

    def poll(self, job_ids: Sequence[str]) -> IOResult[Statuses, CommandError]:
        return IOSuccess(self.answers.pop(0) if len(self.answers) > 1 else self.answers[0])

    def cancel(self, job_ids: Sequence[str]) -> IOResult[None, CommandError]:
        return IOSuccess(None)

    def find_by_name(self, job_name: str) -> IOResult[tuple[str, ...], CommandError]:
        return IOSuccess(())

    def user_jobs(self, user: str) -> IOResult[Statuses, CommandError]:
        return IOSuccess({})

    def array_limit(self) -> IOResult[int, CommandError]:
        return IOSuccess(1001)

    def task_id(self, job_id: str, index: int) -> str:
        return f"{job_id}_{index}"


def _status(job_id: str, state: JobState) -> JobStatus:
    return JobStatus(job_id, state, state.value.upper())


def _sweep(tmp_path: Path, backend: ScriptedBackend) -> Path:
    (tmp_path / "train.py").write_text("")  # the script must exist to be submitted
    options = api.JobOptions(walltime="10", project_dir=tmp_path)
    params = [{"i": i} for i in range(3)]
    sweep_dir = tmp_path / "sw"
    result_of(
        api.submit_sweep(options, backend, params, mode="array", sweep_dir=sweep_dir, sweep_id="s")
    ).unwrap()
    return sweep_dir


def test_tasks_missing_only_while_accounting_lags_are_not_resubmitted(tmp_path: Path) -> None:
    lagging = {"101_0": _status("101_0", JobState.COMPLETED)}
    settled = {f"101_{i}": _status(f"101_{i}", JobState.COMPLETED) for i in range(3)}
    backend = ScriptedBackend([lagging, settled])
    sweep_dir = _sweep(tmp_path, backend)
    done = result_of(api.resubmit(sweep_dir, backend, settle_seconds=0.01)).unwrap()
    assert done.submitted == ()
    assert backend.submitted == ["s_array_000"]


def test_each_resubmission_gets_the_next_generation(tmp_path: Path) -> None:
    failed = {f"101_{i}": _status(f"101_{i}", JobState.FAILED) for i in range(3)}
    backend = ScriptedBackend([failed])
    sweep_dir = _sweep(tmp_path, backend)
    first = result_of(api.resubmit(sweep_dir, backend, settle_seconds=0)).unwrap()
    assert first.submitted == ("r1_array_000",)
    backend.answers = [{f"102_{i}": _status(f"102_{i}", JobState.FAILED) for i in range(3)}]
    second = result_of(api.resubmit(sweep_dir, backend, settle_seconds=0)).unwrap()
    assert second.submitted == ("r2_array_000",)
    assert backend.submitted == ["s_array_000", "s_r1_array_000", "s_r2_array_000"]


def _script(sweep_dir: Path, key: str) -> str:
    return next((sweep_dir / "scripts").glob(f"{key}.*")).read_text()


def test_a_resubmission_changes_walltime_and_resources_and_the_next_inherits_them(
    tmp_path: Path,
) -> None:
    failed = {f"101_{i}": _status(f"101_{i}", JobState.FAILED) for i in range(3)}
    backend = ScriptedBackend([failed])
    sweep_dir = _sweep(tmp_path, backend)
    longer = api.Changes(walltime="08:00:00", resources="--mem=32G")
    result_of(api.resubmit(sweep_dir, backend, settle_seconds=0, changes=longer)).unwrap()
    assert "#SBATCH --time=08:00:00" in _script(sweep_dir, "r1_array_000")
    assert "#SBATCH --mem=32G" in _script(sweep_dir, "r1_array_000")
    assert "#SBATCH --time=00:10:00" in _script(sweep_dir, "array_000")
    # The next generation starts from the last one's settings, plus its own changes.
    backend.answers = [{f"102_{i}": _status(f"102_{i}", JobState.FAILED) for i in range(3)}]
    more = api.Changes(resources="--mem=64G")
    result_of(api.resubmit(sweep_dir, backend, settle_seconds=0, changes=more)).unwrap()
    assert "#SBATCH --time=08:00:00" in _script(sweep_dir, "r2_array_000")
    assert "#SBATCH --mem=64G" in _script(sweep_dir, "r2_array_000")
    manifest = result_of(load_manifest(sweep_dir, sealed=True)).unwrap()
    changes = {job.key: job.changes for job in manifest.jobs}
    assert changes == {
        "array_000": None,
        "r1_array_000": {"walltime_seconds": 28800, "resources": "--mem=32G"},
        "r2_array_000": {"walltime_seconds": 28800, "resources": "--mem=64G"},
    }


def test_a_bad_change_is_refused_before_anything_is_asked_or_written(tmp_path: Path) -> None:
    backend = ScriptedBackend([{}])
    sweep_dir = _sweep(tmp_path, backend)
    before = sorted(p.name for p in (sweep_dir / "scripts").iterdir())
    bad = result_of(api.resubmit(sweep_dir, backend, changes=api.Changes(walltime="8h")))
    assert "walltime '8h'" in bad.failure().message
    wrong = result_of(
        api.resubmit(
            sweep_dir, backend, settle_seconds=0, changes=api.Changes(resources="select=1:ncpus=x")
        )
    )
    assert "ncpus" in wrong.failure().message, wrong
    assert sorted(p.name for p in (sweep_dir / "scripts").iterdir()) == before
    assert backend.submitted == ["s_array_000"]
