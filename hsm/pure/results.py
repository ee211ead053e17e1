"""``hsm results``: each task's parameters, outcome and metrics as rows, sorted and shown.

Strategy: the program leaves a JSON object in its task directory (``metrics.json`` by
default, see :func:`hsm.pure.layout.task_dir`); the effects layer reads those files and
this module does the rest from data -- one :class:`ResultRow` per task (a missing or
unreadable metrics file is a blank, never an error), nested metrics flattened to dotted
columns (``acc.top1``), sorting by any metric or parameter with the rows that lack it
last, and the three ways to show the rows: a table for people, CSV and JSON for scripts.
Only the parameters that vary across the sweep become columns (see
:func:`hsm.pure.summary.split_params`).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.states import JobState, JobStatus
from hsm.pure.summary import real_exit_code

#: The metrics file ``hsm results`` reads from each task directory unless told otherwise.
METRICS_FILE = "metrics.json"


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One task's result.

    Attributes:
        task: the task number.
        params: its parameters (all of them).
        state: its state at the poll.
        job_id: the scheduler's id of its newest job ("" if never submitted).
        exit_code: the program's exit code when the state says how it ended (see
            :func:`hsm.pure.summary.real_exit_code`: never a ``0`` for a timeout).
        elapsed: run time in seconds, when a source knows it; ``elapsed_source`` names
            the source ("" when unknown).
        metrics: the metrics the program left, flattened (``{"acc.top1": 0.9}``); empty
            when it left none.
        metrics_error: why the metrics file could not be used ("" when it was fine or
            absent).
        attempts: how many submitted jobs ran the task (a retry or a resubmission is
            one more); 0 when none did yet.
    """

    task: int
    params: Mapping[str, Any]
    state: JobState
    job_id: str = ""
    exit_code: int | None = None
    elapsed: float | None = None
    elapsed_source: str = ""
    metrics: Mapping[str, Any] | None = None
    metrics_error: str = ""
    attempts: int = 1

    def value(self, column: str) -> Any:
        """A metric, else a parameter, else one of ``task``/``state``/``exit_code``/
        ``elapsed``, by name; None when the row has no such value."""
        if self.metrics and column in self.metrics:
            return self.metrics[column]
        if column in self.params:
            return self.params[column]
        if column in ("task", "exit_code", "elapsed", "job_id", "attempts"):
            return getattr(self, column)
        if column == "state":
            return self.state.value
        return None


