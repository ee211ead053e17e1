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
from returns.result import Failure

from hsm.boundary import result_of
from hsm.effects.backend import Backend
from hsm.effects.files import append_journal
from hsm.effects.limits import can_count, current_user, queued_count, read_limits
from hsm.effects.lock import with_sweep_lock
from hsm.effects.sweeps import (
    Submitted,
    add_jobs,
    journal_state,
    load_manifest,
    poll_sweep,
    submit_jobs,
    write_sweep,
)
from hsm.pure import layout
from hsm.pure.errors import CommandError, HSMFailure, StateError
from hsm.pure.manifest import Manifest
from hsm.pure.plan import PlannedJob
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
    stepped = result_of(_submit_step(sweep_dir, backend, limit, user))
    if isinstance(stepped, Failure):
        return IOFailure(stepped.failure())
    step = stepped.unwrap()
    if retry.retries < 1 or step.stopped:
        return IOSuccess(step)
    return _retry_step(sweep_dir, backend, retry, replace(step, watching=True))


def _retry_step(
    sweep_dir: Path, backend: Backend, retry: Retry, step: FeedStep
) -> IOResult[FeedStep, HSMFailure]:
    """Poll the sweep (two calls) and submit again the failed tasks ``retry`` covers, as a
    new generation, when they fit in the room left."""
    from hsm.api import resubmit_tasks
    from hsm.pure.schedulers import SCHEDULERS

    polled = result_of(poll_sweep(sweep_dir, backend))
    if isinstance(polled, Failure):
        return IOFailure(polled.failure())
    report = polled.unwrap()
    if report.stale:
        return IOSuccess(step)
    manifest = report.manifest
    scheduler = SCHEDULERS[manifest.scheduler]
    tasks = tasks_to_retry(
        manifest,
        report.job_ids,
        report.statuses,
        retries=retry.retries,
        retry_on=retry.retry_on,
        infrastructure=scheduler.infrastructure_failure,
    )
    finished = all(s.state.is_final for s in report.statuses.values())
    if not tasks or (step.left is not None and len(tasks) > step.left):
        return IOSuccess(replace(step, finished=finished and not tasks))
    limit = manifest.settings.get("array_limit") or scheduler.default_array_limit
    if manifest.mode == "individual":
        limit = scheduler.default_array_limit
    sent = result_of(
        resubmit_tasks(sweep_dir, backend, manifest, report.job_ids, tasks, {}, int(limit))
    )
    if isinstance(sent, Failure):
        return IOFailure(sent.failure())
    return IOSuccess(replace(step, finished=False, retried=tuple(tasks)))


