"""The local backend's control side: record a submitted job, start its supervisor, cancel.

See :mod:`hsm.effects.local` for the spool layout.  These are the steps
:class:`~hsm.effects.local.LocalBackend` takes to *change* the spool and the processes it
runs -- checking and writing a job, marking tasks cancelled and signalling their process
groups, starting a detached supervisor (:mod:`hsm.effects.local_runner`) -- kept apart
from the backend, which reads the spool into statuses and turns errors into failures.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import hsm
from hsm.effects.local_spool import (
    Spool,
    group_alive,
    put_file,
    put_json,
    read_json,
    run_record_alive,
)
from hsm.pure.errors import SubmissionError
from hsm.pure.schedulers.base import Cancelled, CancelOutcome
from hsm.pure.schedulers.local.states import parse_job_ref, task_id

_POLL_SECONDS = 0.05  # how often cancel looks whether a signalled process group is gone
_SUPERVISORS: dict[Path, list[subprocess.Popen[bytes]]] = {}  # ours, reaped once they exit


def _check_submission(
    script: Path, cwd: Path, indices: Sequence[int] | None
) -> SubmissionError | None:
    if not Path(script).is_file():
        return SubmissionError(
            f"job script {script} does not exist or is not a file",
            hint="render the sweep's scripts before submitting",
        )
    if not Path(cwd).is_dir():
        return SubmissionError(
            f"working directory {cwd} does not exist",
            hint="create it or submit from the project directory",
        )
    if indices is not None and (
        not indices or min(indices) < 0 or len(set(indices)) != len(indices)
    ):
        return SubmissionError(
            "array indices must be distinct, non-negative and at least one",
            hint="this is a bug in the caller's plan; please report it",
        )
    return None


def _write_job(
    spool: Spool, job_id: str, script: bytes, env: Mapping[str, str], record: Mapping[str, Any]
) -> None:
    directory = spool.job_dir(job_id)
    directory.mkdir(mode=0o700, exist_ok=True)
    put_file(directory / "script.sh", script, mode=0o600)
    put_json(directory / "env.json", env, mode=0o600)
    put_json(directory / "job.json", record, mode=0o600)  # last: the job now exists


def _mark_cancelled(spool: Spool, job_ids: Sequence[str]) -> tuple[Cancelled, list[int]]:
    """Write cancel markers; return what happened to each id and the groups to signal."""
    outcomes: Cancelled = {}
    groups: list[int] = []
    for text in job_ids:
        ref = parse_job_ref(text)
        job = spool.load_job(ref[0]) if ref is not None else None
        tid = None if ref is None or ref[1] is None else task_id(ref[0], ref[1])
        if job is None or (tid is not None and tid not in job.task_ids):
            outcomes[text] = (CancelOutcome.UNKNOWN, f"no local job {text} in {spool.root}")
            continue
        names = set(os.listdir(spool.job_dir(job.job_id)))
        marked = False
        for each in job.task_ids if tid is None else (tid,):
            if {f"{each}.exit", f"{each}.end", f"{each}.cancel"} & names:
                continue  # finished or already cancelled
            marked = True
            put_json(spool.task_file(job.job_id, each, "cancel"), {"at": time.time()})
            run = read_json(spool.task_file(job.job_id, each, "run"))
            if run is not None and run_record_alive(run):
                groups.append(int(run["pgid"]))
        outcomes[text] = (CancelOutcome.CANCELLED, "") if marked else (CancelOutcome.FINISHED, "")
    return outcomes, groups


def _await_groups(groups: Sequence[int], grace: float) -> None:
    """Wait for signalled groups to go; SIGKILL what is left after ``grace`` seconds."""
    left = list(groups)
    for final in (False, True):
        deadline = time.monotonic() + (grace if not final else 2.0)
        while left and time.monotonic() < deadline:
            time.sleep(_POLL_SECONDS)
            left = [pgid for pgid in left if group_alive(pgid)]
        if final or not left:
            return
        for pgid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)


def ensure_supervisor(root: Path, *, nudge: bool = False) -> None:
    """Start a detached supervisor for spool ``root`` unless one is running.

    A supervisor holds ``supervisor.lock`` for its whole life and gives it up, under the
    spool lock, only after seeing nothing queued; so a job recorded before that moment is
    run by it, and a job recorded after finds the lock free and starts a new one.

    Args:
        root: the spool directory.
        nudge: poll's call, which only revives a dead supervisor: do nothing while one
            this process started is still alive (it may not hold the lock yet).  Submit
            must not trust that: its supervisor may be on its way out.

    Raises:
        OSError: the supervisor could not be started.
    """
    ours = _SUPERVISORS.setdefault(root, [])
    ours[:] = [proc for proc in ours if proc.poll() is None]
    if nudge and ours:
        return
    fd = os.open(root / "supervisor.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # one is running and will see the new job
    finally:
        os.close(fd)
    env = dict(os.environ)
    package_root = str(Path(hsm.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    with open(root / "supervisor.log", "ab") as log:
        ours.append(
            subprocess.Popen(
                [sys.executable, "-m", "hsm.effects.local_runner", str(root)],
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        )
