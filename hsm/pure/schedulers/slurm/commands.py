"""Slurm: the argv of sbatch / squeue / sacct / scancel and parsers of what they print.

Strategy: every command is asked for a fixed, machine-friendly format (``sbatch
--parsable``; ``squeue --noheader --format=%i|%T|%r|%M|%N``; ``sacct --noheader --parsable2
--format=JobID,State,ExitCode,Reason,Elapsed,NodeList,MaxRSS``), so each parser reads
``|``-separated fields line by line -- no column widths, no JSON (``squeue --json``
ignores ``-j``; ``sacct --json`` misreports exit codes on 22.05). A state code becomes a
:class:`JobState` through one literal table, ``STATES``; a code missing from it becomes
``unknown`` with the raw text kept, never an error and never ``completed``. Parsers read
what Slurm really prints (CRLF, blank lines, ``sbatch: warning:`` lines, ``CANCELLED by
0``, truncated ``CANCELLED+``, step lines, compressed array ranges ``7_[1-3,9%2]``), and
one odd line never blinds a whole poll: a line that starts with a job id but does not
read (no state, a bad exit code, cut short) is ``unknown`` for that id with the line
quoted in the reason; a line without a job id is skipped. Only output in which no line
reads at all (an HTML error page, another command's message) is a ``ParseError`` quoting
it. sacct's step lines carry the peak memory (MaxRSS) and are folded into their job's
status.

Array tasks are keyed ``<array id>_<index>`` exactly as Slurm prints them; a compressed
range is expanded to one entry per task.  No entry is made for the array parent id: its
state is the roll-up (:func:`hsm.pure.states.rollup_states`) of tasks the caller knows
about, and squeue alone cannot say whether tasks missing from it finished or never
existed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from hsm.pure.arrays import parse_array_ranges
from hsm.pure.errors import ParseError
from hsm.pure.schedulers.base import Cancelled, CancelOutcome, Statuses
from hsm.pure.states import JobState, JobStatus
from hsm.pure.usage import parse_clock, parse_size

# Every state squeue(1) and sacct(1) list under "JOB STATE CODES", long name and compact
# code (Slurm 22.05; squeue prints one base state or one flag, see job_state_string()).
# https://slurm.schedmd.com/squeue.html#SECTION_JOB-STATE-CODES
# https://slurm.schedmd.com/job_state_codes.html
# The flags LAUNCH_FAILED, POWER_UP_NODE, RECONFIG_FAIL and UPDATE_DB are only shown by
# `scontrol show job` / the REST API, never by squeue or sacct, so they are not here and
# would read as unknown (raw kept) if they ever appeared.
# fmt: off
STATES: dict[str, JobState] = {
    # Waiting of any kind -> queued.
    "PENDING": JobState.QUEUED, "PD": JobState.QUEUED,
    # Choice: resources allocated but nodes still booting; nothing runs yet (DESIGN lists
    # configuring as waiting).
    "CONFIGURING": JobState.QUEUED, "CF": JobState.QUEUED,
    # "Completing job is being requeued": it will wait in the queue again.
    "REQUEUED": JobState.QUEUED, "RQ": JobState.QUEUED,
    # Requeued because of its federated sibling; waits again.
    "REQUEUE_FED": JobState.QUEUED, "RF": JobState.QUEUED,
    # "Held job is being requeued": held jobs count as waiting.
    "REQUEUE_HOLD": JobState.QUEUED, "RH": JobState.QUEUED,
    # "Held after requested reservation was deleted": held, waiting for a release.
    "RESV_DEL_HOLD": JobState.QUEUED, "RD": JobState.QUEUED,
    # Choice: "requeued in a special state", i.e. REQUEUE_HOLD set (typically by an
    # EpilogSlurmctld) after a particular exit value.  The job is held, not finished; an
    # admin or user may release it, so it is not final.
    "SPECIAL_EXIT": JobState.QUEUED, "SE": JobState.QUEUED,
    # Choice: "has an allocation, but execution has been suspended and CPUs have been
    # released" -- not executing, waiting to resume (DESIGN: suspended is waiting).
    "SUSPENDED": JobState.QUEUED, "S": JobState.QUEUED,
    # Choice: stopped with SIGSTOP, CPUs retained -- same as SUSPENDED for the user.
    "STOPPED": JobState.QUEUED, "ST": JobState.QUEUED,
    # Executing or finishing -> running.
    "RUNNING": JobState.RUNNING, "R": JobState.RUNNING,
    # "In the process of completing": processes may still be active; exit not final yet.
    "COMPLETING": JobState.RUNNING, "CG": JobState.RUNNING,
    # "About to change size": a running job being resized.
    "RESIZING": JobState.RUNNING, "RS": JobState.RUNNING,
    # "Outgoing signal to job is pending": it still holds its allocation.
    "SIGNALING": JobState.RUNNING, "SI": JobState.RUNNING,
    # Choice: burst-buffer stage-out after the program ended; the job is finishing and
    # its outcome is not final until stage-out is done.
    "STAGE_OUT": JobState.RUNNING, "SO": JobState.RUNNING,
    # Finished.  COMPLETED means exit code 0 on all nodes; parse_history_output still
    # turns a COMPLETED record with a non-zero exit code or a signal into failed.
    "COMPLETED": JobState.COMPLETED, "CD": JobState.COMPLETED,
    "FAILED": JobState.FAILED, "F": JobState.FAILED,
    "TIMEOUT": JobState.FAILED, "TO": JobState.FAILED,
    "OUT_OF_MEMORY": JobState.FAILED, "OOM": JobState.FAILED,
    "NODE_FAIL": JobState.FAILED, "NF": JobState.FAILED,
    "BOOT_FAIL": JobState.FAILED, "BF": JobState.FAILED,
    "DEADLINE": JobState.FAILED, "DL": JobState.FAILED,
    # Choice: "terminated due to preemption; may transition to another state based on
    # PreemptMode".  A job Slurm requeues shows REQUEUED/PENDING instead, so a job still
    # reading PREEMPTED was killed and not requeued (DESIGN: preempted-and-not-requeued).
    "PREEMPTED": JobState.FAILED, "PR": JobState.FAILED,
    "CANCELLED": JobState.CANCELLED, "CA": JobState.CANCELLED,
    # Choice: federation only -- "sibling was removed from cluster due to other cluster
    # starting the job".  This record is a copy that lost the race; the job itself runs
    # (or ran) on another cluster, so neither failed, cancelled nor completed is true
    # here.  unknown is not final, so a poller keeps asking rather than settle on a lie.
    "REVOKED": JobState.UNKNOWN, "RV": JobState.UNKNOWN,
}
# fmt: on


def parse_state(raw: str) -> JobState:
    """Normalise one state as squeue or sacct prints it.

    ``CANCELLED by 1234`` reads as ``CANCELLED``; a name sacct truncated to its column
    width (``CANCELLED+``, ``OUT_OF_ME+``) reads as the one state it can be; anything else
    not in ``STATES`` is ``unknown``.

    >>> parse_state("CANCELLED by 0"), parse_state("OUT_OF_ME+"), parse_state("WEIRD")
    (<JobState.CANCELLED: 'cancelled'>, <JobState.FAILED: 'failed'>, <JobState.UNKNOWN: 'unknown'>)
    """
    code = raw.strip().split(" ", 1)[0].upper()
    if code in STATES:
        return STATES[code]
    if code.endswith("+") and len(code) > 1:
        candidates = {state for name, state in STATES.items() if name.startswith(code[:-1])}
        if len(candidates) == 1:
            return candidates.pop()
    return JobState.UNKNOWN


_STATE_CACHE: dict[str, JobState] = {}  # raw code -> state; codes repeat across lines
_NO_REASON = frozenset({"", "None"})  # Slurm prints "None" for "no reason"
_UNFINISHED = frozenset({JobState.QUEUED, JobState.RUNNING})
_NO_NODE = frozenset({"", "None assigned", "(null)"})  # sacct's NodeList before nodes


def _status(
    job_id: str,
    raw: str,
    source: str,
    reason: str = "",
    exit_code: int | None = None,
    signal: int | None = None,
    used: str = "",
    node: str = "",
) -> JobStatus:
    """One status, built once: ``used`` (Elapsed / ``%M``) and ``node`` (NodeList /
    ``%N``) are kept only for a job that has left the queue -- a waiting one has run for
    no time on no node."""
    state = _STATE_CACHE.get(raw)
    if state is None:
        state = (
            _STATE_CACHE.setdefault(raw, parse_state(raw))
            if len(_STATE_CACHE) < 4096
            else parse_state(raw)
        )
    if state is JobState.COMPLETED and (exit_code or signal):
        state = JobState.FAILED  # finished, but not with exit code 0: not a success
    elif state in _UNFINISHED and not (exit_code or signal):
        exit_code = None  # sacct prints 0:0 for a job that has not ended: not an exit code
    reason = "" if reason in _NO_REASON else reason
    if not used or state is JobState.QUEUED:
        return JobStatus(job_id, state, raw, exit_code, signal, reason, source)
    node = "" if node in _NO_NODE else node
    return JobStatus(job_id, state, raw, exit_code, signal, reason, source, parse_clock(used), node)


def _lines(text: str) -> list[str]:
    """Non-blank lines, stripped (so CRLF and trailing blank lines do not matter)."""
    return [line for line in (raw.strip() for raw in text.splitlines()) if line]


_PLAIN_ID = re.compile(r"^\d+(?:_\d+)?(?:\+\d+)?$")  # 12, 12_3, 12+1 (heterogeneous)
_RANGE_ID = re.compile(r"^(\d+)_\[([^\]]+)\]$")  # 12_[1-3,7%2]: tasks not yet split out
# Slurm formats array ranges into a SLURM_BITSTR_LEN buffer (default 64 bytes) and cuts
# silently, so the last piece of a text this long may be a partial number.
_BITSTR_LEN = 64


def _is_plain(job_id: str) -> bool:
    """``12`` or ``12_3`` -- checked without a regex, since nearly every line is one."""
    head, _, tail = job_id.partition("_")
    return head.isdigit() and (not tail or tail.isdigit())


def _expand_ids(job_id: str, line: str) -> Result[list[str], ParseError]:
    """``12_[1-3%2]`` -> ``[12_1, 12_2, 12_3]``; a plain id -> itself."""
    if _PLAIN_ID.match(job_id):
        return Success([job_id])
    match = _RANGE_ID.match(job_id)
    if match is None:
        return Failure(ParseError(f"not a Slurm job id: {job_id!r}", line))
    base, ranges = match.group(1), match.group(2).partition("%")[0]
    if len(ranges) >= _BITSTR_LEN - 1:
        ranges = ranges.rpartition(",")[0]  # drop a possibly cut last piece
        if not ranges:
            return Success([])
    parsed = parse_array_ranges(ranges)
    if isinstance(parsed, Failure):
        return Failure(ParseError(f"bad array range in job id {job_id!r}", line))
    return Success([f"{base}_{index}" for index in parsed.unwrap().indices])


def _unreadable(job_id: str, source: str, problem: str, line: str, raw: str = "") -> JobStatus:
    """``unknown`` for a job whose line could not be read; the reason quotes the line."""
    excerpt = line if len(line) <= 200 else line[:200] + "..."
    reason = f"could not read {source} output ({problem}): {excerpt!r}"
    return JobStatus(job_id, JobState.UNKNOWN, raw, reason=reason, source=source)


def _nothing_readable(command: str, form: str, text: str) -> ParseError:
    first = next(line.strip() for line in text.splitlines() if line.strip())
    return ParseError(f"{command} printed no line that reads as '{form}'", first)


def is_job_id(text: str) -> bool:
    """``123``, ``123_4`` or a pending range ``123_[1-3]``.

    >>> is_job_id("123_4"), is_job_id("abc; rm")
    (True, False)
    """
    return bool(_PLAIN_ID.match(text) or _RANGE_ID.match(text))


def _id_list(job_ids: Sequence[str]) -> list[str]:
    """Deduplicated ids; refuses an empty list (squeue/sacct would report every job)."""
    ids = list(dict.fromkeys(job_ids))
    if not ids:
        raise ValueError("at least one job id is needed")
    for job_id in ids:
        if not (_PLAIN_ID.match(job_id) or _RANGE_ID.match(job_id)):
            raise ValueError(f"not a Slurm job id: {job_id!r}")
    return ids


# --- sbatch ---------------------------------------------------------------------------


def submit_argv(script_path: str) -> list[str]:
    """Submit a batch script; ``--parsable`` makes sbatch print just ``N`` or ``N;cluster``.

    >>> submit_argv("/s/job.sh")
    ['sbatch', '--parsable', '/s/job.sh']
    """
    return ["sbatch", "--parsable", script_path]


_PARSABLE_ID = re.compile(r"^(\d+)(?:;\S+)?$")
_SUBMITTED = re.compile(r"^Submitted batch job (\d+)(?: on cluster \S+)?$")


def parse_submit_output(text: str) -> Result[str, ParseError]:
    """The job id from sbatch's stdout.

    Accepts ``N`` / ``N;cluster`` (``--parsable``), ``Submitted batch job N [on cluster
    X]``, and a bare number from a site wrapper.  The id is the last line that is one of
    these; lines before it (``sbatch: warning: ...``, site banners) are ignored.  The
    cluster name is dropped.

    >>> parse_submit_output("sbatch: warning: x\\n4242;cl\\n")
    <Success: 4242>
    """
    lines = _lines(text)
    for line in reversed(lines):
        match = _PARSABLE_ID.match(line) or _SUBMITTED.match(line)
        if match:
            return Success(match.group(1))
    if not lines:
        return Failure(ParseError("sbatch printed no job id (empty output)"))
    own = [line for line in lines if not line.startswith("sbatch: ")]
    return Failure(ParseError("sbatch printed no job id", (own or lines)[-1]))


# --- squeue ---------------------------------------------------------------------------

#: Job id (``12``, ``12_3``, ``12_[4-9%2]``), long state name, reason -- one of Slurm's
#: fixed reason names, so never a ``|`` -- then what a started job has used: ``%M`` time
#: used (``[days-][hours:]minutes:seconds``, ``0:00`` while pending) and ``%N`` its nodes
#: (``n[1-3]``, empty while pending).  https://slurm.schedmd.com/squeue.html#OPT_format
SQUEUE_FORMAT = "%i|%T|%r|%M|%N"
_SQUEUE_OPTIONS = ("--noheader", "--array", "--states=all", f"--format={SQUEUE_FORMAT}")


def status_argv(job_ids: Sequence[str]) -> list[str]:
    """One squeue call for all ids (chunk with ``chunk_ids`` to stay under ARG_MAX).

    ``--array`` prints one line per array task (pending tasks too, on 22.05);
    ``--states=all`` keeps jobs that finished less than MinJobAge ago, so a fast job is
    seen as completed/failed rather than vanishing.  Raises ``ValueError`` on an empty
    list: without ``--jobs`` squeue lists every job on the cluster.
    """
    ids = ",".join(_id_list(job_ids))
    return ["squeue", *_SQUEUE_OPTIONS, f"--jobs={ids}"]


def parse_status_output(text: str) -> Result[Statuses, ParseError]:
    """squeue's ``%i|%T|%r[|%M|%N]`` lines -> statuses keyed by job / array task id.

    A job that has started (running, or finished and still in memory) gets its time used
    as ``elapsed`` and its node list as ``node``; a waiting one gets neither.
    A compressed pending range ``12_[1-3]`` gives ``12_1``, ``12_2``, ``12_3``.  A header
    line (``JOBID|STATE|REASON``) is skipped.  Ids squeue did not print are simply absent.
    A line with a job id but no state (``12|``, a line cut short) reads as ``unknown`` for
    that id, never replacing a readable line; a line without a job id is skipped.  Only
    output in which no line reads as squeue's is a :class:`ParseError`.

    >>> parse_status_output("7_1|RUNNING|None\\n7_[2-3%1]|PENDING|JobArrayTaskLimit\\n")
    ... # doctest: +ELLIPSIS
    <Success: {'7_1': JobStatus(job_id='7_1', state=<JobState.RUNNING: 'running'>, ...}>
    """
    statuses: Statuses = {}
    readable = False  # some line was a job or the header
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        job_id, _, rest = line.partition("|")
        state, _, rest = rest.partition("|")
        reason, _, rest = rest.partition("|")
        used, _, node = rest.partition("|")
        job_id, state, reason = job_id.strip(), state.strip(), reason.strip()
        if state and _is_plain(job_id):  # the common case: no range to expand
            statuses[job_id] = _status(job_id, state, "squeue", reason, None, None, used, node)
            readable = True
            continue
        if job_id in ("JOBID", "JobID"):
            readable = True
            continue
        expanded = _expand_ids(job_id, line)
        if isinstance(expanded, Failure):
            continue  # no job id to hang the line on
        readable = True
        for task in expanded.unwrap():
            if state:
                statuses[task] = _status(task, state, "squeue", reason, None, None, used, node)
            else:
                problem = "not 'JOBID|STATE|REASON'"
                statuses.setdefault(task, _unreadable(task, "squeue", problem, line))
    if not readable and text.strip():
        return Failure(_nothing_readable("squeue", "JOBID|STATE|REASON", text))
    return Success(statuses)


# --- sacct ----------------------------------------------------------------------------

#: All exist in 22.05; no user text (JobName) asked for.  Reason stays fourth, where it
#: always was: its values are Slurm's fixed reason names (job_reason_string()), so it can
#: hold no ``|``, and a line of the first four fields reads as before.  The usage fields
#: follow -- Elapsed ``[DD-[HH:]]MM:SS``, NodeList (``n1``, ``n[1-3]``, ``None assigned``)
#: and MaxRSS (``904K``, ``1.5G``), which sacct fills in on step lines only.
#: https://slurm.schedmd.com/sacct.html#OPT_format
SACCT_FIELDS = "JobID,State,ExitCode,Reason,Elapsed,NodeList,MaxRSS"
_SACCT_OPTIONS = ("--noheader", "--parsable2", f"--format={SACCT_FIELDS}")


def history_argv(job_ids: Sequence[str]) -> list[str]:
    """One sacct call for ids that left squeue.

    No ``--allocations``: a job's peak memory (MaxRSS) is measured per step, so the
    ``.batch`` / ``.N`` step lines are read and folded into their job's line (see
    :func:`parse_history_output`).  With ``--jobs`` sacct searches from the epoch, so no
    ``--starttime`` is needed.
    """
    ids = ",".join(_id_list(job_ids))
    return ["sacct", *_SACCT_OPTIONS, f"--jobs={ids}"]


@functools.lru_cache(maxsize=1024)  # a few values ("0:0", "1:0") fill a whole sweep
def _exit_status(text: str) -> tuple[int | None, int | None] | None:
    """sacct's ``N:S`` -> (exit code, signal or None); empty -> (None, None); bad -> None."""
    if not text:
        return None, None  # an empty ExitCode gives no exit code rather than an error
    code, colon, sig = text.partition(":")
    if not (colon and code.isdigit() and sig.isdigit()):
        return None
    return int(code), int(sig) or None


