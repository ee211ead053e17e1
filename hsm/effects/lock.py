"""One writer per sweep: an exclusive advisory lock on the sweep directory.

Strategy: every command that writes a sweep's record or submits, resubmits or cancels its
jobs runs inside :func:`with_sweep_lock`, which holds ``flock(LOCK_EX)`` on
``<sweep_dir>/.lock`` for the whole action.  The kernel drops the lock when the holder
exits in any way (``kill -9`` included), so a lock is never stale.  A second writer
waits a few seconds, then stops with a message naming the holder (its pid, command and
start time, which the holder writes into the lock file).  Readers (monitor, results)
take no lock: every file they read is replaced atomically.

Scheduler commands run while the lock is held inherit its descriptor
(:func:`held_lock_fds`, passed on by ``effects.runner``), so the lock lives as long as
the last of them.  After ``kill -9`` of hsm mid-``sbatch`` the orphaned ``sbatch`` keeps
the sweep locked until it has submitted (or failed), and a resume -- which looks
in-flight jobs up by name -- waits for it instead of missing its job and submitting a
second one.  A lock whose recorded holder is gone is such an orphan: the next writer
waits up to :data:`ORPHAN_WAIT_SECONDS` (longer than a scheduler command may take).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from returns.io import IOFailure, IOResult

from hsm.pure import layout
from hsm.pure.errors import HSMFailure, StateError

T = TypeVar("T")

#: How long a second writer waits for the first before giving up.
WAIT_SECONDS = 5.0
#: How long it waits when the holder has exited and only a scheduler command it started
#: still holds the lock: the runner's command timeout (60 s) and a margin.
ORPHAN_WAIT_SECONDS = 75.0
_POLL = 0.1

_HELD: ContextVar[tuple[int, ...]] = ContextVar("hsm_held_sweep_locks", default=())


def held_lock_fds() -> tuple[int, ...]:
    """Descriptors of the sweep locks this context holds: a scheduler command started
    now inherits them, so the lock outlives hsm for as long as that command runs."""
    return _HELD.get()


def with_sweep_lock(
    sweep_dir: Path,
    action: Callable[[], IOResult[T, HSMFailure]],
    *,
    wait: float = WAIT_SECONDS,
) -> IOResult[T, HSMFailure]:
    """Run ``action`` holding the sweep's lock (creating the directory if needed)."""
    path = sweep_dir / layout.LOCK
    try:
        sweep_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        return IOFailure(StateError(f"cannot lock {sweep_dir}: {error.strerror}", str(sweep_dir)))
    try:
        if not _acquire(fd, wait) and not (
            _holder_gone(path) and _acquire(fd, max(0.0, ORPHAN_WAIT_SECONDS - wait))
        ):
            return IOFailure(StateError(_busy_message(sweep_dir, path), str(sweep_dir)))
        _announce(fd)
        token = _HELD.set((*_HELD.get(), fd))
        try:
            return action()
        finally:
            _HELD.reset(token)
    finally:
        os.close(fd)  # releases the lock (unless a scheduler command still holds it)


def _busy_message(sweep_dir: Path, path: Path) -> str:
    if _holder_gone(path):
        return (
            f"a scheduler command that an earlier hsm started ({_holder(path)}; that hsm "
            f"has exited) still holds {sweep_dir}; run the command again when it has ended "
            "-- its job, if it made one, is then found by name"
        )
    return (
        f"another hsm command is writing {sweep_dir} ({_holder(path)}); wait for it to "
        "finish -- a second writer could submit the same tasks twice"
    )


def _acquire(fd: int, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as error:
            if error.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                return True  # no locks on this filesystem (NFS without lockd): go on
            if error.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL)


def _announce(fd: int) -> None:
    """Write who holds the lock (for the message a second writer prints)."""
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": " ".join(sys.argv)[:300],
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(holder) + "\n").encode("utf-8"), 0)


def _holder_gone(path: Path) -> bool:
    """True when the lock file names a holder on this host that no longer exists."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        pid, host = int(holder["pid"]), str(holder["host"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if host != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # exists, owned by someone else
    return False


def _holder(path: Path) -> str:
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        return (
            f"held by pid {holder['pid']} on {holder['host']} since {holder['since']}: "
            f"{holder['command']}"
        )
    except (OSError, ValueError, KeyError, TypeError):
        return "held by another process"
