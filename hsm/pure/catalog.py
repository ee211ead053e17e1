"""``hsm sweep list``: the sweeps under a root, as records and as a table.

Strategy: listing a root must stay cheap and must not fail because one directory in it is
odd, so each sweep is read from its own files only -- the manifest (id, scheduler, mode,
tasks) and the last cached status (``status.json``) -- and a directory that is not a
valid sweep becomes an entry that says so.  Asking the schedulers is opt-in
(``--refresh``).  Times arrive as text: formatting the clock is not the pure core's job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hsm.pure.cli_text import counts_text, format_table


@dataclass(frozen=True, slots=True)
class SweepEntry:
    """One directory under the sweep root.

    Attributes:
        sweep_dir: the directory.
        sweep_id / scheduler / mode / tasks: from its manifest ("" / 0 when invalid).
        created: when it was written (seconds since the epoch), if known.
        counts: tasks per state from the last poll (``status.json``); None if it was
            never polled.
        problem: why the directory is not a usable sweep, or why a refresh failed.
    """

    sweep_dir: str
    sweep_id: str = ""
    scheduler: str = ""
    mode: str = ""
    tasks: int = 0
    created: float | None = None
    counts: Mapping[str, int] | None = None
    problem: str = ""


def entry_record(entry: SweepEntry, created: str) -> dict[str, Any]:
    """One entry for ``--json`` (``created`` already formatted, ISO 8601)."""
    return {
        "sweep_dir": entry.sweep_dir,
        "sweep_id": entry.sweep_id or None,
        "scheduler": entry.scheduler or None,
        "mode": entry.mode or None,
        "tasks": entry.tasks,
        "created": created or None,
        "counts": None if entry.counts is None else dict(entry.counts),
        "valid": bool(entry.sweep_id),
        "problem": entry.problem or None,
    }


def entries_table(
    entries: Sequence[SweepEntry], created: Sequence[str], colour: bool = False
) -> str:
    """The table ``hsm sweep list`` prints: one line per directory, oldest first.

    >>> print(entries_table([SweepEntry("sweeps/a", "a", "slurm", "array", 4, 0.0,
    ...                                 {"completed": 3, "failed": 1}),
    ...                      SweepEntry("sweeps/b", problem="no manifest.json")],
    ...                     ["2026-12-01 10:00", ""]))
    SWEEP     SCHEDULER  MODE   TASKS  CREATED           STATES (last poll)
    a         slurm      array  4      2026-12-01 10:00  completed 3 · failed 1
    sweeps/b                                             not a sweep: no manifest.json
    """
    rows = []
    for entry, when in zip(entries, created, strict=True):
        if not entry.sweep_id:
            states = f"not a sweep: {entry.problem}"
        elif entry.counts is None:
            states = "never polled"
        else:
            states = counts_text(entry.counts, colour)
        if entry.sweep_id and entry.problem:
            states += f" ({entry.problem})"
        rows.append(
            [
                entry.sweep_id or entry.sweep_dir,
                entry.scheduler,
                entry.mode,
                str(entry.tasks) if entry.sweep_id else "",
                when,
                states,
            ]
        )
    headers = ("SWEEP", "SCHEDULER", "MODE", "TASKS", "CREATED", "STATES (last poll)")
    return format_table(headers, rows, max_width=200)
