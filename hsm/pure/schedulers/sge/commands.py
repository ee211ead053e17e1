"""Grid Engine: the argv of qsub / qdel / the name and limit queries, and their parsers.

Strategy: every option of a job lives in its ``#$`` directives, so ``qsub -terse SCRIPT``
is the whole submission and prints ``ID`` (``ID.1-3:1`` for an array).  Job ids are
numbers; an array task is ``ID.TASK``, the form ``qdel`` takes.  The live and history
queries are in :mod:`~hsm.pure.schedulers.sge.qstat` and
:mod:`~hsm.pure.schedulers.sge.qacct`.  Everything read here was captured from Son of Grid
Engine 8.1.9 (tests/data/sge).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from hsm.pure.errors import ParseError
from hsm.pure.schedulers.base import Cancelled, CancelOutcome
from hsm.pure.schedulers.sge.qstat import ERROR_STATE, wanted_ids

# -- qsub ------------------------------------------------------------------------------


def submit_argv(script_path: str) -> list[str]:
    """``qsub -terse``: print only the job id.

    >>> submit_argv("/s/job.sh")
    ['qsub', '-terse', '/s/job.sh']
    """
    return ["qsub", "-terse", script_path]


# -terse: "26" or "26.1-3:1" (an array, even of one task: "10.5-5:1").
_TERSE = re.compile(r"^(\d+)(?:\.\d+-\d+:\d+)?$")
# Without -terse: 'Your job 25 ("run_job") has been submitted',
# 'Your job-array 26.1-3:1 ("arr_job") has been submitted'.
_SUBMITTED = re.compile(r"^Your job(?:-array)? (\d+)(?:\.\d+-\d+:\d+)? \(.*\) has been submitted$")


def parse_submit_output(text: str) -> Result[str, ParseError]:
    """The job id from qsub's stdout: its last line that is one (site banners may precede).

    >>> parse_submit_output("26.1-3:1\\n"), parse_submit_output("25\\r\\n")
    (<Success: 26>, <Success: 25>)
    >>> parse_submit_output("")
    <Failure: qsub printed no job id (empty output)>
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        match = _TERSE.match(line) or _SUBMITTED.match(line)
        if match:
            return Success(match.group(1))
    if not lines:
        return Failure(ParseError("qsub printed no job id (empty output)"))
    return Failure(ParseError("qsub printed no job id", lines[-1]))


# -- qdel ------------------------------------------------------------------------------


def cancel_argv(job_ids: Sequence[str]) -> list[str]:
    """``qdel`` for all ids at once; ``26`` deletes every task, ``26.3`` one task.

    qdel exits 1 when any id is unknown (``denied: job "22" does not exist`` on stdout)
    but still deletes the others: :func:`~hsm.pure.schedulers.sge.failures.classify_failure`
    reads that as an unknown job, not an error.

    >>> cancel_argv(["25", "26.3"])
    ['qdel', '25', '26.3']
    """
    return ["qdel", *wanted_ids(job_ids)]


# -- ids -------------------------------------------------------------------------------


def task_id(array_id: str, index: int) -> str:
    """The id of task ``index`` of array ``array_id`` (qdel/qstat accept ``ID.TASK``).

    >>> task_id("26", 3)
    '26.3'
    """
    return f"{array_id}.{index}"


# qdel (8.1.9, tests/data/sge): deletions are announced ("root has deleted job 19",
# "root has registered the job-array task 26.2 for deletion"); an id qstat no longer
# holds -- never existed, or already finished: Grid Engine cannot tell them apart -- is
# 'denied: job "22" does not exist' on stdout, exit 1.
_DENIED = re.compile(r'denied: job "([^"]+)" does not exist')


def parse_cancel_output(text: str, job_ids: Sequence[str]) -> Cancelled:
    """What ``qdel`` did with each id.

    >>> said = parse_cancel_output('denied: job "22" does not exist\\n', ["22", "25"])
    >>> [(job_id, outcome.value) for job_id, (outcome, _) in said.items()]
    [('22', 'no such job'), ('25', 'cancelled')]
    """
    denied = set(_DENIED.findall(text))
    outcomes: Cancelled = {}
    for job_id in job_ids:
        head = job_id.partition(".")[0]
        if job_id in denied or head in denied:
            outcomes[job_id] = (
                CancelOutcome.UNKNOWN,
                "not in the queue: finished already, or never existed (Grid Engine cannot tell)",
            )
        else:
            outcomes[job_id] = (CancelOutcome.CANCELLED, "")
    return outcomes


