"""The seed-compatible facade: ``HPCJobManager`` and friends, returning plain values.

Library users who expect plain values and exceptions get them here: every method calls
the ``Result``-typed workflow in :mod:`hsm.api` and, on failure, raises an
:class:`HSMError` subclass carrying the same message.  Functional users can call
:mod:`hsm.api` directly and keep the containers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from returns.io import IOResult
from returns.result import Failure, Result

from hsm import api
from hsm.boundary import result_of
from hsm.effects.backend import Backend
from hsm.pure import layout
from hsm.pure.errors import (
    CommandError,
    ConfigError,
    HSMFailure,
    ParseError,
    StateError,
    SubmissionError,
)
from hsm.pure.jobspec import sanitize_job_name
from hsm.pure.schedulers import LOCAL, PBSPRO, SCHEDULERS, SGE, SLURM
from hsm.pure.schedulers.base import check_job_ids
from hsm.pure.states import JobState, JobStatus, rollup_states

T = TypeVar("T")


class HSMError(Exception):
    """Base of every error hsm raises; ``failure`` is the underlying value."""

    def __init__(self, failure: HSMFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


class HSMConfigError(HSMError):
    """A user input is wrong (walltime, resources, sweep, config file...)."""


class HSMSchedulerError(HSMError):
    """A scheduler command failed or printed something unreadable."""


class HSMSubmissionError(HSMError):
    """The scheduler refused a job."""


class HSMStateError(HSMError):
    """The sweep directory is missing, damaged or belongs to another sweep."""


_ERRORS: dict[type[HSMFailure], type[HSMError]] = {
    ConfigError: HSMConfigError,
    ParseError: HSMSchedulerError,
    CommandError: HSMSchedulerError,
    SubmissionError: HSMSubmissionError,
    StateError: HSMStateError,
}


def _raise(failure: object) -> HSMError:
    if isinstance(failure, HSMFailure):
        return _ERRORS.get(type(failure), HSMError)(failure)
    return HSMError(HSMFailure(str(failure)))


def _value(result: Result[T, Any] | IOResult[T, Any]) -> T:
    plain = result_of(result) if isinstance(result, IOResult) else result
    if isinstance(plain, Failure):
        raise _raise(plain.failure())
    return plain.unwrap()


class HPCJobManager:
    """Submit sweeps and follow their jobs on one backend (the seed's API).

    Args:
        walltime: job time limit (``04:00:00``, ``1-12:00:00``, ``90`` minutes ...).
        resources: resource request in the scheduler's dialect, e.g.
            ``select=1:ncpus=4:mem=16gb`` (PBS) or ``--cpus-per-task=4 --mem=16G`` (Slurm).
        python_path: the interpreter that runs ``script_path``.
        script_path: the training script; each task gets Hydra-style ``key=value`` args.
        project_dir: where jobs run and submissions happen.
        backend: the backend to use; :meth:`auto_detect` picks one.
        **options: further :class:`hsm.api.JobOptions` fields (queue, account, setup,
            max_array_size, throttle, dependencies).
    """

    def __init__(
        self,
        walltime: str = "04:00:00",
        resources: str = "",
        python_path: str = "python",
        script_path: str = "train.py",
        project_dir: str | Path = ".",
        *,
        backend: Backend | None = None,
        **options: Any,
    ) -> None:
        self.options = api.JobOptions(
            walltime=walltime,
            resources=resources,
            python_path=python_path,
            script_path=script_path,
            project_dir=Path(project_dir),
            **options,
        )
        if backend is None:
            backend = (
                api.make_backend(self.default_backend, max_array_size=self.options.max_array_size)
                if self.default_backend
                else _value(api.detect_backend(max_array_size=self.options.max_array_size))
            )
        self.backend = backend

    #: The backend a subclass uses when none is given ("" = detect).
    default_backend = ""
    family = ""

    @classmethod
    def auto_detect(
        cls,
        walltime: str = "04:00:00",
        resources: str = "",
        python_path: str = "python",
        script_path: str = "train.py",
        project_dir: str | Path = ".",
        system: str = "auto",
        **options: Any,
    ) -> HPCJobManager:
        """Probe the machine (Slurm, PBS Pro, Torque, Grid Engine, else local) and return
        the manager of the scheduler family found."""
        backend = _value(api.detect_backend(system, max_array_size=options.get("max_array_size")))
        family = SCHEDULERS[backend.key].name
        manager_class = next((m for m in MANAGERS if m.family == family), LocalJobManager)
        return manager_class(
            walltime, resources, python_path, script_path, project_dir, backend=backend, **options
        )

    @property
    def scheduler_name(self) -> str:
        """``slurm``, ``pbs``, ``sge`` or ``local``."""
        return SCHEDULERS[self.backend.key].name

    @property
    def submit_command(self) -> str:
        """``sbatch``, ``qsub`` or ``bash`` (local)."""
        return SCHEDULERS[self.backend.key].submit_command

    @property
    def status_command(self) -> str:
        """``squeue``, ``qstat`` or ``ps`` (local)."""
        return SCHEDULERS[self.backend.key].status_command

    def submit_single_job(
        self, params: Mapping[str, Any], job_name: str, sweep_dir: Path, sweep_id: str
    ) -> str:
        """Submit one job named ``job_name`` running ``params``.

        Its script, manifest and journal go to ``sweep_dir/jobs/<job_name>/`` so that many
        single jobs can share one sweep directory.
        """
        name = sanitize_job_name(job_name, self.backend.key)
        done = _value(
            api.submit_sweep(
                self.options,
                self.backend,
                [params],
                mode="individual",
                sweep_id=sweep_id,
                sweep_dir=Path(sweep_dir) / layout.single_job_dir(name),
                job_name=name,
            )
        )
        return next(iter(done.job_ids.values()))

    def submit_array_job(
        self, param_combinations: Sequence[Mapping[str, Any]], sweep_id: str, sweep_dir: Path
    ) -> str:
        """Submit the combinations as an array; returns the (first) array job id.

        Sweeps above the scheduler's array limit become several arrays; use
        :meth:`submit_sweep` to get every id.
        """
        return self.submit_sweep(
            param_combinations, mode="array", sweep_dir=sweep_dir, sweep_id=sweep_id
        )[0]

    def submit_sweep(
        self,
        param_combinations: Sequence[Mapping[str, Any]],
        mode: str = "array",
        sweep_dir: Path | None = None,
        sweep_id: str = "sweep",
    ) -> list[str]:
        """Submit a sweep as arrays or individual jobs; returns every job id.

        Calling it again with the same arguments resumes an interrupted submission
        without duplicating jobs.
        """
        directory = (
            Path(sweep_dir) if sweep_dir is not None else Path(layout.SWEEPS_ROOT) / sweep_id
        )
        done = _value(
            api.submit_sweep(
                self.options,
                self.backend,
                list(param_combinations),
                mode=mode,
                sweep_dir=directory,
                sweep_id=sweep_id,
            )
        )
        return list(done.job_ids.values())

    def get_job_statuses(self, job_ids: Sequence[str]) -> dict[str, JobStatus]:
        """Statuses of many jobs in one poll; an array id gets the roll-up of its tasks."""
        _value(check_job_ids(SCHEDULERS[self.backend.key], job_ids))
        polled = result_of(self.backend.poll(list(job_ids)))
        if isinstance(polled, Failure):
            error = polled.failure()
            if not error.transient:
                raise _raise(error)
            return {
                j: JobStatus(j, JobState.UNKNOWN, "NOT_ASKED", reason=error.message)
                for j in job_ids
            }
        found = polled.unwrap()
        tasks = self._tasks_by_array(found)
        # An array's state comes from its tasks: a parent's own exit status is not a summary
        # (PBS reports the last finished subjob's there).
        return {
            job_id: _rollup(job_id, tasks[job_id], found.get(job_id))
            if job_id in tasks
            else found.get(job_id) or JobStatus(job_id, JobState.UNKNOWN, "NOT_FOUND")
            for job_id in job_ids
        }

    def _tasks_by_array(self, found: Mapping[str, JobStatus]) -> dict[str, list[JobStatus]]:
        """The found array tasks grouped under their arrays' ids, in one pass."""
        split_task_id = SCHEDULERS[self.backend.key].split_task_id
        grouped: dict[str, list[JobStatus]] = {}
        for key, status in found.items():
            parent = split_task_id(key)
            if parent is not None:
                grouped.setdefault(parent[0], []).append(status)
        return grouped

    def get_job_status(self, job_id: str) -> str:
        """``queued``, ``running``, ``completed``, ``failed``, ``cancelled`` or ``unknown``."""
        return self.get_job_statuses([job_id])[job_id].state.value

    def cancel(self, job_ids: Sequence[str]) -> dict[str, str]:
        """Cancel jobs, arrays or single array tasks; return what happened to each id
        (``cancelled``, ``had already finished``, ``no such job``, ``refused``)."""
        _value(check_job_ids(SCHEDULERS[self.backend.key], job_ids))
        outcomes = _value(self.backend.cancel(list(job_ids)))
        return {job_id: outcome.value for job_id, (outcome, _) in outcomes.items()}


def _rollup(job_id: str, tasks: Sequence[JobStatus], parent: JobStatus | None) -> JobStatus:
    """An array's status: the roll-up of its tasks' states; the parent's raw code and reason
    (when the scheduler lists the parent) are kept, its exit status is not."""
    state = rollup_states(t.state for t in tasks)
    if parent is None:
        return JobStatus(job_id, state, "ARRAY", source=tasks[0].source)
    return JobStatus(job_id, state, parent.raw, reason=parent.reason, source=parent.source)


class PBSJobManager(HPCJobManager):
    """A manager bound to PBS Pro / OpenPBS (pass ``backend=`` for Torque, or detect)."""

    default_backend = PBSPRO.key
    family = PBSPRO.name


class SlurmJobManager(HPCJobManager):
    """A manager bound to Slurm."""

    default_backend = SLURM.key
    family = SLURM.name


class SGEJobManager(HPCJobManager):
    """A manager bound to Grid Engine (Son of Grid Engine and kin)."""

    default_backend = SGE.key
    family = SGE.name


class LocalJobManager(HPCJobManager):
    """A manager running jobs on this machine (no scheduler found)."""

    default_backend = LOCAL.key
    family = LOCAL.name


#: One manager class per scheduler family of the registry (a test checks none is missing).
MANAGERS: tuple[type[HPCJobManager], ...] = (
    SlurmJobManager,
    PBSJobManager,
    SGEJobManager,
    LocalJobManager,
)
