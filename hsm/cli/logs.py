"""``hsm logs``: one task's log, whole or its last lines, or followed until the task ends.

Strategy: the manifest says where the task's log is (``api.task_log``).  Printed once,
the log is a :class:`~hsm.cli.output.Reply` like any other.  Followed (``-f``), the file is
read from where the last read stopped every half second and what is new goes straight to
stdout -- a reply would arrive only at the end -- while the sweep is polled every
``--poll-interval`` seconds (one scheduler call, as ``hsm monitor`` makes) to learn when the
task is final (or unknown to every source for a few polls in a row, as ``--wait`` judges a
lost job); then the file is read one last time and the command ends.  Ctrl-C ends it
with exit code 130 (:func:`hsm.cli.output.report`).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from returns.io import IOResult

from hsm import api
from hsm.cli.output import Console, Reply, repeat
from hsm.cli.requests import LogsRequest
from hsm.cli.wait import IDLE_POLLS
from hsm.effects.reading import last_lines, read_from, size
from hsm.effects.sweeps import SweepReport
from hsm.pure.errors import HSMFailure, StateError
from hsm.pure.states import JobState

#: Seconds between reads of a followed log.
READ_INTERVAL = 0.5


def logs(console: Console, request: LogsRequest) -> IOResult[Reply, HSMFailure]:
    """Print the task's log, or follow it with ``-f``."""
    found = api.task_log(request.sweep.sweep_dir, request.task)
    if request.follow is not None:
        return found.bind(partial(_follow, console, request))
    return found.bind(partial(_once, request))


def _once(request: LogsRequest, log: Path) -> IOResult[Reply, HSMFailure]:
    if request.lines is None:
        read = read_from(log, 0)
        text = None if read is None else read[0].decode("utf-8", errors="replace")
    else:
        lines = last_lines(log, request.lines)
        text = None if lines is None else "".join(f"{line}\n" for line in lines)
    if text is None:
        return IOResult.from_failure(
            StateError(
                f"task {request.task} has no log yet at {log} (still queued, or it never "
                f"started); hsm logs -f waits for it",
                str(log),
            )
        )
    data = {"task": request.task, "log": str(log), "text": text}
    return IOResult.from_value(Reply(text, data))


@dataclass(slots=True)
class _Follower:
    """Where a followed log was read up to, and when the sweep was last polled."""

    request: LogsRequest
    log: Path
    console: Console
    offset: int = 0
    polled: float = 0.0
    waiting_said: bool = False
    unknown: int = 0

    def step(self) -> IOResult[Reply | None, HSMFailure]:
        """Print what is new; the final reply once the task is final and all is read."""
        self._print_new()
        now = time.monotonic()
        interval = self.request.follow or 5.0
        if now - self.polled < interval:
            return IOResult.from_value(None)
        self.polled = now
        sweep = self.request.sweep
        return api.sweep_status(sweep.sweep_dir, sweep.backend).map(self._after_poll)

    def _after_poll(self, report: SweepReport) -> Reply | None:
        status = report.statuses.get(self.request.task)
        if status is None or report.stale:
            return None
        # a task no source knows about for a few polls in a row is lost, as for --wait
        self.unknown = self.unknown + 1 if status.state is JobState.UNKNOWN else 0
        if not status.state.is_final and self.unknown < IDLE_POLLS:
            return None
        self._print_new()
        said = f"{status.state.value} ({status.raw})" if self.unknown else status.state.value
        self.console.note(f"hsm: task {self.request.task} is {said}")
        return Reply("", None, shown=True)

    def _print_new(self) -> None:
        read = read_from(self.log, self.offset)
        if read is None:
            if not self.waiting_said:
                self.waiting_said = True
                self.console.note(f"hsm: waiting for {self.log} (the task has not started)")
            return
        data, self.offset = read
        if data:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()


def _follow(console: Console, request: LogsRequest, log: Path) -> IOResult[Reply, HSMFailure]:
    follower = _Follower(request, log, console)
    if request.lines is not None:
        end = size(log)
        lines = last_lines(log, request.lines)
        if end is not None and lines is not None:
            sys.stdout.write("".join(f"{line}\n" for line in lines))
            sys.stdout.flush()
            follower.offset = end
    return repeat(follower.step, READ_INTERVAL)
