"""PBS Pro / OpenPBS and Torque: argv builders, the parsers of what they print, two records.

Strategy: both flavours share ``qsub``/``qstat``/``qdel`` and the ``qstat -f`` text format,
so one module serves both and the differences are data: the state tables and JOB_EXEC
codes (in :mod:`hsm.pure.schedulers.pbs.qstat`, next to the status parser), the array
variable (``PBS_ARRAY_INDEX`` vs ``PBS_ARRAYID``), and history (PBS Pro ``qstat -x``;
Torque has none -- its ``-x`` is XML).  Job ids are kept exactly as printed
(``123.server``, ``123[].server``, ``123[4].server``) because ``qstat`` matches them
textually; :func:`array_task_id` builds a subjob id from its parent's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from hsm.pure.errors import ParseError
from hsm.pure.schedulers.base import Cancelled, CancelOutcome, FailureKind
from hsm.pure.schedulers.pbs.qstat import (
    PRO_STATES,
    STATES,
    TORQUE_STATES,
    decode_exit_status,
    history_argv,
    job_status,
    parse_pro_status_output,
    parse_qstat_full,
    parse_qstat_json,
    parse_status_output,
    parse_torque_status_output,
    status_argv,
    torque_status_argv,
)

__all__ = [
    "PRO_STATES",
    "STATES",
    "TORQUE_STATES",
    "array_task_id",
    "cancel_argv",
    "classify_failure",
    "decode_exit_status",
    "history_argv",
    "job_status",
    "parse_pro_status_output",
    "parse_qstat_full",
    "parse_qstat_json",
    "parse_status_output",
    "parse_submit_output",
    "parse_torque_status_output",
    "split_array_task_id",
    "status_argv",
    "submit_argv",
    "submit_hint",
    "torque_status_argv",
]

# ``sequence[.server]`` (qsub(1B) OPERANDS/STANDARD OUTPUT); arrays ``sequence[]``; a
# subjob ``sequence[index]``.  The server part is a host name, possibly fully qualified.
_JOB_ID = re.compile(r"^(\d+)(\[\d*\])?((?:\.[A-Za-z0-9_][A-Za-z0-9_\-]*)*)$")


def submit_argv(script_path: str) -> list[str]:
    """``qsub`` with the rendered script; every option lives in its ``#PBS`` directives."""
    return ["qsub", script_path]


def parse_submit_output(text: str) -> Result[str, ParseError]:
    """The job id ``qsub`` printed: its last non-blank line (site filters may print above).

    >>> parse_submit_output("1234[].pbsserver\\n").unwrap()
    '1234[].pbsserver'
    >>> parse_submit_output("qsub: submit error")
    <Failure: qsub output is not a job id: 'qsub: submit error'>
    """
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    if not lines:
        return Failure(ParseError("qsub printed no job id"))
    if _JOB_ID.match(lines[-1]) is None:
        return Failure(ParseError("qsub output is not a job id", lines[-1]))
    return Success(lines[-1])


def cancel_argv(job_ids: Sequence[str]) -> list[str]:
    """``qdel`` for all ids in one call (an array id ``123[]`` deletes every subjob)."""
    return ["qdel", *job_ids]


# qdel (OpenPBS 23.06, PBS_NOTES): "qdel: Job has finished 2.server" (exit 35), "qdel:
# Unknown Job Id 9.server" (153), "qdel: Request invalid for finished array subjob
# 159[0].server" (55); anything else naming an id is a refusal in the server's words.
_QDEL_SAID: tuple[tuple[re.Pattern[str], CancelOutcome], ...] = (
    (re.compile(r"^qdel: Job has finished (\S+)"), CancelOutcome.FINISHED),
    (re.compile(r"^qdel: Request invalid for finished array subjob (\S+)"), CancelOutcome.FINISHED),
    (re.compile(r"^qdel: Unknown Job Id (\S+)"), CancelOutcome.UNKNOWN),
    (re.compile(r"^qdel: .*?(\d+(?:\[\d*\])?(?:\.[\w.-]+)?)\s*$"), CancelOutcome.REFUSED),
)


