"""The local backend's states: facts read from its spool in, a :class:`JobStatus` out.

Strategy: the local backend has no scheduler to ask, so a task's state is decided from
write-once facts the spool holds (see :mod:`hsm.effects.local` for the layout): a run
record the supervisor writes when it starts the task (pid, process group, start time), the
exit file the job script writes when the program ends, the end record the supervisor
writes when it reaps the script, and the marker ``cancel`` writes.  :func:`task_phase`
turns those facts into one of five local phases -- a literal table, ``STATES``, maps each
to a :class:`JobState` -- and :func:`task_status` adds the exit code, signal and reason.

Nothing here reads the disk or ``/proc``: :func:`parse_proc_stat` and
:func:`process_alive` take the text of ``/proc/<pid>/stat`` and say whether it is still
the process the run record names (same start time, so a reused pid is not mistaken for
it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from hsm.pure.schedulers.base import Statuses
from hsm.pure.states import JobState, JobStatus, rollup_states

SOURCE = "local"

#: Exit status of coreutils ``timeout`` when the time limit expired (the local template
#: enforces the walltime with ``timeout --foreground``).
WALLTIME_EXIT = 124
#: Shells report a program killed by signal N as exit status 128 + N.
_SIGNAL_BASE = 128
_MAX_SIGNAL = 64  # Linux real-time signals end at 64

# Every phase a local task goes through.  There is no documentation to cite: these are
# hsm's own, and each mapping follows DESIGN.md's policy.
# fmt: off
STATES: dict[str, JobState] = {
    # Submitted, not started yet (waiting for a free slot of max_parallel).
    "queued": JobState.QUEUED,
    # The supervisor started it and its process is still there.
    "running": JobState.RUNNING,
    # It ended and its exit status is known; task_status makes a non-zero one failed.
    "exited": JobState.COMPLETED,
    # `cancel` marked it, before or while it ran.
    "cancelled": JobState.CANCELLED,
    # Choice: started, its process is gone, and neither the script nor the supervisor
    # recorded how it ended (machine rebooted, supervisor and script killed together).
    # DESIGN's `unknown` is for a job no source can be asked about; here the spool *is*
    # the source and says for certain that the task ended without success and will never
    # run again -- like Slurm's NODE_FAIL, which is failed.  `unknown` is not final, so a
    # poller would wait forever; `failed` also lets `hsm` resubmit the task.
    "lost": JobState.FAILED,
    # Choice: the supervisor could not start it (its log file or working directory was
    # unusable); it never ran, and never will.
    "unstartable": JobState.FAILED,
}
# fmt: on

# Names of the common signals, for reasons (the pure core may not import `signal`).
_SIGNAL_NAMES: dict[int, str] = {
    1: "SIGHUP",
    2: "SIGINT",
    3: "SIGQUIT",
    4: "SIGILL",
    6: "SIGABRT",
    7: "SIGBUS",
    8: "SIGFPE",
    9: "SIGKILL",
    10: "SIGUSR1",
    11: "SIGSEGV",
    12: "SIGUSR2",
    13: "SIGPIPE",
    14: "SIGALRM",
    15: "SIGTERM",
    24: "SIGXCPU",
    25: "SIGXFSZ",
}

_JOB_ID = re.compile(r"[1-9][0-9]{0,17}")
_TASK_ID = re.compile(r"([1-9][0-9]{0,17})_(0|[1-9][0-9]{0,17})")


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What the spool says about one task.

    Attributes:
        task_id: ``12`` for a plain job, ``12_3`` for task 3 of array 12.
        started: a run record exists (the supervisor started the task).
        alive: the process the run record names still exists (see :func:`process_alive`).
            Read *before* the other facts, so a task that ends in between is seen with its
            exit recorded, never as lost.
        exit_text: content of the exit file the script writes, or None if there is none.
        returncode: the script's status as the supervisor reaped it (``-N``: killed by
            signal N), or None.
        cancelled: the cancel marker exists.
        start_error: why the supervisor could not start the task, if it could not.
        started_at / ended_at: when the supervisor started it and reaped it (seconds
            since the epoch), as its run and end records say; None when not recorded (a
            task a restarted supervisor adopted has no end time).
        polled_at: when these facts were read, for the time a running task has run so far.
        host: the machine the spool's tasks run on ("" for a task that never started).
    """

    task_id: str
    started: bool = False
    alive: bool = False
    exit_text: str | None = None
    returncode: int | None = None
    cancelled: bool = False
    start_error: str = ""
    started_at: float | None = None
    ended_at: float | None = None
    polled_at: float | None = None
    host: str = ""


def parse_exit_text(text: str | None) -> int | None:
    """The exit status an exit file holds, or None when absent or unreadable.

    >>> parse_exit_text("3\\n"), parse_exit_text(""), parse_exit_text("x"), parse_exit_text(None)
    (3, None, None, None)
    """
    if text is None:
        return None
    stripped = text.strip()
    return int(stripped) if stripped.isdigit() and len(stripped) <= 3 else None