def check_metrics_file(name: str) -> Result[str, ConfigError]:
    """A metrics file name must stay inside the task directory.

    >>> check_metrics_file("eval/scores.json").unwrap()
    'eval/scores.json'
    >>> check_metrics_file("../x.json").failure().message
    "--file '../x.json' must be a path inside the task directory (no '..', not absolute)"
    """
    parts = name.replace("\\", "/").split("/")
    if not name or name.startswith("/") or any(part in ("", ".", "..") for part in parts):
        return Failure(
            ConfigError(
                f"--file {name!r} must be a path inside the task directory (no '..', not absolute)"
            )
        )
    return Success(name)


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings become dotted keys; anything else (lists too) is a value.

    >>> flatten({"loss": 0.1, "acc": {"top1": 0.9, "top5": 0.99}, "hist": [1, 2]})
    {'loss': 0.1, 'acc.top1': 0.9, 'acc.top5': 0.99, 'hist': [1, 2]}
    """
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def parse_metrics(text: str) -> Result[dict[str, Any], str]:
    """A metrics file's text -> its flattened metrics, or why it cannot be used.

    >>> parse_metrics('{"loss": 0.5, "acc": {"top1": 0.8}}').unwrap()
    {'loss': 0.5, 'acc.top1': 0.8}
    >>> parse_metrics("[1, 2]").failure(), parse_metrics("{").failure()[:15]
    ('not a JSON object', 'not valid JSON:')
    """
    try:
        data = json.loads(text)
    except ValueError as error:
        return Failure(f"not valid JSON: {error}")
    if not isinstance(data, dict):
        return Failure("not a JSON object")
    return Success(flatten(data))


def result_row(
    task: int,
    params: Mapping[str, Any],
    status: JobStatus,
    metrics: Result[dict[str, Any], str] | None,
    attempts: int = 1,
) -> ResultRow:
    """A task's row from its status, what reading its metrics file gave (None: the
    file does not exist) and how many jobs ran it (``attempts``).  The elapsed time is
    the scheduler's (its accounting for a finished task, its live queue for a running
    one), named by the query that gave it.

    >>> from hsm.pure.states import JobStatus
    >>> row = result_row(2, {}, JobStatus("9_2", JobState.COMPLETED, "COMPLETED", 0, None,
    ...                                   "", "sacct", 61.0), None)
    >>> row.elapsed, row.elapsed_source
    (61.0, 'sacct')
    """
    found: Mapping[str, Any] | None = None
    error = ""
    if isinstance(metrics, Success):
        found = metrics.unwrap()
    elif isinstance(metrics, Failure):
        error = metrics.failure()
    return ResultRow(
        task,
        params,
        status.state,
        status.job_id,
        real_exit_code(status),
        elapsed=status.elapsed,
        elapsed_source=status.source if status.elapsed is not None else "",
        metrics=found,
        metrics_error=error,
        attempts=attempts,
    )


def metric_columns(rows: Sequence[ResultRow]) -> tuple[str, ...]:
    """Every metric any row has, in the order they first appear.

    >>> rows = [ResultRow(0, {}, JobState.COMPLETED, metrics={"loss": 1, "acc": 2}),
    ...         ResultRow(1, {}, JobState.FAILED), ResultRow(2, {}, JobState.COMPLETED,
    ...         metrics={"loss": 3, "f1": 4})]
    >>> metric_columns(rows)
    ('loss', 'acc', 'f1')
    """
    seen: dict[str, None] = {}
    for row in rows:
        if row.metrics:
            seen.update(dict.fromkeys(row.metrics))
    return tuple(seen)


def parse_sort(text: str, descending: bool) -> tuple[str, bool]:
    """``--sort loss`` (ascending), ``--sort -acc`` or ``--desc`` (descending).

    >>> parse_sort("loss", False), parse_sort("-acc", False), parse_sort("acc", True)
    (('loss', False), ('acc', True), ('acc', True))
    """
    if text.startswith("-"):
        return text[1:], True
    return text, descending


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return None if math.isnan(value) else float(value)


def sort_rows(
    rows: Sequence[ResultRow], column: str, descending: bool = False
) -> Result[tuple[ResultRow, ...], ConfigError]:
    """Rows ordered by ``column`` (a metric, a parameter, or task/state/exit_code/elapsed).

    Numbers sort as numbers and come before other values (compared as text); rows without
    the value -- no metrics, a NaN, a missing key -- come last either way, in task order.
    A column no row has is a ConfigError naming the columns there are.

    >>> rows = [ResultRow(i, {"lr": lr}, JobState.COMPLETED, metrics=m) for i, lr, m in
    ...         [(0, 0.1, {"loss": 0.5}), (1, 0.2, None), (2, 0.3, {"loss": 0.25})]]
    >>> [r.task for r in sort_rows(rows, "loss").unwrap()]
    [2, 0, 1]
    >>> [r.task for r in sort_rows(rows, "loss", descending=True).unwrap()]
    [0, 2, 1]
    >>> sort_rows(rows, "acc").failure().message
    "no task has 'acc' to sort by; columns are: lr, loss, task, state, exit_code, elapsed"
    """
    if not any(row.value(column) is not None for row in rows) and rows:
        params = dict.fromkeys(key for row in rows for key in row.params)
        known = [*params, *metric_columns(rows), "task", "state", "exit_code", "elapsed"]
        return Failure(
            ConfigError(f"no task has {column!r} to sort by; columns are: {', '.join(known)}")
        )
    numbers: list[tuple[float, ResultRow]] = []
    others: list[tuple[str, ResultRow]] = []
    missing: list[ResultRow] = []
    for row in rows:
        value = row.value(column)
        number = _number(value)
        if number is not None:
            numbers.append((number, row))
        elif value is None or isinstance(value, float):
            missing.append(row)
        else:
            others.append((value if isinstance(value, str) else json.dumps(value), row))
    numbers.sort(key=lambda pair: pair[0], reverse=descending)
    others.sort(key=lambda pair: pair[0], reverse=descending)
    return Success(
        tuple(row for _, row in numbers) + tuple(row for _, row in others) + tuple(missing)
    )


def cell(value: Any) -> str:
    """A value as a table or CSV cell: blank for None, numbers short, the rest as JSON.

    >>> [cell(v) for v in (None, 0.123456789, 3, "mlp", True, [1, 2])]
    ['', '0.123457', '3', 'mlp', 'true', '[1, 2]']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, int | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def elapsed_cell(row: ResultRow) -> str:
    """Elapsed seconds, rounded, or blank."""
    return "" if row.elapsed is None else str(round(row.elapsed))


