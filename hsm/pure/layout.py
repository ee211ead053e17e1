"""The sweep directory's layout: the one place that names its files and folders.

Strategy: every name inside a sweep directory is decided here and nowhere else; other
modules ask for a *relative* name (a ``str`` with ``/`` separators) and join it onto the
sweep directory themselves, so this module stays pure.  The manifest records relative
names (``scripts/array_000.sh``), which keeps a sweep directory movable.

::

    <sweep_dir>/
        manifest.json        what the sweep is (see hsm.pure.manifest)
        journal.jsonl        what happened: submitting / submitted records
        status.json          the last statuses polled (shown when the scheduler is away)
        scripts/<key>.sh     one rendered script per job
        logs/                the jobs' output (names: see :func:`job_log_name`)
        jobs/<job name>/     a single job's own sweep directory (``submit_single_job``)
        tasks/<task>/        one task's own directory ($HSM_TASK_DIR): what it leaves
        .lock                held (flock) by the one command writing the sweep; says who
        feeder.pid           the detached feeder's pid, while one feeds the sweep
        feeder.log           what the feeder did
        .feeder.lock         held (flock) by the running feeder: at most one per sweep

Sweep directories live under :data:`SWEEPS_ROOT` (``sweeps/<sweep id>``) unless the user
names another root or directory.
"""

from __future__ import annotations

MANIFEST = "manifest.json"
JOURNAL = "journal.jsonl"
STATUS_CACHE = "status.json"
SCRIPTS = "scripts"
LOGS = "logs"
JOBS = "jobs"
TASKS = "tasks"
LOCK = ".lock"
FEEDER_PID = "feeder.pid"
FEEDER_LOG = "feeder.log"
FEEDER_LOCK = ".feeder.lock"

#: Where sweep directories go by default, relative to the working directory.
SWEEPS_ROOT = "sweeps"


def script_file(key: str) -> str:
    """The script of job ``key``, relative to the sweep directory.

    >>> script_file("array_000")
    'scripts/array_000.sh'
    """
    return f"{SCRIPTS}/{key}.sh"


def job_log_name(key: str) -> str:
    """The log file name of individual job ``key`` inside the log directory.

    (An array's log name holds the scheduler's index pattern: the scheduler's record
    owns it, see ``Scheduler.array_log_name``.)

    >>> job_log_name("task_007")
    'task_007.log'
    """
    return f"{key}.log"


def single_job_dir(job_name: str) -> str:
    """Where a single job (``submit_single_job``) keeps its own sweep directory.

    >>> single_job_dir("train_once")
    'jobs/train_once'
    """
    return f"{JOBS}/{job_name}"


def task_dir(index: int) -> str:
    """The directory of task ``index`` (its number in the sweep), where the program may
    leave what it produced (``$HSM_TASK_DIR``, read by ``hsm results``).

    >>> task_dir(7)
    'tasks/7'
    """
    return f"{TASKS}/{index}"
