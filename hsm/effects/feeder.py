"""Feed a sweep bigger than the queue: submit what fits, then the rest as room frees up.

Strategy: one *step* (:func:`feed_step`, run holding the sweep's lock) counts the user's
queued jobs (one scheduler call), submits the jobs already planned but not in while
they fit whole, then plans the next wave from the waiting tasks (:mod:`hsm.pure.waves`),
writes it into the manifest, and submits it -- every submit journaled by
:func:`hsm.effects.sweeps.submit_jobs`, a refusal for a submit limit recorded as
``no_room`` ("no room yet").  The *feeder* (:func:`feed`) repeats steps every
``interval`` seconds, sleeping without the lock, until every task is in or ``hsm
cancel`` journals ``feed_stop``.

Detached, the feeder is a process of its own (:mod:`hsm.effects.feeder_process`).  It
may be killed at any moment (``kill -9``, a reboot): the manifest and the journal are
the whole state, so the next ``hsm sweep run`` with the same id or ``hsm sweep feed``
goes on exactly where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from returns.io import IOFailure, IOResult, IOSuccess

from hsm.effects.backend import Backend
from hsm.effects.files import append_journal
from hsm.effects.limits import FoundLimits, can_count, current_user, queued_count, read_limits
from hsm.effects.lock import with_sweep_lock
from hsm.effects.sweeps import (
    Submitted,
    SweepReport,
    add_jobs,
    journal_state,
    load_manifest,
    poll_sweep,
    resubmit_tasks,
    submit_jobs,
    write_sweep,
)
from hsm.pure import layout
from hsm.pure.errors import CommandError, HSMFailure, StateError
from hsm.pure.manifest import JournalState, Manifest
from hsm.pure.plan import JobRecord, PlannedJob, params_json
from hsm.pure.retries import tasks_to_retry
from hsm.pure.waves import (
    Progress,
    fed_manifest,
    is_fed,
    plan_wave,
    progress,
    progress_line,
    room,
    unsubmitted_that_fit,
    waiting_tasks,
)

#: Seconds between a feeder's polls: modest, since each costs a scheduler call.
DEFAULT_INTERVAL = 30.0
#: How long a step waits for the sweep's lock (a cancel or a re-run may hold it).
LOCK_WAIT = 60.0


@dataclass(frozen=True, slots=True)
class FeedStep:
    """What one step found and did.

    Attributes:
        progress: tasks in, out of all.
        room: how many more jobs the user could queue before this step (None: no
            limit known); ``left``: after it.
        submitted: the job keys this step submitted.
        stopped: ``hsm cancel`` stopped the feeding.
        no_room: the scheduler refused a job for a submit limit during this step.
        watching: the feeder retries failed tasks, so it polls the sweep's states;
            ``finished``: every task had finished for good at this step's poll;
            ``retried``: the tasks this step submitted again.
    """

    progress: Progress
    room: int | None
    submitted: tuple[str, ...] = ()
    stopped: bool = False
    no_room: bool = False
    left: int | None = None
    watching: bool = False
    finished: bool = False
    retried: tuple[int, ...] = ()

    @property
    def done(self) -> bool:
        """Nothing is left to do: every task is in and -- when it retries failed tasks
        (``watching``) -- every task has finished for good; or the feeding was stopped."""
        if self.stopped:
            return True
        if self.progress.waiting:
            return False
        return not self.watching or (self.finished and not self.retried)

    def line(self) -> str:
        """``submitted 1,200 / 5,000, waiting for queue room`` (what monitor says too)."""
        return progress_line(self.progress, stopped=self.stopped)


@dataclass(frozen=True, slots=True)
class Retry:
    """``--retries N`` / ``--retry-on``: what failed tasks the feeder runs again."""

    retries: int = 0
    retry_on: str = "infrastructure"


#: No retries: the feeder only submits what waits.
NO_RETRY = Retry()


def feed_step(
    sweep_dir: Path, backend: Backend, limit: int | None, user: str, retry: Retry = NO_RETRY
) -> IOResult[FeedStep, HSMFailure]:
    """One step; the caller holds the sweep's lock (see :func:`feed_once`)."""
    stepped = _submit_step(sweep_dir, backend, limit, user)
    return stepped.bind(partial(_retry_unless_stopped, sweep_dir, backend, retry))


def _retry_unless_stopped(
    sweep_dir: Path, backend: Backend, retry: Retry, step: FeedStep
) -> IOResult[FeedStep, HSMFailure]:
    if retry.retries < 1 or step.stopped:
        return IOSuccess(step)
    return _retry_step(sweep_dir, backend, retry, replace(step, watching=True))


