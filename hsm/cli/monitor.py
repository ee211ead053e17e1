"""``hsm monitor``: a sweep that fits on a screen, or the task table; logs of failures.

Strategy: one poll of the sweep (``api.sweep_status``) becomes one view
(:func:`hsm.cli.views.sweep_view`): a summary for a big sweep, a table for a small one or
with ``--all`` / ``--state``; ``--watch`` repeats that until every task is final.
"""

from __future__ import annotations

import time
from functools import partial

from returns.io import IOResult

from hsm import api
from hsm.cli.output import Console, Reply, frame, repeat
from hsm.cli.requests import MonitorRequest
from hsm.cli.views import Shown, sweep_view
from hsm.effects.reading import sweep_started
from hsm.effects.sweeps import SweepReport
from hsm.pure.errors import HSMFailure


def monitor(console: Console, request: MonitorRequest) -> IOResult[Reply, HSMFailure]:
    """Show the sweep once, or with ``--watch`` every few seconds until it is over."""
    if request.watch is not None:
        return repeat(partial(_refresh, console, request), request.watch)
    return _poll(request).map(partial(_view, console, request))


#: One poll and when the sweep started (see :func:`hsm.effects.reading.sweep_started`).
Polled = tuple[SweepReport, tuple[float, str] | None]


def _poll(request: MonitorRequest) -> IOResult[Polled, HSMFailure]:
    sweep_dir = request.sweep.sweep_dir
    return api.sweep_status(sweep_dir, request.sweep.backend).bind(
        lambda report: sweep_started(sweep_dir, report.manifest).map(lambda since: (report, since))
    )


def _show(console: Console, request: MonitorRequest, polled: Polled) -> tuple[str, object]:
    sweep_dir = request.sweep.sweep_dir
    report, since = polled
    shown = Shown(
        states=request.states,
        every=request.every,
        lines=request.lines,
        quiet=console.quiet,
        since=since,
        now=time.time(),
        data=console.json,
    )
    return sweep_view(sweep_dir, report, colour=console.colour, shown=shown)


def _view(console: Console, request: MonitorRequest, polled: Polled) -> Reply:
    text, data = _show(console, request, polled)
    report = polled[0]
    if report.stale:
        console.warn(report.warning)
    return Reply(text, data)


def _refresh(console: Console, request: MonitorRequest) -> IOResult[Reply | None, HSMFailure]:
    return _poll(request).map(partial(_frame, console, request))


def _frame(console: Console, request: MonitorRequest, polled: Polled) -> Reply | None:
    text, data = _show(console, request, polled)
    report = polled[0]
    frame(text, data, console)
    done = all(s.state.is_final for s in report.statuses.values())
    return Reply("", None, shown=True) if done else None
