"""How a sweep reads on screen: a poll of its tasks, and a submission.

Strategy: the monitor's page, ``--wait``'s final report and every submitting command's
summary are built here from library records, as text for people and a JSON document for
``--json``, so that ``monitor``, ``sweep run --wait`` and ``sweep resubmit`` show a sweep
the same way.  A sweep of more than :data:`~hsm.pure.summary.SUMMARY_ABOVE` tasks reads
as a summary (counts, progress, the first failures with their varying parameters and
last log lines); smaller ones, ``--all`` and ``--state`` read as a table.  What to show is
decided in :mod:`hsm.pure.summary` and :mod:`hsm.pure.cli_text`; this module adds what
needs the disk (the tails of failed tasks' logs) and assembles the page.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hsm import api
from hsm.cli.inputs import DEFAULT_SWEEPS
from hsm.cli.output import Reply
from hsm.effects.reading import exists, tail
from hsm.effects.sweeps import Submitted, SweepReport
from hsm.pure.cli_text import (
    STATUS_HEADERS,
    USAGE_HEADERS,
    counts_text,
    format_params,
    format_table,
    paint,
    ranges,
    status_record,
    status_row,
    without_blank_columns,
)
from hsm.pure.manifest import Manifest, count_states, current_jobs, sweep_state
from hsm.pure.plan import task_log_path
from hsm.pure.retries import attempts
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.states import JobState, JobStatus
from hsm.pure.summary import (
    LISTED,
    SUMMARY_ABOVE,
    SUMMARY_LINES,
    ParamSplit,
    capped,
    duration_text,
    pick,
    real_exit_code,
    split_params,
)
from hsm.pure.waves import STOPPED, progress, progress_line

#: Log lines per failed task in the table when ``--lines`` is not given.
TABLE_LINES = 10


@dataclass(frozen=True, slots=True)
class Shown:
    """What part of a sweep the monitor shows, and what it knows besides the poll.

    Attributes:
        states: only tasks in these states (``--state``); empty: all.
        every: every row and every failure's log (``--all``), even for a big sweep.
        lines: log lines per failure (``--lines``); None: 10 in a table, 3 in a summary.
        quiet: only the head line (``-q``).
        ref: how to name the sweep in hints (``--sweep-id ID`` or ``--sweep-dir DIR``).
        since: when the sweep started and what that time is, for "N since ...".
        now: the time of the poll (seconds since the epoch).
        data: build the JSON document too (not needed for text).
    """

    states: frozenset[JobState] = frozenset()
    every: bool = False
    lines: int | None = None
    quiet: bool = False
    ref: str = ""
    since: tuple[float, str] | None = None
    now: float | None = None
    data: bool = True


def sweep_ref(sweep_dir: Path, sweep_id: str) -> str:
    """How a hint names a sweep: ``--sweep-id ID`` when it lives in the default place."""
    if sweep_dir == DEFAULT_SWEEPS / sweep_id:
        return f"--sweep-id {sweep_id}"
    return f"--sweep-dir {shlex.quote(str(sweep_dir))}"


def sweep_view(
    sweep_dir: Path,
    report: SweepReport,
    lines: int | None = None,
    colour: bool = False,
    shown: Shown | None = None,
) -> tuple[str, dict[str, Any]]:
    """The monitor's text and JSON document for one poll of a sweep.

    ``lines`` is the table's log lines per failure when ``shown`` does not say (``--wait``
    passes its own); the JSON document lists every task (only those in ``shown.states``
    when given) whatever the text shows.
    """
    shown = shown or Shown()
    manifest = report.manifest
    split = split_params(manifest.params)
    data = _document(sweep_dir, report, split, shown) if shown.data else {}
    head = _head(manifest, report, colour)
    if shown.quiet:
        return head, data
    parts = [head]
    fed = progress(manifest, report.job_ids)
    if fed.waiting:
        stopped = any(s.raw == STOPPED for s in report.statuses.values())
        parts.append(progress_line(fed, stopped=stopped))
    tried = attempts(manifest, report.job_ids)
    again = sorted(task for task, count in tried.items() if count > 1)
    if again:
        parts.append(
            f"attempts: {len(again)} task(s) ran more than once ({ranges(again)}; up to "
            f"{max(tried.values())} attempts each)"
        )
    if report.stale:
        parts.append(f"warning: {report.warning}")
    ref = shown.ref or sweep_ref(sweep_dir, manifest.sweep_id)
    summary = len(report.statuses) > SUMMARY_ABOVE and not (shown.every or shown.states)
    if summary:
        parts.extend(_summary(report, split, shown, ref))
    else:
        table_lines = shown.lines or lines or TABLE_LINES
        parts.extend(_table(report, split, shown, ref, table_lines, colour))
    return "\n".join(parts), data


def _document(
    sweep_dir: Path, report: SweepReport, split: ParamSplit, shown: Shown
) -> dict[str, Any]:
    manifest = report.manifest
    tried = attempts(manifest, report.job_ids)
    records = [
        {
            **status_record(view.task, view.params, view.status, view.log),
            "attempts": tried.get(view.task, 0),
        }
        for view in api.task_views(report)
        if not shown.states or view.status.state in shown.states
    ]
    fed = progress(manifest, report.job_ids)
    return {
        "sweep_id": manifest.sweep_id,
        "sweep_dir": str(sweep_dir),
        "scheduler": manifest.scheduler,
        "mode": manifest.mode,
        "state": sweep_state(list(report.statuses.values())).value,
        "stale": report.stale,
        "warning": report.warning,
        "counts": count_states(report.statuses.values()),
        "varying": list(split.varying),
        "constants": dict(split.constants),
        "started": None if shown.since is None else shown.since[0],
        "submitted_tasks": fed.submitted,
        "tasks": records,
    }


def _head(manifest: Manifest, report: SweepReport, colour: bool) -> str:
    overall = sweep_state(list(report.statuses.values())).value
    counts = count_states(report.statuses.values())
    return (
        f"sweep {manifest.sweep_id} ({manifest.scheduler}, {manifest.mode}): "
        f"{len(report.statuses)} tasks, {paint(overall, overall, colour)} -- "
        f"{counts_text(counts, colour)}"
    )


def _constants_line(split: ParamSplit) -> list[str]:
    return [f"same in every task: {format_params(split.constants)}"] if split.constants else []


def _progress(report: SweepReport, shown: Shown) -> str:
    counts = count_states(report.statuses.values())
    total = sum(counts.values())
    final = sum(counts[state.value] for state in JobState if state.is_final)
    width = 30
    filled = width * final // total if total else 0
    line = f"[{'#' * filled}{'-' * (width - filled)}] {final}/{total} finished"
    if shown.since is not None and shown.now is not None:
        started, what = shown.since
        line += f", {duration_text(shown.now - started)} since {what}"
    return line


def _summary(report: SweepReport, split: ParamSplit, shown: Shown, ref: str) -> list[str]:
    parts = [_progress(report, shown), *_constants_line(split)]
    if split.varying:
        parts.append(f"varying: {' '.join(split.varying)}")
    failed = [t for t, s in report.statuses.items() if s.state is JobState.FAILED]
    listed, more = capped(sorted(failed), LISTED)
    if listed:
        lines = shown.lines or SUMMARY_LINES
        parts.append(
            f"\nfailed: {len(failed)} task(s)"
            + (f"; the first {len(listed)}" if more else "")
            + f", with the last {lines} log line(s):"
        )
        parts.extend(_failures(listed, report, split, lines, with_path=False))
        if more:
            parts.append(f"\n{more} more: hsm monitor {ref} --state failed")
        parts.append(f"a task's whole log: hsm logs {ref} TASK")
    parts.extend(_others(report, ref))
    parts.extend(_stuck(report))
    parts.append(f"\nevery task: hsm monitor {ref} --all; one state: --state failed,running")
    return parts


def _others(report: SweepReport, ref: str) -> list[str]:
    """Which tasks were cancelled or are unknown, as ranges of task numbers."""
    parts = []
    for state in (JobState.CANCELLED, JobState.UNKNOWN):
        tasks = [t for t, s in report.statuses.items() if s.state is state]
        if tasks:
            shown = ranges(tasks)
            shown = shown if len(shown) <= 60 else shown[:59].rsplit(",", 1)[0] + ",…"
            parts.append(f"{state.value}: task(s) {shown} (--state {state.value})")
    return ["", *parts] if parts else []


def _table(
    report: SweepReport, split: ParamSplit, shown: Shown, ref: str, lines: int, colour: bool
) -> list[str]:
    manifest = report.manifest
    rows = [
        (task, status)
        for task, status in sorted(report.statuses.items())
        if not shown.states or status.state in shown.states
    ]
    parts = _constants_line(split)
    if shown.states:
        names = ",".join(state.value for state in JobState if state in shown.states)
        parts.append(f"showing {len(rows)} {names} of {len(report.statuses)} tasks")
    cells = [
        status_row(t, pick(manifest.tasks[t].params, split.varying), s, colour) for t, s in rows
    ]
    optional = USAGE_HEADERS if split.varying else ("PARAMS", *USAGE_HEADERS)
    headers, cells = without_blank_columns(STATUS_HEADERS, cells, optional)
    if rows:
        parts.append(format_table(headers, cells, max_width=100))
    ended = [t for t, s in rows if s.state in (JobState.FAILED, JobState.CANCELLED)]
    listed, more = capped(ended, None if shown.every else LISTED)
    parts.extend(_failures(listed, report, split, lines))
    if more:
        parts.append(
            f"\n{more} more failed or cancelled task(s) not shown: hsm monitor {ref} --all, "
            f"or one task's log: hsm logs {ref} TASK"
        )
    parts.extend(_stuck(report))
    return parts


def _log_paths(manifest: Manifest, tasks: Sequence[int]) -> dict[int, Path]:
    """Where the logs of ``tasks`` are (only tasks a job covers)."""
    owners = current_jobs(manifest)
    workdir = Path(manifest.workdir)
    return {
        task: workdir / task_log_path(owners[task], manifest.scheduler, task)
        for task in tasks
        if task in owners
    }


def _why(status: JobStatus) -> str:
    """``exit code 1``, ``TIMEOUT: TimeLimit``, ``OUT_OF_MEMORY, signal 9``: how a task
    ended (the scheduler's reason only when there is no exit code to say it)."""
    code = real_exit_code(status)
    if code is not None:
        why = f"exit code {code}"
    else:
        why = status.raw or status.state.value
        if status.reason and status.reason not in ("None", status.raw):
            why += f": {status.reason}"
    if status.signal and status.state is JobState.FAILED:
        why += f", signal {status.signal}"
    return why


def _failures(
    tasks: Sequence[int],
    report: SweepReport,
    split: ParamSplit,
    lines: int,
    with_path: bool = True,
) -> list[str]:
    """Failed or cancelled tasks: a block (a line and its log's tail) for each task with
    a log, one line for each without; blocks stand apart, one-liners stay together."""
    logs = _log_paths(report.manifest, tasks)
    parts: list[str] = []
    apart = True
    for task in tasks:
        status = report.statuses[task]
        params = format_params(pick(report.manifest.tasks[task].params, split.varying))
        head = f"{status.state.value} task {task}" + (f" {params}" if params else "")
        head += f" (job {status.job_id or '-'}, {_why(status)})"
        log = logs.get(task)
        if log is None or not exists(log):
            where = f" at {log}" if log and with_path else ""
            parts.append(("\n" if apart else "") + f"{head}: no log{where}")
            apart = False
            continue
        where = f"; log: {log}" if with_path else ":"
        parts.append(f"\n{head}{where}")
        parts.extend(f"  | {line}" for line in tail(log, lines))
        apart = True
    return parts


def _stuck(report: SweepReport) -> list[str]:
    """Queued tasks the scheduler says can never start, one line per reason."""
    never_starts = SCHEDULERS[report.manifest.scheduler].never_starts
    by_reason: dict[str, list[int]] = {}
    for task, status in report.statuses.items():
        if status.state is JobState.QUEUED and never_starts(status.reason):
            by_reason.setdefault(status.reason, []).append(task)
    return [
        f"\nqueued task(s) {ranges(tasks)} can never start: {reason}"
        for reason, tasks in by_reason.items()
    ]


def submitted_reply(sweep_dir: Path, manifest: Manifest, submitted: Submitted, what: str) -> Reply:
    """What a submitting command (``what``: ran, submitted, resubmitted) tells the user."""
    jobs = [
        {"key": j.key, "job_id": submitted.job_ids.get(j.key), "tasks": list(j.tasks)}
        for j in manifest.jobs
    ]
    data = {
        "sweep_id": manifest.sweep_id,
        "sweep_dir": str(sweep_dir),
        "scheduler": manifest.scheduler,
        "mode": manifest.mode,
        "tasks": len(manifest.params),
        "jobs": jobs,
        "submitted": list(submitted.submitted),
        "recovered": list(submitted.recovered),
    }
    ids = [submitted.job_ids[k] for k in submitted.submitted]
    shown = " ".join(ids[:10]) + (" ..." if len(ids) > 10 else "")
    ref = sweep_ref(sweep_dir, manifest.sweep_id)
    lines = [
        f"{what} sweep {manifest.sweep_id}: {len(manifest.params)} tasks, "
        f"{len(ids)} job(s) submitted to {manifest.scheduler}"
        + (f" ({shown})" if ids else " (all were already in: nothing to do)")
    ]
    if submitted.recovered:
        lines.append(f"found {len(submitted.recovered)} job(s) submitted before a crash")
    fed = progress(manifest, submitted.job_ids)
    if fed.waiting:
        lines.append(progress_line(fed))
    data["submitted_tasks"] = fed.submitted
    lines.append(f"record: {sweep_dir}")
    lines.append(f"follow: hsm monitor {ref}")
    return Reply("\n".join(lines), data)