def _retry_step(
    sweep_dir: Path, backend: Backend, retry: Retry, step: FeedStep
) -> IOResult[FeedStep, HSMFailure]:
    """Poll the sweep (two calls) and submit again the failed tasks ``retry`` covers, as a
    new generation, when they fit in the room left."""
    polled = poll_sweep(sweep_dir, backend)
    return polled.bind(partial(_retry_failed, sweep_dir, backend, retry, step))


def _retry_failed(
    sweep_dir: Path, backend: Backend, retry: Retry, step: FeedStep, report: SweepReport
) -> IOResult[FeedStep, HSMFailure]:
    if report.stale:
        return IOSuccess(step)
    tasks, finished = _to_retry(retry, report)
    if not tasks or (step.left is not None and len(tasks) > step.left):
        return IOSuccess(replace(step, finished=finished and not tasks))
    manifest = report.manifest
    limit = _retry_array_limit(manifest)
    sent = resubmit_tasks(sweep_dir, backend, manifest, report.job_ids, tasks, {}, limit)
    return sent.map(partial(_retried, step, tuple(tasks)))


def _to_retry(retry: Retry, report: SweepReport) -> tuple[list[int], bool]:
    """The failed tasks ``retry`` covers, and whether every task had finished for good."""
    from hsm.pure.schedulers import SCHEDULERS

    manifest = report.manifest
    tasks = tasks_to_retry(
        manifest,
        report.job_ids,
        report.statuses,
        retries=retry.retries,
        retry_on=retry.retry_on,
        infrastructure=SCHEDULERS[manifest.scheduler].infrastructure_failure,
    )
    return tasks, all(s.state.is_final for s in report.statuses.values())


def _retry_array_limit(manifest: Manifest) -> int:
    from hsm.pure.schedulers import SCHEDULERS

    scheduler = SCHEDULERS[manifest.scheduler]
    if manifest.mode == "individual":
        return int(scheduler.default_array_limit)
    return int(manifest.settings.get("array_limit") or scheduler.default_array_limit)


def _retried(step: FeedStep, tasks: tuple[int, ...], _sent: Submitted) -> FeedStep:
    return replace(step, finished=False, retried=tasks)


@dataclass(frozen=True, slots=True)
class _Feeding:
    """What a step carries from one effect to the next: the sweep as it stands now, the
    room before the step, and the job keys it submitted."""

    sweep_dir: Path
    backend: Backend
    limit: int | None
    manifest: Manifest
    job_ids: dict[str, str]
    before: int | None = None
    done: tuple[str, ...] = ()

    def sent(self, submitted: Submitted) -> _Feeding:
        """After a submit: its job ids known, its keys done."""
        job_ids = {**self.job_ids, **submitted.job_ids}
        return replace(self, job_ids=job_ids, done=(*self.done, *submitted.submitted))

    def step(self, *, no_room: bool = False, left: int | None = None) -> FeedStep:
        return _step(
            self.manifest, self.job_ids, self.before, self.done, no_room=no_room, left=left
        )


def _submit_step(
    sweep_dir: Path, backend: Backend, limit: int | None, user: str
) -> IOResult[FeedStep, HSMFailure]:
    """Submit what fits: planned jobs not yet in, then the next wave."""
    return IOResult.do(
        step
        for manifest in load_manifest(sweep_dir, sealed=True)
        for state in journal_state(sweep_dir)
        for step in _submit_unless_stopped(sweep_dir, backend, limit, user, manifest, state)
    )


def _submit_unless_stopped(
    sweep_dir: Path,
    backend: Backend,
    limit: int | None,
    user: str,
    manifest: Manifest,
    state: JournalState,
) -> IOResult[FeedStep, HSMFailure]:
    job_ids = {**manifest.job_ids, **state.submitted}
    if state.feed_stopped:
        return IOSuccess(FeedStep(progress(manifest, job_ids), None, stopped=True))
    feeding = _Feeding(sweep_dir, backend, limit, manifest, job_ids)
    in_flight = state.in_flight | frozenset(state.failed)
    free = _free(backend, limit, user, manifest, job_ids)
    return free.bind(partial(_submit_what_fits, feeding, in_flight))


