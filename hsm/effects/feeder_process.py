"""The detached feeder: a process of its own that feeds one sweep until it is done.

Strategy: ``python -m hsm.cli.feeder_main SWEEP_DIR`` (the program, a front end: see
:mod:`hsm.cli.feeder_main`) runs :func:`hsm.effects.feeder.feed` in a session of its own
(``start_new_session``), so closing the terminal does not end it.  It holds
``.feeder.lock`` for its whole life, so at most one feeds a sweep (a second exits at
once), writes its pid to ``feeder.pid`` (which ``hsm cancel`` reads to stop it, after
checking the pid still runs the feeder's module for this sweep) and one line per step to
``feeder.log``.  Nothing else is state: killed at any moment, it is simply started again
(``hsm sweep feed``).  This module starts, finds and stops that process.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import hsm
from hsm.effects.feeder import DEFAULT_INTERVAL, NO_RETRY, Retry
from hsm.effects.files import write_atomic
from hsm.pure.layout import FEEDER_LOCK, FEEDER_LOG, FEEDER_PID

#: The module a detached feeder runs (``python -m``).
FEEDER_MODULE = "hsm.cli.feeder_main"
#: What feeders started before the program moved to the CLI package run: still ours.
_EARLIER_MODULE = "hsm.effects.feeder_process"


def start_feeder(
    sweep_dir: Path,
    *,
    max_queued: int | None = None,
    interval: float = DEFAULT_INTERVAL,
    retry: Retry = NO_RETRY,
) -> int:
    """Start a detached feeder for ``sweep_dir`` and return its pid.

    It exits at once (quietly) when another feeder already feeds the sweep.

    Raises:
        OSError: it could not be started.
    """
    env = dict(os.environ)
    package_root = str(Path(hsm.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    argv = [sys.executable, "-m", FEEDER_MODULE, str(sweep_dir.resolve())]
    argv += ["--interval", str(interval)]
    if max_queued is not None:
        argv += ["--max-queued", str(max_queued)]
    if retry.retries:
        argv += ["--retries", str(retry.retries), "--retry-on", retry.retry_on]
    with open(sweep_dir / FEEDER_LOG, "ab") as log:
        child = subprocess.Popen(
            argv,
            cwd=sweep_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # leaves the terminal's session: survives its SIGHUP
            close_fds=True,
        )
    return child.pid


@contextlib.contextmanager
def feeder_slot(sweep_dir: Path) -> Iterator[bool]:
    """Be the sweep's one feeder for the ``with`` block: True when this process holds the
    feeder lock (its pid then in ``feeder.pid``, written atomically and removed at the
    end), False at once when another feeder holds it."""
    fd = os.open(sweep_dir / FEEDER_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        pid_file = sweep_dir / FEEDER_PID
        # A pid file that cannot be written only hides the feeder from `hsm cancel`'s
        # stop; the lock, not the file, keeps a second feeder out.
        write_atomic(pid_file, f"{os.getpid()}\n")
        try:
            yield True
        finally:
            with contextlib.suppress(OSError):
                pid_file.unlink()
    finally:
        os.close(fd)


def feeder_pid(sweep_dir: Path) -> int | None:
    """The pid of the feeder feeding ``sweep_dir`` now, or None."""
    try:
        pid = int((sweep_dir / FEEDER_PID).read_text(encoding="utf-8").strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    modules = {FEEDER_MODULE.encode(), _EARLIER_MODULE.encode()}
    is_ours = bool(modules & set(cmdline)) and str(sweep_dir.resolve()).encode() in cmdline
    return pid if is_ours else None


def stop_feeder(sweep_dir: Path, *, grace: float = 10.0) -> int | None:
    """Stop the sweep's feeder (SIGTERM, then SIGKILL after ``grace`` s); its pid, if any.

    Safe at any moment: a feeder killed mid-step leaves a journal its successor resumes.
    """
    pid = feeder_pid(sweep_dir)
    if pid is None:
        return None
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if feeder_pid(sweep_dir) != pid or _is_zombie(pid):
                return pid
            time.sleep(0.05)
    return pid


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True
