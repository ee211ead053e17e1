"""``hsm sweep feed``, ``hsm limits``, and what ``sweep run`` does with tasks that wait.

Strategy: a submission that left tasks waiting for queue room (``Submitted.waiting``)
hands them to a feeder: with ``--wait`` the feeder runs here, in the foreground, before
the sweep is followed to its end; otherwise a detached feeder is started and the user is
told its pid, its log and how to stop it.  ``hsm sweep feed`` resumes a feeder that was
killed (or a login node that rebooted); ``hsm limits`` prints the submit limits hsm
finds, where from, and how many jobs the user has queued.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from returns.io import IOFailure, IOResult, IOSuccess
from returns.result import Result

from hsm import api
from hsm.cli.inputs import backend, interval, settings, sweep_dir_of, sweep_ref
from hsm.cli.output import Console, Reply
from hsm.cli.requests import Settings, SweepRef
from hsm.cli.wait import finish
from hsm.effects.backend import Backend
from hsm.effects.feeder import DEFAULT_INTERVAL, NO_RETRY, FeedStep, Retry, journal_feed
from hsm.effects.feeder_process import feeder_pid, start_feeder
from hsm.effects.limits import FoundLimits, current_user, queued_count, read_limits
from hsm.effects.lock import with_sweep_lock
from hsm.effects.sweeps import Submitted
from hsm.pure.errors import HSMFailure, StateError
from hsm.pure.layout import FEEDER_LOG
from hsm.pure.retries import check_retry_on


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """``sweep feed``: the sweep, ``hpc.max_queued``, ``--wait``'s interval (None: start
    a detached feeder) and the detached feeder's interval."""

    sweep: SweepRef
    max_queued: int | None
    wait: float | None
    feed_interval: float = DEFAULT_INTERVAL
    retry: Retry = NO_RETRY


def feed_rest(
    console: Console,
    sweep: SweepRef,
    wait: float | None,
    max_queued: int | None,
    submitted: Submitted,
    *,
    feed_interval: float = DEFAULT_INTERVAL,
    retry: Retry = NO_RETRY,
) -> IOResult[Submitted, HSMFailure]:
    """Hand the tasks a submission left waiting -- or, with ``retry``, the whole sweep,
    to be watched for failed tasks to run again -- to a feeder (see the module doc);
    ``feed_interval``: seconds between a detached feeder's polls."""
    if not submitted.no_room and not submitted.waiting and not retry.retries:
        return IOSuccess(submitted)
    what = _what(submitted, retry)
    if wait is not None:
        console.note(f"{what}: feeding here (Ctrl-C stops; hsm sweep feed resumes)")
        fed = api.feed(
            sweep.sweep_dir,
            sweep.backend,
            max_queued=max_queued,
            interval=wait,
            on_step=partial(_note_step, console),
            retries=retry.retries,
            retry_on=retry.retry_on,
        )
        return fed.map(partial(_same, submitted))
    return _detach(sweep.sweep_dir, max_queued, feed_interval, retry).map(
        partial(_told, console, sweep.sweep_dir, what, submitted)
    )


def _what(submitted: Submitted, retry: Retry) -> str:
    parts = []
    if submitted.no_room or submitted.waiting:
        parts.append(f"{submitted.waiting or 'some'} task(s) wait for queue room")
    if retry.retries:
        kind = "any failure" if retry.retry_on == "any" else "a failure of the infrastructure"
        parts.append(f"a task that ends in {kind} runs again (up to {retry.retries} times)")
    return "; ".join(parts)


def _same(submitted: Submitted, _: object) -> Submitted:
    return submitted


def _told(
    console: Console, sweep_dir: Path, what: str, submitted: Submitted, pid: int
) -> Submitted:
    console.note(
        f"{what}: a feeder (pid {pid}) takes care of it; log: {sweep_dir / FEEDER_LOG}; "
        "stop it with hsm cancel"
    )
    return submitted


def _note_step(console: Console, step: FeedStep) -> None:
    console.note(step.line())


def _detach(
    sweep_dir: Path, max_queued: int | None, feed_interval: float, retry: Retry
) -> IOResult[int, HSMFailure]:
    """The running feeder's pid, else a new detached feeder's (the journal first says the
    feeding goes on, as after an ``hsm cancel`` a new command asks it to)."""
    running = feeder_pid(sweep_dir)
    if running is not None:
        return IOSuccess(running)
    return with_sweep_lock(sweep_dir, partial(journal_feed, sweep_dir, "feed_start")).bind(
        partial(_start, sweep_dir, max_queued, feed_interval, retry)
    )


def _start(
    sweep_dir: Path, max_queued: int | None, feed_interval: float, retry: Retry, _: None
) -> IOResult[int, HSMFailure]:
    try:
        return IOSuccess(
            start_feeder(sweep_dir, max_queued=max_queued, interval=feed_interval, retry=retry)
        )
    except OSError as error:
        return IOFailure(
            StateError(
                f"could not start a feeder for {sweep_dir}: {error.strerror}; run "
                f"hsm sweep feed --sweep-dir {sweep_dir} --wait to feed it in the foreground",
                str(sweep_dir),
            )
        )


# -- hsm sweep feed -----------------------------------------------------------------------


