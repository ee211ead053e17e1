"""The sweep directory's record: manifest contents, journal replay and task statuses.

Strategy: the manifest (``manifest.json``) says what a sweep *is* -- settings, every
task's parameters and argv, every planned job with its script's sha256 -- and the
append-only journal (``journal.jsonl``) says what *happened*: a ``submitting`` record
before each submit call and a ``submitted`` record (with the job id) after it.  Replaying
the journal tells which jobs are done, which were in flight when a crash hit (look them
up by name before resubmitting) and which never started.  Task statuses come from the
newest job that covers each task, so a resubmission supersedes the old attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from hsm.pure.plan import JobRecord as JobRecord  # re-exported: the CLI imports it from here
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.schedulers.base import Statuses
from hsm.pure.states import JobState, JobStatus, rollup_states

#: The raw code of a task whose job was never submitted (or not yet).
NOT_SUBMITTED = "NOT_SUBMITTED"


@dataclass(frozen=True, slots=True)
class SweepTask:
    """One task of the sweep: its number, its parameters and the argv they render to."""

    task: int
    params: Mapping[str, Any]
    argv: tuple[str, ...]


@dataclass(frozen=True)  # no slots: ``params`` and ``argvs`` are cached per instance
class Manifest:
    """What a sweep is: enough to re-render, audit, poll and resubmit it.

    ``jobs`` lists every job ever planned for the sweep (resubmissions come later), each
    with its scheduler id once submitted.  (De)serialised by :mod:`hsm.pure.records`.
    """

    sweep_id: str
    scheduler: str
    mode: str
    workdir: str
    settings: Mapping[str, Any]
    tasks: tuple[SweepTask, ...]
    jobs: tuple[JobRecord, ...]

    @cached_property
    def params(self) -> tuple[Mapping[str, Any], ...]:
        """Every task's parameters, by task number."""
        return tuple(task.params for task in self.tasks)

    @cached_property
    def argvs(self) -> tuple[tuple[str, ...], ...]:
        """Every task's program arguments, by task number."""
        return tuple(task.argv for task in self.tasks)

    @property
    def job_ids(self) -> dict[str, str]:
        """Job key -> scheduler id, for the jobs submitted so far."""
        return {job.key: job.job_id for job in self.jobs if job.job_id}

    def job(self, key: str) -> JobRecord:
        """The job with ``key`` (KeyError if there is none)."""
        return {job.key: job for job in self.jobs}[key]

    def with_job_ids(self, job_ids: Mapping[str, str]) -> Manifest:
        """The same manifest with each job's id taken from ``job_ids`` (others unset)."""
        jobs = tuple(replace(job, job_id=job_ids.get(job.key)) for job in self.jobs)
        return replace(self, jobs=jobs)


def number_tasks(
    params: Sequence[Mapping[str, Any]], argvs: Sequence[tuple[str, ...]]
) -> tuple[SweepTask, ...]:
    """Number the tasks: parameters and argvs are parallel, in expansion order."""
    return tuple(
        SweepTask(number, dict(p), tuple(a))
        for number, (p, a) in enumerate(zip(params, argvs, strict=True))
    )


@dataclass(frozen=True, slots=True)
class JournalState:
    """What the journal says happened to each job key."""

    submitted: dict[str, str]
    in_flight: frozenset[str]
    failed: dict[str, str]
    cancelled: frozenset[str] = frozenset()
    feed_stopped: bool = False


def replay_journal(records: Iterable[Mapping[str, Any]]) -> JournalState:
    """Fold journal records into per-job outcomes (later records win).

    ``no_room``: the scheduler refused the job for a submit limit -- nothing went in, so
    the job is simply submitted again later.  ``feed_stop`` (``hsm cancel``) and
    ``feed_start`` (``hsm sweep feed`` / a re-run) say whether a feeder may go on.

    >>> replay_journal([{"event": "submitting", "key": "a"},
    ...                 {"event": "submitted", "key": "a", "job_id": "7"},
    ...                 {"event": "submitting", "key": "b"}])
    JournalState(submitted={'a': '7'}, in_flight=frozenset({'b'}), failed={}, \
cancelled=frozenset(), feed_stopped=False)
    """
    submitted: dict[str, str] = {}
    in_flight: set[str] = set()
    failed: dict[str, str] = {}
    cancelled: set[str] = set()
    stopped = False
    for record in records:
        key, event = str(record.get("key", "")), record.get("event")
        if event == "submitting":
            in_flight.add(key)
            failed.pop(key, None)
        elif event in ("submitted", "recovered"):
            submitted[key] = str(record["job_id"])
            in_flight.discard(key)
        elif event == "failed":
            failed[key] = str(record.get("error", ""))
            in_flight.discard(key)
        elif event == "no_room":
            in_flight.discard(key)
            failed.pop(key, None)
        elif event == "cancel":
            cancelled.update(str(job_id) for job_id in record.get("job_ids", ()))
        elif event in ("feed_stop", "feed_start"):
            stopped = event == "feed_stop"
    return JournalState(submitted, frozenset(in_flight), failed, frozenset(cancelled), stopped)


def resume_action(state: JournalState, key: str) -> str:
    """What a (re)submission does with job ``key``, given the journal so far.

    ``skip`` when a ``submitted``/``recovered`` record has its id; ``lookup`` (by its
    unique name, before submitting) when its submit was in flight at a crash or failed --
    a failed call may have lost the answer of a scheduler that took the job; ``submit``
    when nothing was ever tried.  Every path to a submission goes through this.

    >>> state = replay_journal([{"event": "submitting", "key": "a"},
    ...                         {"event": "failed", "key": "a", "error": "timed out"}])
    >>> resume_action(state, "a"), resume_action(state, "b")
    ('lookup', 'submit')
    """
    if key in state.submitted:
        return "skip"
    if key in state.in_flight or key in state.failed:
        return "lookup"
    return "submit"


