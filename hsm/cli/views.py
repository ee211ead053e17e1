"""How a sweep reads on screen: a poll of its tasks, and a submission.

Strategy: the monitor's table, ``--wait``'s final report and every submitting command's
summary are built here from library records, as text for people and a JSON document for
``--json``, so that ``monitor``, ``sweep run --wait`` and ``sweep resubmit`` show a sweep
the same way.  Column and colour choices live in :mod:`hsm.pure.cli_text`; this module
adds what needs the disk (the tails of failed tasks' logs).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hsm import api
from hsm.cli.inputs import DEFAULT_SWEEPS
from hsm.cli.output import Reply
from hsm.effects.sweeps import Submitted, SweepReport
from hsm.pure.cli_text import (
    STATUS_HEADERS,
    counts_text,
    format_table,
    paint,
    status_record,
    status_row,
)
from hsm.pure.manifest import Manifest, count_states, sweep_state
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.states import JobState


def tail(path: Path, lines: int) -> list[str]:
    """The last ``lines`` lines of a log, or one line saying why there are none."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError as error:
        return [f"(no log: {error.strerror})"]
    return text.splitlines()[-lines:] or ["(the log is empty)"]


def sweep_view(
    sweep_dir: Path, report: SweepReport, lines: int, colour: bool
) -> tuple[str, dict[str, Any]]:
    """The monitor's text and JSON document for one poll of a sweep."""
    manifest = report.manifest
    records = []
    for view in api.task_views(report):
        records.append(status_record(view.task, view.params, view.status, view.log))
    counts = count_states(report.statuses.values())
    overall = sweep_state(list(report.statuses.values())).value
    data = {
        "sweep_id": manifest.sweep_id,
        "sweep_dir": str(sweep_dir),
        "scheduler": manifest.scheduler,
        "mode": manifest.mode,
        "state": overall,
        "stale": report.stale,
        "warning": report.warning,
        "counts": counts,
        "tasks": records,
    }
    head = (
        f"sweep {manifest.sweep_id} ({manifest.scheduler}, {manifest.mode}): "
        f"{len(records)} tasks, {paint(overall, overall, colour)} -- "
        f"{counts_text(counts, colour)}"
    )
    parts = [head]
    if report.stale:
        parts.append(f"warning: {report.warning}")
    parts.append(format_table(STATUS_HEADERS, [status_row(r, colour) for r in records]))
    never_starts = SCHEDULERS[manifest.scheduler].never_starts
    for record in records:
        if record["state"] == JobState.QUEUED.value and never_starts(record["reason"]):
            parts.append(
                f"\nqueued task {record['task']} (job {record['job_id']}) can never start: "
                f"{record['reason']}"
            )
        if record["state"] not in (JobState.FAILED.value, JobState.CANCELLED.value):
            continue
        code = record["exit_code"]
        why = f"exit code {code}" if code else (record["raw"] or record["state"])
        parts.append(
            f"\n{record['state']} task {record['task']} (job {record['job_id']}, "
            f"{why}); log: {record['log']}"
        )
        if record["log"]:
            parts.extend(f"  | {line}" for line in tail(Path(record["log"]), lines))
    return "\n".join(parts), data


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
    ref = (
        f"--sweep-id {manifest.sweep_id}"
        if sweep_dir == DEFAULT_SWEEPS / manifest.sweep_id
        else f"--sweep-dir {sweep_dir}"
    )
    lines = [
        f"{what} sweep {manifest.sweep_id}: {len(manifest.params)} tasks, "
        f"{len(ids)} job(s) submitted to {manifest.scheduler}"
        + (f" ({shown})" if ids else " (all were already in: nothing to do)")
    ]
    if submitted.recovered:
        lines.append(f"found {len(submitted.recovered)} job(s) submitted before a crash")
    lines.append(f"record: {sweep_dir}")
    lines.append(f"follow: hsm monitor {ref}")
    return Reply("\n".join(lines), data)
