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
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from returns.io import IOFailure, IOResult, IOSuccess
from returns.result import Failure, Result, Success

from hsm.effects.backend import Backend
from hsm.effects.compose import each
from hsm.effects.files import (
    append_journal,
    read_journal,
    read_text,
    write_atomic,
    write_many_atomic,
)
from hsm.effects.reading import cached_statuses
from hsm.pure import layout
from hsm.pure.errors import CommandError, ConfigError, HSMFailure, StateError, SubmissionError
from hsm.pure.generations import next_generation
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
from hsm.pure.plan import JobRecord, PlannedJob
from hsm.pure.records import (
    manifest_from_text,
    manifest_to_data,
    statuses_to_data,
)
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.schedulers.base import Cancelled, Statuses
from hsm.pure.states import JobState, JobStatus
from hsm.pure.waves import with_waiting

T = TypeVar("T")


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
    if (sweep_dir / layout.MANIFEST).exists():
        return load_manifest(sweep_dir, sealed=True).bind_result(
            partial(_same_sweep, sweep_dir, manifest)
        )
    (sweep_dir / layout.LOGS).mkdir(parents=True, exist_ok=True)
    return add_jobs(sweep_dir, manifest, jobs)


def _same_sweep(sweep_dir: Path, manifest: Manifest, old: Manifest) -> Result[Manifest, HSMFailure]:
    """``old`` (on disk) when it is the sweep ``manifest`` plans, else why not."""
    old_jobs = [(j.key, j.sha256, j.tasks) for j in old.jobs[: len(manifest.jobs)]]
    new_jobs = [(j.key, j.sha256, j.tasks) for j in manifest.jobs]
    if old_jobs != new_jobs or old.sweep_id != manifest.sweep_id:
        return Failure(
            StateError(
                f"{sweep_dir} already holds a different sweep ({old.sweep_id}, "
                f"{len(old.jobs)} jobs); choose another --sweep-dir or --sweep-id, or "
                f"resume it unchanged",
                str(sweep_dir),
            )
        )
    return Success(old)


def add_jobs(
    sweep_dir: Path, manifest: Manifest, jobs: Sequence[PlannedJob]
) -> IOResult[Manifest, HSMFailure]:
    """Write jobs' scripts, then the manifest that lists them (a new sweep, a wave, a
    resubmission): a manifest never names a script that is not on disk."""
    scripts = [(sweep_dir / job.script_file, job.script) for job in jobs]
    written: IOResult[int, HSMFailure] = write_many_atomic(scripts, mode=0o755)
    return written.bind(lambda _: _save_manifest(sweep_dir, manifest))


def _save_manifest(sweep_dir: Path, manifest: Manifest) -> IOResult[Manifest, HSMFailure]:
    path = sweep_dir / layout.MANIFEST
    return write_atomic(path, _json(manifest_to_data(manifest))).map(lambda _: manifest)


def load_manifest(sweep_dir: Path, *, sealed: bool = False) -> IOResult[Manifest, HSMFailure]:
    """Read ``manifest.json`` with a clear error when it is missing or damaged.

    ``sealed`` (every command that submits from the directory): also refuse a manifest
    whose content no longer matches the digest hsm wrote into it.
    """
    path = sweep_dir / layout.MANIFEST
    return (
        read_text(path)
        .alt(partial(_no_manifest, sweep_dir))
        .bind_result(partial(manifest_from_text, source=str(path), sealed=sealed))
    )


def _no_manifest(sweep_dir: Path, error: StateError) -> StateError:
    if not sweep_dir.exists():
        return StateError(
            f"no sweep at {sweep_dir} (`hsm sweep list` shows the sweeps under sweeps/)",
            str(sweep_dir),
        )
    return StateError(
        f"{sweep_dir} is not an hsm sweep directory ({layout.MANIFEST} is missing or "
        f"unreadable: {error.message})",
        str(sweep_dir / layout.MANIFEST),
    )


def journal_state(sweep_dir: Path) -> IOResult[JournalState, HSMFailure]:
    """Replay the sweep's journal."""
    return read_journal(sweep_dir / layout.JOURNAL).map(replay_journal)


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