def parse_cancel_output(text: str, job_ids: Sequence[str]) -> Cancelled:
    """What ``qdel`` did with each id (qdel prints nothing for the ones it deleted).

    >>> said = parse_cancel_output("qdel: Job has finished 2.srv\\n", ["2.srv", "3.srv"])
    >>> [(job_id, outcome.value) for job_id, (outcome, _) in said.items()]
    [('2.srv', 'had already finished'), ('3.srv', 'cancelled')]
    """
    said: dict[str, tuple[CancelOutcome, str]] = {}
    for raw in text.replace("\r", "\n").split("\n"):
        line = raw.strip()
        for pattern, outcome in _QDEL_SAID:
            match = pattern.match(line)
            if match:
                said.setdefault(match.group(1), (outcome, line))
                break
    return {job_id: said.get(job_id, (CancelOutcome.CANCELLED, "")) for job_id in job_ids}


def is_job_id(text: str) -> bool:
    """``123.server``, an array ``123[].server`` or a subjob ``123[4].server``.

    >>> is_job_id("123[4].server"), is_job_id("12;x")
    (True, False)
    """
    return _JOB_ID.match(text) is not None


def array_task_id(parent_id: str, index: int) -> str:
    """The id of subjob ``index`` of an array job, as ``qstat -t`` prints it.

    >>> array_task_id("123[].server", 4)
    '123[4].server'
    >>> array_task_id("77[].head.cluster.example.org", 0)
    '77[0].head.cluster.example.org'
    """
    match = _JOB_ID.match(parent_id.strip())
    if match is None or index < 0:
        raise ValueError(f"cannot make subjob {index} of job id {parent_id!r}")
    return f"{match.group(1)}[{index}]{match.group(3)}"


def split_array_task_id(task_id: str) -> tuple[str, int] | None:
    """``123[4].server`` -> (``123[].server``, 4); None for ids that are not subjobs.

    >>> split_array_task_id("123[4].server")
    ('123[].server', 4)
    >>> split_array_task_id("123[].server") is None
    True
    """
    match = _JOB_ID.match(task_id.strip())
    if match is None or match.group(2) is None or match.group(2) == "[]":
        return None
    return f"{match.group(1)}[]{match.group(3)}", int(match.group(2)[1:-1])


def never_starts(reason: str) -> bool:
    """The scheduler's ``comment`` says the job can never run (qstat -f ``comment``).

    >>> never_starts("Can Never Run: Insufficient amount of resource: ncpus (R: 64 A: 2 T: 2)")
    True
    """
    return "Can Never Run" in reason


# Server unreachable or slow: the next poll may work; no state changes meanwhile.
#  "cannot connect to server X (errno=111)", "pbs_iff: cannot connect to host",
#  "Communication failure" (Torque 15xxx), "End of File" (the server closed the socket),
#  "Premature end of message", trqauthd / munge authentication daemons down, timeouts.
_TRANSIENT = re.compile(
    r"cannot connect to (?:pbs )?server|connection refused|connection (?:reset|timed out)"
    r"|pbs_iff|communication failure|end of file|premature end of message|timed? ?out"
    r"|unable to communicate|trqauthd|munge|temporarily unavailable|server is busy|try again",
    re.IGNORECASE,
)
# "qstat: Unknown Job Id 123.server"; PBS Pro without -x: "qstat: 123.server Job has
# finished, use -x or -H to obtain historical job information"; qdel: "Job has finished".
_UNKNOWN_JOB = re.compile(r"unknown job id|job has finished", re.IGNORECASE)


def classify_failure(text: str) -> FailureKind:
    """How to treat a failed ``qsub``/``qstat``/``qdel`` from what it printed.

    A transient signature wins over an unknown id: a half-answered poll changes nothing.

    >>> classify_failure("qstat: Unknown Job Id 12.srv")
    <FailureKind.UNKNOWN_JOB: 'unknown_job'>
    >>> classify_failure("qstat: cannot connect to server srv (errno=111)")
    <FailureKind.TRANSIENT: 'transient'>
    """
    if _TRANSIENT.search(text):
        return FailureKind.TRANSIENT
    if _UNKNOWN_JOB.search(text):
        return FailureKind.UNKNOWN_JOB
    return FailureKind.PERMANENT


