"""Grid Engine's accounting: ``qacct -j`` records -> final :class:`JobStatus`.

Strategy: a job that left ``qstat`` is read from its accounting record.  ``qacct -j``
does not take a list of ids (``-j 37,40`` reports only 37, ``-j 37 -j 40`` only 40: see
tests/data/sge/README.md), so one call per id would make a poll cost O(n) calls.
Instead :func:`history_argv` asks once for every record of the calling user (``qacct -o
<user> -j``), through ``sh -c`` with the wanted ids printed first as ``hsm-wanted ID``
lines, and the parser keeps only the records of those ids (and of the tasks of a wanted
array).  Records are blocks of ``key value`` lines separated by a line of ``=``; each is
read on its own, so a damaged record hides no other; besides the state, a record gives
the job's wall-clock time, host and peak memory (:func:`usage`).  When one id has several records (a
job that failed to start, was cleared with ``qmod -cj`` and ran) the last one wins.

Deciding a state from ``failed`` and ``exit_status`` (sge_status(5) "Failed states"):

- ``failed 0``: the job ran and exited; ``exit_status`` 0 -> completed, else failed
  (129-192 name the signal that killed the job's last command, the shell's 128+N).
- ``failed 100`` with ``exit_status 137``: Choice -- cancelled.  This is the record of
  ``qdel`` on a running job (qacct_j_qdel_running: "failed 100 : assumedly after job",
  "exit_status 137 (Killed)"); a job script that SIGKILLs its own shell writes the same
  record (qacct_j_killed_by_signal), but hsm's scripts never do, and Grid Engine's own
  limit kills are told apart: h_rt/h_cpu is ``failed 37`` (qacct_j_h_rt_killed), h_vmem
  makes the program fail by itself (``failed 0``, exit 1: qacct_j_h_vmem_exceeded).  The
  reason says what else it could have been.
- any other ``failed`` value: failed, the code's meaning from sge_status(5) in the reason
  (``failed 37``: killed at its h_rt/h_cpu limit; 26-28: never started).

A job deleted before it ran has no record at all (qacct_j_qdel_queued): it is absent
here, so it stays ``unknown`` -- nothing tells it from a record not yet flushed (up to
``accounting_flush_time``, 15 s by default), and a job that vanished is never called
anything final.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from returns.result import Failure, Result, Success

from hsm.pure.errors import ParseError
from hsm.pure.schedulers.base import Statuses
from hsm.pure.schedulers.sge.qstat import keeps, read_wanted, wanted_ids
from hsm.pure.states import JobState, JobStatus
from hsm.pure.usage import parse_clock, parse_size

# sge_status(5), "Failed states": the `failed` codes qacct reports, with their description.
# fmt: off
FAILED_CODES: dict[int, str] = {
    0: "no failure", 1: "assumedly before job", 3: "before writing config",
    4: "before writing PID", 6: "setting processor set", 7: "before prolog",
    8: "in prolog", 9: "before pestart", 10: "in pestart", 11: "before job",
    12: "before pestop", 13: "in pestop", 14: "before epilog", 15: "in epilog",
    16: "releasing processor set", 17: "through signal", 18: "shepherd returned error",
    19: "before writing exit_status", 20: "found unexpected error file",
    21: "in recognizing job", 24: "migrating (checkpointing jobs)", 25: "rescheduling",
    26: "opening output file", 27: "searching requested shell",
    28: "changing to working directory", 29: "AFS setup", 30: "application error returned",
    31: "accessing sgepasswd file", 32: "entry is missing in password file",
    33: "wrong password", 34: "communicating with Grid Engine Helper Service",
    35: "before job in Grid Engine Helper Service", 36: "checking configured daemons",
    37: "qmaster enforced h_rt, h_cpu, or h_vmem limit", 38: "adding supplementary group",
    100: "assumedly after job",
}
# fmt: on

#: ``failed`` value and exit status of a running job deleted with qdel (see above).
QDEL_RUNNING = (100, 137)
#: ``failed`` value of a job killed at its h_rt / h_cpu limit.
LIMIT_KILLED = 37
#: ``failed`` values that mean the execution host, not the job, failed (sge_status(5)):
#: execd, shepherd, prolog or PE start failed before the program started (1-11), the
#: shepherd died (18) or wrote no report (19, "probably program or machine crash"), or
#: the host lost the job (21).  Not here: a job that ran (12-17, 24, 25, 30), the user's
#: own output path, shell or directory (26-28: the same on every host), account setup
#: (29, 31-36, 38), limit kills (37) and ``qdel`` (100).
INFRASTRUCTURE_CODES = frozenset({1, 3, 4, 6, 7, 8, 9, 10, 11, 18, 19, 21})
_RAW = re.compile(r"failed=(\d+)")

_SOURCE = "qacct"
_SEPARATOR = re.compile(r"^={10,}[ \t]*\r?$", re.MULTILINE)
_FIELD = re.compile(r"^([a-z_]+)[ \t]+(.*?)[ \t]*\r?$", re.MULTILINE)
_LEADING_INT = re.compile(r"^(-?\d+)")
_HISTORY_SCRIPT = 'printf "hsm-wanted %s\\n" "$@"; exec qacct -o "$(id -un)" -j'
# qacct -j prints a summary table instead of records when nothing matches.
_SUMMARY_HEADER = re.compile(r"^\s*OWNER\s+WALLCLOCK\b", re.MULTILINE)

_SIGNALS = {1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 10: "SIGUSR1",
            11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 15: "SIGTERM", 24: "SIGXCPU"}  # fmt: skip


def history_argv(job_ids: Sequence[str]) -> list[str]:
    """One ``qacct`` call for every record of the caller, the wanted ids printed first.

    >>> history_argv(["25", "26.1"])[-3:]
    ['hsm-sge-qacct', '25', '26.1']
    """
    return ["sh", "-c", _HISTORY_SCRIPT, "hsm-sge-qacct", *wanted_ids(job_ids)]


def _int(text: str | None) -> int | None:
    match = _LEADING_INT.match(text.strip()) if text else None
    return int(match.group(1)) if match else None


def _signal_name(number: int) -> str:
    return _SIGNALS.get(number, f"signal {number}")


def record_status(job_id: str, failed: int, exit_status: int, failed_text: str = "") -> JobStatus:
    """The final status of one accounting record.

    >>> record_status("40", 0, 0).state, record_status("37", 0, 3).state
    (<JobState.COMPLETED: 'completed'>, <JobState.FAILED: 'failed'>)
    >>> record_status("25", 100, 137).state, record_status("34", 37, 137).state
    (<JobState.CANCELLED: 'cancelled'>, <JobState.FAILED: 'failed'>)
    """
    raw = f"failed={failed}"
    signal = exit_status - 128 if 128 < exit_status <= 192 else None
    exit_words = f"exit status {exit_status}" + (
        f" (128+{signal}: {_signal_name(signal)})" if signal else ""
    )
    meaning = failed_text or FAILED_CODES.get(failed, "unknown failed code")
    if failed == 0:
        if exit_status == 0:
            return JobStatus(job_id, JobState.COMPLETED, raw, 0, None, "", _SOURCE)
        return JobStatus(job_id, JobState.FAILED, raw, exit_status, signal, exit_words, _SOURCE)
    if (failed, exit_status) == QDEL_RUNNING:
        why = (
            f"deleted while running (qdel): failed 100 ({meaning}), {exit_words}; a SIGKILL "
            "of the job's shell from elsewhere reads the same"
        )
        return JobStatus(job_id, JobState.CANCELLED, raw, exit_status, signal, why, _SOURCE)
    if failed == LIMIT_KILLED:
        why = f"killed at its run-time limit (h_rt/h_cpu): failed 37 ({meaning}), {exit_words}"
        return JobStatus(job_id, JobState.FAILED, raw, exit_status, signal, why, _SOURCE)
    why = f"failed {failed} ({meaning}), {exit_words}"
    return JobStatus(job_id, JobState.FAILED, raw, exit_status, signal, why, _SOURCE)


def infrastructure_failure(status: JobStatus) -> bool:
    """True when an accounting record says the host failed the job (``--retries``).

    >>> [infrastructure_failure(record_status("7", failed, 0)) for failed in (8, 0, 28)]
    [True, False, False]
    >>> infrastructure_failure(record_status("7", 37, 137))
    False
    """
    match = _RAW.fullmatch(status.raw)
    return (
        status.state is JobState.FAILED
        and match is not None
        and int(match.group(1)) in INFRASTRUCTURE_CODES
    )


def usage(fields: dict[str, str]) -> dict[str, Any]:
    """Elapsed, node and peak memory of one accounting record (accounting(5)):
    ``ru_wallclock`` seconds (8.1.9 prints ``22s``, older releases ``22`` or ``22.000``),
    ``hostname`` the execution host, ``maxvmem`` the peak virtual memory (``3.383MB``;
    older ``1.234G``).  ``maxvmem`` is the only peak Grid Engine accounts for the whole
    job (``ru_maxrss`` is the shepherd's rusage); ``0.000B`` means not sampled.

    >>> usage({"ru_wallclock": "22s", "hostname": "vm", "maxvmem": "3.383MB"})
    {'elapsed': 22.0, 'node': 'vm', 'max_mem': 3547333}
    >>> usage({"ru_wallclock": "0s", "hostname": "vm", "maxvmem": "0.000B"})
    {'elapsed': 0.0, 'node': 'vm', 'max_mem': None}
    """
    wallclock = fields.get("ru_wallclock", "")
    node = fields.get("hostname", "").strip()
    return {
        "elapsed": parse_clock(wallclock) if wallclock else None,
        "node": "" if node in ("", "undefined") else node,
        "max_mem": parse_size(fields.get("maxvmem", "")),
    }


def _record_key(fields: dict[str, str]) -> str | None:
    number = fields.get("jobnumber", "").strip()
    if not number.isdigit():
        return None
    task = fields.get("taskid", "undefined").strip()
    return number if task in ("undefined", "0", "") else f"{number}.{task}"


def _fields(block: str) -> dict[str, str]:
    return {key: value for key, value in _FIELD.findall(block)}


def parse_history_output(text: str) -> Result[Statuses, ParseError]:
    """``qacct -j`` records (with or without ``hsm-wanted`` lines) -> final statuses.

    >>> text = "====\\n=========\\njobnumber 37\\ntaskid undefined\\nfailed 0\\nexit_status 3\\n"
    >>> parse_history_output(text).unwrap()["37"].exit_code
    3
    """
    wanted = read_wanted(text)
    statuses: Statuses = {}
    readable = bool(wanted) or _SUMMARY_HEADER.search(text) is not None
    for block in _SEPARATOR.split(text):
        fields = _fields(block)
        key = _record_key(fields)
        if key is None:
            continue
        readable = True
        if not keeps(wanted, key):
            continue
        failed_text = fields.get("failed", "")
        failed, exit_status = _int(failed_text), _int(fields.get("exit_status"))
        if failed is None or exit_status is None:
            statuses.setdefault(key, _unreadable(key, fields))  # never hides a readable one
            continue
        description = failed_text.partition(":")[2].strip()
        status = record_status(key, failed, exit_status, description)
        statuses[key] = status._replace(**usage(fields))
    if not readable and text.strip():
        first = next(line.strip() for line in text.splitlines() if line.strip())
        return Failure(ParseError("qacct printed no record with a jobnumber", first))
    return Success(statuses)


def _unreadable(job_id: str, fields: dict[str, str]) -> JobStatus:
    shown = {k: fields[k] for k in ("failed", "exit_status") if k in fields}
    reason = f"could not read its accounting record (failed/exit_status): {shown!r}"
    return JobStatus(job_id, JobState.UNKNOWN, "", reason=reason, source=_SOURCE)