def _fold_peaks(statuses: Statuses, peaks: dict[str, int]) -> None:
    """Each job's peak memory over its steps, set on the job's own status."""
    for job_id, peak in peaks.items():
        status = statuses.get(job_id)
        if status is not None and status.state is not JobState.QUEUED:
            statuses[job_id] = status._replace(max_mem=max(peak, status.max_mem or 0))


def parse_history_output(text: str) -> Result[Statuses, ParseError]:
    """sacct's ``JobID|State|ExitCode[|Reason[|Elapsed|NodeList|MaxRSS]]`` lines -> statuses.

    ``ExitCode`` ``N:S`` gives exit code N and signal S (0 -> None); the ``0:0`` sacct
    shows for a job still pending or running is no exit code.  Step lines (``416.batch``,
    ``416.0``) give no status of their own: their MaxRSS, the largest of them, becomes
    their job's ``max_mem`` (the ``.extern`` step only holds the allocation open and is
    ignored).  Range lines of cancelled pending tasks (``6_[1,3]|CANCELLED by 0|0:0``)
    expand to each task; when one id has several records (a requeued job) the last line
    wins.  A line with a job id that does not read as ``JobID|State|ExitCode`` (no state,
    a bad exit code, cut short) is ``unknown`` for that id, never replacing a readable
    line; a line without a job id is skipped.  Only output in which no line reads as
    sacct's is a :class:`ParseError`.

    >>> parse_history_output("417|FAILED|3:0|NonZeroExitCode").unwrap()["417"].exit_code
    3
    >>> done = parse_history_output("418|COMPLETED|0:0|None|01:02:03|n7|\\n"
    ...                             "418.batch|COMPLETED|0:0||01:02:03|n7|1.5G\\n"
    ...                             "418.extern|COMPLETED|0:0||01:02:03|n7|9G\\n")
    >>> done.unwrap()["418"][-3:]
    (3723.0, 'n7', 1610612736)
    """
    statuses: Statuses = {}
    peaks: dict[str, int] = {}
    readable = False  # some line was a job, a step or the header
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        fields = line.split("|")
        job_id = fields[0].strip()
        state = fields[1].strip() if len(fields) > 1 else ""
        exit_text = fields[2].strip() if len(fields) > 2 else ""
        reason = fields[3].strip() if len(fields) > 3 else ""
        if job_id in ("JobID", "JOBID"):
            readable = True
            continue
        if "." in job_id:  # a step (416.batch, 416.extern, 416.0): the allocation line decides
            parent, _, step = job_id.partition(".")
            if not readable:
                readable = isinstance(_expand_ids(parent, line), Success)
            if len(fields) > 6 and not step.startswith("ext"):  # extern, or cut: "ext+"
                peak = parse_size(fields[6])
                if peak is not None and peak > peaks.get(parent, 0):
                    peaks[parent] = peak
            continue
        exit_status = _exit_status(exit_text)
        used, node = (fields[4], fields[5].strip()) if len(fields) > 5 else ("", "")
        if len(fields) > 2 and state and exit_status is not None and _is_plain(job_id):
            statuses[job_id] = _status(job_id, state, "sacct", reason, *exit_status, used, node)
            readable = True
            continue
        expanded = _expand_ids(job_id, line)
        if isinstance(expanded, Failure):
            continue  # no job id to hang the line on
        readable = True
        if not (len(fields) > 2 and state):
            problem = "not 'JobID|State|ExitCode|Reason'"
        elif exit_status is None:
            problem = f"bad ExitCode {exit_text!r}"
        else:
            for task in expanded.unwrap():
                statuses[task] = _status(task, state, "sacct", reason, *exit_status, used, node)
            continue
        for task in expanded.unwrap():
            statuses.setdefault(task, _unreadable(task, "sacct", problem, line, state))
    if not readable and text.strip():
        return Failure(_nothing_readable("sacct", "JobID|State|ExitCode|Reason", text))
    if peaks:
        _fold_peaks(statuses, peaks)
    return Success(statuses)