def _submit_step(
    sweep_dir: Path, backend: Backend, limit: int | None, user: str
) -> IOResult[FeedStep, HSMFailure]:
    """Submit what fits: planned jobs not yet in, then the next wave."""
    loaded = result_of(load_manifest(sweep_dir, sealed=True))
    if isinstance(loaded, Failure):
        return IOFailure(loaded.failure())
    replayed = result_of(journal_state(sweep_dir))
    if isinstance(replayed, Failure):
        return IOFailure(replayed.failure())
    manifest, state = loaded.unwrap(), replayed.unwrap()
    job_ids = {**manifest.job_ids, **state.submitted}
    if state.feed_stopped:
        return IOSuccess(FeedStep(progress(manifest, job_ids), None, stopped=True))
    waiting = waiting_tasks(manifest)
    unsubmitted = [job for job in manifest.jobs if job.key not in job_ids]
    if limit is None:  # no limit known: offer everything, a refusal stops it
        free = len(manifest.tasks) + sum(len(job.tasks) for job in unsubmitted)
    else:
        counted = result_of(queued_count(backend, user))
        if isinstance(counted, Failure):
            return IOFailure(counted.failure())
        free = room(limit, counted.unwrap()) or 0
    before = free if limit is not None else None
    if not waiting and not unsubmitted:
        return IOSuccess(_step(manifest, job_ids, before, (), left=before))
    lookup = state.in_flight | frozenset(state.failed)
    keys, free = unsubmitted_that_fit(manifest.jobs, job_ids, lookup, free)
    done: list[str] = []
    if keys:
        sent = result_of(submit_jobs(sweep_dir, manifest, backend, Path(manifest.workdir), keys))
        if isinstance(sent, Failure):
            return IOFailure(sent.failure())
        job_ids.update(sent.unwrap().job_ids)
        done += sent.unwrap().submitted
        if sent.unwrap().no_room:
            return IOSuccess(_step(manifest, job_ids, before, done, no_room=True))
    if len(keys) < len(unsubmitted) or free < 1 or not waiting:
        return IOSuccess(_step(manifest, job_ids, before, done, left=_known(limit, free)))
    grown = result_of(_plan_next_wave(sweep_dir, manifest, job_ids, free))
    if isinstance(grown, Failure):
        return IOFailure(grown.failure())
    manifest, new_keys = grown.unwrap()
    sent = result_of(submit_jobs(sweep_dir, manifest, backend, Path(manifest.workdir), new_keys))
    if isinstance(sent, Failure):
        return IOFailure(sent.failure())
    job_ids.update(sent.unwrap().job_ids)
    done += sent.unwrap().submitted
    used = sum(len(manifest.job(key).tasks) for key in sent.unwrap().submitted)
    left = _known(limit, free - used)
    return IOSuccess(
        _step(manifest, job_ids, before, done, no_room=sent.unwrap().no_room, left=left)
    )


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
    from hsm.api import params_json  # the one owner of a task's params.json text
    from hsm.pure.schedulers import SCHEDULERS

    limit = int(
        manifest.settings.get("array_limit") or SCHEDULERS[manifest.scheduler].default_array_limit
    )
    planned = plan_wave(manifest, free, limit, [params_json(p) for p in manifest.params])
    if isinstance(planned, Failure):
        return IOFailure(planned.failure())
    jobs = planned.unwrap()
    grown = replace(manifest, jobs=manifest.jobs + tuple(j.record() for j in jobs))
    saved = result_of(add_jobs(sweep_dir, grown.with_job_ids(job_ids), jobs))
    if isinstance(saved, Failure):
        return IOFailure(saved.failure())
    return IOSuccess((saved.unwrap(), [job.key for job in jobs]))


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
    existing = sweep_dir / layout.MANIFEST
    if existing.exists():
        old = result_of(load_manifest(sweep_dir, sealed=True))
        if isinstance(old, Failure):
            return IOFailure(old.failure())
        if is_fed(old.unwrap()):
            if old.unwrap().sweep_id != manifest.sweep_id or old.unwrap().argvs != manifest.argvs:
                return IOFailure(
                    StateError(
                        f"{sweep_dir} already holds a different sweep ({old.unwrap().sweep_id}, "
                        f"{len(old.unwrap().tasks)} tasks); choose another --sweep-dir or "
                        "--sweep-id, or resume it unchanged",
                        str(sweep_dir),
                    )
                )
            return _resume_feeding(sweep_dir, backend, effective_limit(backend, max_queued), user)
    if not existing.exists():
        found = room_now(backend, max_queued, user)
        if found is not None and sum(len(job.tasks) for job in jobs) > found[1]:
            written = result_of(write_sweep(sweep_dir, fed_manifest(manifest), ()))
            if isinstance(written, Failure):
                return IOFailure(written.failure())
            return _resume_feeding(sweep_dir, backend, found[0], user)
    written = result_of(write_sweep(sweep_dir, manifest, jobs))
    if isinstance(written, Failure):
        return IOFailure(written.failure())
    sent = result_of(submit_jobs(sweep_dir, written.unwrap(), backend, Path(manifest.workdir)))
    if isinstance(sent, Failure):
        return IOFailure(sent.failure())
    if not sent.unwrap().no_room:
        return IOSuccess(sent.unwrap())
    fed = progress(written.unwrap(), sent.unwrap().job_ids)
    return IOSuccess(replace(sent.unwrap(), waiting=fed.waiting))


def room_now(
    backend: Backend, max_queued: int | None, user: str | None = None
) -> tuple[int, int] | None:
    """The user's submit limit and the room it leaves now (limit minus queued jobs), or
    None when no limit is known or the queue cannot be counted: the sweep is then
    submitted whole.  (Decides whether a new sweep is fed; ``--dry-run`` asks the same.)"""
    who = user or current_user()
    limit = read_limits(backend, who, max_queued).max_queued
    if limit is None or not can_count(backend):
        return None
    counted = result_of(queued_count(backend, who))
    if isinstance(counted, Failure):
        return None
    return limit, room(limit, counted.unwrap()) or 0


def _resume_feeding(
    sweep_dir: Path, backend: Backend, limit: int | None, user: str
) -> IOResult[Submitted, HSMFailure]:
    started = result_of(journal_feed(sweep_dir, "feed_start"))
    if isinstance(started, Failure):
        return IOFailure(started.failure())
    stepped = result_of(feed_step(sweep_dir, backend, limit, user))
    if isinstance(stepped, Failure):
        return IOFailure(stepped.failure())
    step = stepped.unwrap()
    replayed = result_of(journal_state(sweep_dir))
    if isinstance(replayed, Failure):
        return IOFailure(replayed.failure())
    return IOSuccess(
        Submitted(
            dict(replayed.unwrap().submitted),
            step.submitted,
            (),
            no_room=step.no_room or step.progress.waiting > 0,
            waiting=step.progress.waiting,
        )
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
    user = current_user()
    while True:
        stepped = result_of(feed_once(sweep_dir, backend, limit, user, retry))
        if isinstance(stepped, Failure):
            error = stepped.failure()
            if not (isinstance(error, CommandError) and error.transient):
                return IOFailure(error)
        else:
            if on_step is not None:
                on_step(stepped.unwrap())
            if stepped.unwrap().done:
                return IOSuccess(stepped.unwrap())
        sleep(interval)


def effective_limit(backend: Backend, configured: int | None) -> int | None:
    """The strictest binding submit limit the scheduler states, ``configured`` included."""
    return read_limits(backend, current_user(), configured).max_queued
