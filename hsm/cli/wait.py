"""``--wait``: after a submission, follow the sweep until it is over and report how it went.

Strategy: poll the sweep every few seconds with a one-line progress bar on stderr; stop
when every task is final, when nothing runs and every queued task is one the scheduler
says can never start, or when nothing is queued or running and some tasks stayed unknown
for three polls in a row (lost jobs do not come back).  The outcome is the
monitor's view, and exit code 5 unless every task completed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from returns.io import IOResult

from hsm import api
from hsm.cli.exits import EXIT_TASKS_FAILED
from hsm.cli.output import Console, Reply, repeat
from hsm.cli.requests import SweepRef
from hsm.cli.views import sweep_view
from hsm.effects.sweeps import SweepReport
from hsm.pure.cli_text import progress_bar
from hsm.pure.errors import HSMFailure
from hsm.pure.manifest import count_states
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.states import JobState

#: Polls in a row with nothing queued or running before unknown tasks count as lost.
IDLE_POLLS = 3
#: Seconds of further polls, once every task is final, for the exit codes accounting
#: has not yet recorded (Slurm's sacct lags squeue by seconds; squeue prints no code).
SETTLE_SECONDS = 15.0


def finish(
    console: Console, sweep: SweepRef, wait: float | None, reply: Reply
) -> IOResult[Reply, HSMFailure]:
    """The submission's reply, or with ``--wait`` (printed first) the sweep's outcome."""
    if wait is None:
        return IOResult.from_value(reply)
    if not console.json:
        sys.stdout.write(reply.text + "\n")
        sys.stdout.flush()
    return follow(sweep, wait, console).map(partial(_outcome, console, sweep, reply))


def _outcome(console: Console, sweep: SweepRef, reply: Reply, report: SweepReport) -> Reply:
    text, status = sweep_view(sweep.sweep_dir, report, 10, console.colour)
    ok = all(s.state is JobState.COMPLETED for s in report.statuses.values())
    return Reply(text, {**reply.data, "status": status}, 0 if ok else EXIT_TASKS_FAILED)


def follow(sweep: SweepRef, interval: float, console: Console) -> IOResult[SweepReport, HSMFailure]:
    """Poll until every task is final (or nothing runs and some stay unknown)."""
    progress = _Progress(console, sys.stderr.isatty())
    return repeat(partial(_poll, sweep, progress), interval).map(progress.done)


def _poll(sweep: SweepRef, progress: _Progress) -> IOResult[SweepReport | None, HSMFailure]:
    return api.sweep_status(sweep.sweep_dir, sweep.backend).map(progress.step)


@dataclass(slots=True)
class _Progress:
    """The progress line and how many polls in a row saw nothing queued or running."""

    console: Console
    tty: bool
    last: str = ""
    idle: int = 0
    settle_until: float | None = None
    clock: Callable[[], float] = time.monotonic

    def step(self, report: SweepReport) -> SweepReport | None:
        """Show one poll; the report once the sweep is over, else None."""
        if report.stale:
            self.console.warn(report.warning)
            return None
        line = progress_bar(
            count_states(report.statuses.values()), colour=self.tty and self.console.colour
        )
        if self.tty and not self.console.quiet:
            sys.stderr.write("\r\x1b[2K" + line)
            sys.stderr.flush()
        elif line != self.last:
            self.console.note(line)
        self.last = line
        states = {s.state for s in report.statuses.values()}
        if all(s.is_final for s in states):
            if self.settle_until is None:
                self.settle_until = self.clock() + SETTLE_SECONDS
            return None if _codes_pending(report) and self.clock() < self.settle_until else report
        if self._only_stuck(report):
            self.console.warn(
                "stopped waiting: every task still queued can never start (see the reasons)"
            )
            return report
        if states & {JobState.QUEUED, JobState.RUNNING}:
            self.idle = 0
            return None
        self.idle += 1
        return report if self.idle >= IDLE_POLLS else None

    def _only_stuck(self, report: SweepReport) -> bool:
        """Nothing runs and each queued task's reason says it can never start."""
        never_starts = SCHEDULERS[report.manifest.scheduler].never_starts
        waiting = [s for s in report.statuses.values() if not s.state.is_final]
        return bool(waiting) and all(
            s.state is JobState.QUEUED and never_starts(s.reason) for s in waiting
        )

    def done(self, report: SweepReport) -> SweepReport:
        """End the progress line."""
        if self.tty and not self.console.quiet:
            sys.stderr.write("\n")
        return report


def _codes_pending(report: SweepReport) -> bool:
    """Some completed task has no exit code yet: the live queue still shows it and
    accounting has not caught up (the final table would show a blank EXIT)."""
    return any(
        s.state is JobState.COMPLETED and s.exit_code is None for s in report.statuses.values()
    )