#: Marks a row field that names a metric (see :func:`metric_fields`).
_METRIC = "\x00metric:"


def metric_fields(
    rows: Sequence[ResultRow], taken: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The metric columns as row fields and their headers.

    A metric and a parameter may share a name (a program that logs its ``epochs``): the
    field keeps them apart, and the header of a metric whose name is ``taken`` by another
    column reads ``metric:<name>``.

    >>> rows = [ResultRow(0, {"epochs": 3}, JobState.COMPLETED, metrics={"epochs": 2})]
    >>> metric_fields(rows, ["task", "epochs"])[1]
    ('metric:epochs',)
    """
    names = metric_columns(rows)
    clash = frozenset(taken)
    headers = tuple(f"metric:{name}" if name in clash else name for name in names)
    return tuple(_METRIC + name for name in names), headers


def table_columns(
    rows: Sequence[ResultRow], varying: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The headers and the row fields of the results table: task, the varying
    parameters, state, exit code, elapsed (only when some row knows it), attempts (only
    when some task ran more than once), the metrics."""
    fields = ("task", *varying, "state", "exit_code")
    if any(row.elapsed is not None for row in rows):
        fields += ("elapsed",)
    if any(row.attempts > 1 for row in rows):
        fields += ("attempts",)
    names = {
        "task": "TASK",
        "state": "STATE",
        "exit_code": "EXIT",
        "elapsed": "ELAPSED (s)",
        "attempts": "ATTEMPTS",
    }
    metrics, metric_headers = metric_fields(rows, fields)
    headers = tuple(names.get(name, name) for name in fields) + metric_headers
    return headers, fields + metrics


def _field_value(row: ResultRow, field: str) -> Any:
    """A field's value: a metric's (see :func:`metric_fields`), else by name."""
    if field.startswith(_METRIC):
        return (row.metrics or {}).get(field[len(_METRIC) :])
    if field in row.params:
        return row.params[field]
    return row.value(field)


def row_cells(row: ResultRow, fields: Sequence[str]) -> list[str]:
    """A row as cells for ``fields`` (see :func:`table_columns`)."""
    cells = []
    for name in fields:
        if name == "elapsed":
            cells.append(elapsed_cell(row))
        else:
            cells.append(cell(_field_value(row, name)))
    return cells


class _Lines:
    """The file-like object ``csv.writer`` needs, collecting what it writes."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)


def results_csv(rows: Sequence[ResultRow], varying: Sequence[str]) -> str:
    """The rows as CSV with a header line (params, state, exit code, elapsed, metrics).

    >>> rows = [ResultRow(0, {"lr": 0.1, "e": 2}, JobState.COMPLETED, exit_code=0,
    ...                   metrics={"loss": 0.5, "note": "a,b"})]
    >>> print(results_csv(rows, ["lr"]), end="")
    task,lr,state,exit_code,elapsed,loss,note
    0,0.1,completed,0,,0.5,"a,b"
    """
    fields: tuple[str, ...] = ("task", *varying, "state", "exit_code", "elapsed")
    metrics, metric_headers = metric_fields(rows, fields)
    out = _Lines()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields + metric_headers)
    fields += metrics
    for row in rows:
        writer.writerow([_csv_cell(row, name) for name in fields])
    return "".join(out.parts)


def _csv_cell(row: ResultRow, name: str) -> str:
    if name == "elapsed":
        return elapsed_cell(row)
    value = _field_value(row, name)
    if isinstance(value, float):
        return repr(value)  # every digit: a script reads these back
    return cell(value)


def result_record(row: ResultRow) -> dict[str, Any]:
    """One row as ``hsm results --json`` gives it (every parameter, every metric)."""
    return {
        "task": row.task,
        "params": dict(row.params),
        "state": row.state.value,
        "job_id": row.job_id,
        "exit_code": row.exit_code,
        "elapsed": row.elapsed,
        "elapsed_source": row.elapsed_source or None,
        "metrics": None if row.metrics is None else dict(row.metrics),
        "metrics_error": row.metrics_error or None,
        "attempts": row.attempts,
    }
