"""``hsm results``: every task's varying parameters, outcome and metrics; sorted, cut, shown.

Strategy: one poll and one read of the tasks' metrics files (``api.results_of``), then
pure steps from :mod:`hsm.pure.results` in the order the flags read: keep ``--state``,
``--sort``, ``--top``; print as a table, CSV or JSON.  Problems with single metrics files
are warnings on stderr, so CSV on stdout stays clean.
"""

from __future__ import annotations

from functools import partial

from returns.io import IOResult

from hsm import api
from hsm.cli.output import Console, Reply
from hsm.cli.requests import ResultsRequest
from hsm.effects.sweeps import SweepReport
from hsm.pure.cli_text import format_params, format_table
from hsm.pure.errors import HSMFailure
from hsm.pure.results import (
    ResultRow,
    result_record,
    results_csv,
    row_cells,
    sort_rows,
    table_columns,
)
from hsm.pure.summary import ParamSplit, split_params


def results(console: Console, request: ResultsRequest) -> IOResult[Reply, HSMFailure]:
    """Poll the sweep, read its metrics files and show the rows the flags ask for."""
    sweep = request.sweep
    return api.sweep_status(sweep.sweep_dir, sweep.backend).bind(
        partial(_with_rows, console, request)
    )


def _with_rows(
    console: Console, request: ResultsRequest, report: SweepReport
) -> IOResult[Reply, HSMFailure]:
    if report.stale:
        console.warn(report.warning)
    return api.results_of(request.sweep.sweep_dir, report, file=request.file).bind(
        partial(_reply, console, request, report)
    )


def _reply(
    console: Console,
    request: ResultsRequest,
    report: SweepReport,
    rows: tuple[ResultRow, ...],
) -> IOResult[Reply, HSMFailure]:
    _warn_unreadable(console, rows)
    chosen = rows
    if request.states:
        chosen = tuple(row for row in chosen if row.state in request.states)
    ordered = sort_rows(chosen, request.sort, request.descending) if request.sort else None
    shown = partial(_shown, request, report, rows)
    if ordered is None:
        return IOResult.from_value(shown(chosen))
    return IOResult.from_result(ordered).map(shown)


def _shown(
    request: ResultsRequest,
    report: SweepReport,
    rows: tuple[ResultRow, ...],
    chosen: tuple[ResultRow, ...],
) -> Reply:
    """The reply for the rows kept and ordered (``chosen``), cut to ``--top``."""
    if request.top is not None:
        chosen = chosen[: request.top]
    split = split_params(report.manifest.params)
    match request.fmt:
        case "csv":
            text = results_csv(chosen, split.varying)
        case "json":
            text = ""
        case _:
            text = _table(request, report, split, rows, chosen)
    return Reply(text, _document(request, report, split, chosen))


def _warn_unreadable(console: Console, rows: tuple[ResultRow, ...]) -> None:
    bad = [row for row in rows if row.metrics_error]
    if bad:
        first = bad[0]
        console.warn(
            f"{len(bad)} metrics file(s) could not be used (shown blank), e.g. task "
            f"{first.task}: {first.metrics_error}"
        )


def _table(
    request: ResultsRequest,
    report: SweepReport,
    split: ParamSplit,
    rows: tuple[ResultRow, ...],
    chosen: tuple[ResultRow, ...],
) -> str:
    manifest = report.manifest
    with_metrics = sum(1 for row in rows if row.metrics is not None)
    head = f"sweep {manifest.sweep_id}: {len(rows)} tasks, {with_metrics} with {request.file}"
    if request.sort:
        order = "descending" if request.descending else "ascending"
        head += f"; sorted by {request.sort} ({order})"
    if request.top is not None or request.states:
        head += f"; showing {len(chosen)}"
    parts = [head]
    if split.constants:
        parts.append(f"same in every task: {format_params(split.constants)}")
    if not with_metrics:
        parts.append(
            f"no task has left {request.file} in its task directory yet (a program writes "
            f'it to "$HSM_TASK_DIR/{request.file}": a JSON object such as {{"loss": 0.1}})'
        )
    headers, fields = table_columns(chosen, split.varying)
    if chosen:
        parts.append(format_table(headers, [row_cells(row, fields) for row in chosen], 40))
    return "\n".join(parts)


def _document(
    request: ResultsRequest,
    report: SweepReport,
    split: ParamSplit,
    chosen: tuple[ResultRow, ...],
) -> dict[str, object]:
    return {
        "sweep_id": report.manifest.sweep_id,
        "sweep_dir": str(request.sweep.sweep_dir),
        "file": request.file,
        "stale": report.stale,
        "varying": list(split.varying),
        "constants": dict(split.constants),
        "rows": [result_record(row) for row in chosen],
    }
