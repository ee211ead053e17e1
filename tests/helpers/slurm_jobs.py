"""Count and clean up a sweep's jobs on a real Slurm by job name (issue 8 hunts).

hsm names every job ``<sweep id>_<key>`` (``hunt07_task_123``, ``hunt07_array_004``), so
the jobs of one sweep are the jobs whose name starts with ``<sweep id>_``.  Both sources
are read: the live queue (``squeue --states=all``, which keeps finished and cancelled
jobs for ``MinJobAge``) and accounting (``sacct -X``).  Note: on Slurm 22.05 a job that is
pending and not yet eligible (``--begin`` in the future, ``--hold``, a dependency) has no
accounting record at all, even after it is cancelled; for such jobs the queue is the
only witness, so counts are taken right after the submissions.
"""

from __future__ import annotations

import subprocess
import time
import warnings
from collections.abc import Iterable

#: Job states squeue lists by default: waiting or running, i.e. still "queued" for hsm.
ACTIVE_STATES = "PENDING,RUNNING,SUSPENDED,COMPLETING,CONFIGURING,REQUEUED,RESIZING,SIGNALING"


def _lines(argv: list[str], patience: float = 120.0) -> list[str]:
    """The command's non-empty output lines; a controller that does not answer (another
    test may be restarting it) is asked again for up to ``patience`` seconds."""
    deadline = time.monotonic() + patience
    while True:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode == 0:
            return [line for line in done.stdout.splitlines() if line.strip()]
        if time.monotonic() > deadline:
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}")
        time.sleep(1.0)


def _matches(name: str, prefixes: Iterable[str]) -> bool:
    return any(name.startswith(prefix) for prefix in prefixes)


def jobs_by_name(prefixes: Iterable[str], since: str = "now-1days") -> dict[str, set[str]]:
    """Job name -> base job ids (an array counts once), for names starting with any of
    ``prefixes``, from squeue and sacct together."""
    wanted = tuple(prefixes)
    found: dict[str, set[str]] = {}
    for line in _lines(["squeue", "--noheader", "--states=all", "--format=%F|%j"]):
        base, name = line.split("|", 1)
        if _matches(name, wanted):
            found.setdefault(name, set()).add(base.strip())
    for line in _lines(
        ["sacct", "-X", "-n", "-P", f"--starttime={since}", "--format=JobID,JobName"]
    ):
        job_id, name = line.split("|", 1)
        if _matches(name, wanted):
            found.setdefault(name, set()).add(job_id.split("_")[0].split("+")[0])
    return found


def stable_jobs_by_name(
    prefixes: Iterable[str], since: str = "now-1days", interval: float = 0.5, reads: int = 8
) -> dict[str, set[str]]:
    """:func:`jobs_by_name` read until two reads in a row agree (sacct lags 0.1-4.5 s)."""
    wanted = tuple(prefixes)
    last = jobs_by_name(wanted, since)
    for _ in range(reads):
        time.sleep(interval)
        now = jobs_by_name(wanted, since)
        if now == last:
            return now
        last = now
    return last


def active_jobs(prefixes: Iterable[str]) -> dict[str, str]:
    """Job id -> ``name state`` of jobs still waiting or running whose name starts with
    any of ``prefixes`` (array tasks one per line)."""
    wanted = tuple(prefixes)
    found: dict[str, str] = {}
    for line in _lines(
        ["squeue", "--noheader", "--array", f"--states={ACTIVE_STATES}", "--format=%i|%j|%T"]
    ):
        job_id, name, state = line.split("|", 2)
        if _matches(name, wanted):
            found[job_id] = f"{name} {state}"
    return found


def wait_none_active(prefixes: Iterable[str], timeout: float = 5.0) -> dict[str, str]:
    """Poll until no job of ``prefixes`` is active; return what is still active then."""
    wanted = tuple(prefixes)
    deadline = time.monotonic() + timeout
    left = active_jobs(wanted)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = active_jobs(wanted)
    return left


def scancel_prefixes(prefixes: Iterable[str]) -> None:
    """Cancel every job in the queue whose name starts with any of ``prefixes`` (a test's
    finalizer: nothing of it stays queued, whatever happened)."""
    wanted = tuple(prefixes)
    if not wanted:
        return
    try:
        queued = _lines(["squeue", "--noheader", "--format=%F|%j"])
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        warnings.warn(f"could not list jobs to cancel {wanted}: {error}", stacklevel=2)
        return
    ids = sorted(
        {line.split("|", 1)[0] for line in queued if _matches(line.split("|", 1)[1], wanted)}
    )
    for start in range(0, len(ids), 500):
        subprocess.run(
            ["scancel", *ids[start : start + 500]], capture_output=True, timeout=60, check=False
        )
