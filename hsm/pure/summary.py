"""A sweep that fits on a screen: which parameters matter, which rows to show, what to say.

Strategy: a sweep of thousands of tasks is read the way a researcher reads it -- how far
along it is, what failed and with which of the *varying* parameters -- so the monitor
shows a summary above :data:`SUMMARY_ABOVE` tasks and a table below it (or when asked
with ``--all`` / ``--state``).  This module decides everything about that page from data:
which parameters vary (the rest are said once), which tasks are listed and how many are
left out, and what the exit column may claim.  Reading logs and the clock is the
caller's job (:mod:`hsm.cli.views`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.states import JobState, JobStatus

#: Above this many tasks the monitor shows a summary unless ``--all`` or ``--state``.
SUMMARY_ABOVE = 50
#: How many tasks of one kind (failed, stuck) a summary lists before "N more".
LISTED = 10
#: Log lines per listed failure in a summary (the table's default is 10).
SUMMARY_LINES = 3


def parse_states(values: Iterable[str]) -> Result[frozenset[JobState], ConfigError]:
    """``--state failed --state queued,running`` -> the states named (any case).

    >>> sorted(state.value for state in parse_states(["failed", "Queued, running"]).unwrap())
    ['failed', 'queued', 'running']
    >>> parse_states(["done"]).failure().message
    "unknown state 'done' in --state; states are queued, running, completed, failed, \
cancelled, unknown"
    """
    chosen: set[JobState] = set()
    for value in values:
        for word in value.split(","):
            name = word.strip().lower()
            if not name:
                continue
            try:
                chosen.add(JobState(name))
            except ValueError:
                known = ", ".join(state.value for state in JobState)
                return Failure(
                    ConfigError(f"unknown state {name!r} in --state; states are {known}")
                )
    return Success(frozenset(chosen))


@dataclass(frozen=True, slots=True)
class ParamSplit:
    """A sweep's parameters split in two: the keys whose values differ between tasks (in
    the order they first appear) and the ones every task shares, with their value."""

    varying: tuple[str, ...]
    constants: Mapping[str, Any]


def _same(a: Any, b: Any) -> bool:
    # 1, 1.0 and True are == in Python but different parameters to a program
    return type(a) is type(b) and a == b


def split_params(params: Sequence[Mapping[str, Any]]) -> ParamSplit:
    """Which parameters vary across ``params`` (one mapping per task) and which do not.

    A key missing from some task varies.  With fewer than two tasks nothing can be
    compared, so every key counts as varying (a one-task sweep shows all its parameters).

    >>> split_params([{"lr": 0.1, "epochs": 2}, {"lr": 0.01, "epochs": 2}])
    ParamSplit(varying=('lr',), constants={'epochs': 2})
    >>> split_params([{"n": 1}, {"n": 1.0}, {"n": 1, "x": None}]).varying
    ('n', 'x')
    """
    if len(params) < 2:
        return ParamSplit(tuple(params[0]) if params else (), {})
    first = params[0]
    order: dict[str, None] = dict.fromkeys(first)
    varying: set[str] = set()
    for task in params[1:]:
        for key in task:
            if key not in order:
                order[key] = None
                varying.add(key)
        for key in first:
            if key not in varying and (key not in task or not _same(task[key], first[key])):
                varying.add(key)
    return ParamSplit(
        tuple(key for key in order if key in varying),
        {key: first[key] for key in order if key not in varying},
    )


def pick(params: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The entries of ``params`` named by ``keys``, in that order (missing keys skipped).

    >>> pick({"a": 1, "b": 2, "c": 3}, ("c", "a", "z"))
    {'c': 3, 'a': 1}
    """
    return {key: params[key] for key in keys if key in params}


def real_exit_code(status: JobStatus) -> int | None:
    """The program's exit code when the status really says how the program ended.

    A completed task shows its code (0); a failed one only a non-zero code -- a job
    killed for its time limit, its memory or a node failure reports ``0`` because the
    program never returned, and that ``0`` is no success.  Nothing else has an exit code.

    >>> real_exit_code(JobStatus("1", JobState.FAILED, "TIMEOUT", 0))
    >>> real_exit_code(JobStatus("1", JobState.FAILED, "FAILED", 2))
    2
    >>> real_exit_code(JobStatus("1", JobState.CANCELLED, "CANCELLED by 0", 0, 15))
    """
    code = status.exit_code
    if status.state is JobState.COMPLETED:
        return code
    if status.state is JobState.FAILED and code:
        return code
    return None


def exit_text(status: JobStatus) -> str:
    """The EXIT column: the real exit code, and the signal of a failed task.

    >>> exit_text(JobStatus("1", JobState.COMPLETED, "COMPLETED", 0))
    '0'
    >>> exit_text(JobStatus("1", JobState.FAILED, "OUT_OF_MEMORY", 0, 9))
    'signal 9'
    >>> exit_text(JobStatus("1", JobState.CANCELLED, "CANCELLED", 0, 15))
    ''
    """
    code = real_exit_code(status)
    text = "" if code is None else str(code)
    if status.signal and status.state is JobState.FAILED:
        text = f"{text} (signal {status.signal})" if text else f"signal {status.signal}"
    return text


def duration_text(seconds: float) -> str:
    """A duration the way people say it: ``45s``, ``12m05s``, ``3h02m``, ``2d04h``.

    >>> [duration_text(s) for s in (0.4, 45, 725, 10_920, 187_200)]
    ['0s', '45s', '12m05s', '3h02m', '2d04h']
    """
    total = max(0, int(seconds))
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def capped(tasks: Sequence[int], limit: int | None) -> tuple[Sequence[int], int]:
    """The first ``limit`` tasks (all when ``limit`` is None) and how many were left out.

    >>> capped([1, 2, 3], 2), capped([1, 2, 3], None)
    (([1, 2], 1), ([1, 2, 3], 0))
    """
    if limit is None or len(tasks) <= limit:
        return tasks, 0
    return tasks[:limit], len(tasks) - limit