def feed_request(args: argparse.Namespace, console: Console) -> IOResult[FeedRequest, HSMFailure]:
    """``sweep feed --sweep-id ID [--max-queued N] [--wait] [--feed-interval S]``."""
    flags = {"max-queued": args.max_queued, "retries": args.retries}
    found = check_retry_on(args.retry_on).bind(partial(_settings, args, flags, console))
    return IOResult.from_result(found).bind(partial(_feed_request, args))


def _settings(
    args: argparse.Namespace, flags: dict[str, Any], console: Console, _: str
) -> Result[Settings, HSMFailure]:
    return settings(args, flags, warn=console)


def _feed_request(args: argparse.Namespace, found: Settings) -> IOResult[FeedRequest, HSMFailure]:
    return (
        IOResult.from_result(sweep_dir_of(args))
        .bind(sweep_ref)
        .map(
            partial(
                _request,
                found.config.hpc.max_queued,
                interval(args.wait, args),
                args.feed_interval,
                Retry(found.config.hpc.retries, args.retry_on),
            )
        )
    )


def _request(
    max_queued: int | None, wait: float | None, feed_interval: float, retry: Retry, sweep: SweepRef
) -> FeedRequest:
    return FeedRequest(sweep, max_queued, wait, feed_interval, retry)


def feed(console: Console, request: FeedRequest) -> IOResult[Reply, HSMFailure]:
    """``hsm sweep feed``: go on feeding a sweep where its feeder stopped."""
    sweep = request.sweep
    if request.wait is None:
        running = feeder_pid(sweep.sweep_dir)
        if running is not None:
            text = f"a feeder (pid {running}) already feeds {sweep.sweep_dir}"
            return IOSuccess(
                Reply(text, {"sweep_dir": str(sweep.sweep_dir), "feeder_pid": running})
            )
        detached = _detach(
            sweep.sweep_dir, request.max_queued, request.feed_interval, request.retry
        )
        return detached.map(partial(_started, sweep.sweep_dir))
    return api.feed(
        sweep.sweep_dir,
        sweep.backend,
        max_queued=request.max_queued,
        interval=request.wait,
        on_step=partial(_note_step, console),
        retries=request.retry.retries,
        retry_on=request.retry.retry_on,
    ).bind(partial(_fed, console, sweep, request.wait))


def _fed(
    console: Console, sweep: SweepRef, wait: float, step: FeedStep
) -> IOResult[Reply, HSMFailure]:
    data = {"submitted": step.progress.submitted, "tasks": step.progress.total}
    return finish(console, sweep, wait, Reply(step.line(), data))


def _started(sweep_dir: Path, pid: int) -> Reply:
    return Reply(
        f"a feeder (pid {pid}) feeds {sweep_dir} as queue room frees up; log: "
        f"{sweep_dir / FEEDER_LOG}",
        {"sweep_dir": str(sweep_dir), "feeder_pid": pid},
    )


# -- hsm limits -------------------------------------------------------------------------


def limits_request(args: argparse.Namespace, warn: Console) -> IOResult[Reply, HSMFailure]:
    """``hsm limits``: the settings (for ``hpc.max_queued``), the backend, the answer."""
    flags = {"system": args.system, "max-queued": args.max_queued}
    return IOResult.from_result(settings(args, flags, warn=warn)).bind(_limits_of)


def _limits_of(found: Settings) -> IOResult[Reply, HSMFailure]:
    return backend(found).bind(partial(limits, found))


def limits(found: Settings, chosen: Backend) -> IOResult[Reply, HSMFailure]:
    """The user's submit limits, where from, and what is queued now."""
    user = current_user()
    source = found.resolved.sources.get("hpc.max_queued", "default")
    limits_found = read_limits(chosen, user, found.config.hpc.max_queued)
    return limits_found.bind(partial(_limits_queued, chosen, user, source))


def _limits_queued(
    chosen: Backend, user: str, source: str, limits_found: FoundLimits
) -> IOResult[Reply, HSMFailure]:
    reply = partial(_limits_reply, chosen.key, user, limits_found, source)
    return queued_count(chosen, user).map(reply).lash(partial(_uncounted, reply))


def _uncounted(reply: partial[Reply], _: object) -> IOResult[Reply, HSMFailure]:
    return IOSuccess(reply(None))


def _limits_reply(
    key: str, user: str, found: FoundLimits, source: str, queued: int | None
) -> Reply:
    lines = [f"submit limits for {user} on {key}:"]
    for limit in found.limits:
        note = "" if limit.binds else "  (reported; it does not cap your queue)"
        lines.append(f"  {limit.name} = {limit.value}  from {limit.source}{note}")
    if found.configured is not None:
        lines.append(f"  hpc.max_queued = {found.configured}  from {source}")
    if not found.limits and found.configured is None:
        lines.append("  none found (set hpc.max_queued to state one)")
    lines.extend(f"  could not ask: {problem}" for problem in found.problems)
    effective = found.max_queued
    lines.append(
        f"effective: at most {effective} jobs queued (each array task counts)"
        if effective is not None
        else "effective: no limit known: sweeps are submitted whole"
    )
    lines.append(f"queued now: {queued if queued is not None else 'unknown'}")
    if effective is not None and queued is not None:
        lines.append(f"room now: {max(0, effective - queued)}")
    data = {
        "user": user,
        "scheduler": key,
        "limits": [
            {"name": x.name, "value": x.value, "source": x.source, "binds": x.binds}
            for x in found.limits
        ],
        "configured": found.configured,
        "problems": list(found.problems),
        "max_queued": effective,
        "queued": queued,
    }
    return Reply("\n".join(lines), data)
