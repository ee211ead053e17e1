"""Write the sweep directory so that a crash never leaves half a file or half a record.

Strategy: a file is replaced, never rewritten in place.  Write a temp file beside the
target (same directory, so the rename stays on one filesystem), fsync it, ``os.replace``
it over the target, then fsync the directory so the rename itself survives a power cut.
``write_many_atomic`` batches the slow part: all temp files are written first, their
fsyncs run concurrently (one filesystem journal commit can cover many of them), then the
renames, then one fsync per distinct directory.

The journal is JSON lines, and a record is committed exactly when its newline is on disk:
each record is a single ``os.write`` of the whole line to an ``O_APPEND`` descriptor held
under an exclusive ``flock`` (so writers in several processes never interleave), then
fsynced.  A crash can only damage the last line; readers ignore a damaged last line and
the next writer cuts it off before appending, so it never ends up in the middle.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import tempfile
from collections import deque
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from returns.io import IOFailure, IOResult, IOSuccess

from hsm.pure.errors import StateError

#: One journal record as read back: a JSON object.
JsonRecord = dict[str, Any]

_FSYNC_THREADS = 32  # concurrent fsyncs share journal commits: ~3x faster on ext4
_BATCH = 256  # temp files open at once in write_many_atomic (stays under `ulimit -n`)
_TAIL_WINDOW = 4096  # bytes first read back to find the journal's last line

# errno -> (the error in words, what to do about it)
_REASONS: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("it does not exist", "check the path (is this the right sweep directory?)"),
    errno.EACCES: (
        "permission denied",
        "check the owner and mode of the file and its directory (`ls -ld`), "
        "or use a sweep directory you own",
    ),
    errno.EPERM: (
        "operation not permitted",
        "check the owner and mode of the file and its directory (`ls -ld`), "
        "or use a sweep directory you own",
    ),
    errno.ENOSPC: (
        "no space left on the device",
        "free some space (`df -h`) or put the sweep directory on another filesystem",
    ),
    errno.EDQUOT: (
        "disk quota exceeded",
        "free space within your quota (`quota -s`) or use another filesystem",
    ),
    errno.EROFS: ("the filesystem is read-only", "put the sweep directory somewhere writable"),
    errno.ENOTDIR: (
        "a component of the path is a file, not a directory",
        "check the path: a parent directory name is taken by a regular file",
    ),
    errno.EISDIR: ("it is a directory", "give the path of a file"),
    errno.ENAMETOOLONG: ("the name is too long", "use a shorter sweep directory or job name"),
    errno.EMFILE: ("too many open files", "raise the limit (`ulimit -n`) and try again"),
    errno.EIO: (
        "input/output error",
        "the disk or network filesystem failed; check it, then try again",
    ),
}


def write_atomic(path: Path, data: str | bytes, *, mode: int = 0o644) -> IOResult[Path, StateError]:
    """Replace ``path`` with ``data``; readers see the old file or the new one, never half.

    Parent directories are created.  Text is encoded as UTF-8.

    Args:
        path: the file to write.
        data: its whole new content.
        mode: its permission bits, applied exactly (the umask does not apply).

    Returns:
        The path written, or a ``StateError`` saying why not and what to do.
    """
    target = Path(path)
    try:
        dirty = [target.parent, *_make_parents(target.parent)]
        fd, tmp = _write_temp(target, _encode(data), mode)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        _replace(tmp, target)
        for directory in dirty:
            _fsync_dir(directory)
    except OSError as exc:
        return IOFailure(_os_error("write", target, exc))
    return IOSuccess(target)


def write_many_atomic(
    items: Iterable[tuple[Path, str | bytes]], *, mode: int = 0o644
) -> IOResult[int, StateError]:
    """Atomically write many files (e.g. 10,000 job scripts) at a fraction of the cost.

    Every file is written to a temp file and fsynced (concurrently, in batches) before
    any is renamed; then all are renamed; then each distinct directory is fsynced once.
    If anything fails before the renames, no target is touched and no temp file is left.

    Args:
        items: ``(path, content)`` pairs; a later pair for the same path wins.
        mode: permission bits of every file, applied exactly.

    Returns:
        How many files were written, or a ``StateError`` naming the file that failed
        (and, if renaming had begun, how many files were already in place).
    """
    pending: list[tuple[Path, Path]] = []  # (temp file, target)
    dirty: dict[Path, None] = {}  # ordered set of directories to fsync at the end
    renamed = 0
    current = Path()
    done = False
    try:
        with ThreadPoolExecutor(_FSYNC_THREADS) as pool:
            # fsyncs overlap with creating the next files; at most _BATCH stay open.
            syncing: deque[tuple[Path, Future[None]]] = deque()
            for path, data in items:
                current = Path(path)
                if current.parent not in dirty:
                    dirty.update(dict.fromkeys(_make_parents(current.parent)))
                    dirty[current.parent] = None
                fd, tmp = _write_temp(current, _encode(data), mode)
                pending.append((tmp, current))
                syncing.append((current, pool.submit(_fsync_and_close, fd)))
                if len(syncing) >= _BATCH:
                    current, future = syncing.popleft()
                    future.result()
            while syncing:
                current, future = syncing.popleft()
                future.result()
        for tmp, target in pending:
            current = target
            os.replace(tmp, target)
            renamed += 1
        for directory in dirty:
            _fsync_dir(directory)
        done = True
    except OSError as exc:
        error = _os_error("write", current, exc)
        if renamed:
            error = StateError(
                f"{error.message} ({renamed} of {len(pending)} files were already written)",
                path=error.path,
            )
        return IOFailure(error)
    finally:
        if not done:
            for tmp, _ in pending[renamed:]:
                _unlink_quietly(tmp)
    return IOSuccess(len(pending))


def append_journal(path: Path, record: Mapping[str, object]) -> IOResult[None, StateError]:
    """Append one record to a JSON-lines journal and make it durable before returning.

    The line is ``json.dumps(record, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` plus a newline, written by one ``os.write`` under ``O_APPEND``
    and an exclusive ``flock``, then fsynced.  What a crash mid-append can leave (an
    unfinished last line, or a final line that is not a JSON object) is cut off first, so
    it never ends up in the middle of the journal.

    Args:
        path: the journal file; it and its parent directories are created if missing.
        record: a JSON-serialisable mapping (anything else is a programming error and
            raises ``TypeError``).

    Returns:
        ``None``, or a ``StateError`` saying why the record could not be written.
    """
    target = Path(path)
    line = (
        json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    ).encode("utf-8")
    try:
        dirty = _make_parents(target.parent)
        fd = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            _lock(fd)
            size = os.fstat(fd).st_size
            end = _committed_end(fd, size)
            if end != size:
                os.ftruncate(fd, end)
            written = os.write(fd, line)
            if written != len(line):
                # Never leave half a record behind; a full disk is the usual cause.
                os.ftruncate(fd, end)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
            os.fsync(fd)
        finally:
            os.close(fd)  # also releases the flock
        if size == 0:  # the journal may be new: make its directory entry durable
            dirty.append(target.parent)
        for directory in dirty:
            _fsync_dir(directory)
    except OSError as exc:
        return IOFailure(_os_error("append to", target, exc))
    return IOSuccess(None)


def read_journal(path: Path) -> IOResult[list[JsonRecord], StateError]:
    """Read every committed record of a JSON-lines journal, oldest first.

    A missing journal has no records.  The last line is ignored when it is unfinished
    (no newline) or not a JSON object: that is what a crash mid-append leaves.  A bad line
    anywhere else is corruption and an error naming the file and line number.

    Args:
        path: the journal file.

    Returns:
        The records, or a ``StateError``.
    """
    target = Path(path)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        return IOSuccess([])
    except OSError as exc:
        return IOFailure(_os_error("read", target, exc))
    # Split on b"\n" only: str.splitlines would also split at U+2028 inside a value.
    # What follows the last newline is a record a crash cut short: never committed.
    *lines, _unfinished = data.split(b"\n")
    records: list[JsonRecord] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        record = _parse_record(raw)
        if record is not None:
            records.append(record)
        elif number == len(lines):
            break  # a damaged last line: treated like an unfinished one
        else:
            return IOFailure(
                StateError(
                    f"{target} line {number} is not a JSON record: {_preview(raw)}; "
                    "hint: the journal is corrupt (edited by hand or damaged); restore it "
                    "from a backup or move it aside and let hsm re-check the jobs with the "
                    "scheduler",
                    path=str(target),
                )
            )
    return IOSuccess(records)


def read_text(path: Path) -> IOResult[str, StateError]:
    """Read a whole UTF-8 text file.

    Args:
        path: the file.

    Returns:
        Its text, or a ``StateError`` saying why it could not be read and what to do.
    """
    target = Path(path)
    try:
        return IOSuccess(target.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        return IOFailure(
            StateError(
                f"could not read {target}: it is not UTF-8 text (bad byte at offset "
                f"{exc.start}); hint: check that this is the file hsm wrote",
                path=str(target),
            )
        )
    except OSError as exc:
        return IOFailure(_os_error("read", target, exc))


# -- helpers --------------------------------------------------------------------------


def _encode(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _make_parents(directory: Path) -> list[Path]:
    """Create ``directory`` if needed; return the directories that gained an entry.

    The caller adds ``directory`` itself when it puts a new file there.
    """
    missing: list[Path] = []
    probe = directory
    while not probe.exists() and probe.parent != probe:
        missing.append(probe)
        probe = probe.parent
    if missing:
        directory.mkdir(parents=True, exist_ok=True)
    return [new.parent for new in missing]


def _write_temp(target: Path, payload: bytes, mode: int) -> tuple[int, Path]:
    """Write ``payload`` to a fresh temp file beside ``target``; return its open fd and path."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:64]}.", suffix=".tmp")
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
        os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        _unlink_quietly(Path(name))
        raise
    return fd, Path(name)


def _lock(fd: int) -> None:
    """Take an exclusive flock, or go on without one where the filesystem has no locks."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as exc:
        # e.g. NFS without lockd: one hsm process per sweep is the common case, and the
        # single O_APPEND write still keeps each record whole on a local filesystem.
        if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
            raise


def _fsync_and_close(fd: int) -> None:
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(tmp: Path, target: Path) -> None:
    try:
        os.replace(tmp, target)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise  # some filesystems cannot fsync a directory; that is no failure
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    # Cleanup is best effort: the error that made us clean up is the one to report.
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _committed_end(fd: int, size: int) -> int:
    """Offset just past the journal's last good line: where the next record must start.

    Mirrors ``read_journal``: text after the last newline, and a final line that is not
    a JSON object, are what a crash mid-append leaves; both are cut off.
    """
    window = _TAIL_WINDOW
    while True:
        start = max(0, size - window)
        pieces = os.pread(fd, size - start, start).split(b"\n")
        # pieces[-1] is the unfinished tail; pieces[-2] the final line if it is whole.
        if len(pieces) >= 3 or start == 0:
            break
        window *= 4
    end = size - len(pieces[-1])
    if len(pieces) < 2:
        return end
    final = pieces[-2]
    if not final.strip() or _parse_record(final) is not None:
        return end
    return end - len(final) - 1


def _parse_record(raw: bytes) -> JsonRecord | None:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _preview(raw: bytes, limit: int = 80) -> str:
    text = raw.decode("utf-8", errors="replace")
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _os_error(action: str, path: Path, exc: OSError) -> StateError:
    reason, hint = _REASONS.get(
        exc.errno or 0, ((exc.strerror or str(exc)).lower(), "check the path and try again")
    )
    where = ""
    if exc.filename is not None and Path(os.fsdecode(exc.filename)) in Path(path).parents:
        where = f" ({os.fsdecode(exc.filename)})"
    return StateError(f"could not {action} {path}: {reason}{where}; hint: {hint}", str(path))
