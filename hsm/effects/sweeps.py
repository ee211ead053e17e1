"""Write, submit, poll, cancel and resubmit a sweep through a backend.

Strategy: the pure planner has already rendered every script; this module only moves
bytes and asks the backend.  Order of effects for a submission:

1. write every script and ``manifest.json`` atomically (a manifest already there must
   describe exactly the same jobs -- re-running resumes, it never overwrites);
2. check every script on disk against its sha256 in the manifest;
3. replay ``journal.jsonl``: jobs with a ``submitted`` record are skipped, jobs whose
   submit was in flight are looked up by their unique name, and only what is missing is
   submitted -- each call wrapped in ``submitting`` / ``submitted`` journal records;
4. rewrite the manifest with the job ids.

A kill -9 at any point leaves either no record (the job is submitted on resume), a
``submitting`` record (found by name, or submitted if absent) or a ``submitted`` record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cattrs import BaseValidationError
from returns.io import IOFailure, IOResult, IOSuccess
from returns.result import Failure, Success

from hsm.effects.backend import Backend
from hsm.effects.files import (
    append_journal,
    read_journal,
    read_text,
    write_atomic,
    write_many_atomic,
)
from hsm.effects.results import result_of
from hsm.pure import layout
from hsm.pure.errors import HSMFailure, StateError, SubmissionError
from hsm.pure.manifest import (
    JournalState,
    Manifest,
    current_jobs,
    ids_of_sweep,
    job_ids_to_poll,
    replay_journal,
    resume_action,
    task_logs,
    task_statuses,
    with_cancels,
)
from hsm.pure.plan import PlannedJob
from hsm.pure.records import (
    check_seal,
    manifest_from_data,
    manifest_to_data,
    statuses_from_data,
    statuses_to_data,
)
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.schedulers.base import Cancelled
from hsm.pure.states import JobState, JobStatus
from hsm.pure.waves import with_waiting


@dataclass(frozen=True, slots=True)
class Submitted:
    """Outcome of a submission: every job key with its id, and what this call did.

    ``no_room``: the scheduler refused a job for a submit limit, so it and the jobs after
    it wait for queue room (a feeder submits them); ``waiting``: how many tasks of the
    sweep are not in yet.
    """

    job_ids: dict[str, str]
    submitted: tuple[str, ...]
    recovered: tuple[str, ...]
    no_room: bool = False
    waiting: int = 0


@dataclass(frozen=True, slots=True)
class SweepReport:
    """One poll of a sweep.

    Attributes:
        statuses: task number -> status (from the newest job covering the task).
        job_ids: job key -> scheduler id.
        stale: true when the scheduler could not be asked and these are the last known
            statuses; ``warning`` then says why.
    """

    manifest: Manifest
    statuses: dict[int, JobStatus]
    job_ids: dict[str, str]
    stale: bool = False
    warning: str = ""


@dataclass(frozen=True, slots=True)
class TaskView:
    """One task as ``hsm monitor`` shows it.

    Attributes:
        task: the task number.
        params: its parameters.
        status: its status (job id, state, what the scheduler said).
        log: where its log is (under the sweep's workdir unless absolute); None when no
            job covers the task.
    """

    task: int
    params: Mapping[str, Any]
    status: JobStatus
    log: str | None


def task_views(report: SweepReport) -> tuple[TaskView, ...]:
    """Every polled task with its parameters, status and log path, by task number."""
    manifest = report.manifest
    workdir = Path(manifest.workdir)
    logs = task_logs(manifest, report.job_ids)
    return tuple(
        TaskView(
            task,
            manifest.tasks[task].params,
            status,
            str(workdir / logs[task]) if task in logs else None,
        )
        for task, status in sorted(report.statuses.items())
    )


def _journal(path: Path, record: Mapping[str, object]) -> IOResult[None, StateError]:
    """Append a journal record stamped with the time (UTC) it was written."""
    return append_journal(
        path, {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), **record}
    )


def _json(data: object) -> str:
    """JSON a person can read and diff: an object's keys one per line, a list's items one
    per line, each item compact.  (``json.dumps(indent=...)`` gives the same to a reader
    but runs Python's slow encoder: 0.3 s per save of a 10,000-task manifest.)

    >>> print(_json({"a": 1, "jobs": [{"k": 1}, {"k": 2}], "e": []}), end="")
    {
     "a": 1,
     "jobs": [
      {"k": 1},
      {"k": 2}
     ],
     "e": []
    }
    """
    if not isinstance(data, dict) or not data:
        return _compact(data) + "\n"
    fields = []
    for key, value in data.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"  {_compact(item)}" for item in value)
            fields.append(f" {_compact(key)}: [\n{items}\n ]")
        else:
            fields.append(f" {_compact(key)}: {_compact(value)}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def write_sweep(
    sweep_dir: Path, manifest: Manifest, jobs: Sequence[PlannedJob]
) -> IOResult[Manifest, HSMFailure]:
    """Write scripts and the manifest, or check that an existing sweep is the same one.

    Returns the manifest as on disk (with job ids recorded so far, on a resume).
    """
    path = sweep_dir / layout.MANIFEST
    if path.exists():
        existing = load_manifest(sweep_dir, sealed=True)
        found = result_of(existing)
        if isinstance(found, Failure):
            return IOFailure(found.failure())
        old = found.unwrap()
        old_jobs = [(j.key, j.sha256, j.tasks) for j in old.jobs[: len(manifest.jobs)]]
        new_jobs = [(j.key, j.sha256, j.tasks) for j in manifest.jobs]
        if old_jobs != new_jobs or old.sweep_id != manifest.sweep_id:
            return IOFailure(
                StateError(
                    f"{sweep_dir} already holds a different sweep ({old.sweep_id}, "
                    f"{len(old.jobs)} jobs); choose another --sweep-dir or --sweep-id, or "
                    f"resume it unchanged",
                    str(sweep_dir),
                )
            )
        return IOSuccess(old)
    (sweep_dir / layout.LOGS).mkdir(parents=True, exist_ok=True)
    written = result_of(
        write_many_atomic([(sweep_dir / job.script_file, job.script) for job in jobs], mode=0o755)
    )
    if isinstance(written, Failure):
        return IOFailure(written.failure())
    saved = result_of(write_atomic(path, _json(manifest_to_data(manifest))))
    if isinstance(saved, Failure):
        return IOFailure(saved.failure())
    return IOSuccess(manifest)


def add_jobs(
    sweep_dir: Path, manifest: Manifest, jobs: Sequence[PlannedJob]
) -> IOResult[Manifest, HSMFailure]:
    """Append resubmission jobs to an existing sweep: scripts first, then the manifest."""
    written = result_of(
        write_many_atomic([(sweep_dir / job.script_file, job.script) for job in jobs], mode=0o755)
    )
    if isinstance(written, Failure):
        return IOFailure(written.failure())
    return _save_manifest(sweep_dir, manifest)


def _save_manifest(sweep_dir: Path, manifest: Manifest) -> IOResult[Manifest, HSMFailure]:
    saved = result_of(write_atomic(sweep_dir / layout.MANIFEST, _json(manifest_to_data(manifest))))
    if isinstance(saved, Failure):
        return IOFailure(saved.failure())
    return IOSuccess(manifest)


def load_manifest(sweep_dir: Path, *, sealed: bool = False) -> IOResult[Manifest, HSMFailure]:
    """Read ``manifest.json`` with a clear error when it is missing or damaged.

    ``sealed`` (every command that submits from the directory): also refuse a manifest
    whose content no longer matches the digest hsm wrote into it.
    """
    path = sweep_dir / layout.MANIFEST
    text = result_of(read_text(path))
    if isinstance(text, Failure) and not sweep_dir.exists():
        return IOFailure(
            StateError(
                f"no sweep at {sweep_dir} (`hsm sweep list` shows the sweeps under sweeps/)",
                str(sweep_dir),
            )
        )
    if isinstance(text, Failure):
        return IOFailure(
            StateError(
                f"{sweep_dir} is not an hsm sweep directory ({layout.MANIFEST} is missing or "
                f"unreadable: {text.failure().message})",
                str(path),
            )
        )
    try:
        data = json.loads(text.unwrap())
    except json.JSONDecodeError as error:
        return IOFailure(StateError(f"{path} is not valid JSON: {error}", str(path)))
    if sealed:
        seal = check_seal(data, str(path))
        if isinstance(seal, Failure):
            return IOFailure(seal.failure())
    parsed = manifest_from_data(data, str(path))
    if isinstance(parsed, Failure):
        return IOFailure(parsed.failure())
    return IOSuccess(parsed.unwrap())


def journal_state(sweep_dir: Path) -> IOResult[JournalState, HSMFailure]:
    """Replay the sweep's journal."""
    records = result_of(read_journal(sweep_dir / layout.JOURNAL))
    if isinstance(records, Failure):
        return IOFailure(records.failure())
    return IOSuccess(replay_journal(records.unwrap()))


def verify_scripts(
    sweep_dir: Path, manifest: Manifest, keys: Sequence[str] | None = None
) -> IOResult[None, HSMFailure]:
    """Refuse to submit a script whose bytes differ from the manifest's sha256."""
    for job in manifest.jobs:
        if keys is not None and job.key not in keys:
            continue
        path = sweep_dir / job.script_file
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as error:
            return IOFailure(
                StateError(
                    f"cannot read {path}: {error.strerror}; the sweep directory is incomplete",
                    str(path),
                )
            )
        if digest != job.sha256:
            return IOFailure(
                StateError(
                    f"{path} was changed after it was rendered (sha256 {digest[:12]}... "
                    f"but the manifest records {job.sha256[:12]}...); re-render the sweep "
                    f"instead of editing its scripts",
                    str(path),
                )
            )
    return IOSuccess(None)


def submit_jobs(
    sweep_dir: Path,
    manifest: Manifest,
    backend: Backend,
    workdir: Path,
    keys: Sequence[str] | None = None,
) -> IOResult[Submitted, HSMFailure]:
    """Submit the manifest's jobs (or ``keys``) that the journal does not show submitted."""
    verified = result_of(verify_scripts(sweep_dir, manifest, keys))
    if isinstance(verified, Failure):
        return IOFailure(verified.failure())
    replayed = result_of(journal_state(sweep_dir))
    if isinstance(replayed, Failure):
        return IOFailure(replayed.failure())
    state = replayed.unwrap()
    job_ids = dict(state.submitted)
    journal = sweep_dir / layout.JOURNAL
    submitted: list[str] = []
    recovered: list[str] = []
    for job in manifest.jobs:
        if (keys is not None and job.key not in keys) or job.key in job_ids:
            continue
        if resume_action(state, job.key) == "lookup":
            found = result_of(backend.find_by_name(job.job_name))
            if isinstance(found, Failure):
                return IOFailure(found.failure())
            if found.unwrap():
                job_ids[job.key] = found.unwrap()[0]
                recovered.append(job.key)
                logged = result_of(
                    _journal(
                        journal, {"event": "recovered", "key": job.key, "job_id": found.unwrap()[0]}
                    )
                )
                if isinstance(logged, Failure):
                    return IOFailure(logged.failure())
                continue
        before = result_of(_journal(journal, {"event": "submitting", "key": job.key}))
        if isinstance(before, Failure):
            return IOFailure(before.failure())
        outcome = result_of(
            backend.submit(
                sweep_dir / job.script_file,
                cwd=workdir,
                job_name=job.job_name,
                indices=job.indices,
                log_path=job.log_path,
            )
        )
        if isinstance(outcome, Failure) and _is_no_room(outcome.failure()):
            # A submit limit: nothing went in; the rest waits for room (see hsm.effects.feeder).
            _journal(journal, {"event": "no_room", "key": job.key})
            saved = result_of(_save_manifest(sweep_dir, manifest.with_job_ids(job_ids)))
            if isinstance(saved, Failure):
                return IOFailure(saved.failure())
            return IOSuccess(Submitted(job_ids, tuple(submitted), tuple(recovered), no_room=True))
        if isinstance(outcome, Failure):
            _journal(journal, {"event": "failed", "key": job.key, "error": str(outcome.failure())})
            _save_manifest(sweep_dir, manifest.with_job_ids(job_ids))
            done = f" ({len(job_ids)} of {len(manifest.jobs)} jobs are in)" if job_ids else ""
            return IOFailure(
                replace(
                    outcome.failure(),
                    message=f"{outcome.failure().message}{done}; fix the cause and run the "
                    f"same submission again to submit the rest",
                )
            )
        job_ids[job.key] = outcome.unwrap()
        submitted.append(job.key)
        after = result_of(
            _journal(journal, {"event": "submitted", "key": job.key, "job_id": outcome.unwrap()})
        )
        if isinstance(after, Failure):
            return IOFailure(after.failure())
    saved = result_of(_save_manifest(sweep_dir, manifest.with_job_ids(job_ids)))
    if isinstance(saved, Failure):
        return IOFailure(saved.failure())
    return IOSuccess(Submitted(job_ids, tuple(submitted), tuple(recovered)))


def _is_no_room(error: HSMFailure) -> bool:
    return isinstance(error, SubmissionError) and error.no_room


def recorded_sweep(
    sweep_dir: Path,
) -> IOResult[tuple[Manifest, dict[str, str], JournalState], HSMFailure]:
    """The manifest, every job id the manifest or the journal records (key -> id), and
    what the journal says."""
    loaded = result_of(load_manifest(sweep_dir))
    if isinstance(loaded, Failure):
        return IOFailure(loaded.failure())
    manifest = loaded.unwrap()
    replayed = result_of(journal_state(sweep_dir))
    if isinstance(replayed, Failure):
        return IOFailure(replayed.failure())
    state = replayed.unwrap()
    return IOSuccess((manifest, {**manifest.job_ids, **state.submitted}, state))


def poll_sweep(sweep_dir: Path, backend: Backend) -> IOResult[SweepReport, HSMFailure]:
    """Every task's status in O(1) scheduler calls; last known statuses on a transient error."""
    recorded = result_of(recorded_sweep(sweep_dir))
    if isinstance(recorded, Failure):
        return IOFailure(recorded.failure())
    manifest, job_ids, journal = recorded.unwrap()
    polled = result_of(backend.poll(job_ids_to_poll(manifest, job_ids)))
    if isinstance(polled, Failure):
        error = polled.failure()
        if not error.transient:
            return IOFailure(error)
        cached = _read_cache(sweep_dir)
        return IOSuccess(
            SweepReport(
                manifest,
                cached or _unknown_all(manifest),
                job_ids,
                stale=True,
                warning=f"the scheduler could not be asked ({error.message}); showing the last "
                f"known states" + ("" if cached else " (none recorded yet)"),
            )
        )
    found = task_statuses(manifest, job_ids, polled.unwrap(), backend.task_id)
    cancels = with_cancels(found, journal.cancelled, SCHEDULERS[manifest.scheduler].split_task_id)
    statuses = with_waiting(manifest, cancels, stopped=journal.feed_stopped)
    # The cache is only a fallback for the next poll; failing to write it loses nothing
    # this poll needs (readers never take the lock), so its IOResult is dropped.
    write_atomic(sweep_dir / layout.STATUS_CACHE, _json(statuses_to_data(statuses)))
    return IOSuccess(SweepReport(manifest, statuses, job_ids))


def _read_cache(sweep_dir: Path) -> dict[int, JobStatus] | None:
    """The last statuses polled, or None when there are none (or they are unreadable:
    the cache is only a fallback, so a damaged one is no error)."""
    text = result_of(read_text(sweep_dir / layout.STATUS_CACHE))
    if isinstance(text, Failure):
        return None
    try:
        return statuses_from_data(json.loads(text.unwrap()))
    except (ValueError, TypeError, KeyError, BaseValidationError):
        return None


def _unknown_all(manifest: Manifest) -> dict[int, JobStatus]:
    return {
        task: JobStatus("", JobState.UNKNOWN, "NOT_ASKED")
        for task in sorted(current_jobs(manifest))
    }


def _find_unrecorded(
    manifest: Manifest, job_ids: Mapping[str, str], journal: JournalState, backend: Backend
) -> IOResult[dict[str, str], HSMFailure]:
    """Ids of jobs whose submit was in flight (or failed) when hsm stopped, by name."""
    found: dict[str, str] = {}
    for job in manifest.jobs:
        # The same rule a resume follows: in flight or failed means "look it up by name".
        if job.key in job_ids or resume_action(journal, job.key) != "lookup":
            continue
        named = result_of(backend.find_by_name(job.job_name))
        if isinstance(named, Failure):
            return IOFailure(named.failure())
        if named.unwrap():
            found[job.key] = named.unwrap()[0]
    return IOSuccess(found)


def cancel_sweep(
    sweep_dir: Path, backend: Backend, tasks: Sequence[int] | None = None
) -> IOResult[Cancelled, HSMFailure]:
    """Cancel the sweep's jobs (or only ``tasks``: single array tasks where needed), and
    say what the scheduler did with each; the request is journaled first."""
    recorded = result_of(recorded_sweep(sweep_dir))
    if isinstance(recorded, Failure):
        return IOFailure(recorded.failure())
    manifest, job_ids, journal = recorded.unwrap()
    owners = current_jobs(manifest, job_ids)
    if tasks is None:
        # A submit interrupted mid-call may have reached the scheduler: find it by name.
        found = result_of(_find_unrecorded(manifest, job_ids, journal, backend))
        if isinstance(found, Failure):
            return IOFailure(found.failure())
        job_ids = {**job_ids, **found.unwrap()}
        # Every job hsm submitted, of every generation: none may be left behind.
        targets = list(dict.fromkeys(job_ids[j.key] for j in manifest.jobs if j.key in job_ids))
    else:
        targets = []
        for task in tasks:
            job = owners.get(task)
            if job is None or job.key not in job_ids:
                continue
            job_id = job_ids[job.key]
            targets.append(
                job_id
                if job.indices is None
                else backend.task_id(job_id, job.indices[job.tasks.index(task)])
            )
    if not targets:
        return IOSuccess({})
    asked = result_of(journal_cancel(sweep_dir, targets))
    if isinstance(asked, Failure):
        return IOFailure(asked.failure())
    said = backend.cancel(targets)
    # One poll now rewrites the status cache, so `hsm sweep list` (which reads only the
    # cache) shows the cancel instead of the states from before it; like any poll's cache
    # write it is a convenience, so its outcome does not change the cancel's answer.
    poll_sweep(sweep_dir, backend)
    return said


def journal_cancel(sweep_dir: Path, job_ids: Sequence[str]) -> IOResult[None, HSMFailure]:
    """Record that hsm asks the scheduler to cancel ``job_ids`` (before asking): a pending
    array task Slurm forgets once cancelled then reads as cancelled, not lost."""
    return _journal(sweep_dir / layout.JOURNAL, {"event": "cancel", "job_ids": list(job_ids)})


def sweeps_holding(
    job_ids: Sequence[str], backend: Backend, sweep_dirs: Sequence[Path]
) -> list[tuple[Path, tuple[str, ...]]]:
    """Which of ``sweep_dirs`` (on ``backend``'s scheduler) submitted which of
    ``job_ids``, read from their journals; a directory that is not a readable sweep is
    skipped (it holds no job hsm could name)."""
    split = SCHEDULERS[backend.key].split_task_id
    found = []
    for sweep_dir in sweep_dirs:
        if not (sweep_dir / layout.JOURNAL).exists():
            continue
        replayed = result_of(journal_state(sweep_dir))
        if isinstance(replayed, Failure):
            continue
        ids = ids_of_sweep(job_ids, replayed.unwrap().submitted.values(), split)
        if not ids:
            continue
        loaded = result_of(load_manifest(sweep_dir))
        if isinstance(loaded, Success) and loaded.unwrap().scheduler == backend.key:
            found.append((sweep_dir, ids))
    return found