@dataclass(frozen=True, slots=True)
class _Submission:
    """One :func:`submit_jobs` call: where, to what, and what it has done so far (the
    tallies grow as jobs go in; nothing outside the call sees them)."""

    sweep_dir: Path
    manifest: Manifest
    backend: Backend
    workdir: Path
    state: JournalState
    job_ids: dict[str, str]
    submitted: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    no_room: list[str] = field(default_factory=list)

    def journal(self, record: Mapping[str, object]) -> IOResult[None, HSMFailure]:
        return _journal(self.sweep_dir / layout.JOURNAL, record)

    def answer(self) -> Submitted:
        return Submitted(
            self.job_ids, tuple(self.submitted), tuple(self.recovered), no_room=bool(self.no_room)
        )


def submit_jobs(
    sweep_dir: Path,
    manifest: Manifest,
    backend: Backend,
    workdir: Path,
    keys: Sequence[str] | None = None,
) -> IOResult[Submitted, HSMFailure]:
    """Submit the manifest's jobs (or ``keys``) that the journal does not show submitted."""
    return IOResult.do(
        done
        for _ in verify_scripts(sweep_dir, manifest, keys)
        for state in journal_state(sweep_dir)
        for done in _submit_missing(
            _Submission(sweep_dir, manifest, backend, workdir, state, dict(state.submitted)), keys
        )
    )


def _submit_missing(
    run: _Submission, keys: Sequence[str] | None
) -> IOResult[Submitted, HSMFailure]:
    """Each job not in yet, in order -- stopping at a failure or at a submit limit --
    then the manifest with every id known."""
    missing = [
        job
        for job in run.manifest.jobs
        if (keys is None or job.key in keys) and job.key not in run.job_ids
    ]
    return (
        each(missing, partial(_submit_one, run))
        .bind(lambda _: _save_manifest(run.sweep_dir, run.manifest.with_job_ids(run.job_ids)))
        .map(lambda _: run.answer())
    )


def _submit_one(run: _Submission, job: JobRecord) -> IOResult[None, HSMFailure]:
    if run.no_room:
        return IOSuccess(None)  # a limit refused an earlier job: this one waits too
    if resume_action(run.state, job.key) == "lookup":
        found: IOResult[tuple[str, ...], HSMFailure] = run.backend.find_by_name(job.job_name)
        return found.bind(partial(_recover_or_submit, run, job))
    return _submit_new(run, job)


def _recover_or_submit(
    run: _Submission, job: JobRecord, found: Sequence[str]
) -> IOResult[None, HSMFailure]:
    """A submit in flight at a crash: the job it made (by name), else submit it now."""
    if not found:
        return _submit_new(run, job)
    run.job_ids[job.key] = found[0]
    run.recovered.append(job.key)
    return run.journal({"event": "recovered", "key": job.key, "job_id": found[0]})


def _submit_new(run: _Submission, job: JobRecord) -> IOResult[None, HSMFailure]:
    """``submitting``, the submit, then ``submitted`` with the id -- or the refusal."""
    return run.journal({"event": "submitting", "key": job.key}).bind(
        lambda _: _submit_and_record(run, job)
    )


def _submit_and_record(run: _Submission, job: JobRecord) -> IOResult[None, HSMFailure]:
    outcome: IOResult[str | None, HSMFailure] = run.backend.submit(
        run.sweep_dir / job.script_file,
        cwd=run.workdir,
        job_name=job.job_name,
        indices=job.indices,
        log_path=job.log_path,
    )
    return outcome.lash(partial(_refused, run, job)).bind(partial(_record_submitted, run, job))


def _record_submitted(
    run: _Submission, job: JobRecord, job_id: str | None
) -> IOResult[None, HSMFailure]:
    if job_id is None:
        return IOSuccess(None)  # a submit limit refused it: nothing went in
    run.job_ids[job.key] = job_id
    run.submitted.append(job.key)
    return run.journal({"event": "submitted", "key": job.key, "job_id": job_id})


