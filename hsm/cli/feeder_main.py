"""``python -m hsm.cli.feeder_main SWEEP_DIR``: the detached feeder's program.

Started by :func:`hsm.effects.feeder_process.start_feeder` in a session of its own, it
runs :func:`hsm.effects.feeder.feed` until the sweep is done.  It holds ``.feeder.lock``
for its whole life (a second feeder of the same sweep exits at once), writes its pid to
``feeder.pid`` while it feeds, and writes one line per step on stdout (``feeder.log``).
A program's front end: it leaves the ``returns`` containers, through
:func:`hsm.cli.output.settled`.  The heavy imports wait until the lock is held.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from returns.io import IOResult

from hsm.cli.output import settled
from hsm.effects.backend import Backend
from hsm.effects.feeder import DEFAULT_INTERVAL, FeedStep, Retry, effective_limit, feed
from hsm.effects.feeder_process import FEEDER_MODULE, feeder_slot
from hsm.pure.cli_text import ranges
from hsm.pure.errors import HSMFailure
from hsm.pure.retries import RETRY_ON


def main(argv: Sequence[str] | None = None) -> int:
    """Feed one sweep until it is done; 0 when it is (or another feeder feeds it), else 1."""
    parser = argparse.ArgumentParser(prog=f"python -m {FEEDER_MODULE}")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL)
    parser.add_argument("--max-queued", type=int, default=None)
    parser.add_argument("--retries", type=int, default=0)
    parser.add_argument("--retry-on", choices=RETRY_ON, default="infrastructure")
    args = parser.parse_args(argv)
    sweep_dir: Path = args.sweep_dir
    with feeder_slot(sweep_dir) as mine:
        if not mine:
            _log(f"pid {os.getpid()}: another feeder feeds {sweep_dir}; exiting")
            return 0
        from hsm.api import backend_for_sweep

        found = backend_for_sweep(sweep_dir).alt(_cannot_feed)
        fed, line = settled(found.bind(partial(_feed, args)))
        _log(line)
        return 0 if fed else 1


def _cannot_feed(failure: HSMFailure) -> str:
    return f"cannot feed: {failure.message}"


def _feed(args: argparse.Namespace, backend: Backend) -> IOResult[str, str]:
    limit = effective_limit(backend, args.max_queued)
    return limit.bind(partial(_feed_within, args, backend)).map(_done).alt(_stopped)


def _feed_within(
    args: argparse.Namespace, backend: Backend, limit: int | None
) -> IOResult[FeedStep, HSMFailure]:
    _log(f"pid {os.getpid()} feeding {args.sweep_dir} (submit limit: {limit or 'none known'})")
    return feed(
        args.sweep_dir,
        backend,
        limit,
        interval=args.interval,
        on_step=_log_step,
        retry=Retry(args.retries, args.retry_on),
    )


def _done(step: FeedStep) -> str:
    return "done: " + step.line()


def _stopped(failure: HSMFailure) -> str:
    return f"stopped: {failure}"


def _log(text: str) -> None:
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    sys.stdout.write(f"{stamp} {text}\n")
    sys.stdout.flush()


def _log_step(step: FeedStep) -> None:
    shown = ", ".join(step.submitted[:3]) + (" ..." if len(step.submitted) > 3 else "")
    sent = f"; submitted {len(step.submitted)} job(s): {shown}" if step.submitted else ""
    again = f"; retried tasks {ranges(step.retried)}" if step.retried else ""
    _log(f"{step.line()} (room {step.room}){sent}{again}")


if __name__ == "__main__":
    sys.exit(main())
