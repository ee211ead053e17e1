"""The reading commands' requests: ``monitor``, ``results``, ``logs`` and ``sweep list``.

Strategy: as in :mod:`hsm.cli.inputs` -- every flag is checked here, once, and becomes
one frozen record of :mod:`hsm.cli.requests`; an existing sweep is named by
``--sweep-id`` / ``--sweep-dir`` (:func:`hsm.cli.inputs.sweep_dir_of`) and comes with
the backend its manifest records.  None of these commands writes to a sweep.
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

from returns.io import IOResult

from hsm.cli.inputs import DEFAULT_SWEEPS, interval, sweep_dir_of, sweep_ref
from hsm.cli.requests import (
    LogsRequest,
    MonitorRequest,
    ResultsRequest,
    SweepListRequest,
    SweepRef,
)
from hsm.pure.errors import ConfigError, HSMFailure
from hsm.pure.results import check_metrics_file, parse_sort
from hsm.pure.states import JobState
from hsm.pure.summary import parse_states


def _existing(args: argparse.Namespace) -> IOResult[SweepRef, HSMFailure]:
    return IOResult.from_result(sweep_dir_of(args)).bind(sweep_ref)


def _states(args: argparse.Namespace) -> IOResult[frozenset[JobState], HSMFailure]:
    return IOResult.from_result(parse_states(getattr(args, "state", None) or ()))


def monitor_request(args: argparse.Namespace) -> IOResult[MonitorRequest, HSMFailure]:
    """``monitor --sweep-id ID [--state S] [--all] [--lines N] [--watch]``."""
    watch = interval(args.watch, args)
    return _states(args).bind(partial(_monitor, args, watch))


def _monitor(
    args: argparse.Namespace, watch: float | None, states: frozenset[JobState]
) -> IOResult[MonitorRequest, HSMFailure]:
    return _existing(args).map(
        partial(MonitorRequest, watch=watch, lines=args.lines, states=states, every=args.all)
    )


def results_request(args: argparse.Namespace) -> IOResult[ResultsRequest, HSMFailure]:
    """``results --sweep-id ID [--file NAME] [--sort COL|-COL] [--desc] [--top N]
    [--state S] [--csv|--json]``."""
    if args.csv and args.json:
        return IOResult.from_failure(ConfigError("choose one of --csv and --json"))
    if args.desc and not args.sort:
        return IOResult.from_failure(ConfigError("--desc orders by --sort COLUMN: name one"))
    checked: IOResult[str, HSMFailure] = IOResult.from_result(check_metrics_file(args.file))
    return checked.bind(partial(_states_of, args)).bind(partial(_results, args))


def _states_of(args: argparse.Namespace, _file: str) -> IOResult[frozenset[JobState], HSMFailure]:
    return _states(args)


def _results(
    args: argparse.Namespace, states: frozenset[JobState]
) -> IOResult[ResultsRequest, HSMFailure]:
    sort, descending = parse_sort(args.sort, args.desc) if args.sort else (None, False)
    fmt = "csv" if args.csv else "json" if args.json else "table"
    return _existing(args).map(
        partial(
            _results_of,
            file=args.file,
            sort=sort,
            descending=descending,
            top=args.top,
            states=states,
            fmt=fmt,
        )
    )


def _results_of(
    sweep: SweepRef,
    *,
    file: str,
    sort: str | None,
    descending: bool,
    top: int | None,
    states: frozenset[JobState],
    fmt: str,
) -> ResultsRequest:
    return ResultsRequest(sweep, file, sort, descending, top, states, fmt)


def logs_request(args: argparse.Namespace) -> IOResult[LogsRequest, HSMFailure]:
    """``logs --sweep-id ID TASK [-n N] [-f]``."""
    if args.follow and args.json:
        return IOResult.from_failure(
            ConfigError("--follow prints the log as it grows; drop --json (or --follow)")
        )
    follow = interval(args.follow, args)
    return _existing(args).map(partial(_logs_of, args.task, args.lines, follow))


def _logs_of(task: int, lines: int | None, follow: float | None, sweep: SweepRef) -> LogsRequest:
    return LogsRequest(sweep, task, lines, follow)


def sweep_list_request(args: argparse.Namespace) -> IOResult[SweepListRequest, HSMFailure]:
    """``sweep list [--sweep-root DIR] [--refresh]``."""
    root = Path(args.sweep_root) if args.sweep_root else DEFAULT_SWEEPS
    return IOResult.from_value(SweepListRequest(root, bool(args.refresh)))
