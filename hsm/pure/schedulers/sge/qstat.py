"""Grid Engine's live queue: ``qstat -xml`` -> :class:`JobStatus`, and the state table.

Strategy: one ``qstat -xml -u <caller>`` lists every queued, held, running, suspended and
errored job of the user (a single call, however large the sweep); the parser reads it
one ``<job_list>`` element at a time, with three anchored patterns (job number,
``<state>`` letters, ``<tasks>``), so a cut-short document or an odd element hides no
other job: an element with a job number but no state is ``unknown`` for that job, an
element without a job number is skipped, and only output in which nothing reads is a
:class:`ParseError`.  The state letters go through one literal table, :data:`STATES`;
letters missing from it become ``unknown`` with the raw letters kept.

Ids.  A plain job is keyed by its number (``25``), an array task by ``number.task``
(``26.3``, the form ``qdel`` accepts).  Running tasks have an element each; pending tasks
of one state share one, whose ``<tasks>`` holds ``2,3``, ``4-1000:1`` or
``1,3,4,6-8:1,11`` (seen in tests/data/sge); it is expanded to one entry per task.  No
entry is made for an array's own number: its state is the roll-up of its tasks, and
finished tasks have left qstat, so the caller asks accounting about the number.

Filtering.  :func:`status_argv` runs qstat through ``sh -c`` with the wanted ids as
positional arguments (data, never code): the script prints them as ``hsm-wanted ID``
lines, then execs qstat.  The parser keeps only those ids (and the tasks of a wanted
array), so a poll answers exactly what was asked; output without such lines (a bare
``qstat -xml``) is read whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from hsm.pure.errors import ParseError
from hsm.pure.schedulers.base import Statuses
from hsm.pure.states import JobState, JobStatus

# Every state sge_status(5) (Son of Grid Engine 8.1.9, "Job state") lists as shown by
# qstat(1).  The letters combine d(eletion), E(rror), h(old), r(unning), R(estarted),
# s(uspended), S(uspended: its queue), t(ransferring), T(hreshold: queue alarm),
# w(aiting), q(ueued) -- qstat(1) "state".
# fmt: off
STATES: dict[str, JobState] = {
    # Pending of any kind -> queued.  "Rq" is a pending job that has been rescheduled.
    "qw": JobState.QUEUED, "Rq": JobState.QUEUED,
    # Held by the user (-h, qhold), by the system, or waiting for -hold_jid predecessors.
    "hqw": JobState.QUEUED,
    # Held and waiting again after a re-queue.
    "hRwq": JobState.QUEUED,
    # Running.  "hr": a running job with a hold on it (the hold concerns tasks not yet
    # started); it runs.
    "r": JobState.RUNNING, "hr": JobState.RUNNING,
    # Choice: t(ransferring) -- dispatched, its slots granted, being started on the
    # execution host.  sge_status(5) files it under "Running / transferring" (DRMAA
    # RUNNING), and on the cell qstat still said "t" while the job's program already ran
    # (tests/integration/test_sge_cell.py), so running, unlike Slurm's CONFIGURING.
    "t": JobState.RUNNING,
    # Running or being started again after a re-run (qmod -rj, a migrated job).
    "Rr": JobState.RUNNING, "Rt": JobState.RUNNING,
    # Choice: suspended -- by qmod -sj (s), with its queue (S), or by a queue's suspend
    # threshold (T), also while transferring or after a re-run.  Not executing, waiting
    # to resume (DESIGN: suspended is waiting).
    "s": JobState.QUEUED, "ts": JobState.QUEUED,
    "S": JobState.QUEUED, "tS": JobState.QUEUED,
    "T": JobState.QUEUED, "tT": JobState.QUEUED,
    "Rs": JobState.QUEUED, "Rts": JobState.QUEUED, "RS": JobState.QUEUED,
    "RtS": JobState.QUEUED, "RT": JobState.QUEUED, "RtT": JobState.QUEUED,
    # Choice: E(rror) on a pending job -- it could not be started (output directory
    # missing, shell not found, user refused; `qstat -j ID` gives the "error reason").
    # Grid Engine keeps it in the queue and never retries on its own: only `qmod -cj ID`
    # (after fixing the cause) makes it wait again.  It is not over (it may still run), so
    # not failed; it is queued with a reason that never_starts() recognises, so `--wait`
    # stops instead of waiting forever.
    "Eqw": JobState.QUEUED, "Ehqw": JobState.QUEUED, "EhRqw": JobState.QUEUED,
    # Choice: d(eletion) -- qdel was accepted for a running or suspended job, whose
    # processes are still being killed.  Its slots are still held and the outcome is not
    # final until it has ended, so running (like Slurm's COMPLETING); the accounting
    # record written when it ends decides (failed 100 + exit 137 -> cancelled).
    "dr": JobState.RUNNING, "dt": JobState.RUNNING, "dRr": JobState.RUNNING,
    "dRt": JobState.RUNNING, "ds": JobState.RUNNING, "dS": JobState.RUNNING,
    "dT": JobState.RUNNING, "dRs": JobState.RUNNING, "dRS": JobState.RUNNING,
    "dRT": JobState.RUNNING,
    # Choice: z(ombie) -- "job finished normally" in sge_status(5), but `qstat -s z` also
    # lists jobs deleted before they ran and jobs that failed (tests/data/sge/qstat_s_z).
    # The letter says nothing about the outcome, so unknown: the caller then asks
    # accounting (qacct), which has the exit status.  Only `-s z` prints it.
    "z": JobState.UNKNOWN,
}
# fmt: on

#: Start of the reason given to a job in an error state (see never_starts()).
ERROR_STATE = "error state"

_SOURCE = "qstat"
_WANTED = re.compile(r"^hsm-wanted[ \t]+(\S+)[ \t]*\r?$", re.MULTILINE)
_ELEMENT = re.compile(r"<job_list\b[^>]*>(.*?)(?:</job_list>|(?=<job_list\b)|\Z)", re.DOTALL)
_NUMBER = re.compile(r"<JB_job_number>\s*(\d+)\s*</JB_job_number>")
_STATE = re.compile(r"<state>([^<]*)</state>")
_TASKS = re.compile(r"<tasks>([^<]*)</tasks>")
# A running job's queue instance, ``queue@host`` (empty for a pending one).
_QUEUE = re.compile(r"<queue_name>[^<@]*@([^<]*)</queue_name>")
_TASK_PIECE = re.compile(r"^(\d+)(?:-(\d+)(?::(\d+))?)?$")
_PLAIN_ID = re.compile(r"^\d+(?:\.\d+)?$")
_LIVE_SCRIPT = 'printf "hsm-wanted %s\\n" "$@"; exec qstat -xml -u "$(id -un)"'


def wanted_ids(job_ids: Sequence[str]) -> list[str]:
    """Deduplicated ``N`` / ``N.T`` ids; refuses an empty list or anything else.

    >>> wanted_ids(["25", "26.3", "25"])
    ['25', '26.3']
    """
    ids = list(dict.fromkeys(job_ids))
    if not ids:
        raise ValueError("at least one job id is needed")
    for job_id in ids:
        if not _PLAIN_ID.match(job_id):
            raise ValueError(f"not a Grid Engine job id: {job_id!r}")
    return ids


def status_argv(job_ids: Sequence[str]) -> list[str]:
    """One call listing the caller's live jobs, the wanted ids printed first for the parser.

    The ids are positional arguments of ``sh -c``, never part of the script.

    >>> status_argv(["25", "26"])[-3:]
    ['hsm-sge-qstat', '25', '26']
    """
    return ["sh", "-c", _LIVE_SCRIPT, "hsm-sge-qstat", *wanted_ids(job_ids)]


def read_wanted(text: str) -> frozenset[str]:
    """The ids a status/history script printed as ``hsm-wanted ID`` lines (empty: all)."""
    return frozenset(_WANTED.findall(text))


def keeps(wanted: frozenset[str], key: str) -> bool:
    """Whether ``key`` (``25`` or ``26.3``) was asked for: itself, or its array was.

    >>> keeps(frozenset({"26"}), "26.3"), keeps(frozenset({"26.1"}), "26.3")
    (True, False)
    """
    return not wanted or key in wanted or key.partition(".")[0] in wanted


def expand_tasks(text: str) -> list[int] | None:
    """``1,3,4,6-8:1,11`` -> the task numbers; None when a piece does not read.

    >>> expand_tasks("1,3,4,6-8:1,11"), expand_tasks("1-16:5"), expand_tasks("2-x")
    ([1, 3, 4, 6, 7, 8, 11], [1, 6, 11, 16], None)
    """
    tasks: list[int] = []
    for piece in text.strip().split(","):
        match = _TASK_PIECE.match(piece.strip())
        if match is None:
            return None
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        step = int(match.group(3)) if match.group(3) else 1
        if last < first or step < 1:
            return None
        tasks.extend(range(first, last + 1, step))
    return tasks


def live_status(job_id: str, code: str) -> JobStatus:
    """One job or task's status from its qstat letters, with a reason for the unclear ones.

    >>> live_status("24", "Eqw").reason.startswith(ERROR_STATE)
    True
    >>> live_status("9", "Zq")[:6]
    ('9', <JobState.UNKNOWN: 'unknown'>, 'Zq', None, None, "state 'Zq' is not in sge_status(5)")
    """
    state = STATES.get(code)
    if state is None:
        reason = f"state {code!r} is not in sge_status(5)"
        return JobStatus(job_id, JobState.UNKNOWN, code, reason=reason, source=_SOURCE)
    return JobStatus(job_id, state, code, reason=_reason(job_id, code), source=_SOURCE)


def _reason(job_id: str, code: str) -> str:
    number = job_id.partition(".")[0]
    if "E" in code:
        return (
            f"{ERROR_STATE}: Grid Engine will not start it until `qmod -cj {number}` clears "
            f"the error (`qstat -j {number}` shows why)"
        )
    if code.startswith("d"):
        return "being deleted (qdel)"
    if code == "z":
        return "finished; the accounting record tells how"
    if code[-1:] in "sST" and "w" not in code:
        return "suspended"
    if code.startswith("h") and "w" in code:
        return "held (qsub -h, qhold, or waiting for -hold_jid jobs to end)"
    return ""


def parse_status_output(text: str) -> Result[Statuses, ParseError]:
    """``qstat -xml`` output (with or without ``hsm-wanted`` lines) -> statuses.

    A running job's ``<queue_name>`` (``all.q@host``) gives its node; its elapsed time
    and memory come from its accounting record once it ends.

    >>> xml = ("<job_list state='pending'><JB_job_number>26</JB_job_number>"
    ...        "<state>qw</state><tasks>2,3</tasks></job_list>")
    >>> sorted(parse_status_output(xml).unwrap())
    ['26.2', '26.3']
    """
    wanted = read_wanted(text)
    statuses: Statuses = {}
    readable = bool(wanted) or "<job_info" in text or "<queue_info" in text
    for element in _ELEMENT.finditer(text):
        body = element.group(1)
        number = _NUMBER.search(body)
        if number is None:
            continue  # no job to hang it on
        readable = True
        job = number.group(1)
        state = _STATE.search(body)
        tasks = _TASKS.search(body)
        task_text = tasks.group(1).strip() if tasks else ""
        numbers = expand_tasks(task_text) if task_text else []
        if numbers is None:
            key = job
            if keeps(wanted, key):
                why = f"could not read its tasks {task_text!r}"
                statuses.setdefault(key, _unreadable(key, why, body))
            continue
        keys = [f"{job}.{task}" for task in numbers] if task_text else [job]
        code = state.group(1).strip() if state else ""
        queue = _QUEUE.search(body)
        host = queue.group(1).strip() if queue else ""
        for key in keys:
            if not keeps(wanted, key):
                continue
            if code:
                status = live_status(key, code)
                statuses[key] = status._replace(node=host) if host else status
            else:
                statuses.setdefault(key, _unreadable(key, "no <state>", body))
    if not readable and text.strip():
        first = next(line.strip() for line in text.splitlines() if line.strip())
        return Failure(ParseError("qstat printed no <job_list> element and no job_info", first))
    return Success(statuses)


def _unreadable(job_id: str, problem: str, body: str) -> JobStatus:
    excerpt = " ".join(body.split())
    excerpt = excerpt if len(excerpt) <= 200 else excerpt[:200] + "..."
    reason = f"could not read qstat output ({problem}): {excerpt!r}"
    return JobStatus(job_id, JobState.UNKNOWN, "", reason=reason, source=_SOURCE)