def _refused(
    run: _Submission, job: JobRecord, error: HSMFailure
) -> IOResult[str | None, HSMFailure]:
    """A submit the scheduler refused.  For a submit limit nothing went in (no job id:
    None): this job and the rest wait for room (see :mod:`hsm.effects.feeder`).
    Otherwise the submission stops with the error, saying how far it got.

    Both journal records and the manifest save here are best effort, so their outcomes
    are dropped: without ``no_room`` / ``failed`` the job's last record is
    ``submitting``, which a resume also answers by looking the job up by name (and
    submitting it when absent); the manifest's ids are all in the journal too.  The
    refusal is what the user must see.
    """
    if _is_no_room(error):
        run.journal({"event": "no_room", "key": job.key})
        run.no_room.append(job.key)
        return IOSuccess(None)
    run.journal({"event": "failed", "key": job.key, "error": str(error)})
    _save_manifest(run.sweep_dir, run.manifest.with_job_ids(run.job_ids))
    done = f" ({len(run.job_ids)} of {len(run.manifest.jobs)} jobs are in)" if run.job_ids else ""
    return IOFailure(
        replace(
            error,
            message=f"{error.message}{done}; fix the cause and run the same submission again "
            "to submit the rest",
        )
    )


def _is_no_room(error: HSMFailure) -> bool:
    return isinstance(error, SubmissionError) and error.no_room


def recorded_sweep(
    sweep_dir: Path,
) -> IOResult[tuple[Manifest, dict[str, str], JournalState], HSMFailure]:
    """The manifest, every job id the manifest or the journal records (key -> id), and
    what the journal says."""
    return IOResult.do(
        (manifest, {**manifest.job_ids, **state.submitted}, state)
        for manifest in load_manifest(sweep_dir)
        for state in journal_state(sweep_dir)
    )


def poll_sweep(sweep_dir: Path, backend: Backend) -> IOResult[SweepReport, HSMFailure]:
    """Every task's status in O(1) scheduler calls; last known statuses on a transient error."""
    return recorded_sweep(sweep_dir).bind(partial(_poll_recorded, sweep_dir, backend))


def _poll_recorded(
    sweep_dir: Path,
    backend: Backend,
    recorded: tuple[Manifest, dict[str, str], JournalState],
) -> IOResult[SweepReport, HSMFailure]:
    manifest, job_ids, _ = recorded
    # Building the report cannot fail, so the lash sees only the poll's own failures.
    return (
        backend.poll(job_ids_to_poll(manifest, job_ids))
        .map(partial(_fresh_report, sweep_dir, backend, recorded))
        .lash(partial(_last_known, sweep_dir, manifest, job_ids))
    )


def _fresh_report(
    sweep_dir: Path,
    backend: Backend,
    recorded: tuple[Manifest, dict[str, str], JournalState],
    polled: Statuses,
) -> SweepReport:
    manifest, job_ids, journal = recorded
    found = task_statuses(manifest, job_ids, polled, backend.task_id)
    cancels = with_cancels(found, journal.cancelled, SCHEDULERS[manifest.scheduler].split_task_id)
    statuses = with_waiting(manifest, cancels, stopped=journal.feed_stopped)
    # The cache is only a fallback for the next poll; failing to write it loses nothing
    # this poll needs (readers never take the lock), so its IOResult is dropped.
    write_atomic(sweep_dir / layout.STATUS_CACHE, _json(statuses_to_data(statuses)))
    return SweepReport(manifest, statuses, job_ids)


def _last_known(
    sweep_dir: Path, manifest: Manifest, job_ids: dict[str, str], error: CommandError
) -> IOResult[SweepReport, HSMFailure]:
    """The cached statuses when the scheduler could not be asked for now (a transient
    error), marked stale; any other error is the answer."""
    if not error.transient:
        return IOFailure(error)
    cached = cached_statuses(sweep_dir)
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


def _unknown_all(manifest: Manifest) -> dict[int, JobStatus]:
    return {
        task: JobStatus("", JobState.UNKNOWN, "NOT_ASKED")
        for task in sorted(current_jobs(manifest))
    }


def _find_unrecorded(
    manifest: Manifest, job_ids: Mapping[str, str], journal: JournalState, backend: Backend
) -> IOResult[dict[str, str], HSMFailure]:
    """Ids of jobs whose submit was in flight (or failed) when hsm stopped, by name."""
    # The same rule a resume follows: in flight or failed means "look it up by name".
    lost = [
        job
        for job in manifest.jobs
        if job.key not in job_ids and resume_action(journal, job.key) == "lookup"
    ]
    return each(lost, lambda job: backend.find_by_name(job.job_name)).map(
        lambda named: {job.key: ids[0] for job, ids in zip(lost, named, strict=True) if ids}
    )