def task_phase(facts: TaskFacts) -> str:
    """The task's local phase (a key of ``STATES``).

    A cancel marker wins over everything (``cancel`` never marks a task that had already
    ended); then a recorded end; then a start failure; then a live process; then a started
    task whose process is gone is lost; else it still waits.

    >>> task_phase(TaskFacts("7"))
    'queued'
    >>> task_phase(TaskFacts("7", started=True, alive=True))
    'running'
    >>> task_phase(TaskFacts("7", started=True, alive=False))
    'lost'
    >>> task_phase(TaskFacts("7", started=True, exit_text="0\\n"))
    'exited'
    """
    if facts.cancelled:
        return "cancelled"
    if parse_exit_text(facts.exit_text) is not None or facts.returncode is not None:
        return "exited"
    if facts.start_error:
        return "unstartable"
    if facts.started:
        return "running" if facts.alive else "lost"
    return "queued"


def task_status(facts: TaskFacts) -> JobStatus:
    """Decide one task's :class:`JobStatus` from its facts.

    Exit 0 is completed; any other exit is failed with the code kept: 124 (``timeout``'s
    status) reads as "walltime exceeded", 128+N as signal N.  A script killed by a signal
    before it could write its exit file is failed with that signal.  Cancelled keeps
    whatever exit status was recorded.

    >>> task_status(TaskFacts("5", started=True, exit_text="124")).reason
    'walltime exceeded (the program was stopped by timeout, exit status 124)'
    >>> s = task_status(TaskFacts("5", started=True, exit_text="143"))
    >>> s.state.value, s.exit_code, s.signal
    ('failed', 143, 15)
    """
    phase = task_phase(facts)
    code = parse_exit_text(facts.exit_text)
    signal = None
    if code is None and facts.returncode is not None:
        if facts.returncode < 0:
            signal = -facts.returncode
        else:
            code = facts.returncode
    if code is not None and _SIGNAL_BASE < code <= _SIGNAL_BASE + _MAX_SIGNAL:
        signal = code - _SIGNAL_BASE
    state = STATES[phase]
    if state is JobState.COMPLETED and (code != 0 or signal is not None):
        state = JobState.FAILED
    return JobStatus(
        facts.task_id,
        state,
        phase,
        code,
        signal,
        _reason(phase, code, signal, facts.start_error),
        SOURCE,
        _elapsed(facts, phase),
        facts.host if facts.started else "",
    )


def _elapsed(facts: TaskFacts, phase: str) -> float | None:
    """Seconds from start to end, or to the poll while it runs; None when not recorded.

    >>> _elapsed(TaskFacts("5", started=True, started_at=100.0, ended_at=161.5), "exited")
    61.5
    >>> _elapsed(TaskFacts("5", started=True, alive=True, started_at=100.0, polled_at=130.0),
    ...          "running")
    30.0
    >>> _elapsed(TaskFacts("5", started=True, started_at=100.0, polled_at=130.0), "lost")
    """
    if facts.started_at is None:
        return None
    end = facts.ended_at
    if end is None and phase == "running":
        end = facts.polled_at
    return None if end is None else max(0.0, end - facts.started_at)


def _reason(phase: str, code: int | None, signal: int | None, start_error: str) -> str:
    if phase == "cancelled":
        return "cancelled by the user"
    if phase == "lost":
        return (
            "lost: its process is gone and no exit status was recorded (was the "
            "machine restarted or the process killed?)"
        )
    if phase == "unstartable":
        return f"could not be started: {start_error}"
    if code == WALLTIME_EXIT:
        return f"walltime exceeded (the program was stopped by timeout, exit status {code})"
    if signal is not None:
        return f"killed by {_SIGNAL_NAMES.get(signal, f'signal {signal}')}"
    if code:
        return f"exited with status {code}"
    return ""


def array_status(job_id: str, tasks: Mapping[str, JobStatus]) -> JobStatus:
    """The status of array ``job_id``: the roll-up of its tasks' states.

    >>> done = JobStatus("9_0", JobState.COMPLETED)
    >>> array_status("9", {"9_0": done, "9_1": JobStatus("9_1", JobState.FAILED)}).state
    <JobState.FAILED: 'failed'>
    """
    state = rollup_states(status.state for status in tasks.values())
    return JobStatus(
        job_id, state, "array", source=SOURCE, reason=f"{len(tasks)} tasks" if tasks else "no tasks"
    )


# -- ids and paths ------------------------------------------------------------------------


def task_id(job_id: str, index: int) -> str:
    """The id of task ``index`` of array ``job_id`` (Slurm's form).

    >>> task_id("12", 3)
    '12_3'
    """
    return f"{job_id}_{index}"


