"""Grid Engine: what a failed qsub/qstat/qacct/qdel means, and what the user can do about it.

Strategy: both answers come from the command's message (stderr, then stdout -- qdel writes
even its refusals on stdout), matched case-insensitively against fragments of Son of Grid
Engine 8.1.9's own wording, as captured in tests/data/sge; each is a literal table.
"""

from __future__ import annotations

import re

from hsm.pure.schedulers.base import FailureKind

# The qmaster is down, restarting or unreachable; the next poll may work.  Seen with the
# qmaster stopped or on a wrong port: "error: commlib error: got select error (Connection
# refused)", "unable to send message to qmaster using port 6444 on host "vm": got send
# error"; plus "unable to contact qmaster", commlib's timeouts ("got syncron message
# receive timeout error") and sge_gdi's "failed receiving gdi request".  Every fragment
# holds a space: a job name (which a failed `qstat -j NAME` echoes) never can, so no name
# can make a vanished job look like an outage.
# fmt: off
_TRANSIENT = (
    "commlib error", "unable to contact qmaster", "unable to send message to qmaster",
    "got send error", "got select error", "receive timeout", "connection refused",
    "connection reset", "gdi request", "no gdi response", "qmaster is down",
    "endpoint is not unique", "try again later",
)
# fmt: on
# A job or name that left the system: not an error for a query or a cancellation.
#   qstat -j: "Following jobs do not exist"   qacct: "error: job id 19 not found",
#   "error: job name x not found"             qdel: 'denied: job "22" does not exist'
_UNKNOWN_JOB = re.compile(
    r'following jobs do not exist|denied: job "[^"]*" does not exist'
    r"|error: job (?:id|name) .* not found",
    re.IGNORECASE,
)


def classify_failure(text: str) -> FailureKind:
    """How to treat a non-zero exit of qsub/qstat/qacct/qdel, from what it printed.

    Transient is checked first: an unreachable qmaster must never read as a vanished job.

    >>> classify_failure('denied: job "22" does not exist')
    <FailureKind.UNKNOWN_JOB: 'unknown_job'>
    >>> classify_failure("error: commlib error: got select error (Connection refused)")
    <FailureKind.TRANSIENT: 'transient'>
    >>> classify_failure("Unable to run job: unknown resource \\"nosuch\\"")
    <FailureKind.PERMANENT: 'permanent'>
    """
    lowered = text.lower()
    if any(fragment in lowered for fragment in _TRANSIENT):
        return FailureKind.TRANSIENT
    if _UNKNOWN_JOB.search(text):
        return FailureKind.UNKNOWN_JOB
    return FailureKind.PERMANENT


# Fragments of qsub's refusals ("Unable to run job: ...") -> what to change.
_HINTS = {
    "unknown queue": (
        "the queue does not exist: list queues with `qconf -sql` and set hpc.sge.queue (or --queue)"
    ),
    "unknown resource": (
        "a -l resource is not defined in this cell: `qconf -sc` lists them (memory is "
        "usually h_vmem or mem_free, the walltime h_rt)"
    ),
    "parallel environment": (
        "the parallel environment does not exist: `qconf -spl` lists them; write "
        "-pe <name> <slots> in the resources"
    ),
    "project": "the project does not exist or is not yours: `qconf -sprjl` lists projects",
    "is not a time value": "the walltime must read as HH:MM:SS",
    "more than": (
        "the array has more tasks than max_aj_tasks allows (`qconf -sconf`): lower "
        "--max-array-size so the sweep is split into smaller arrays"
    ),
    "invalid task id": "Grid Engine array indices start at 1",
    "lower than minimum user id": (
        "this user may not run jobs: the cell's min_uid/min_gid (`qconf -sconf`) refuse it"
    ),
    "no suitable queues": (
        "no queue can ever run the job as requested (slots, memory or time too large): "
        "compare with `qconf -sq <queue>` and ask for less"
    ),
    "unable to read script file": (
        "qsub could not read the job script: check the sweep directory exists and is "
        "readable on this host"
    ),
    "not a valid object name": "the job name is not accepted by Grid Engine",
}


def submit_hint(text: str) -> str:
    """A user-actionable hint for a refused qsub, or ``""`` when none applies.

    >>> submit_hint("Unable to run job: Job was rejected because job requests unknown queue")[:24]
    'the queue does not exist'
    """
    lowered = text.lower()
    return next((hint for fragment, hint in _HINTS.items() if fragment in lowered), "")
