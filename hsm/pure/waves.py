"""Feed a sweep that does not fit in the queue in waves: what fits now, the rest later.

Strategy: a fed sweep's manifest lists every task from the start but only the jobs
planned so far; a task no job covers is *waiting for queue room*.  Each wave is planned
like a resubmission -- the sweep's own settings, a key prefix of its own (``w1_``,
``w2_``...), so keys, job names and scripts never collide -- from the first waiting tasks,
as many as there is room for, in arrays no larger than the room or the array limit
(indices re-based below the limit exactly as the first plan does).  The manifest grows
before anything is submitted, so the journal's replay and the name lookup of in-flight
jobs make a killed feeder's successor submit each wave exactly once.

The room is what the strictest binding submit limit leaves once the user's jobs in the
queue are counted (every array task counts).  A job planned in an earlier wave but not
yet in (a refusal, a crash) goes first, and only when it fits whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from returns.result import Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.jobspec import Dependency
from hsm.pure.manifest import NOT_SUBMITTED, Manifest
from hsm.pure.plan import JobRecord, PlannedJob, SweepSettings, key_number, plan_jobs
from hsm.pure.states import JobState, JobStatus

#: The raw code of a task no job covers yet (its state is ``queued``: it waits).
WAITING = "WAITING_FOR_ROOM"
#: The raw code of a waiting task once ``hsm cancel`` stopped the feeding.
STOPPED = "FEED_STOPPED"
#: Key prefix of wave ``n``: ``w{n}_``.
WAVE_PREFIX = "w"


def waiting_tasks(manifest: Manifest) -> list[int]:
    """Tasks no job of the manifest covers yet, in order.

    >>> from hsm.pure.manifest import SweepTask
    >>> m = Manifest("s", "slurm", "array", "/", {},
    ...              tuple(SweepTask(t, {}, ()) for t in range(4)),
    ...              (JobRecord("w1_array_0", "s_w1_array_0", "x", (0, 1), (0, 1), "l", ""),))
    >>> waiting_tasks(m)
    [2, 3]
    """
    covered = {task for job in manifest.jobs for task in job.tasks}
    return [task for task in range(len(manifest.tasks)) if task not in covered]


def is_fed(manifest: Manifest) -> bool:
    """True when the sweep is fed in waves: some task waits, or a wave was planned."""
    return any(key_number(job.key, WAVE_PREFIX) for job in manifest.jobs) or bool(
        waiting_tasks(manifest)
    )


def room(limit: int | None, queued: int) -> int | None:
    """How many more jobs the user may queue (None: no known limit).

    >>> room(20, 17), room(20, 25), room(None, 3)
    (3, 0, None)
    """
    return None if limit is None else max(0, limit - queued)


def unsubmitted_that_fit(
    jobs: Sequence[JobRecord], job_ids: Mapping[str, str], in_flight: frozenset[str], free: int
) -> tuple[list[str], int]:
    """Keys of the planned-but-not-in jobs to submit now, in order, and the room left.

    A job whose submit was in flight at a crash is always taken: it is looked up by name
    before anything is submitted, and it already counts in the queue if it went in.
    Otherwise jobs are taken in order while each fits whole; the first that does not
    stops the rest (order is kept, so tasks start in sweep order).

    >>> jobs = [JobRecord(k, k, k, tuple(range(n)), None, "", "") for k, n in
    ...         [("a", 1), ("b", 5), ("c", 1)]]
    >>> unsubmitted_that_fit(jobs, {"a": "1"}, frozenset(), 4)
    ([], 4)
    >>> unsubmitted_that_fit(jobs, {}, frozenset({"b"}), 1)
    (['a', 'b'], 0)
    """
    keys: list[str] = []
    blocked = False
    for job in jobs:
        if job.key in job_ids:
            continue
        size = len(job.tasks)
        if job.key in in_flight:
            keys.append(job.key)
            free = max(0, free - size)
        elif not blocked and size <= free:
            keys.append(job.key)
            free -= size
        else:
            blocked = True
    return keys, free


def wave_settings(manifest: Manifest, free: int, array_limit: int) -> SweepSettings:
    """The planner's settings for the next wave: the sweep's own, the changes its jobs
    were planned with, the next wave's key prefix, and arrays no larger than ``free``."""
    wave = 1 + max((key_number(job.key, WAVE_PREFIX) for job in manifest.jobs), default=0)
    names = {f.name for f in fields(SweepSettings)}
    base: dict[str, Any] = {k: v for k, v in manifest.settings.items() if k in names}
    base.update(
        key_prefix=f"{WAVE_PREFIX}{wave}_",
        job_name=None,
        array_limit=max(1, min(array_limit, free)),
        setup=tuple(base.get("setup", ())),
        extra=tuple(base.get("extra", ())),
        dependencies=tuple(_dependency(d) for d in base.get("dependencies", ())),
    )
    return SweepSettings(**base)


