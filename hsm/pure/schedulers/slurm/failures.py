"""Slurm: what a failed sbatch/squeue/sacct/scancel means, and what the user can do about it.

Strategy: both answers come from the command's message text, matched case-insensitively
against lower-case fragments of Slurm's own wording (src/common/slurm_errno.c), so each is
a literal table: ``_TRANSIENT`` (worth retrying) and ``_HINTS`` (a fix for a refused
submission).  Kept apart from :mod:`hsm.pure.schedulers.slurm.commands`, whose argv builders and
parsers change with Slurm's output formats; these tables change with its error messages.
"""

from __future__ import annotations

from hsm.pure.schedulers.base import FailureKind
from hsm.pure.states import JobState, JobStatus

# Lower-case fragments of Slurm's messages (src/common/slurm_errno.c) after which trying
# again later can work: the controller, slurmdbd or munge is down, busy or slow.
# fmt: off
_TRANSIENT = (
    # slurmctld / slurmdbd down, slow or failing over
    "unable to contact slurm controller", "socket timed out on send/recv operation",
    "slurm_receive_msg", "zero bytes were transmitted or received",
    "communication connection failure", "connection timed out", "connection refused",
    "rate limit exceeded", "standby mode", "try again", "unable to connect to database",
    "problem talking to the database", "slurm_persist_conn_open",
    # munge down or clocks skewed: "Munge decode failed", "Munged communication error"
    "munge", "invalid authentication credential", "authentication credential expired",
    "protocol authentication error",
    # EAGAIN: slurmctld saturated (e.g. MaxJobCount reached); works once the queue drains
    "resource temporarily unavailable", "maxjobcount limit reached",
)
# fmt: on
# Not included: "Transaction in progress" is no Slurm message (slurm_errno.c has none).


def classify_failure(text: str) -> FailureKind:
    """How to treat a non-zero exit of sbatch/squeue/sacct/scancel, from its stderr.

    Transient is checked first: a timeout must never be mistaken for a vanished job.

    >>> classify_failure("slurm_load_jobs error: Invalid job id specified")
    <FailureKind.UNKNOWN_JOB: 'unknown_job'>
    >>> classify_failure("squeue: error: Socket timed out on send/recv operation")
    <FailureKind.TRANSIENT: 'transient'>
    """
    lowered = text.lower()
    if any(fragment in lowered for fragment in _TRANSIENT):
        return FailureKind.TRANSIENT
    if "invalid job id specified" in lowered:
        return FailureKind.UNKNOWN_JOB
    return FailureKind.PERMANENT


_HINTS = {
    "invalid partition name specified": (
        "the partition does not exist or is not open to you: list partitions with "
        "`sinfo -s` and set hpc.slurm.partition"
    ),
    "no partition specified or system default partition": (
        "the cluster has no default partition: pick one from `sinfo -s` (hpc.slurm.partition)"
    ),
    "invalid account or account/partition combination specified": (
        "the account is unknown or not allowed on that partition: see `sacctmgr show assoc "
        "user=$USER format=account,partition,qos` and set hpc.slurm.account"
    ),
    "invalid qos specification": (
        "that QOS is not allowed for your account: see "
        "`sacctmgr show assoc user=$USER format=account,qos`"
    ),
    "requested node configuration is not available": (
        "no node can satisfy the request (CPUs, memory, GPUs or nodes too large, or a "
        "constraint no node has): compare with `sinfo -o '%P %D %c %m %G'` and ask for less"
    ),
    "memory required by task is not available": (
        "more memory per task than any node has: compare with `sinfo -o '%P %m'`"
    ),
    "requested time limit is invalid": (
        "the walltime exceeds the partition's (or QOS's) time limit: see `sinfo -o '%P %l'` "
        "and lower --walltime or choose another partition"
    ),
    "job violates accounting/qos policy": (
        "a limit of your account or QOS refuses the job (its size or time, or the number "
        "of jobs you may run): see `sacctmgr show assoc user=$USER` and `sacctmgr show qos`; "
        "a limit on how many jobs you may queue is no refusal: hsm feeds the sweep in waves "
        "(see `hsm limits`)"
    ),
    "invalid generic resource (gres) specification": (
        "the GPU/GRES request names a resource this partition lacks: see `sinfo -o '%P %G'`"
    ),
    "unable to open file": (
        "sbatch could not read the batch script: check the sweep directory exists and is "
        "readable on this host"
    ),
}


def submit_hint(text: str) -> str:
    """A user-actionable hint for a permanent sbatch error, or ``""`` when none applies.

    >>> submit_hint("sbatch: error: Invalid qos specification")[:40]
    'that QOS is not allowed for your account'
    """
    lowered = text.lower()
    return next((hint for fragment, hint in _HINTS.items() if fragment in lowered), "")


# Final states in which the infrastructure, not the job, ended the run (sacct's long and
# short codes; Slurm's job_state_string): a node failed while it ran, its node never
# booted, or it was preempted -- PREEMPTED is final only when Slurm did not requeue it.
_INFRASTRUCTURE = frozenset({"NODE_FAIL", "NF", "BOOT_FAIL", "BF", "PREEMPTED", "PR"})


def infrastructure_failure(status: JobStatus) -> bool:
    """True when a job ended in NODE_FAIL, BOOT_FAIL or PREEMPTED (``--retries``).

    >>> infrastructure_failure(JobStatus("7_1", JobState.FAILED, "NODE_FAIL"))
    True
    >>> infrastructure_failure(JobStatus("7_2", JobState.FAILED, "FAILED", exit_code=1))
    False
    """
    words = status.raw.split()
    return status.state is JobState.FAILED and bool(words) and words[0] in _INFRASTRUCTURE
