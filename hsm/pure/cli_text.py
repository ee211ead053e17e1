"""What the CLI prints, as pure functions of data: tables, progress, JSON records.

Strategy: the command functions gather data (statuses, manifests, config rows) and hand
it here; everything that decides a column, a colour or a JSON key lives in this module,
so output formats are defined (and tested) in one place.  Colour is an argument, never
looked up: the caller knows whether stdout is a terminal and whether ``NO_COLOR`` is set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hsm.pure.records import status_to_data
from hsm.pure.states import JobState, JobStatus
from hsm.pure.summary import duration_text, exit_text
from hsm.pure.usage import size_text

#: ANSI colours per state, used only when the caller enables colour.
_COLOURS = {
    JobState.QUEUED.value: "\x1b[36m",
    JobState.RUNNING.value: "\x1b[34m",
    JobState.COMPLETED.value: "\x1b[32m",
    JobState.FAILED.value: "\x1b[31m",
    JobState.CANCELLED.value: "\x1b[33m",
    JobState.UNKNOWN.value: "\x1b[35m",
}
_RESET = "\x1b[0m"


def paint(text: str, state: str, colour: bool) -> str:
    """``text`` in the colour of ``state`` when ``colour`` is on.

    >>> paint("failed", "failed", False), paint("x", "failed", True) == "\\x1b[31mx\\x1b[0m"
    ('failed', True)
    """
    code = _COLOURS.get(state)
    return f"{code}{text}{_RESET}" if colour and code else text


def one_line(text: str) -> str:
    """Collapse whitespace (newlines included) so a message fits on one line.

    >>> one_line("sbatch: error:\\n  Invalid   partition")
    'sbatch: error: Invalid partition'
    """
    return " ".join(text.split())


def format_params(params: Mapping[str, Any]) -> str:
    """``lr=0.1 model=a`` (values as JSON, strings bare when plain).

    >>> format_params({"lr": 0.1, "model": "a b", "x": None})
    'lr=0.1 model="a b" x=null'
    """
    parts = []
    for key, value in params.items():
        if isinstance(value, str) and value and all(c.isalnum() or c in "_-./" for c in value):
            parts.append(f"{key}={value}")
        else:
            parts.append(f"{key}={json.dumps(value, ensure_ascii=False)}")
    return " ".join(parts)


def ranges(numbers: Iterable[int]) -> str:
    """Compact text for a set of numbers.

    >>> ranges([0, 1, 2, 5, 7, 8])
    '0-2,5,7-8'
    """
    ordered = sorted(set(numbers))
    pieces: list[str] = []
    start = prev = None
    for n in ordered:
        if start is None:
            start = prev = n
        elif prev is not None and n == prev + 1:
            prev = n
        else:
            pieces.append(str(start) if start == prev else f"{start}-{prev}")
            start = prev = n
    if start is not None:
        pieces.append(str(start) if start == prev else f"{start}-{prev}")
    return ",".join(pieces)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], max_width: int = 60) -> str:
    """Left-aligned columns separated by two spaces; cells longer than ``max_width`` clip.

    >>> print(format_table(["a", "bb"], [["1", "2"], ["333", ""]]))
    a    bb
    1    2
    333
    """
    clipped = [[_clip(cell, max_width) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in clipped:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.extend(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in clipped
    )
    return "\n".join(lines)


def counts_text(counts: Mapping[str, int], colour: bool = False) -> str:
    """``completed 3 · failed 1`` listing only non-zero states, in enum order.

    >>> counts_text({"queued": 0, "running": 2, "completed": 3})
    'running 2 · completed 3'
    """
    shown = [paint(f"{state} {n}", state, colour) for state, n in counts.items() if n]
    return " · ".join(shown) if shown else "no tasks"


def progress_bar(counts: Mapping[str, int], width: int = 30, colour: bool = False) -> str:
    """A one-line bar of finished tasks, followed by the counts.

    >>> progress_bar({"queued": 1, "running": 1, "completed": 2}, width=8)
    '[####----] 2/4 finished  queued 1 · running 1 · completed 2'
    """
    total = sum(counts.values())
    final = sum(counts.get(s.value, 0) for s in JobState if s.is_final)
    filled = (width * final // total) if total else 0
    bar = "#" * filled + "-" * (width - filled)
    return f"[{bar}] {final}/{total} finished  {counts_text(counts, colour)}"


def status_record(
    task: int, params: Mapping[str, Any], status: JobStatus, log: str | None
) -> dict[str, Any]:
    """One task as the ``--json`` outputs give it (see the CLI help for the schema):
    ``elapsed`` in seconds, ``max_mem`` in bytes, each None (``node`` too) when the
    scheduler did not say."""
    data = status_to_data(status)
    del data["source"]  # which query answered is for the status cache, not for users
    return {"task": task, "params": dict(params), **data, "node": status.node or None, "log": log}


def status_row(
    task: int, params: Mapping[str, Any], status: JobStatus, colour: bool = False
) -> list[str]:
    """A task as table cells: task, params, job id, state, raw code, exit, and what the
    scheduler measured -- elapsed, node(s), peak memory -- each blank when unknown.

    The exit cell claims only what the scheduler's answer supports (see
    :func:`hsm.pure.summary.exit_text`): blank for a cancelled or timed-out task.

    >>> status_row(3, {"lr": 0.1}, JobStatus("9_3", JobState.FAILED, "TIMEOUT", 0, None,
    ...                                      "TimeLimit", "sacct", 3601.0, "n7", 2**31))
    ['3', 'lr=0.1', '9_3', 'failed', 'TIMEOUT', '', '1h00m', 'n7', '2.00G']
    """
    return [
        str(task),
        format_params(params),
        status.job_id or "-",
        paint(status.state.value, status.state.value, colour),
        status.raw,
        exit_text(status),
        "" if status.elapsed is None else duration_text(status.elapsed),
        status.node,
        size_text(status.max_mem),
    ]


STATUS_HEADERS = ("TASK", "PARAMS", "JOB ID", "STATE", "RAW", "EXIT", "ELAPSED", "NODE", "MAXMEM")
#: Columns of :data:`STATUS_HEADERS` a table leaves out when no row has a value in them.
USAGE_HEADERS = ("ELAPSED", "NODE", "MAXMEM")


def without_blank_columns(
    headers: Sequence[str], rows: Sequence[Sequence[str]], optional: Sequence[str]
) -> tuple[tuple[str, ...], list[list[str]]]:
    """Drop the ``optional`` columns that are blank in every row (a scheduler that
    measures no memory shows no MAXMEM column rather than an empty one).

    >>> without_blank_columns(["A", "B", "C"], [["1", "", "x"], ["2", "", ""]], ["B", "C"])
    (('A', 'C'), [['1', 'x'], ['2', '']])
    """
    keep = [
        i
        for i, header in enumerate(headers)
        if header not in optional or any(row[i] for row in rows)
    ]
    return tuple(headers[i] for i in keep), [[row[i] for i in keep] for row in rows]


def job_id_key(job_id: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key that orders job ids as numbers: ``9`` before ``10``, ``12_3`` before
    ``12_10``, ``12[3].srv`` before ``12[10].srv``.

    >>> sorted(["10", "12_10", "9", "12[10].srv", "12_3", "12[3].srv", "x"], key=job_id_key)
    ['9', '10', '12[3].srv', '12[10].srv', '12_3', '12_10', 'x']
    """
    key: list[tuple[int, int, str]] = []
    digits = ""
    text = ""
    for char in job_id:
        if char.isdigit() and char.isascii():
            if text:
                key.append((1, 0, text))
                text = ""
            digits += char
        else:
            if digits:
                key.append((0, int(digits), ""))
                digits = ""
            text += char
    if digits:
        key.append((0, int(digits), ""))
    if text:
        key.append((1, 0, text))
    return tuple(key)


def format_config_rows(rows: Sequence[tuple[str, object, str]]) -> str:
    """``hsm config show``: setting, value (as YAML would show it) and its source.

    >>> print(format_config_rows([("hpc.system", "auto", "default")]))
    SETTING     VALUE  SOURCE
    hpc.system  auto   default
    """
    return format_table(
        ("SETTING", "VALUE", "SOURCE"),
        [[leaf, config_value_text(value), source] for leaf, value, source in rows],
        max_width=80,
    )


def config_value_text(value: object) -> str:
    """A config value as text: None as ``null``, tuples as lists, strings verbatim.

    >>> config_value_text(None), config_value_text(("a", "b")), config_value_text("")
    ('null', '["a", "b"]', '""')
    """
    if value is None:
        return "null"
    if isinstance(value, tuple | list):
        return json.dumps(list(value), ensure_ascii=False)
    if value == "":
        return '""'
    return str(value)


def config_value_data(value: object) -> object:
    """A config value for JSON (tuples become lists)."""
    return list(value) if isinstance(value, tuple) else value
