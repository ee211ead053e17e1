"""PBS Pro / OpenPBS and Torque ``qstat`` output -> :class:`JobStatus`, and the state tables.

Strategy: the status query is ``qstat -f -t`` (plus ``-x`` for PBS Pro history).  Its text
form is one block per job -- ``Job Id: 123.server`` then ``    name = value`` lines, long
values broken at commas onto lines that start with a TAB (OpenPBS ``src/cmds/qstat.c``,
``prt_attr``: ``printf("\\n\\t")``).  The parser joins those lines, collects every attribute,
and only then decides the state, so attribute order never matters.  The JSON form
(``qstat -f -F json``, PBS Pro 14+) carries the same attributes and goes through the same
decision.  We poll with the text form on both flavours because released PBS Pro versions
print invalid JSON for some environments (openpbs#1255 ``"foo":005``, openpbs#2541 unescaped
``BASH_FUNC_*``) and one build printed only the first of several ids (openpbs#2672); one bad
job must not blind a whole poll.

Deciding a state: the ``job_state`` letter decides, except for the finished letters (PBS Pro
``F``/``X``, Torque ``C``), where the exit status and PBS Pro's ``substate`` decide
completed / failed / cancelled -- see :func:`decode_exit_status` and :func:`job_status`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from returns.result import Failure, Result, Success

from hsm.pure.errors import ParseError
from hsm.pure.schedulers.base import Statuses
from hsm.pure.states import JobState, JobStatus
from hsm.pure.usage import parse_clock, parse_size

# PBS Pro / OpenPBS letters: PBS Professional Reference Guide, "Job States" (2021.1 §8.1);
# OpenPBS src/include/job.h JOB_STATE_LTR_*.
PRO_STATES: dict[str, JobState] = {
    "B": JobState.RUNNING,  # Begun: array parent with at least one subjob started
    "E": JobState.RUNNING,  # Exiting after having run; exit status not final yet
    "F": JobState.COMPLETED,  # Finished (history, -x): refined by Exit_status/substate
    "H": JobState.QUEUED,  # Held by user, operator or server
    "M": JobState.QUEUED,  # Moved to another server (history): alive elsewhere, not done
    "Q": JobState.QUEUED,  # Queued, eligible to run or be routed
    "R": JobState.RUNNING,  # Running
    "S": JobState.QUEUED,  # Suspended by the server (preempted): waiting to resume
    "T": JobState.QUEUED,  # in Transit to a new location
    "U": JobState.QUEUED,  # User-suspended (workstation busy): waiting to resume
    "W": JobState.QUEUED,  # Waiting for its start time (-a) or after a stage-in failure
    "X": JobState.COMPLETED,  # eXpired subjob (finished): refined by Exit_status/substate
}

# Torque letters: Torque Administrator Guide, qstat(1) "job_state" (C E H Q R T W S).
TORQUE_STATES: dict[str, JobState] = {
    "C": JobState.COMPLETED,  # Completed (kept for keep_completed seconds): refined by exit_status
    "E": JobState.RUNNING,  # Exiting after having run
    "H": JobState.QUEUED,  # Held
    "Q": JobState.QUEUED,  # Queued, eligible to run or routed
    "R": JobState.RUNNING,  # Running
    "T": JobState.QUEUED,  # being moved to a new location (Transit)
    "W": JobState.QUEUED,  # Waiting for its execution time
    "S": JobState.QUEUED,  # Suspended (Unicos only in Torque's docs)
}

#: Both flavours (no letter means different things in the two tables).
STATES: dict[str, JobState] = {**TORQUE_STATES, **PRO_STATES}

#: Letters of a job that left execution; the exit status decides its final state.
FINISHED_LETTERS = frozenset({"F", "X", "C"})

# PBS Pro substates of finished jobs (OpenPBS src/include/job.h).  91 is set when qdel hits
# a running job (req_delete.c: update_job_finish_comment(..., JOB_SUBSTATE_TERMINATED, ...))
# and for queued subjobs qdel'd to X (req_delete.c: trk_substate = JOB_SUBSTATE_TERMINATED).
SUBSTATE_TERMINATED = 91
SUBSTATE_FAILED = 93

# Negative Exit_status values set by MoM when the job could not run or was stopped.
# PBS Pro / OpenPBS: src/include/job.h "Special Job Exit Values" (-8, -9 were Globus codes
# in old PBS and are kept for completeness).
PRO_EXEC_CODES: dict[int, str] = {
    -1: "JOB_EXEC_FAIL1: job exec failed before files, no retry",
    -2: "JOB_EXEC_FAIL2: job exec failed after files, no retry",
    -3: "JOB_EXEC_RETRY: job execution failed, will retry",
    -4: "JOB_EXEC_INITABT: job aborted on MoM initialization",
    -5: "JOB_EXEC_INITRST: job aborted on MoM init, checkpoint, no migrate",
    -6: "JOB_EXEC_INITRMG: job aborted on MoM init, checkpoint, ok migrate",
    -7: "JOB_EXEC_BADRESRT: job restart failed",
    -8: "JOB_EXEC_GLOBUS_INIT_RETRY: Globus init failed, retry (old PBS)",
    -9: "JOB_EXEC_GLOBUS_INIT_FAIL: Globus init failed, no retry (old PBS)",
    -10: "JOB_EXEC_FAILUID: invalid uid/gid for job",
    -11: "JOB_EXEC_RERUN: job rerun",
    -12: "JOB_EXEC_CHKP: job was checkpointed and killed",
    -13: "JOB_EXEC_FAIL_PASSWORD: job failed due to a bad password",
    -14: "JOB_EXEC_RERUN_SIS_FAIL: job rerun after a sister MoM failed",
    -15: "JOB_EXEC_QUERST: requeued for restart from checkpoint",
    -16: "JOB_EXEC_FAILHOOK_RERUN: a hook rejected the job, requeued",
    -17: "JOB_EXEC_FAILHOOK_DELETE: a hook rejected the job, deleted",
    -18: "JOB_EXEC_HOOK_RERUN: a hook requested a requeue",
    -19: "JOB_EXEC_HOOK_DELETE: a hook requested deletion",
    -20: "JOB_EXEC_RERUN_MS_FAIL: mother superior connection failed",
    -21: "JOB_EXEC_FAIL_SECURITY: security breach in PBS directory",
    -22: "JOB_EXEC_HOOKERROR: hook raised an exception or timed out",
    -23: "JOB_EXEC_FAIL_KRB5: no Kerberos credentials supplied",
    -24: "JOB_EXEC_KILL_NCPUS_BURST: exceeded ncpus (burst)",
    -25: "JOB_EXEC_KILL_NCPUS_SUM: exceeded ncpus (sum)",
    -26: "JOB_EXEC_KILL_VMEM: exceeded vmem",
    -27: "JOB_EXEC_KILL_MEM: exceeded mem",
    -28: "JOB_EXEC_KILL_CPUT: exceeded cput",
    -29: "JOB_EXEC_KILL_WALLTIME: exceeded walltime",
    -30: "JOB_EXEC_JOINJOB: join job error",
}

# Torque: Administrator Guide "Job Exit Status" table (6.1.2); the codes diverge from PBS
# Pro after -7.
TORQUE_EXEC_CODES: dict[int, str] = {
    -1: "JOB_EXEC_FAIL1: job exec failed before files, no retry",
    -2: "JOB_EXEC_FAIL2: job exec failed after files, no retry",
    -3: "JOB_EXEC_RETRY: job execution failed, will retry",
    -4: "JOB_EXEC_INITABT: job aborted on MOM initialization",
    -5: "JOB_EXEC_INITRST: job aborted on MOM init, checkpoint, no migrate",
    -6: "JOB_EXEC_INITRMG: job aborted on MOM init, checkpoint, ok migrate",
    -7: "JOB_EXEC_BADRESRT: job restart failed",
    -8: "JOB_EXEC_CMDFAIL: exec() of user command failed",
    -9: "JOB_EXEC_STDOUTFAIL: could not create/open stdout stderr files",
    -10: "JOB_EXEC_OVERLIMIT_MEM: job exceeded a memory limit",
    -11: "JOB_EXEC_OVERLIMIT_WT: job exceeded a walltime limit",
    -12: "JOB_EXEC_OVERLIMIT_CPUT: job exceeded a CPU time limit",
    -13: "JOB_EXEC_CGROUP: could not create the job's cgroups",
    -14: "JOB_EXEC_PROLOGUE: prologue failed",
}

_SIGNALS = {1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 6: "SIGABRT", 9: "SIGKILL",
            11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 15: "SIGTERM", 24: "SIGXCPU"}  # fmt: skip


def _signal_name(number: int) -> str:
    return _SIGNALS.get(number, f"signal {number}")


def decode_exit_status(
    value: int, flavour: str = "pro"
) -> tuple[JobState, int | None, int | None, str]:
    """Decode a PBS exit status into (state, exit code, signal, reason).

    0 is success; 1-255 the job script's exit code (129-192 also name the signal that killed
    the script's last command, the shell's 128+N); 256+N means PBS killed the job's top
    process with signal N; negative values are the flavour's JOB_EXEC codes.  Only a
    cancellation is not decided here (see :func:`job_status`).

    >>> decode_exit_status(0)
    (<JobState.COMPLETED: 'completed'>, 0, None, '')
    >>> decode_exit_status(271)
    (<JobState.FAILED: 'failed'>, None, 15, 'killed by SIGTERM (exit status 271 = 256+15)')
    >>> decode_exit_status(-11, "torque")[3]
    'exit status -11, JOB_EXEC_OVERLIMIT_WT: job exceeded a walltime limit'
    """
    if value == 0:
        return JobState.COMPLETED, 0, None, ""
    if value >= 256:
        sig = value - 256
        why = f"killed by {_signal_name(sig)} (exit status {value} = 256+{sig})"
        return JobState.FAILED, None, sig, why
    if value > 128 and value - 128 <= 64:
        sig = value - 128
        why = f"exit code {value} (128+{sig}: a command died of {_signal_name(sig)})"
        return JobState.FAILED, value, sig, why
    if value > 0:
        return JobState.FAILED, value, None, f"exit code {value}"
    codes = TORQUE_EXEC_CODES if flavour == "torque" else PRO_EXEC_CODES
    meaning = codes.get(value, "unknown JOB_EXEC code")
    return JobState.FAILED, None, None, f"exit status {value}, {meaning}"


#: JOB_EXEC codes of a job PBS killed for a limit it exceeded (ncpus, memory, CPU time,
#: walltime): the job's own doing, a retry would end the same way.  Every other negative
#: code means the node or the system failed to start or keep the job.
PRO_LIMIT_KILLS = frozenset({-24, -25, -26, -27, -28, -29})
#: Torque's: the exec of the user's command failed, or a memory/walltime/CPU limit.
TORQUE_LIMIT_KILLS = frozenset({-8, -10, -11, -12})
_EXEC_CODE = re.compile(r"exit status (-\d+),")


def _exec_code(status: JobStatus) -> int | None:
    match = _EXEC_CODE.search(status.reason)
    return int(match.group(1)) if match else None


def pro_infrastructure_failure(status: JobStatus) -> bool:
    """True when a PBS Pro job ended with a negative JOB_EXEC code other than a limit kill.

    >>> pro_infrastructure_failure(JobStatus("1.s", JobState.FAILED, "F",
    ...     reason="exit status -20, JOB_EXEC_RERUN_MS_FAIL: mother superior connection failed"))
    True
    >>> pro_infrastructure_failure(JobStatus("1.s", JobState.FAILED, "F",
    ...     reason="exit status -29, JOB_EXEC_KILL_WALLTIME: exceeded walltime"))
    False
    """
    code = _exec_code(status)
    return status.state is JobState.FAILED and code is not None and code not in PRO_LIMIT_KILLS


def torque_infrastructure_failure(status: JobStatus) -> bool:
    """:func:`pro_infrastructure_failure` with Torque's codes."""
    code = _exec_code(status)
    return status.state is JobState.FAILED and code is not None and code not in TORQUE_LIMIT_KILLS