_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"unknown queue", re.IGNORECASE),
        "the queue does not exist on this server: fix hpc.pbs.queue (`qstat -Q` lists queues)",
    ),
    (
        re.compile(r"no default queue", re.IGNORECASE),
        "this server has no default queue: set hpc.pbs.queue",
    ),
    (
        re.compile(r"array.*(?:size|limit)|max_array_size", re.IGNORECASE),
        "the array is larger than the server allows: lower the array limit so the sweep "
        "is split into smaller arrays (`qmgr -c 'list server max_array_size'`)",
    ),
    (
        re.compile(r"exceeds? (?:the )?(?:queue|server)|resource limits", re.IGNORECASE),
        "ask for less walltime/ncpus/mem, or pick a queue whose limits fit "
        "(`qstat -Qf QUEUE` shows resources_max)",
    ),
    (
        re.compile(r"per-user limit|maximum number of jobs|max_queued", re.IGNORECASE),
        "a per-user job limit was reached: submit as one array job (--mode array) or wait",
    ),
    (
        re.compile(
            r"illegal -l value|unknown resource|illegal attribute or resource", re.IGNORECASE
        ),
        "a -l resource is misspelled or not defined here: PBS Pro uses "
        "select=1:ncpus=4:mem=16gb, Torque nodes=1:ppn=4,mem=16gb",
    ),
    (
        re.compile(r"unauthorized request|not authorized|bad uid", re.IGNORECASE),
        "the server refused you for this queue or account: check hpc.pbs.account (-A) "
        "and the queue's access lists",
    ),
)


def submit_hint(text: str) -> str:
    """A sentence telling the user what to change after a refused ``qsub``; "" if none fits.

    >>> submit_hint("qsub: Unknown queue")
    'the queue does not exist on this server: fix hpc.pbs.queue (`qstat -Q` lists queues)'
    """
    for pattern, hint in _HINTS:
        if pattern.search(text):
            return hint
    return ""


def pro_name_query_argvs(job_name: str) -> list[list[str]]:
    """Argvs listing PBS Pro jobs named ``job_name``, queued or finished (``-x``)."""
    return [["qselect", "-x", "-N", job_name]]


def torque_name_query_argvs(job_name: str) -> list[list[str]]:
    """Argvs listing Torque jobs named ``job_name`` (Torque's qselect has no history)."""
    return [["qselect", "-N", job_name]]


def parse_name_query(text: str) -> tuple[str, ...]:
    """The job ids ``qselect`` printed, one a line; anything else is ignored.

    >>> parse_name_query("12.srv\\n13[].srv\\n")
    ('12.srv', '13[].srv')
    """
    ids = (line.strip() for line in text.replace("\r", "\n").split("\n"))
    return tuple(dict.fromkeys(i for i in ids if i and _JOB_ID.match(i)))


def parse_user_query(text: str) -> dict[str, str]:
    """``qselect`` lists ids only: each id, with no name (a name would need a second
    ``qstat`` call per listing).

    >>> parse_user_query("12.srv\\n13[].srv\\n")
    {'12.srv': '', '13[].srv': ''}
    """
    return dict.fromkeys(parse_name_query(text), "")


def user_query_argv(user: str) -> list[str]:
    """qselect listing the ids of ``user``'s jobs in the queue."""
    return ["qselect", "-u", user]


LIMIT_ARGV = ("qmgr", "-c", "print server")
# PBS Pro: "set server max_array_size = 10000"; Torque: "set server max_job_array_size = 1000".
_MAX_ARRAY = re.compile(r"^set server max(?:_job)?_array_size\s*=\s*(\d+)\s*$", re.MULTILINE)


def parse_limit(text: str) -> int | None:
    """The server's array size limit from ``qmgr -c 'print server'``, if it is set.

    >>> parse_limit("set server max_array_size = 10000\\n")
    10000
    """
    match = _MAX_ARRAY.search(text.replace("\r", ""))
    return int(match.group(1)) if match else None
