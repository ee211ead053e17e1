"""Read what a sweep left on disk: log tails, metrics files, file times, past sweeps.

Strategy: the reading commands (``monitor``, ``results``, ``logs``, ``sweep list``) never
write and never lock; every file here is optional -- a task that has not written its
metrics or its log yet is a blank, not an error -- so the per-file verbs return plain
values (``None`` for "not there") and only a problem with the sweep itself (a directory
that cannot be listed) is an ``IOResult`` failure.  Whether a value is usable (valid JSON,
a JSON object) is decided by the pure parsers in :mod:`hsm.pure.results`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from returns.io import IOFailure, IOResult, IOSuccess
from returns.result import Failure, Result

from hsm.effects.files import JsonRecord, read_journal
from hsm.pure import layout
from hsm.pure.errors import HSMFailure, StateError
from hsm.pure.manifest import Manifest
from hsm.pure.records import statuses_from_text
from hsm.pure.results import parse_metrics
from hsm.pure.states import JobStatus

#: How much of a log's end :func:`tail` reads: enough for any sensible number of lines.
TAIL_BYTES = 64 * 1024


def last_lines(path: Path, lines: int) -> list[str] | None:
    """The last ``lines`` lines of a file (read from its last :data:`TAIL_BYTES`), or None
    when it cannot be read."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - TAIL_BYTES))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    return text.splitlines()[-lines:]


def tail(path: Path, lines: int) -> list[str]:
    """The last ``lines`` lines of a log, or one line saying why there are none."""
    found = last_lines(path, lines)
    if found is None:
        try:
            path.stat()
        except OSError as error:
            return [f"(no log: {error.strerror})"]
        return ["(no log: unreadable)"]
    return found or ["(the log is empty)"]


def exists(path: Path) -> bool:
    """Whether ``path`` is a file."""
    return path.is_file()


def size(path: Path) -> int | None:
    """How many bytes ``path`` holds, or None when it cannot be asked."""
    try:
        return path.stat().st_size
    except OSError:
        return None


def mtime(path: Path) -> float | None:
    """When ``path`` was last modified (seconds since the epoch), or None."""
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def read_from(path: Path, offset: int) -> tuple[bytes, int] | None:
    """What ``path`` holds from byte ``offset`` on, and the new end; None when missing.

    A file shorter than ``offset`` (truncated or replaced) is read from the start.
    """
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            start = offset if offset <= size else 0
            handle.seek(start)
            data = handle.read(size - start)
    except FileNotFoundError:
        return None
    except OSError:
        return b"", offset
    return data, start + len(data)


def task_metrics(
    sweep_dir: Path, tasks: Iterable[int], name: str
) -> dict[int, Result[dict[str, object], str]]:
    """Each task's metrics file ``<sweep_dir>/tasks/<task>/<name>``, parsed and flattened,
    or why it could not be used; tasks without the file are absent."""
    found: dict[int, Result[dict[str, object], str]] = {}
    base = os.fspath(sweep_dir)
    for task in tasks:
        # plain strings and open(): pathlib's joins cost more than the reads on 10,000 tasks
        path = os.path.join(base, layout.task_dir(task), name)
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (FileNotFoundError, NotADirectoryError):
            continue
        except (OSError, UnicodeDecodeError) as error:
            found[task] = Failure(f"cannot read {path}: {getattr(error, 'strerror', error)}")
            continue
        found[task] = parse_metrics(text)
    return found


def sweep_started(
    sweep_dir: Path, manifest: Manifest
) -> IOResult[tuple[float, str] | None, HSMFailure]:
    """When the sweep started and what that time is: the first journal record's ``at``
    (a submission), else when its first script was written; None if neither is known
    (an unreadable journal counts as one with no submission)."""
    return (
        read_journal(sweep_dir / layout.JOURNAL)
        .lash(lambda _: IOSuccess([]))
        .map(partial(_started, sweep_dir, manifest))
    )


def _started(
    sweep_dir: Path, manifest: Manifest, records: list[JsonRecord]
) -> tuple[float, str] | None:
    times = [r["at"] for r in records if isinstance(r.get("at"), int | float)]
    if times:
        return float(min(times)), "first submission"
    if manifest.jobs:
        written = mtime(sweep_dir / manifest.jobs[0].script_file)
        if written is not None:
            return written, "the scripts were written"
    return None


def sweep_dirs(root: Path) -> IOResult[list[Path], HSMFailure]:
    """The directories directly under ``root`` (sorted by name); none if ``root`` is
    missing, a failure if it cannot be listed."""
    try:
        entries = sorted(entry.path for entry in os.scandir(root) if entry.is_dir())
    except FileNotFoundError:
        return IOSuccess([])
    except OSError as error:
        return IOFailure(StateError(f"cannot list {root}: {error.strerror}", str(root)))
    return IOSuccess([Path(entry) for entry in entries])


def sweep_created(sweep_dir: Path, manifest: Manifest | None) -> float | None:
    """When a sweep directory was written: its first script (scripts are never
    rewritten), else its manifest, else the directory itself."""
    if manifest is not None and manifest.jobs:
        written = mtime(sweep_dir / manifest.jobs[0].script_file)
        if written is not None:
            return written
    return mtime(sweep_dir / layout.MANIFEST) or mtime(sweep_dir)


def cached_statuses(sweep_dir: Path) -> dict[int, JobStatus] | None:
    """The statuses the last poll cached (``status.json``), or None when there are none
    or they cannot be read (the cache is a convenience, never an error)."""
    try:
        text = (sweep_dir / layout.STATUS_CACHE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return statuses_from_text(text)
