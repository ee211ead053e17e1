"""The local backend's spool: its layout, its lock, and the small files it keeps.

See :mod:`hsm.effects.local` for the layout and why each file exists; this module only
reads and writes them (every write atomic) and asks ``/proc`` whether a task's process
or process group is still alive.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from hsm.effects.files import write_atomic
from hsm.pure.errors import StateError
from hsm.pure.schedulers.local import SCHEDULER as LOCAL
from hsm.pure.schedulers.local.states import (
    parse_proc_stat,
    process_alive,
    task_id,
)

_PROC = Path("/proc")


def default_spool(environ: Mapping[str, str]) -> Path:
    """Where the local backend keeps its state: ``$HSM_LOCAL_SPOOL`` or the XDG state dir.

    Args:
        environ: the environment to read (``os.environ`` in practice).

    Returns:
        ``$HSM_LOCAL_SPOOL`` if set, else ``$XDG_STATE_HOME/hsm/local``, else
        ``~/.local/state/hsm/local``.
    """
    if environ.get("HSM_LOCAL_SPOOL"):
        return Path(environ["HSM_LOCAL_SPOOL"]).expanduser()
    state_home = environ.get("XDG_STATE_HOME") or str(Path("~/.local/state").expanduser())
    return Path(state_home) / "hsm" / LOCAL.key


# -- the spool ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Job:
    """A submitted job as ``job.json`` records it."""

    job_id: str
    name: str
    script: str
    cwd: str
    indices: tuple[int, ...] | None
    log_pattern: str
    user: str = ""

    @property
    def task_ids(self) -> tuple[str, ...]:
        """Its tasks' ids, in submission (FIFO) order."""
        if self.indices is None:
            return (self.job_id,)
        return tuple(task_id(self.job_id, index) for index in self.indices)

    def index_of(self, tid: str) -> int | None:
        """The array index of task ``tid`` (None for a plain job)."""
        return None if self.indices is None else int(tid.rsplit("_", 1)[1])


@dataclass(frozen=True, slots=True)
class Spool:
    """Paths inside a spool directory (see the module docstring)."""

    root: Path

    @property
    def jobs(self) -> Path:
        """Directory of per-job directories."""
        return self.root / "jobs"

    def job_dir(self, job_id: str) -> Path:
        """Directory of job ``job_id``."""
        return self.jobs / job_id

    def task_file(self, job_id: str, tid: str, kind: str) -> Path:
        """``run``, ``exit``, ``end`` or ``cancel`` file of task ``tid``."""
        return self.jobs / job_id / f"{tid}.{kind}"

    @contextlib.contextmanager
    def locked(self, *, exclusive: bool) -> Iterator[None]:
        """Hold the spool lock (exclusive for changes, shared for reading)."""
        fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)

    def counter(self) -> int:
        """The last job id handed out (0 before the first)."""
        try:
            return int((self.root / "counter").read_text(encoding="utf-8").strip() or 0)
        except FileNotFoundError:
            return 0

    def max_parallel(self) -> int:
        """How many tasks may run at once, as the last submit asked."""
        try:
            config = json.loads((self.root / "config.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return os.cpu_count() or 1
        return max(1, int(config.get("max_parallel", 1)))

    def load_job(self, job_id: str) -> Job | None:
        """The record of ``job_id``, or None if there is no such job."""
        try:
            raw = json.loads((self.job_dir(job_id) / "job.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        indices = raw["indices"]
        return Job(
            str(raw["id"]),
            str(raw["name"]),
            str(raw["script"]),
            str(raw["cwd"]),
            None if indices is None else tuple(int(i) for i in indices),
            str(raw["log_path"]),
            str(raw.get("user", "")),
        )

    def job_ids(self) -> list[str]:
        """Every job id in the spool, oldest first."""
        try:
            names = [entry.name for entry in os.scandir(self.jobs) if entry.name.isdigit()]
        except FileNotFoundError:
            return []
        return sorted(names, key=int)


class SpoolWriteError(OSError):
    """A spool file could not be written; ``failure`` says why and what to do."""

    def __init__(self, failure: StateError) -> None:
        super().__init__(errno.EIO, failure.message)
        self.failure = failure


def put_file(path: Path, data: str | bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` atomically; raise ``SpoolWriteError`` when that fails."""
    # A success carries nothing the caller needs (the path it gave), so the IOResult is
    # dropped; a failure never is: it is raised, for the supervisor's own handling.
    write_atomic(path, data, mode=mode).lash(_raise_spool_error)


def _raise_spool_error(failure: StateError) -> NoReturn:
    raise SpoolWriteError(failure)


def put_json(path: Path, value: Mapping[str, Any], mode: int = 0o644) -> None:
    """Write ``value`` as JSON to ``path`` atomically; raise ``OSError`` when that fails."""
    put_file(path, json.dumps(value, sort_keys=True), mode)


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object file, or None when it is missing or unreadable."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def read_text(path: Path) -> str | None:
    """A small text file, or None when it is missing."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None


def run_record_alive(run: Mapping[str, Any]) -> bool:
    """Whether the process a run record names still exists (pid reuse is detected)."""
    pid = int(run.get("pid", 0))
    if pid <= 0:
        return False
    start = run.get("start_ticks")
    start_ticks = int(start) if start is not None else None
    try:
        text = (_PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return False
    except OSError:
        text = None
    if text is not None or _PROC.is_dir():
        return process_alive(parse_proc_stat(text or ""), start_ticks)
    # No /proc (macOS): the pid must exist and still lead the group the record names.
    try:
        os.kill(pid, 0)
        return os.getpgid(pid) == int(run.get("pgid", pid))
    except (ProcessLookupError, PermissionError):
        return False


def proc_start_ticks(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot, or None where ``/proc`` is missing."""
    try:
        text = (_PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    stat = parse_proc_stat(text)
    return None if stat is None else stat.start_ticks


def group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` is left (zombies adopted by pid 1 are not)."""
    if not _PROC.is_dir():
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for entry in os.scandir(_PROC):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        stat = parse_proc_stat(text)
        if stat is not None and stat.pgid == pgid and process_alive(stat, None):
            return True
    return False