def _int_or_none(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def _first_line(value: str | None) -> str | None:
    """The first line of a value, stripped.  ``job_state``, the exit status and ``substate``
    are one word each; anything after a newline is stray text glued on by a broken block."""
    return None if value is None else value.split("\n", 1)[0].strip()


def _infer_flavour(attrs: Mapping[str, str]) -> str:
    # Torque spells the attribute ``exit_status``; PBS Pro ``Exit_status`` and has ``substate``
    # and letters Torque lacks.
    if "exit_status" in attrs or _first_line(attrs.get("job_state")) == "C":
        return "torque"
    return "pro"


def _unreadable(job_id: str, problem: str, text: str, raw: str = "") -> JobStatus:
    """``unknown`` for a job whose entry could not be read; the reason quotes the text."""
    excerpt = text if len(text) <= 200 else text[:200] + "..."
    reason = f"could not read qstat output ({problem}): {excerpt!r}"
    return JobStatus(job_id, JobState.UNKNOWN, raw, reason=reason, source="qstat")


def job_status(
    job_id: str, attrs: Mapping[str, str], flavour: str | None = None, source: str = "qstat"
) -> JobStatus:
    """Map one job's attributes (as printed by ``qstat -f``) to a :class:`JobStatus`,
    with what the server measured (see :func:`usage`).

    >>> job_status("7.srv", {"job_state": "R", "exec_host": "n1/0*2+n2/1",
    ...                      "resources_used.walltime": "01:02:03",
    ...                      "resources_used.mem": "10240kb"})[-3:]
    (3723.0, 'n1,n2', 10485760)
    """
    status = _job_state(job_id, attrs, flavour, source)
    elapsed, node, max_mem = usage(attrs)
    if elapsed is None and not node and max_mem is None:
        return status
    return status._replace(elapsed=elapsed, node=node, max_mem=max_mem)


def usage(attrs: Mapping[str, str]) -> tuple[float | None, str, int | None]:
    """Elapsed seconds, host names and peak memory in bytes from a job's attributes.

    ``resources_used.walltime`` is ``HH:MM:SS``; ``resources_used.mem`` a size with a
    PBS suffix (``10240kb``, ``2gb``); ``exec_host`` lists ``host/cpu[*count]`` chunks
    joined by ``+`` (pbs_job_attributes(7B); Torque's qstat(1) the same keys).  A job
    that has not started -- or whose mom has not polled yet -- has none of them.

    >>> usage({"exec_host": "node1/0+node1/1+gpu-2/0*4", "resources_used.walltime": "00:00:05"})
    (5.0, 'node1,gpu-2', None)
    >>> usage({})
    (None, '', None)
    """
    walltime = _first_line(attrs.get("resources_used.walltime"))
    mem = _first_line(attrs.get("resources_used.mem"))
    hosts = attrs.get("exec_host", "")
    node = ",".join(dict.fromkeys(h.split("/")[0].strip() for h in hosts.split("+") if h.strip()))
    return (
        parse_clock(walltime) if walltime else None,
        node,
        parse_size(mem) if mem else None,
    )


def _job_state(
    job_id: str, attrs: Mapping[str, str], flavour: str | None, source: str
) -> JobStatus:
    """The state part of :func:`job_status`.

    Finished jobs (``F``/``X``/``C``) are ``cancelled`` when PBS Pro's substate is 91
    (TERMINATED: qdel'd), when Torque reports 271 (its documented code for a cancelled
    running job; over-limit kills have their own codes -10..-12), or when no exit status
    exists at all (the job never ran: deleted while queued).  A PBS Pro 271 without
    substate 91 stays ``failed``: a walltime kill prints the same SIGTERM+256.  A finished
    job whose exit status or substate is there but is not a number is ``unknown``: guessing
    from the rest could call it a success.
    """
    flavour = flavour or _infer_flavour(attrs)
    letter = _first_line(attrs.get("job_state")) or ""
    comment = attrs.get("comment", "").strip()
    table = TORQUE_STATES if flavour == "torque" else PRO_STATES
    state = table.get(letter, JobState.UNKNOWN)
    if state is JobState.UNKNOWN:
        reason = "; ".join(filter(None, [f"unknown PBS state {letter!r}", comment]))
        return JobStatus(job_id, JobState.UNKNOWN, letter, reason=reason, source=source)
    if letter not in FINISHED_LETTERS:
        return JobStatus(job_id, state, letter, reason=comment, source=source)
    exit_text = _first_line(attrs.get("Exit_status", attrs.get("exit_status")))
    substate_text = _first_line(attrs.get("substate"))
    exit_value, substate = _int_or_none(exit_text), _int_or_none(substate_text)
    for name, text, number in (("exit status", exit_text, exit_value),
                               ("substate", substate_text, substate)):  # fmt: skip
        if text is not None and number is None:
            why = f"finished, but its {name} {text!r} is not a number"
            reason = "; ".join(filter(None, [why, comment]))
            return JobStatus(job_id, JobState.UNKNOWN, letter, reason=reason, source=source)
    if flavour != "torque" and _subjob_never_ran(job_id, attrs):
        # PBS Pro copies the parent's substate and Exit_status into a subjob that never
        # started (PBS_NOTES: "Subjobs that never ran lie"); only the missing exec_host and
        # run_count tell the truth.  A subjob finishes without running only when it was
        # deleted while queued, alone or with its array.
        why = "never ran (deleted while queued)"
        reason = "; ".join(filter(None, [why, comment]))
        return JobStatus(job_id, JobState.CANCELLED, letter, reason=reason, source=source)
    if exit_value is None:
        final = JobState.FAILED if substate == SUBSTATE_FAILED else JobState.CANCELLED
        why = "finished without an exit status (deleted before it ran)"
        if final is JobState.FAILED:
            why = "finished without an exit status (substate 93: failed)"
        reason = "; ".join(filter(None, [why, comment]))
        return JobStatus(job_id, final, letter, reason=reason, source=source)
    final, code, sig, why = decode_exit_status(exit_value, flavour)
    if substate == SUBSTATE_TERMINATED or (flavour == "torque" and exit_value == 271):
        final, why = JobState.CANCELLED, "; ".join(filter(None, ["deleted (qdel)", why]))
    reason = "; ".join(filter(None, [why, comment]))
    return JobStatus(job_id, final, letter, code, sig, reason, source)


_SUBJOB = re.compile(r"^\d+\[\d+\]")


def _subjob_never_ran(job_id: str, attrs: Mapping[str, str]) -> bool:
    """A finished array subjob with no execution host and no run count never started.

    >>> _subjob_never_ran("20[2].srv", {"job_state": "F", "comment": "Subjob finished"})
    True
    >>> _subjob_never_ran("20[2].srv", {"exec_host": "n1/0", "run_count": "1"})
    False
    """
    if _SUBJOB.match(job_id) is None:
        return False
    ran = attrs.get("exec_host") or attrs.get("exec_vnode")
    runs = _int_or_none(_first_line(attrs.get("run_count")))
    return not ran and not runs


# -- the text form: ``qstat -f`` -----------------------------------------------------------

# Strategy: a block starts at a ``Job Id:`` line and nowhere else, so no value -- however
# odd -- can split a block or leak into the next job.  Inside a block a line is, in order:
#   TAB + text          wrapped continuation (prt_attr): joined with nothing in between
#   blank               ends the current value; loose text after it is ignored (below)
#   "    name = value"  an attribute (qstat indents them 4 spaces; we accept 1-4)
#   other indented text a continuation indented with spaces (NCI Gadi, Torque: 8 spaces)
#   text at column 0    a newline inside the value (``BASH_FUNC_x()=() {...\n}``)
# Loose text after a blank line is Torque's ``sched_hint`` after a failed copy-back
# ("\n\nU\n\tnable to copy file...\n*** error from copy...") or junk between blocks: it
# is dropped, and the attributes that follow still belong to the block.

_JOB_ID_LINE = "Job Id:"
_ATTRIBUTE = re.compile(r"^ {1,4}([A-Za-z_][\w.\-]*) = ?(.*)$")


def _read_blocks(text: str) -> list[tuple[str, dict[str, str]]]:
    """``(job id, attributes)`` per block; blocks whose ``Job Id:`` line has no id are dropped."""
    blocks: list[tuple[str, dict[str, str]]] = []
    attrs: dict[str, str] | None = None  # None: before the first block, or in a dropped one
    name = ""  # the attribute that continuation lines extend; "" after a blank line
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.startswith(_JOB_ID_LINE):
            job_id = line[len(_JOB_ID_LINE) :].strip()
            attrs = {} if job_id and len(job_id.split()) == 1 else None
            if attrs is not None:
                blocks.append((job_id, attrs))
            name = ""
        elif attrs is None:
            continue
        elif line.startswith("\t"):
            if name:
                attrs[name] += line[1:]  # wrapped at 78 columns; may be empty
        elif not line.strip():
            name = ""
        elif attribute := _ATTRIBUTE.match(line):
            name = attribute.group(1)
            attrs[name] = attribute.group(2)
        elif name:
            attrs[name] += line.strip() if line[0].isspace() else "\n" + line
    return blocks


def _first_text_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def parse_qstat_full(text: str, flavour: str | None = None) -> Result[Statuses, ParseError]:
    """Parse ``qstat -f [-t] [-x]`` text (PBS Pro or Torque) into statuses.

    ``flavour`` is ``pro``, ``torque`` or None to infer it per job (``exit_status`` and
    state ``C`` are Torque's).  Empty output is an empty mapping.  One odd block never
    hides the others: a block without a ``job_state`` reads as ``unknown`` for its id (the
    reason says why), text outside any block is ignored, and only output without a
    single ``Job Id:`` line is a :class:`ParseError`.

    >>> text = "Job Id: 7.srv\\n    job_state = F\\n    Exit_status = 0\\n\\n"
    >>> parse_qstat_full(text).unwrap()["7.srv"].state
    <JobState.COMPLETED: 'completed'>
    >>> parse_qstat_full("Job Id: 8.srv\\n    queue = wor").unwrap()["8.srv"].state
    <JobState.UNKNOWN: 'unknown'>
    """
    blocks = _read_blocks(text)
    if not blocks and text.strip():
        return Failure(ParseError("qstat -f output has no 'Job Id:' line", _first_text_line(text)))
    statuses: Statuses = {}
    for job_id, attrs in blocks:
        if "job_state" in attrs:
            statuses[job_id] = job_status(job_id, attrs, flavour)
        else:  # cut short, or not a job block at all: never let it replace a readable one
            problem = "its block has no job_state"
            statuses.setdefault(job_id, _unreadable(job_id, problem, f"Job Id: {job_id}"))
    return Success(statuses)


# -- the JSON form: ``qstat -f -F json`` (PBS Pro only) ----------------------------------

# Strategy: decode the whole document, control characters inside strings allowed (a
# ``BASH_FUNC_*`` value may hold raw newlines, openpbs#2541).  Released PBS Pro versions
# also print JSON no decoder accepts (openpbs#1255 ``"foo":005``, #2049 ``\'`` and ``\,``
# escapes, #830 unescaped quotes) and a stray line can close ``"Jobs"`` early, leaving
# text after the document; then every job entry is decoded on its own.  qstat begins each
# job's entry on a line of its own, all at one indentation (``"12.srv":{``), so a broken
# entry ends at the next such line: it reads as ``unknown`` under its id and the entries
# around it still read.

_JSON = json.JSONDecoder(strict=False)
_JSON_START = re.compile(r"^[ \t]*\{", re.MULTILINE)
_JSON_JOBS = re.compile(r'"Jobs"\s*:\s*\{')
_JSON_ENTRY = re.compile(r'^([ \t]*)"((?:[^"\\\r\n]|\\.)*)"[ \t]*:[ \t]*(?=\{)', re.MULTILINE)


def _scalar_text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _line_at(text: str, lineno: int) -> str:
    lines = text.splitlines() or [text]
    return lines[min(max(lineno, 1), len(lines)) - 1].strip()


def _add_json_job(statuses: Statuses, job_id: str, fields: object, flavour: str) -> None:
    if not isinstance(fields, dict):
        problem = "its entry is not an object"
    elif not isinstance(fields.get("job_state"), str):
        problem = "its entry has no job_state"
    else:
        attrs = {k: v for k, raw in fields.items() if (v := _scalar_text(raw)) is not None}
        used = fields.get("resources_used")
        if isinstance(used, dict):  # the text form's "resources_used.walltime = ..." lines
            attrs.update(
                (f"resources_used.{k}", v)
                for k, raw in used.items()
                if (v := _scalar_text(raw)) is not None
            )
        statuses[job_id] = job_status(job_id, attrs, flavour)
        return
    statuses.setdefault(job_id, _unreadable(job_id, problem, str(fields)))


def _json_key(raw: str) -> str:
    try:
        key = json.loads(f'"{raw}"')
    except json.JSONDecodeError:
        return raw
    return key if isinstance(key, str) else raw


def _json_entries(text: str, flavour: str) -> Statuses:
    """Every job entry decoded on its own, found by its key line; empty if none is found."""
    jobs = _JSON_JOBS.search(text)
    entries = list(_JSON_ENTRY.finditer(text, jobs.end())) if jobs else []
    indent = entries[0].group(1) if entries else ""  # the first key after "Jobs" is a job id
    statuses: Statuses = {}
    for entry in entries:
        if entry.group(1) != indent:
            continue  # a nested object ("Resource_List":{) of an entry
        job_id = _json_key(entry.group(2))
        try:
            fields, _ = _JSON.raw_decode(text, entry.end())
        except json.JSONDecodeError as bad:
            problem = f"invalid JSON in its entry: {bad.msg}"
            statuses.setdefault(job_id, _unreadable(job_id, problem, _line_at(text, bad.lineno)))
            continue
        _add_json_job(statuses, job_id, fields, flavour)
    return statuses


def parse_qstat_json(text: str, flavour: str = "pro") -> Result[Statuses, ParseError]:
    """Parse PBS Pro ``qstat -f -F json`` output into statuses.

    The document is ``{"timestamp": ..., "pbs_version": ..., "pbs_server": ..., "Jobs":
    {"123.server": {"job_state": "R", "Exit_status": 0, ...}}}``; no ``Jobs`` key (every
    id unknown) and empty output are an empty mapping.  A job entry that is invalid JSON,
    not an object or without a ``job_state`` reads as ``unknown`` for its id; only output
    where no job entry can be found at all is a :class:`ParseError`.

    >>> text = '{"timestamp": 1, "Jobs": {"5.s": {"job_state": "R"}}}'
    >>> parse_qstat_json(text).unwrap()["5.s"].state
    <JobState.RUNNING: 'running'>
    """
    if not text.strip():
        return Success({})
    start = _JSON_START.search(text)
    if start is None:
        return Failure(ParseError("qstat JSON is not an object", _first_text_line(text)[:200]))
    try:
        document, end = _JSON.raw_decode(text, start.end() - 1)
    except json.JSONDecodeError as error:
        salvaged = _json_entries(text, flavour)
        if salvaged:
            return Success(salvaged)
        line = _line_at(text, error.lineno)
        return Failure(ParseError(f"qstat JSON is invalid ({error.msg})", line))
    jobs = document.get("Jobs", {}) if isinstance(document, dict) else None
    if not isinstance(jobs, dict):
        return Failure(ParseError("qstat JSON 'Jobs' is not an object", str(jobs)[:200]))
    statuses: Statuses = {}
    for job_id, fields in jobs.items():
        _add_json_job(statuses, str(job_id), fields, flavour)
    if text[end:].strip():  # text after the document: a stray "}" may have closed Jobs early
        statuses.update(_json_entries(text, flavour))
    return Success(statuses)


# -- argv builders and the parsers of what they print --------------------------------------


def status_argv(job_ids: Sequence[str]) -> list[str]:
    """PBS Pro live query: full text form, subjobs expanded (``-t``), one call for all ids."""
    return ["qstat", "-f", "-t", *job_ids]


def history_argv(job_ids: Sequence[str]) -> list[str]:
    """PBS Pro history query (``-x``: finished and moved jobs too, within job_history_duration)."""
    return ["qstat", "-x", "-f", "-t", *job_ids]


def torque_status_argv(job_ids: Sequence[str]) -> list[str]:
    """Torque query; finished jobs stay as ``C`` while keep_completed lasts.

    Torque has no history query, and its ``-x`` means XML output, so it is never passed.
    """
    return ["qstat", "-f", "-t", *job_ids]


def parse_status_output(text: str, flavour: str | None = None) -> Result[Statuses, ParseError]:
    """Parse either form: JSON when the output starts with ``{``, else ``qstat -f`` text.

    When that form finds no job, the other one is tried and wins if it reads any: stray
    ``{``/``}`` lines before text blocks, or a banner before a JSON document
    (openpbs#2675), hide no job.
    """
    as_json = text.lstrip().startswith("{")
    result = (
        parse_qstat_json(text, flavour or "pro") if as_json else parse_qstat_full(text, flavour)
    )
    if isinstance(result, Success) and result.unwrap():
        return result
    other = parse_qstat_full(text, flavour) if as_json else parse_qstat_json(text, flavour or "pro")
    if isinstance(other, Success) and (other.unwrap() or isinstance(result, Failure)):
        return other
    return result


def parse_pro_status_output(text: str) -> Result[Statuses, ParseError]:
    """:func:`parse_status_output` for PBS Pro (live and ``-x`` history output alike)."""
    return parse_status_output(text, "pro")


def parse_torque_status_output(text: str) -> Result[Statuses, ParseError]:
    """:func:`parse_status_output` for Torque."""
    return parse_status_output(text, "torque")
