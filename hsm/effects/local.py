"""The local backend: run a sweep's job scripts on this machine, Slurm-style.

Strategy: a spool directory plays the scheduler's controller.  ``submit`` only records
the job and makes sure a detached supervisor (:mod:`hsm.effects.local_runner`) is running;
the supervisor starts queued tasks FIFO, at most ``max_parallel`` at once, each in its own
session, and exits when nothing is left, so nothing outlives the work.  Every fact about a
task is a small write-once file, and :mod:`hsm.pure.schedulers.local.states` decides the state
from them, so ``poll`` is a few file reads and spawns nothing.

Spool layout (``$HSM_LOCAL_SPOOL`` or ``~/.local/state/hsm/local``)::

    lock                    flock: exclusive for every change, shared for poll
    supervisor.lock         flock held by the one running supervisor, for its whole life
    supervisor.log          the supervisor's own output
    config.json             {"max_parallel": N}, rewritten by each submit
    counter                 the last job id handed out (ids are 1, 2, 3... like Slurm's)
    jobs/<job>/job.json     id, name, user, script, cwd, indices, log pattern; written last
    jobs/<job>/env.json     the submitter's environment (mode 0600), given to every task
    jobs/<job>/script.sh    the script as submitted (later edits do not change the job)
    jobs/<job>/<task>.run   supervisor: pid, process group, start time (``/proc`` ticks)
    jobs/<job>/<task>.exit  the script: the program's exit status ($HSM_EXIT_FILE)
    jobs/<job>/<task>.end   supervisor, on reaping: {"returncode": rc} or {"error": why}
    jobs/<job>/<task>.cancel  cancel's marker
    jobs/<job>/done         every task had finished when user_jobs last looked
    logs/<task>.log         a task's stdout+stderr when submit was given no log path

``<task>`` is ``<job>`` for a plain job and ``<job>_<index>`` for an array task.
Ordering keeps readers honest without a lock on the scripts: a poll reads whether a
task's process is alive *before* looking for its exit file, so a task ending in between is
seen as exited, never as lost; the supervisor reaps a task and writes its end record under
the exclusive lock, which a poll's shared lock excludes.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import os
import signal
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from returns.io import IOFailure, IOResult, IOSuccess

from hsm.effects.local_control import (
    _await_groups,
    _check_submission,
    _mark_cancelled,
    _write_job,
    ensure_supervisor,
)
from hsm.effects.local_spool import (
    Job,
    Spool,
    SpoolWriteError,
    put_file,
    put_json,
    read_json,
    read_text,
    run_record_alive,
)
from hsm.pure.errors import CommandError, HSMFailure, StateError, SubmissionError
from hsm.pure.schedulers.base import Cancelled, CancelOutcome, Statuses, UserJobs
from hsm.pure.schedulers.local import SCHEDULER as LOCAL
from hsm.pure.schedulers.local.states import (
    TaskFacts,
    collect_statuses,
    parse_job_ref,
    task_id,
)
from hsm.pure.states import JobState


@functools.cache
def _host() -> str:
    """This machine's short name (``hostname -s``), as schedulers name their nodes."""
    return socket.gethostname().split(".")[0]


