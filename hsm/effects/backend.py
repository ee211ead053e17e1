"""The verbs every backend offers the submission and polling code.

Strategy: a batch scheduler (Slurm, PBS Pro, Torque) is a pure
:class:`~hsm.pure.schedulers.base.Scheduler` bound onto the command runner
(:mod:`hsm.effects.scheduler_backend`); the local backend runs scripts itself
(:mod:`hsm.effects.local`).  Both present this one small protocol, so the sweep code never
asks which it has.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from returns.io import IOResult

from hsm.pure.errors import CommandError, HSMFailure
from hsm.pure.schedulers.base import Cancelled, Statuses, UserJobs


class Backend(Protocol):
    """What hsm needs from a place that runs jobs.

    Job ids are strings; an array's tasks have ids made by :meth:`task_id`.
    """

    @property
    def key(self) -> str:
        """A key of the scheduler registry (``slurm``, ``pbspro``, ``sge``, ``local``...)."""
        ...

    def submit(
        self,
        script: Path,
        *,
        cwd: Path,
        job_name: str,
        indices: Sequence[int] | None,
        log_path: str | None = None,
    ) -> IOResult[str, HSMFailure]:
        """Submit ``script`` (run in ``cwd``); ``indices`` are its array indices, if any.

        ``log_path`` (relative to ``cwd``, ``%a`` for the array index) is where the local
        backend sends output; batch schedulers read it from the script's directives.
        """
        ...

    def poll(self, job_ids: Sequence[str]) -> IOResult[Statuses, CommandError]:
        """Statuses of ``job_ids`` (plain jobs and array parents), array tasks included.

        Ids no source knows about are simply absent; a transient failure after retries is
        an ``IOFailure`` whose error has ``transient=True``.
        """
        ...

    def cancel(self, job_ids: Sequence[str]) -> IOResult[Cancelled, CommandError]:
        """Cancel jobs, whole arrays or single array tasks; say what happened to each id."""
        ...

    def find_by_name(self, job_name: str) -> IOResult[tuple[str, ...], CommandError]:
        """Ids of jobs named ``job_name`` (queued, running or recently finished)."""
        ...

    def user_jobs(self, user: str) -> IOResult[UserJobs, CommandError]:
        """``user``'s jobs still known to the backend, with their names (``hsm queue``)."""
        ...

    def array_limit(self) -> IOResult[int, CommandError]:
        """Every array index must stay below this."""
        ...

    def task_id(self, job_id: str, index: int) -> str:
        """The id of task ``index`` of array ``job_id``."""
        ...