def _dependency(data: Any) -> Dependency:
    if isinstance(data, Dependency):
        return data
    return Dependency(str(data["kind"]), tuple(str(i) for i in data["job_ids"]))


def plan_wave(
    manifest: Manifest, free: int, array_limit: int, params_json: Sequence[str]
) -> Result[tuple[PlannedJob, ...], ConfigError]:
    """The jobs of the next wave: the first ``free`` waiting tasks (none when there is no
    room or nothing waits)."""
    waiting = waiting_tasks(manifest)[:free]
    if not waiting or free < 1:
        return Success(())
    settings = wave_settings(manifest, free, array_limit)
    return plan_jobs(settings, manifest.argvs, waiting, params_json=params_json)


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a fed sweep is: tasks whose job is in, out of all."""

    submitted: int
    total: int

    @property
    def waiting(self) -> int:
        """Tasks not in yet."""
        return self.total - self.submitted


def progress(manifest: Manifest, job_ids: Mapping[str, str]) -> Progress:
    """Tasks covered by a job that is in (by its id), out of all tasks."""
    submitted = {task for job in manifest.jobs if job.key in job_ids for task in job.tasks}
    return Progress(len(submitted), len(manifest.tasks))


def progress_line(found: Progress, *, stopped: bool = False) -> str:
    """How far the feeding of a sweep is, in words (``hsm monitor``, the feeder's log).

    >>> progress_line(Progress(1200, 5000))
    'submitted 1,200 / 5,000, waiting for queue room'
    >>> progress_line(Progress(5, 5))
    'submitted 5 / 5'
    """
    text = f"submitted {found.submitted:,} / {found.total:,}"
    if found.waiting and stopped:
        return text + ", feeding stopped by hsm cancel"
    return text + (", waiting for queue room" if found.waiting else "")


def with_waiting(
    manifest: Manifest, statuses: Mapping[int, JobStatus], *, stopped: bool = False
) -> dict[int, JobStatus]:
    """Every task's status, a task no job covers yet ``queued`` with raw code
    :data:`WAITING` (it waits, for queue room) -- never unknown, which a resubmission
    would pick up; once ``hsm cancel`` stopped the feeding, ``cancelled`` -- and so is a
    task whose planned job never went in."""
    waiting = waiting_tasks(manifest)
    found = dict(statuses)
    if stopped:  # a planned job that never went in will not go in now either
        waiting += [task for task, s in statuses.items() if s.raw == NOT_SUBMITTED]
        for task in waiting:
            found.pop(task, None)
    if not waiting:
        return found
    status = (
        JobStatus("", JobState.CANCELLED, STOPPED, reason="cancelled before it was submitted")
        if stopped
        else JobStatus("", JobState.QUEUED, WAITING, reason="waiting for queue room")
    )
    for task in waiting:
        found.setdefault(task, status)
    return dict(sorted(found.items()))


def fed_manifest(manifest: Manifest) -> Manifest:
    """The manifest of a sweep fed from the start: every task, no job yet."""
    return replace(manifest, jobs=())