def split_task_id(job_id: str) -> tuple[str, int] | None:
    """``12_3`` -> (``12``, 3); None for any other id.

    >>> split_task_id("12_3"), split_task_id("12")
    (('12', 3), None)
    """
    ref = parse_job_ref(job_id)
    if ref is None or ref[1] is None:
        return None
    return ref[0], ref[1]


def is_job_id(text: str) -> bool:
    """A local job ``12`` or one of its tasks ``12_3``.

    >>> is_job_id("12_3"), is_job_id("../12")
    (True, False)
    """
    return parse_job_ref(text) is not None


def parse_job_ref(text: str) -> tuple[str, int | None] | None:
    """Split an id ``cancel``/``poll`` accept into (job id, array index or None).

    Anything else -- including text that could escape the spool as a path -- is None.

    >>> parse_job_ref("12"), parse_job_ref("12_3"), parse_job_ref("../12"), parse_job_ref("012")
    (('12', None), ('12', 3), None, None)
    """
    stripped = text.strip()
    if _JOB_ID.fullmatch(stripped):
        return stripped, None
    match = _TASK_ID.fullmatch(stripped)
    if match:
        return match.group(1), int(match.group(2))
    return None


def expand_log_path(pattern: str, job_id: str, index: int | None) -> str:
    """A task's log path from the pattern given at submission.

    Slurm's ``--output`` replacements: ``%A`` the job id, ``%a`` the array index (empty
    for a plain job), ``%j`` the task's own id, ``%%`` a literal ``%``; any other ``%x``
    is kept as written.

    >>> expand_log_path("logs/array_000_%a.log", "12", 3)
    'logs/array_000_3.log'
    >>> expand_log_path("%j-%A-100%%.log", "12", 3)
    '12_3-12-100%.log'
    """
    own = job_id if index is None else task_id(job_id, index)
    values = {"A": job_id, "a": "" if index is None else str(index), "j": own, "%": "%"}
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "%" and i + 1 < len(pattern) and pattern[i + 1] in values:
            out.append(values[pattern[i + 1]])
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


# -- /proc/<pid>/stat ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProcStat:
    """The fields of ``/proc/<pid>/stat`` hsm uses (proc(5)).

    Attributes:
        state: one letter: ``R``, ``S``, ``D``, ``Z`` (zombie), ``T``...
        ppid: the parent's pid.
        pgid: the process group.
        start_ticks: when it started, in clock ticks since boot (field 22).
    """

    state: str
    ppid: int
    pgid: int
    start_ticks: int


def parse_proc_stat(text: str) -> ProcStat | None:
    """Read ``/proc/<pid>/stat``; None if it is not in that format.

    The command name (field 2) is in parentheses and may hold spaces and ``)``, so the
    fields are counted from the *last* ``)``.

    >>> parse_proc_stat("42 (a) b)) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9876 0")
    ProcStat(state='S', ppid=1, pgid=42, start_ticks=9876)
    >>> parse_proc_stat("garbage") is None
    True
    """
    _, paren, rest = text.rpartition(")")
    fields = rest.split()
    if not paren or len(fields) < 20:
        return None
    try:
        return ProcStat(fields[0], int(fields[1]), int(fields[2]), int(fields[19]))
    except ValueError:
        return None


def process_alive(stat: ProcStat | None, start_ticks: int | None) -> bool:
    """Whether the process a run record names still exists.

    ``stat`` is what ``/proc/<pid>/stat`` holds now (None: no such pid).  A different
    start time means the pid was reused by another process.  A zombie is alive while its
    parent may still reap it (the supervisor writes the end record when it does); a zombie
    adopted by pid 1 is dead -- in containers pid 1 often never reaps.

    >>> process_alive(ProcStat("S", 50, 70, 100), 100), process_alive(None, 100)
    (True, False)
    >>> process_alive(ProcStat("S", 50, 70, 101), 100)  # the pid was reused
    False
    >>> process_alive(ProcStat("Z", 1, 70, 100), 100)  # an orphaned zombie
    False
    """
    if stat is None:
        return False
    if start_ticks is not None and stat.start_ticks != start_ticks:
        return False
    return not (stat.state == "Z" and stat.ppid == 1)


def collect_statuses(
    job_id: str, indices: tuple[int, ...] | None, facts: Mapping[str, TaskFacts]
) -> Statuses:
    """Statuses of one job: its task(s), plus a rolled-up entry for an array's id.

    ``facts`` holds the facts of every task of the job, keyed by task id.

    >>> sorted(collect_statuses("4", (0, 1), {"4_0": TaskFacts("4_0"), "4_1": TaskFacts("4_1")}))
    ['4', '4_0', '4_1']
    """
    if indices is None:
        return {job_id: task_status(facts.get(job_id, TaskFacts(job_id)))}
    tasks = {}
    for index in indices:
        tid = task_id(job_id, index)
        tasks[tid] = task_status(facts.get(tid, TaskFacts(tid)))
    return {job_id: array_status(job_id, tasks), **tasks}