def cancel_sweep(
    sweep_dir: Path, backend: Backend, tasks: Sequence[int] | None = None
) -> IOResult[Cancelled, HSMFailure]:
    """Cancel the sweep's jobs (or only ``tasks``: single array tasks where needed), and
    say what the scheduler did with each; the request is journaled first."""
    return recorded_sweep(sweep_dir).bind(partial(_cancel_recorded, sweep_dir, backend, tasks))


def _cancel_recorded(
    sweep_dir: Path,
    backend: Backend,
    tasks: Sequence[int] | None,
    recorded: tuple[Manifest, dict[str, str], JournalState],
) -> IOResult[Cancelled, HSMFailure]:
    manifest, job_ids, journal = recorded
    if tasks is not None:
        return _cancel_ids(sweep_dir, backend, _task_targets(manifest, job_ids, tasks, backend))
    # A submit interrupted mid-call may have reached the scheduler: find it by name.
    return _find_unrecorded(manifest, job_ids, journal, backend).bind(
        lambda found: _cancel_ids(sweep_dir, backend, _every_job(manifest, {**job_ids, **found}))
    )


def _every_job(manifest: Manifest, job_ids: Mapping[str, str]) -> list[str]:
    """Every job hsm submitted, of every generation: none may be left behind."""
    return list(dict.fromkeys(job_ids[j.key] for j in manifest.jobs if j.key in job_ids))


def _task_targets(
    manifest: Manifest, job_ids: Mapping[str, str], tasks: Sequence[int], backend: Backend
) -> list[str]:
    """The id to cancel for each of ``tasks`` that has a job: an array task's own id."""
    owners = current_jobs(manifest, job_ids)
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
    return targets


def _cancel_ids(
    sweep_dir: Path, backend: Backend, targets: Sequence[str]
) -> IOResult[Cancelled, HSMFailure]:
    if not targets:
        return IOSuccess({})
    return journal_cancel(sweep_dir, targets).bind(
        lambda _: _cancel_and_refresh(sweep_dir, backend, targets)
    )


def _cancel_and_refresh(
    sweep_dir: Path, backend: Backend, targets: Sequence[str]
) -> IOResult[Cancelled, HSMFailure]:
    said = backend.cancel(targets)
    # One poll now rewrites the status cache, so `hsm sweep list` (which reads only the
    # cache) shows the cancel instead of the states from before it; like any poll's cache
    # write it is a convenience, so its outcome is dropped: it does not change the
    # cancel's answer.
    poll_sweep(sweep_dir, backend)
    return said


def journal_cancel(sweep_dir: Path, job_ids: Sequence[str]) -> IOResult[None, HSMFailure]:
    """Record that hsm asks the scheduler to cancel ``job_ids`` (before asking): a pending
    array task Slurm forgets once cancelled then reads as cancelled, not lost."""
    return _journal(sweep_dir / layout.JOURNAL, {"event": "cancel", "job_ids": list(job_ids)})


def sweeps_holding(
    job_ids: Sequence[str], backend: Backend, sweep_dirs: Sequence[Path]
) -> IOResult[list[tuple[Path, tuple[str, ...]]], HSMFailure]:
    """Which of ``sweep_dirs`` (on ``backend``'s scheduler) submitted which of
    ``job_ids``, read from their journals."""
    journaled = [d for d in sweep_dirs if (d / layout.JOURNAL).exists()]
    return each(journaled, partial(_ids_held, job_ids, backend)).map(
        lambda held: [(d, ids) for d, ids in zip(journaled, held, strict=True) if ids]
    )


def _ids_held(
    job_ids: Sequence[str], backend: Backend, sweep_dir: Path
) -> IOResult[tuple[str, ...], HSMFailure]:
    """The ids of ``job_ids`` that ``sweep_dir`` submitted; none when it is not a readable
    sweep of ``backend``'s scheduler (it holds no job hsm could name), so a damaged
    directory never stops a cancel."""
    split = SCHEDULERS[backend.key].split_task_id
    return (
        journal_state(sweep_dir)
        .map(lambda state: ids_of_sweep(job_ids, state.submitted.values(), split))
        .bind(partial(_if_submitted_to, backend.key, sweep_dir))
        .lash(lambda _: IOSuccess(()))
    )