def _free(
    backend: Backend, limit: int | None, user: str, manifest: Manifest, job_ids: dict[str, str]
) -> IOResult[int, HSMFailure]:
    """How many tasks the step may submit: the room ``limit`` leaves (one call to count
    the queue); with no limit known, everything -- a refusal stops it."""
    if limit is None:
        unsubmitted = _unsubmitted(manifest, job_ids)
        return IOSuccess(len(manifest.tasks) + sum(len(job.tasks) for job in unsubmitted))
    return queued_count(backend, user).map(partial(_room_or_none, limit))


def _room_or_none(limit: int, queued: int) -> int:
    return room(limit, queued) or 0


def _unsubmitted(manifest: Manifest, job_ids: dict[str, str]) -> list[JobRecord]:
    return [job for job in manifest.jobs if job.key not in job_ids]


def _submit_what_fits(
    feeding: _Feeding, in_flight: frozenset[str], free: int
) -> IOResult[FeedStep, HSMFailure]:
    """The planned jobs not yet in that fit whole, then -- when every one went in and room
    is left -- the next wave."""
    manifest, limit = feeding.manifest, feeding.limit
    feeding = replace(feeding, before=free if limit is not None else None)
    waiting = waiting_tasks(manifest)
    unsubmitted = _unsubmitted(manifest, feeding.job_ids)
    if not waiting and not unsubmitted:
        return IOSuccess(feeding.step(left=feeding.before))
    keys, free = unsubmitted_that_fit(manifest.jobs, feeding.job_ids, in_flight, free)
    wave = len(keys) == len(unsubmitted) and free >= 1 and bool(waiting)
    return _submit_planned(feeding, keys).bind(partial(_then_wave, feeding, wave, free))


def _submit_planned(feeding: _Feeding, keys: Sequence[str]) -> IOResult[Submitted, HSMFailure]:
    """Submit the planned jobs ``keys`` (none: no call at all)."""
    if not keys:
        return IOSuccess(Submitted({}, (), ()))
    manifest = feeding.manifest
    return submit_jobs(feeding.sweep_dir, manifest, feeding.backend, Path(manifest.workdir), keys)


def _then_wave(
    feeding: _Feeding, wave: bool, free: int, sent: Submitted
) -> IOResult[FeedStep, HSMFailure]:
    fed = feeding.sent(sent)
    if sent.no_room:
        return IOSuccess(fed.step(no_room=True))
    if not wave:
        return IOSuccess(fed.step(left=_known(fed.limit, free)))
    grown = _plan_next_wave(fed.sweep_dir, fed.manifest, fed.job_ids, free)
    return grown.bind(partial(_submit_wave, fed, free))


def _submit_wave(
    feeding: _Feeding, free: int, grown: tuple[Manifest, list[str]]
) -> IOResult[FeedStep, HSMFailure]:
    manifest, keys = grown
    fed = replace(feeding, manifest=manifest)
    sent = submit_jobs(fed.sweep_dir, manifest, fed.backend, Path(manifest.workdir), keys)
    return sent.map(partial(_after_wave, fed, free))


def _after_wave(feeding: _Feeding, free: int, sent: Submitted) -> FeedStep:
    fed = feeding.sent(sent)
    used = sum(len(fed.manifest.job(key).tasks) for key in sent.submitted)
    return fed.step(no_room=sent.no_room, left=_known(fed.limit, free - used))


def _known(limit: int | None, free: int) -> int | None:
    return None if limit is None else max(0, free)


def _step(
    manifest: Manifest,
    job_ids: dict[str, str],
    before: int | None,
    done: Sequence[str],
    *,
    no_room: bool = False,
    left: int | None = None,
) -> FeedStep:
    room_left = 0 if no_room else left
    return FeedStep(
        progress(manifest, job_ids), before, tuple(done), no_room=no_room, left=room_left
    )


def _plan_next_wave(
    sweep_dir: Path, manifest: Manifest, job_ids: dict[str, str], free: int
) -> IOResult[tuple[Manifest, list[str]], HSMFailure]:
    """Plan the next wave and write it (scripts, then the manifest) before any submit."""
    from hsm.pure.schedulers import SCHEDULERS

    limit = int(
        manifest.settings.get("array_limit") or SCHEDULERS[manifest.scheduler].default_array_limit
    )
    planned: IOResult[tuple[PlannedJob, ...], HSMFailure] = IOResult.from_result(
        plan_wave(manifest, free, limit, [params_json(p) for p in manifest.params])
    )
    return planned.bind(partial(_add_wave, sweep_dir, manifest, job_ids))