# --- scancel --------------------------------------------------------------------------


def cancel_argv(job_ids: Sequence[str]) -> list[str]:
    """Cancel jobs or array tasks.  scancel exits 0 even for unknown ids; ``--verbose``
    makes it say so (read by :func:`parse_cancel_output`).

    >>> cancel_argv(["12", "13_4"])
    ['scancel', '--verbose', '12', '13_4']
    """
    return ["scancel", "--verbose", *_id_list(job_ids)]


# scancel --verbose (22.05): "scancel: error: Kill job error on job id 6397_7: Invalid job
# id specified", "...: Job/step already completing or completed".
_KILL_ERROR = re.compile(r"Kill job error on job id (\S+): (.+)$")


def parse_cancel_output(text: str, job_ids: Sequence[str]) -> Cancelled:
    """What ``scancel --verbose`` did with each id (one not named in an error: cancelled).

    >>> said = parse_cancel_output("scancel: error: Kill job error on job id 9: Invalid job "
    ...                            "id specified\\nscancel: Terminating job 10\\n", ["9", "10"])
    >>> [(job_id, outcome.value) for job_id, (outcome, _) in said.items()]
    [('9', 'no such job'), ('10', 'cancelled')]
    """
    errors: dict[str, str] = {}
    for line in _lines(text):
        match = _KILL_ERROR.search(line.strip())
        if match:
            errors[match.group(1)] = match.group(2).strip()
    outcomes: Cancelled = {}
    for job_id in job_ids:
        said = errors.get(job_id)
        if said is None:
            outcomes[job_id] = (CancelOutcome.CANCELLED, "")
        elif "Invalid job id" in said:
            outcomes[job_id] = (CancelOutcome.UNKNOWN, said)
        elif "already completing or completed" in said:
            outcomes[job_id] = (CancelOutcome.FINISHED, said)
        else:
            outcomes[job_id] = (CancelOutcome.REFUSED, said)
    return outcomes