def _seconds(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _task_facts(spool: Spool, job: Job, tid: str, names: set[str], now: float) -> TaskFacts:
    cancelled = f"{tid}.cancel" in names
    started = f"{tid}.run" in names
    recorded = f"{tid}.exit" in names or f"{tid}.end" in names
    if not (started or recorded):
        return TaskFacts(tid, cancelled=cancelled)
    alive = False
    run: dict[str, object] = {}
    if started and not recorded:  # liveness first, then the files it may have written since
        run = read_json(spool.task_file(job.job_id, tid, "run")) or {}
        alive = run_record_alive(run)
    end = read_json(spool.task_file(job.job_id, tid, "end")) or {}
    returncode = end.get("returncode")
    return TaskFacts(
        tid,
        started=started,
        alive=alive,
        exit_text=read_text(spool.task_file(job.job_id, tid, "exit")),
        returncode=int(returncode) if returncode is not None else None,
        cancelled=cancelled,
        start_error=str(end.get("error", "")),
        started_at=_seconds(end.get("started", run.get("started"))),
        ended_at=_seconds(end.get("ended")),
        polled_at=now,
        host=_host() if started else "",
    )


def _job_statuses(spool: Spool, job: Job, only: set[str] | None) -> Statuses:
    """Statuses of ``job`` (all of it, or just the tasks in ``only``)."""
    names = set(os.listdir(spool.job_dir(job.job_id)))
    wanted = job.task_ids if only is None else tuple(t for t in job.task_ids if t in only)
    now = time.time()
    facts = {tid: _task_facts(spool, job, tid, names, now) for tid in wanted}
    if only is None:
        return collect_statuses(job.job_id, job.indices, facts)
    if job.indices is None:
        return collect_statuses(job.job_id, None, facts) if wanted else {}
    statuses = collect_statuses(job.job_id, tuple(job.index_of(t) or 0 for t in wanted), facts)
    return {tid: statuses[tid] for tid in wanted}


# -- the backend --------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalBackend:
    """Runs job scripts on this machine; a :class:`~hsm.effects.backend.Backend`.

    Attributes:
        spool: the spool directory (see :func:`default_spool`); created on first submit.
        max_parallel: tasks run at once across the spool (default: the number of CPUs);
            each submit records it, and the supervisor follows the latest.
        environ: the environment tasks run with (default: ``os.environ`` at submit time,
            as ``sbatch`` exports the submitter's environment).
        cancel_grace: seconds ``cancel`` waits after SIGTERM before sending SIGKILL.
    """

    spool: Path
    max_parallel: int | None = None
    environ: Mapping[str, str] | None = None
    cancel_grace: float = 5.0
    _paths: Spool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_parallel is not None and self.max_parallel < 1:
            raise ValueError(f"max_parallel must be at least 1, not {self.max_parallel}")
        object.__setattr__(self, "_paths", Spool(Path(self.spool)))

    @property
    def key(self) -> str:
        """Registry key: ``local``."""
        return LOCAL.key

    # -- submit -----------------------------------------------------------------------

    def submit(
        self,
        script: Path,
        *,
        cwd: Path,
        job_name: str,
        indices: Sequence[int] | None,
        log_path: str | None = None,
    ) -> IOResult[str, HSMFailure]:
        """Record a job, queue its tasks and make sure a supervisor runs them.

        Returns at once; the tasks run later, in the background.

        Args:
            script: the rendered local job script (copied into the spool now).
            cwd: the directory the tasks run in.
            job_name: the job's name (what :meth:`find_by_name` looks for).
            indices: the array indices, or None for a plain job.
            log_path: where each task's stdout+stderr go, relative to ``cwd`` unless
                absolute, with Slurm's ``%A`` (job id), ``%a`` (array index), ``%j``
                (task id) and ``%%`` replaced; default ``<spool>/logs/<task id>.log``.

        Returns:
            The new job id, or a ``SubmissionError``/``StateError`` saying what to fix.
        """
        checked = _check_submission(script, cwd, indices)
        if checked is not None:
            return IOFailure(checked)
        spool = self._paths
        try:
            text = Path(script).read_bytes()
            env = dict(self.environ if self.environ is not None else os.environ)
            for directory in (spool.root, spool.jobs, spool.root / "logs"):
                directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            with spool.locked(exclusive=True):
                job_id = str(spool.counter() + 1)
                put_file(spool.root / "counter", f"{job_id}\n")
                put_json(
                    spool.root / "config.json",
                    {"max_parallel": self.max_parallel or os.cpu_count() or 1},
                )
                _write_job(
                    spool,
                    job_id,
                    text,
                    env,
                    {
                        "id": job_id,
                        "name": job_name,
                        "user": _user(),
                        "script": os.path.abspath(script),
                        "cwd": os.path.abspath(cwd),
                        "indices": None if indices is None else list(indices),
                        "log_path": log_path or str(spool.root / "logs" / "%j.log"),
                        "submitted": time.time(),
                    },
                )
        except SpoolWriteError as exc:
            return IOFailure(exc.failure)
        except OSError as exc:
            return IOFailure(
                StateError(
                    f"could not record the job in the local spool {spool.root}: {_why(exc)}; "
                    "hint: make the directory writable or point HSM_LOCAL_SPOOL at one that is",
                    path=str(spool.root),
                )
            )
        try:
            ensure_supervisor(spool.root)
        except OSError as exc:
            return IOFailure(
                SubmissionError(
                    f"local job {job_id} is queued but its supervisor could not be started: "
                    f"{_why(exc)}",
                    hint=(
                        f"see {spool.root / 'supervisor.log'}; the job runs once a later "
                        "submit or poll starts a supervisor"
                    ),
                )
            )
        return IOSuccess(job_id)

    # -- poll -------------------------------------------------------------------------

    def poll(self, job_ids: Sequence[str]) -> IOResult[Statuses, CommandError]:
        """Statuses of jobs, arrays (each task plus a rolled-up entry) and array tasks.

        Ids the spool does not know are absent.  Reads files only; it starts a supervisor
        just when tasks are queued and none is running (the last one died).
        """
        spool = self._paths
        statuses: Statuses = {}
        if not spool.jobs.is_dir():
            return IOSuccess(statuses)
        try:
            with spool.locked(exclusive=False):
                for job_id, only in _refs(job_ids).items():
                    job = spool.load_job(job_id)
                    if job is not None:
                        statuses.update(_job_statuses(spool, job, only))
        except (OSError, ValueError, KeyError) as exc:
            return IOFailure(
                CommandError(
                    f"could not read the local job spool {spool.root}: {_why(exc)}; hint: check "
                    "that it is readable and was written by hsm",
                    transient=False,
                )
            )
        if any(s.state is JobState.QUEUED for s in statuses.values()):
            with contextlib.suppress(OSError):  # best effort; submit reports this failure
                ensure_supervisor(spool.root, nudge=True)
        return IOSuccess(statuses)

    # -- cancel -----------------------------------------------------------------------

    def cancel(self, job_ids: Sequence[str]) -> IOResult[Cancelled, CommandError]:
        """Cancel jobs, whole arrays or single tasks; finished tasks are left alone.

        Queued tasks are marked and never start.  Running ones are marked, their process
        group gets SIGTERM, and SIGKILL after ``cancel_grace`` seconds if still there.
        Unknown ids and finished tasks are reported as such, per id.
        """
        spool = self._paths
        outcomes: Cancelled = {}
        groups: list[int] = []
        try:
            if not spool.jobs.is_dir():
                outcomes = {j: (CancelOutcome.UNKNOWN, f"not in {spool.root}") for j in job_ids}
            else:
                with spool.locked(exclusive=True):
                    outcomes, groups = _mark_cancelled(spool, job_ids)
                    for pgid in groups:
                        with contextlib.suppress(ProcessLookupError, PermissionError):
                            os.killpg(pgid, signal.SIGTERM)
            _await_groups(groups, self.cancel_grace)
        except OSError as exc:
            return IOFailure(
                CommandError(
                    f"could not cancel local jobs in {spool.root}: {_why(exc)}", transient=False
                )
            )
        return IOSuccess(outcomes)

    # -- the rest ---------------------------------------------------------------------

    def user_jobs(self, user: str) -> IOResult[UserJobs, CommandError]:
        """``user``'s unfinished jobs (what squeue would still show), with their names.

        A job whose tasks have all finished gets a ``done`` marker, so later calls skip
        it without reading its tasks again.
        """
        spool = self._paths
        statuses: Statuses = {}
        names: dict[str, str] = {}
        try:
            if not spool.jobs.is_dir():
                return IOSuccess(UserJobs(statuses, names))
            with spool.locked(exclusive=False):
                for job_id in spool.job_ids():
                    done = spool.job_dir(job_id) / "done"
                    job = None if done.exists() else spool.load_job(job_id)
                    if job is None or job.user not in ("", user):
                        continue
                    found = _job_statuses(spool, job, None)
                    if all(status.state.is_final for status in found.values()):
                        done.touch()
                    else:
                        statuses.update(found)
                        names[job_id] = job.name
        except (OSError, ValueError, KeyError) as exc:
            return IOFailure(
                CommandError(
                    f"could not read the local job spool {spool.root}: {_why(exc)}", transient=False
                )
            )
        return IOSuccess(UserJobs(statuses, names))

    def find_by_name(self, job_name: str) -> IOResult[tuple[str, ...], CommandError]:
        """Ids of the jobs in the spool named ``job_name``, oldest first."""
        spool = self._paths
        try:
            if not spool.jobs.is_dir():
                return IOSuccess(())
            with spool.locked(exclusive=False):
                found = tuple(
                    job_id
                    for job_id in spool.job_ids()
                    if (job := spool.load_job(job_id)) and job.name == job_name
                )
        except (OSError, ValueError, KeyError) as exc:
            return IOFailure(
                CommandError(
                    f"could not read the local job spool {spool.root}: {_why(exc)}", transient=False
                )
            )
        return IOSuccess(found)

    def array_limit(self) -> IOResult[int, CommandError]:
        """The local backend has no real limit; this keeps plans in one chunk."""
        return IOSuccess(LOCAL.default_array_limit)

    def task_id(self, job_id: str, index: int) -> str:
        """``<job>_<index>``, as Slurm names array tasks."""
        return task_id(job_id, index)


# -- helpers ------------------------------------------------------------------------------


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def _why(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror if exc.filename is None else f"{exc.filename}: {exc.strerror}"
    return str(exc) or type(exc).__name__


def _refs(job_ids: Sequence[str]) -> dict[str, set[str] | None]:
    """Job id -> the task ids asked for (None: the whole job), for ids the spool could know."""
    refs: dict[str, set[str] | None] = {}
    for text in job_ids:
        ref = parse_job_ref(text)
        if ref is None:
            continue
        job_id, index = ref
        if index is None:
            refs[job_id] = None
        elif job_id not in refs or refs[job_id] is not None:
            refs.setdefault(job_id, set())
            tasks = refs[job_id]
            if tasks is not None:
                tasks.add(task_id(job_id, index))
    return refs