def _add_wave(
    sweep_dir: Path, manifest: Manifest, job_ids: dict[str, str], jobs: tuple[PlannedJob, ...]
) -> IOResult[tuple[Manifest, list[str]], HSMFailure]:
    grown = replace(manifest, jobs=manifest.jobs + tuple(j.record() for j in jobs))
    saved = add_jobs(sweep_dir, grown.with_job_ids(job_ids), jobs)
    return saved.map(partial(_with_keys, [job.key for job in jobs]))


def _with_keys(keys: list[str], manifest: Manifest) -> tuple[Manifest, list[str]]:
    return manifest, keys


def write_and_feed(
    manifest: Manifest,
    jobs: Sequence[PlannedJob],
    backend: Backend,
    sweep_dir: Path,
    max_queued: int | None,
) -> IOResult[Submitted, HSMFailure]:
    """Write and submit a planned sweep, holding its lock: whole when it fits in the
    queue, else fed -- the manifest keeps every task, what fits now goes in, the rest
    waits (``Submitted.waiting``) for a feeder.

    A sweep directory already fed is resumed as it is (a new plan of the same sweep may
    split differently, since the room differs); one that is not is checked and resumed
    as before.
    """
    user = current_user()
    if (sweep_dir / layout.MANIFEST).exists():
        old = load_manifest(sweep_dir, sealed=True)
        return old.bind(
            partial(_resume_or_write, manifest, jobs, backend, sweep_dir, max_queued, user)
        )
    found = room_now(backend, max_queued, user)
    return found.bind(partial(_write_whole_or_fed, manifest, jobs, backend, sweep_dir, user))


def _resume_or_write(
    manifest: Manifest,
    jobs: Sequence[PlannedJob],
    backend: Backend,
    sweep_dir: Path,
    max_queued: int | None,
    user: str,
    old: Manifest,
) -> IOResult[Submitted, HSMFailure]:
    """A fed sweep is resumed as it is (when it is this one); any other is checked and
    resumed by writing the plan again."""
    if not is_fed(old):
        return _write_and_submit(manifest, jobs, backend, sweep_dir)
    if old.sweep_id != manifest.sweep_id or old.argvs != manifest.argvs:
        return IOFailure(
            StateError(
                f"{sweep_dir} already holds a different sweep ({old.sweep_id}, "
                f"{len(old.tasks)} tasks); choose another --sweep-dir or "
                "--sweep-id, or resume it unchanged",
                str(sweep_dir),
            )
        )
    limit = effective_limit(backend, max_queued)
    return limit.bind(partial(_resume_feeding, sweep_dir, backend, user=user))


def _write_whole_or_fed(
    manifest: Manifest,
    jobs: Sequence[PlannedJob],
    backend: Backend,
    sweep_dir: Path,
    user: str,
    found: tuple[int, int] | None,
) -> IOResult[Submitted, HSMFailure]:
    """A new sweep: whole when it fits in the room ``found``, else fed (no job planned
    yet: the first step plans the first wave)."""
    if found is None or _tasks(jobs) <= found[1]:
        return _write_and_submit(manifest, jobs, backend, sweep_dir)
    limit, _ = found
    return IOResult.do(
        submitted
        for _ in write_sweep(sweep_dir, fed_manifest(manifest), ())
        for submitted in _resume_feeding(sweep_dir, backend, limit, user)
    )


def _tasks(jobs: Sequence[PlannedJob]) -> int:
    return sum(len(job.tasks) for job in jobs)


def _write_and_submit(
    manifest: Manifest, jobs: Sequence[PlannedJob], backend: Backend, sweep_dir: Path
) -> IOResult[Submitted, HSMFailure]:
    """Write the sweep (scripts, then the manifest) and submit it whole."""
    return IOResult.do(
        _with_waiting(written, sent)
        for written in write_sweep(sweep_dir, manifest, jobs)
        for sent in submit_jobs(sweep_dir, written, backend, Path(manifest.workdir))
    )


def _with_waiting(written: Manifest, sent: Submitted) -> Submitted:
    """A submission refused for a submit limit says how many tasks wait."""
    if not sent.no_room:
        return sent
    return replace(sent, waiting=progress(written, sent.job_ids).waiting)


def room_now(
    backend: Backend, max_queued: int | None, user: str | None = None
) -> IOResult[tuple[int, int] | None, HSMFailure]:
    """The user's submit limit and the room it leaves now (limit minus queued jobs), or
    None when no limit is known or the queue cannot be counted: the sweep is then
    submitted whole.  (Decides whether a new sweep is fed; ``--dry-run`` asks the same.)
    Never fails."""
    who = user or current_user()
    return read_limits(backend, who, max_queued).bind(partial(_room_under, backend, who))