def task_id(array_id: str, index: int) -> str:
    """The id Slurm gives task ``index`` of array ``array_id``.

    >>> task_id("418", 2)
    '418_2'
    """
    return f"{array_id}_{index}"


def split_task_id(job_id: str) -> tuple[str, int] | None:
    """``418_2`` -> (``418``, 2); None for a plain job or a pending range (``418_[1-3]``).

    >>> split_task_id("418_2"), split_task_id("418")
    (('418', 2), None)
    """
    head, sep, index = job_id.partition("_")
    if not sep or not head.isdigit() or not index.isdigit():
        return None
    return head, int(index)


#: squeue(1) pending reasons that no amount of waiting fixes: the job must be changed or
#: cancelled (a dependency that failed, a request beyond the partition's limits).
_NEVER_STARTS = frozenset(
    {
        "DependencyNeverSatisfied",
        "BadConstraints",
        "PartitionNodeLimit",
        "PartitionTimeLimit",
        "PartitionConfig",
        "InvalidAccount",
        "InvalidQOS",
    }
)


def never_starts(reason: str) -> bool:
    """True when a pending job's reason means it will never start.

    >>> never_starts("DependencyNeverSatisfied"), never_starts("Resources")
    (True, False)
    """
    return reason.split(",")[0].strip() in _NEVER_STARTS