def with_cancels(
    statuses: Mapping[int, JobStatus],
    cancelled: frozenset[str],
    split_task_id: Callable[[str], tuple[str, int] | None],
) -> dict[int, JobStatus]:
    """A task the scheduler no longer knows, whose job (or array, or own task id) hsm
    cancelled, is ``cancelled``: Slurm keeps no accounting record of its own for a pending
    array task cancelled alone, and hsm's journal remembers asking.

    >>> from hsm.pure.states import JobStatus, JobState
    >>> lost = {0: JobStatus("6_2", JobState.UNKNOWN, "NOT_FOUND")}
    >>> with_cancels(lost, frozenset({"6_2"}), lambda i: None)[0].state.value
    'cancelled'
    """
    if not cancelled:
        return dict(statuses)
    result: dict[int, JobStatus] = {}
    for task, status in statuses.items():
        parent = split_task_id(status.job_id)
        asked = status.job_id in cancelled or (parent is not None and parent[0] in cancelled)
        if status.state is JobState.UNKNOWN and status.raw == "NOT_FOUND" and asked:
            status = status._replace(
                state=JobState.CANCELLED,
                raw="CANCELLED",
                reason="cancelled by hsm; the scheduler kept no record of it",
            )
        result[task] = status
    return result


def ids_of_sweep(
    job_ids: Sequence[str],
    submitted: Iterable[str],
    split_task_id: Callable[[str], tuple[str, int] | None],
) -> tuple[str, ...]:
    """The ids among ``job_ids`` that name a job a sweep submitted (``submitted``) or one
    of that job's array tasks.

    >>> split = lambda i: (i.split("_")[0], int(i.split("_")[1])) if "_" in i else None
    >>> ids_of_sweep(["8_3", "9", "10_1"], ["8", "9"], split)
    ('8_3', '9')
    """
    mine = frozenset(submitted)
    found = []
    for job_id in job_ids:
        parent = split_task_id(job_id)
        if job_id in mine or (parent is not None and parent[0] in mine):
            found.append(job_id)
    return tuple(found)


def current_jobs(
    manifest: Manifest, job_ids: Mapping[str, str] | None = None
) -> dict[int, JobRecord]:
    """For each task, its current job (see :func:`current_indices`)."""
    return {task: job for task, (job, _) in current_indices(manifest, job_ids).items()}


def task_statuses(
    manifest: Manifest,
    job_ids: Mapping[str, str],
    polled: Statuses,
    task_id: Callable[[str, int], str],
) -> dict[int, JobStatus]:
    """Every task's status: found under its job (or array task) id, else unknown.

    A task whose job was never submitted is ``unknown`` with raw code ``NOT_SUBMITTED``;
    one the scheduler no longer knows is ``unknown`` with ``NOT_FOUND`` -- never
    ``completed``.
    """
    result: dict[int, JobStatus] = {}
    for task, (job, index) in sorted(current_indices(manifest, job_ids).items()):
        job_id = job_ids.get(job.key)
        if job_id is None:
            result[task] = JobStatus("", JobState.UNKNOWN, NOT_SUBMITTED)
            continue
        wanted = job_id if index is None else task_id(job_id, index)
        result[task] = polled.get(wanted) or JobStatus(wanted, JobState.UNKNOWN, "NOT_FOUND")
    return result


def current_indices(
    manifest: Manifest, job_ids: Mapping[str, str] | None = None
) -> dict[int, tuple[JobRecord, int | None]]:
    """For each task, its current job and its array index in that job (None for an
    individual job) -- found in one pass, where ``job.tasks.index(task)`` per task would
    cost O(tasks²) on a 10,000-task array.

    The current job is the newest covering the task (resubmissions come later in the
    list).  With ``job_ids`` (key -> id of every submitted job), a resubmission that never
    reached the scheduler does not count: the task keeps its last submitted job, so a
    refused resubmission never hides the task's recorded final state.
    """
    owner: dict[int, tuple[JobRecord, int | None]] = {}
    for job in manifest.jobs:
        counts = job_ids is None or job.key in job_ids
        pairs = (
            ((task, (job, None)) for task in job.tasks)
            if job.indices is None
            else zip(job.tasks, ((job, i) for i in job.indices), strict=True)
        )
        for task, found in pairs:
            if counts or task not in owner:
                owner[task] = found
    return owner


def task_logs(manifest: Manifest, job_ids: Mapping[str, str] | None = None) -> dict[int, str]:
    """Where each task's log is, relative to the manifest's workdir (or absolute), for
    every task a job covers (its current job, see :func:`current_indices`)."""
    name = SCHEDULERS[manifest.scheduler].task_log_name
    return {
        task: job.log_path if index is None else name(job.log_path, index)
        for task, (job, index) in current_indices(manifest, job_ids).items()
    }


def job_ids_to_poll(manifest: Manifest, job_ids: Mapping[str, str]) -> list[str]:
    """The ids one poll must ask about: each current job once."""
    keys = dict.fromkeys(job.key for job in current_jobs(manifest, job_ids).values())
    return [job_ids[key] for key in keys if key in job_ids]


def count_states(statuses: Iterable[JobStatus]) -> dict[str, int]:
    """Counts per normalised state, every state present (zeros included), in enum order."""
    counts = {state.value: 0 for state in JobState}
    for status in statuses:
        counts[status.state.value] += 1
    return counts


def sweep_state(statuses: Sequence[JobStatus]) -> JobState:
    """The roll-up of all tasks (see :func:`hsm.pure.states.rollup_states`)."""
    return rollup_states(s.state for s in statuses)