def _room_under(
    backend: Backend, user: str, found: FoundLimits
) -> IOResult[tuple[int, int] | None, HSMFailure]:
    limit = found.max_queued
    if limit is None or not can_count(backend):
        return IOSuccess(None)
    counted = queued_count(backend, user).map(partial(_limit_and_room, limit))
    # A queue that cannot be counted drops its error: no room known, as with no limit.
    return IOResult.from_io(counted.value_or(None))


def _limit_and_room(limit: int, queued: int) -> tuple[int, int]:
    return limit, room(limit, queued) or 0


def _resume_feeding(
    sweep_dir: Path, backend: Backend, limit: int | None, user: str
) -> IOResult[Submitted, HSMFailure]:
    return IOResult.do(
        _resumed(step, state)
        for _ in journal_feed(sweep_dir, "feed_start")
        for step in feed_step(sweep_dir, backend, limit, user)
        for state in journal_state(sweep_dir)
    )


def _resumed(step: FeedStep, state: JournalState) -> Submitted:
    return Submitted(
        dict(state.submitted),
        step.submitted,
        (),
        no_room=step.no_room or step.progress.waiting > 0,
        waiting=step.progress.waiting,
    )


def feed_once(
    sweep_dir: Path,
    backend: Backend,
    limit: int | None,
    user: str | None = None,
    retry: Retry = NO_RETRY,
) -> IOResult[FeedStep, HSMFailure]:
    """One step, holding the sweep's lock."""
    return with_sweep_lock(
        sweep_dir,
        partial(feed_step, sweep_dir, backend, limit, user or current_user(), retry),
        wait=LOCK_WAIT,
    )


def journal_feed(sweep_dir: Path, event: str) -> IOResult[None, HSMFailure]:
    """Record ``feed_start`` (a command resumes feeding) or ``feed_stop`` (hsm cancel)."""
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
    return append_journal(sweep_dir / layout.JOURNAL, {"time": stamp, "event": event})


def feed(
    sweep_dir: Path,
    backend: Backend,
    limit: int | None,
    *,
    interval: float = DEFAULT_INTERVAL,
    on_step: Callable[[FeedStep], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    retry: Retry = NO_RETRY,
) -> IOResult[FeedStep, HSMFailure]:
    """Step every ``interval`` seconds until every task is in (and, with ``retry``, has
    finished for good) or the feeding is stopped.

    A transient scheduler error (controller busy, timeout) skips a step; any other
    failure ends the feeding with it (a refusal other than a submit limit keeps its hint).
    """
    step = partial(_told, on_step, sweep_dir, backend, limit, current_user(), retry)
    stepped = step()
    # A loop, not a chain of binds: a feeder may step for days, deeper than any stack.
    # A step that failed transiently is dropped, on purpose: the next step tries again.
    while _goes_on(stepped):
        sleep(interval)
        stepped = step()
    return stepped


def _told(
    on_step: Callable[[FeedStep], None] | None,
    sweep_dir: Path,
    backend: Backend,
    limit: int | None,
    user: str,
    retry: Retry,
) -> IOResult[FeedStep, HSMFailure]:
    """One step, holding the lock, then ``on_step`` told of it (when it did not fail)."""
    stepped = feed_once(sweep_dir, backend, limit, user, retry)
    return stepped if on_step is None else stepped.map(partial(_tell, on_step))


def _tell(on_step: Callable[[FeedStep], None], step: FeedStep) -> FeedStep:
    on_step(step)
    return step


def _goes_on(stepped: IOResult[FeedStep, HSMFailure]) -> bool:
    """Whether the feeder steps again: the step left something to do, or a transient
    scheduler error skipped it.  (Containers compared: no value is taken out.)"""
    return stepped.map(_not_done).lash(_skipped) == IOSuccess(True)


def _not_done(step: FeedStep) -> bool:
    return not step.done


def _skipped(error: HSMFailure) -> IOResult[bool, HSMFailure]:
    return IOSuccess(isinstance(error, CommandError) and error.transient)


def effective_limit(backend: Backend, configured: int | None) -> IOResult[int | None, HSMFailure]:
    """The strictest binding submit limit the scheduler states, ``configured`` included.
    Never fails (see :func:`hsm.effects.limits.read_limits`)."""
    return read_limits(backend, current_user(), configured).map(_strictest)


def _strictest(found: FoundLimits) -> int | None:
    return found.max_queued
