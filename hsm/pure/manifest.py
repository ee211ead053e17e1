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
from dataclasses import dataclass, field
from typing import Any

from returns.result import Failure, Result, Success

from hsm.pure.errors import StateError
from hsm.pure.plan import PlannedJob
from hsm.pure.schedulers.base import Statuses
from hsm.pure.states import JobState, JobStatus, rollup_states

MANIFEST_VERSION = 1


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A planned job as the manifest keeps it (without the script text)."""

    key: str
    job_name: str
    script_file: str
    sha256: str
    tasks: tuple[int, ...]
    indices: tuple[int, ...] | None
    log_path: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a sweep is: enough to re-render, audit, poll and resubmit it."""

    sweep_id: str
    scheduler: str
    mode: str
    workdir: str
    settings: Mapping[str, Any]
    params: tuple[Mapping[str, Any], ...]
    argvs: tuple[tuple[str, ...], ...]
    jobs: tuple[JobRecord, ...]
    job_ids: Mapping[str, str] = field(default_factory=dict)

    def job(self, key: str) -> JobRecord:
        """The job with ``key`` (KeyError if there is none)."""
        return {job.key: job for job in self.jobs}[key]


def job_record(job: PlannedJob) -> JobRecord:
    """Drop the script text of a planned job; keep its hash."""
    return JobRecord(
        job.key, job.job_name, job.script_file, job.sha256, job.tasks, job.indices, job.log_path
    )


def manifest_to_data(manifest: Manifest) -> dict[str, Any]:
    """A JSON-ready mapping (stable key order, lists instead of tuples)."""
    return {
        "version": MANIFEST_VERSION,
        "sweep_id": manifest.sweep_id,
        "scheduler": manifest.scheduler,
        "mode": manifest.mode,
        "workdir": manifest.workdir,
        "settings": dict(manifest.settings),
        "tasks": [
            {"task": i, "params": dict(p), "argv": list(a)}
            for i, (p, a) in enumerate(zip(manifest.params, manifest.argvs, strict=True))
        ],
        "jobs": [
            {
                "key": j.key,
                "job_name": j.job_name,
                "script": j.script_file,
                "sha256": j.sha256,
                "tasks": list(j.tasks),
                "indices": None if j.indices is None else list(j.indices),
                "log_path": j.log_path,
                "job_id": manifest.job_ids.get(j.key),
            }
            for j in manifest.jobs
        ],
    }


def manifest_from_data(data: Any, source: str) -> Result[Manifest, StateError]:
    """Read a manifest mapping back, or say what is wrong with the file."""
    try:
        if not isinstance(data, Mapping) or data.get("version") != MANIFEST_VERSION:
            raise ValueError(f"not an hsm manifest (version {MANIFEST_VERSION})")
        tasks = list(data["tasks"])
        jobs = tuple(
            JobRecord(
                str(j["key"]),
                str(j["job_name"]),
                str(j["script"]),
                str(j["sha256"]),
                tuple(int(t) for t in j["tasks"]),
                None if j["indices"] is None else tuple(int(i) for i in j["indices"]),
                str(j["log_path"]),
            )
            for j in data["jobs"]
        )
        job_ids = {str(j["key"]): str(j["job_id"]) for j in data["jobs"] if j.get("job_id")}
        return Success(
            Manifest(
                sweep_id=str(data["sweep_id"]),
                scheduler=str(data["scheduler"]),
                mode=str(data["mode"]),
                workdir=str(data["workdir"]),
                settings=dict(data["settings"]),
                params=tuple(dict(t["params"]) for t in tasks),
                argvs=tuple(tuple(str(a) for a in t["argv"]) for t in tasks),
                jobs=jobs,
                job_ids=job_ids,
            )
        )
    except (KeyError, TypeError, ValueError) as error:
        return Failure(StateError(f"{source} is not a valid hsm manifest: {error}", source))


@dataclass(frozen=True, slots=True)
class JournalState:
    """What the journal says happened to each job key."""

    submitted: dict[str, str]
    in_flight: frozenset[str]
    failed: dict[str, str]


def replay_journal(records: Iterable[Mapping[str, Any]]) -> JournalState:
    """Fold journal records into per-job outcomes (later records win).

    >>> replay_journal([{"event": "submitting", "key": "a"},
    ...                 {"event": "submitted", "key": "a", "job_id": "7"},
    ...                 {"event": "submitting", "key": "b"}])
    JournalState(submitted={'a': '7'}, in_flight=frozenset({'b'}), failed={})
    """
    submitted: dict[str, str] = {}
    in_flight: set[str] = set()
    failed: dict[str, str] = {}
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
    return JournalState(submitted, frozenset(in_flight), failed)


def current_jobs(manifest: Manifest) -> dict[int, JobRecord]:
    """For each task, the newest job covering it (resubmissions come later in the list)."""
    owner: dict[int, JobRecord] = {}
    for job in manifest.jobs:
        for task in job.tasks:
            owner[task] = job
    return owner


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
    for task, job in sorted(current_jobs(manifest).items()):
        job_id = job_ids.get(job.key)
        if job_id is None:
            result[task] = JobStatus("", JobState.UNKNOWN, "NOT_SUBMITTED")
            continue
        if job.indices is None:
            wanted = job_id
        else:
            wanted = task_id(job_id, job.indices[job.tasks.index(task)])
        result[task] = polled.get(wanted) or JobStatus(wanted, JobState.UNKNOWN, "NOT_FOUND")
    return result


def job_ids_to_poll(manifest: Manifest, job_ids: Mapping[str, str]) -> list[str]:
    """The ids one poll must ask about: each current job once."""
    keys = dict.fromkeys(job.key for job in current_jobs(manifest).values())
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