def name_query_argvs(job_name: str) -> list[list[str]]:
    """Argvs listing jobs named ``job_name``: the live queue, then a week of accounting.

    ``%F`` is the array's base id (a plain job's own id), so an array shows once.
    """
    return [
        ["squeue", "--noheader", "--states=all", "--format=%F", f"--name={job_name}"],
        [
            "sacct",
            "--noheader",
            "--parsable2",
            "--allocations",
            "--format=JobID",
            "--starttime=now-7days",
            f"--name={job_name}",
        ],
    ]


def parse_name_query(text: str) -> tuple[str, ...]:
    """Job ids (array task suffixes dropped) listed by a ``name_query_argvs`` command.

    >>> parse_name_query("12\\n13_[0-3]\\n13_4\\n")
    ('12', '13')
    """
    ids: dict[str, None] = {}
    for line in _lines(text):
        base = line.strip().split("|")[0].split("_")[0].split(".")[0]
        if base.isdigit():
            ids[base] = None
    return tuple(ids)


def user_query_argv(user: str) -> list[str]:
    """squeue listing the base id and name of ``user``'s jobs in the queue (the name
    last: it may hold a ``|``)."""
    return ["squeue", "--noheader", "--format=%F|%j", f"--user={user}"]


def parse_user_query(text: str) -> dict[str, str]:
    """``%F|%j`` lines -> base id -> job name.

    >>> parse_user_query("12|train|lr\\n13|sweep_array_000\\n13|sweep_array_000\\nx|y\\n")
    {'12': 'train|lr', '13': 'sweep_array_000'}
    """
    names: dict[str, str] = {}
    for line in _lines(text):
        base, _, name = line.partition("|")
        if base.isdigit():
            names.setdefault(base, name)
    return names


LIMIT_ARGV = ("scontrol", "show", "config")
_MAX_ARRAY = re.compile(r"^MaxArraySize\s*=\s*(\d+)\s*$", re.MULTILINE)


def parse_limit(text: str) -> int | None:
    """``MaxArraySize`` from ``scontrol show config``: indices stay below it.

    >>> parse_limit("MaxArraySize            = 10001\\nMaxJobCount = 1\\n")
    10001
    """
    match = _MAX_ARRAY.search(text.replace("\r", ""))
    return int(match.group(1)) if match else None