def is_job_id(text: str) -> bool:
    """``25`` or an array task ``26.3``.

    >>> is_job_id("26.3"), is_job_id("26;x")
    (True, False)
    """
    head, sep, task = text.partition(".")
    return head.isdigit() and (not sep or task.isdigit())


def split_task_id(job_id: str) -> tuple[str, int] | None:
    """``26.3`` -> (``26``, 3); None for a plain job id.

    >>> split_task_id("26.3"), split_task_id("26")
    (('26', 3), None)
    """
    head, sep, task = job_id.partition(".")
    if not sep or not head.isdigit() or not task.isdigit():
        return None
    return head, int(task)


def never_starts(reason: str) -> bool:
    """True for a job in an error state (``Eqw``): it waits until someone runs ``qmod -cj``.

    >>> never_starts("error state: ..."), never_starts("held (qsub -h ...)")
    (True, False)
    """
    return reason.startswith(ERROR_STATE)


# -- finding jobs by name or user --------------------------------------------------------


def name_query_argvs(job_name: str) -> list[list[str]]:
    """Argvs listing jobs named ``job_name``: live (``qstat -j NAME``), then accounting.

    Both select by job *name* when the argument does not start with a digit (hsm's names
    never do).  Each exits 1 when nothing matches ("Following jobs do not exist", "job
    name ... not found"), read as an unknown job, i.e. no ids.
    """
    return [["qstat", "-j", job_name], ["qacct", "-j", job_name]]


# qstat -j: "job_number:                 26"; qacct -j: "jobnumber    26"; qstat -xml:
# "<JB_job_number>26</JB_job_number>".
_NUMBER_LINE = re.compile(
    r"^(?:job_number:|jobnumber)[ \t]+(\d+)[ \t]*\r?$|<JB_job_number>\s*(\d+)\s*</JB_job_number>",
    re.MULTILINE,
)


def parse_name_query(text: str) -> tuple[str, ...]:
    """Job ids listed by :func:`name_query_argvs` or :func:`user_query_argv`, in order.

    >>> parse_name_query("job_number:   26\\njob_args: jobnumber 7\\njobnumber    26\\n")
    ('26',)
    """
    found = (a or b for a, b in _NUMBER_LINE.findall(text))
    return tuple(dict.fromkeys(found))


def user_query_argv(user: str) -> list[str]:
    """``qstat -xml -u USER``: the user's queued, held, running and suspended jobs."""
    return ["qstat", "-xml", "-u", user]


_JOB_LIST = re.compile(r"<job_list\b.*?</job_list>", re.DOTALL)
_JOB_NUMBER = re.compile(r"<JB_job_number>\s*(\d+)\s*</JB_job_number>")
_JOB_NAME = re.compile(r"<JB_name>(.*?)</JB_name>", re.DOTALL)


def parse_user_query(text: str) -> dict[str, str]:
    """``qstat -xml -u USER`` -> job id -> job name (XML entities decoded).

    >>> parse_user_query("<job_list state='running'><JB_job_number>26</JB_job_number>"
    ...                  "<JB_name>a&amp;b</JB_name></job_list>")
    {'26': 'a&b'}
    """
    names: dict[str, str] = {}
    for block in _JOB_LIST.findall(text):
        number = _JOB_NUMBER.search(block)
        if number is None:
            continue
        name = _JOB_NAME.search(block)
        names.setdefault(number.group(1), html.unescape(name.group(1)) if name else "")
    return names


# -- array limit -------------------------------------------------------------------------

LIMIT_ARGV = ("qconf", "-sconf")
_MAX_AJ_TASKS = re.compile(r"^max_aj_tasks[ \t]+(\d+)[ \t]*\r?$", re.MULTILINE)


def parse_limit(text: str) -> int | None:
    """``max_aj_tasks`` from ``qconf -sconf``: the largest task index ``-t`` accepts.

    With indices from 1 that is also the number of tasks one array can hold, which is what
    the planner's limit counts (tests/data/sge: ``-t 75000`` accepted, ``-t 1-75001``
    refused).  0 means no limit in sge_conf(5), which hsm reads as "not stated".

    >>> parse_limit("max_aj_instances   2000\\nmax_aj_tasks       75000\\n")
    75000
    """
    match = _MAX_AJ_TASKS.search(text)
    if match is None or int(match.group(1)) == 0:
        return None
    return int(match.group(1))