def _if_submitted_to(
    key: str, sweep_dir: Path, ids: tuple[str, ...]
) -> IOResult[tuple[str, ...], HSMFailure]:
    if not ids:
        return IOSuccess(ids)  # the manifest need not be read
    return load_manifest(sweep_dir).map(lambda manifest: ids if manifest.scheduler == key else ())


# -- a next generation (resubmissions, retries) ------------------------------


def resubmit_tasks(
    sweep_dir: Path,
    backend: Backend,
    manifest: Manifest,
    job_ids: Mapping[str, str],
    tasks: Sequence[int],
    changes: Mapping[str, Any],
    array_limit: int,
) -> IOResult[Submitted, HSMFailure]:
    """Submit ``tasks`` again as the sweep's next generation (``r1_``, ``r2_``...): one
    compact array per array-limit chunk (see :func:`hsm.pure.generations.next_generation`).
    The caller holds the sweep's lock and has checked that every earlier job is in
    (``job_ids``)."""
    planned = next_generation(manifest, tasks, changes, array_limit)
    return IOResult.from_result(planned).bind(
        partial(_add_and_submit, sweep_dir, backend, manifest, job_ids)
    )


def _add_and_submit(
    sweep_dir: Path,
    backend: Backend,
    manifest: Manifest,
    job_ids: Mapping[str, str],
    jobs: Sequence[PlannedJob],
) -> IOResult[Submitted, HSMFailure]:
    """Write the new jobs into the sweep (scripts, then the manifest), then submit them."""
    grown = replace(manifest, jobs=manifest.jobs + tuple(j.record() for j in jobs))
    return add_jobs(sweep_dir, grown.with_job_ids(job_ids), jobs).bind(
        lambda saved: submit_jobs(
            sweep_dir, saved, backend, Path(manifest.workdir), keys=[j.key for j in jobs]
        )
    )


# -- a new sweep directory ---------------------------------------------------------


def in_new_sweep_dir(
    sweep_dir: Path, write: Callable[[], IOResult[T, HSMFailure]]
) -> IOResult[T, HSMFailure]:
    """Create the sweep directory and ``write``; if that fails, remove what was created
    (unless a job may have gone in: then the journal says so, and it stays)."""
    created = _created_root(sweep_dir)
    return _make_dir(sweep_dir).bind(partial(_write_or_undo, write, created, sweep_dir))


def _write_or_undo(
    write: Callable[[], IOResult[T, HSMFailure]], created: Path | None, sweep_dir: Path, _: None
) -> IOResult[T, HSMFailure]:
    return write().lash(partial(_undo, created, sweep_dir))


def _created_root(path: Path) -> Path | None:
    """The outermost directory that creating ``path`` would create (None if it exists)."""
    if path.exists():
        return None
    top = path
    while not top.parent.exists():
        top = top.parent
    return top


def _make_dir(sweep_dir: Path) -> IOResult[None, HSMFailure]:
    try:
        sweep_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return IOResult.from_failure(
            ConfigError(
                f"cannot create sweep directory {sweep_dir}: "
                f"{error.strerror}; choose another --sweep-dir"
            )
        )
    return IOResult.from_value(None)


def _undo(created: Path | None, sweep_dir: Path, failure: HSMFailure) -> IOResult[T, HSMFailure]:
    """Remove what this call created, unless a job may have gone in; keep the failure."""
    if created is not None and not (isinstance(failure, CommandError) and failure.transient):
        # (a timed-out submit may have reached the scheduler: then the journal stays.)
        # IOResult is eager: the journal is read and the directory removed right here; a
        # journal that cannot be read keeps the directory.
        journal_state(sweep_dir).map(partial(_remove_if_nothing_went_in, created))
    return IOResult.from_failure(failure)


def _remove_if_nothing_went_in(created: Path, state: JournalState) -> None:
    if not state.submitted and not state.in_flight:
        shutil.rmtree(created, ignore_errors=True)
