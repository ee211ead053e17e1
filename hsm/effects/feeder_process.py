"""The detached feeder: a process of its own that feeds one sweep until it is done.

Strategy: ``python -m hsm.effects.feeder_process SWEEP_DIR`` runs
:func:`hsm.effects.feeder.feed` in a session of its own (``start_new_session``), so
closing the terminal does not end it.  It holds ``.feeder.lock`` for its whole life, so
at most one feeds a sweep (a second exits at once), writes its pid to ``feeder.pid``
(which ``hsm cancel`` reads to stop it, after checking the pid still runs this module
for this sweep) and one line per step to ``feeder.log``.  Nothing else is state: killed
at any moment, it is simply started again (``hsm sweep feed``).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from returns.result import Failure

import hsm
from hsm.effects.feeder import (
    DEFAULT_INTERVAL,
    NO_RETRY,
    FeedStep,
    Retry,
    effective_limit,
    feed,
)
from hsm.effects.results import result_of
from hsm.pure.cli_text import ranges
from hsm.pure.retries import RETRY_ON

FEEDER_PID = "feeder.pid"
FEEDER_LOG = "feeder.log"
FEEDER_LOCK = ".feeder.lock"
_MODULE = "hsm.effects.feeder_process"


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
    argv = [sys.executable, "-m", _MODULE, str(sweep_dir.resolve())]
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


def feeder_pid(sweep_dir: Path) -> int | None:
    """The pid of the feeder feeding ``sweep_dir`` now, or None."""
    try:
        pid = int((sweep_dir / FEEDER_PID).read_text(encoding="utf-8").strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    is_ours = _MODULE.encode() in cmdline and str(sweep_dir.resolve()).encode() in cmdline
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


def _log(text: str) -> None:
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    sys.stdout.write(f"{stamp} {text}\n")
    sys.stdout.flush()


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {_MODULE}")
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL)
    parser.add_argument("--max-queued", type=int, default=None)
    parser.add_argument("--retries", type=int, default=0)
    parser.add_argument("--retry-on", choices=RETRY_ON, default="infrastructure")
    args = parser.parse_args(argv)
    sweep_dir: Path = args.sweep_dir
    fd = os.open(sweep_dir / FEEDER_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        _log(f"pid {os.getpid()}: another feeder feeds {sweep_dir}; exiting")
        return 0
    from hsm.api import backend_for_sweep

    pid_file = sweep_dir / FEEDER_PID
    pid_file.write_text(f"{os.getpid()}\n", encoding="utf-8")
    try:
        found = result_of(backend_for_sweep(sweep_dir))
        if isinstance(found, Failure):
            _log(f"cannot feed: {found.failure().message}")
            return 1
        backend = found.unwrap()
        limit = result_of(effective_limit(backend, args.max_queued)).value_or(None)
        _log(f"pid {os.getpid()} feeding {sweep_dir} (submit limit: {limit or 'none known'})")
        outcome = result_of(
            feed(
                sweep_dir,
                backend,
                limit,
                interval=args.interval,
                on_step=_log_step,
                retry=Retry(args.retries, args.retry_on),
            )
        )
        if isinstance(outcome, Failure):
            _log(f"stopped: {outcome.failure()}")
            return 1
        _log("done: " + outcome.unwrap().line())
        return 0
    finally:
        with contextlib.suppress(OSError):
            pid_file.unlink()
        os.close(fd)


def _log_step(step: FeedStep) -> None:
    shown = ", ".join(step.submitted[:3]) + (" ..." if len(step.submitted) > 3 else "")
    sent = f"; submitted {len(step.submitted)} job(s): {shown}" if step.submitted else ""
    again = f"; retried tasks {ranges(step.retried)}" if step.retried else ""
    _log(f"{step.line()} (room {step.room}){sent}{again}")


if __name__ == "__main__":
    sys.exit(_main())
