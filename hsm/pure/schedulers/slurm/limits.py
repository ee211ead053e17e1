"""Slurm: how many jobs a user may have queued, how many they have, and the refusal that
says "no room yet".

Strategy: Slurm enforces submit limits (with ``AccountingStorageEnforce=limits``) from
the user's association (``MaxSubmitJobs``) and from the QOS the job runs under
(``MaxSubmitJobsPerUser``); every array task counts as one job, pending or running.  Two
``sacctmgr`` listings state them and ``scontrol show config`` adds the cluster-wide
``MaxJobCount`` and ``MaxArraySize`` (reported, not binding: hsm cannot count other
users' jobs cheaply).  One ``squeue -r`` listing of the user's jobs counts what is queued.

A refusal for a submit limit names the limit's reason code on its first line
(``sbatch: error: QOSMaxSubmitJobPerUserLimit``) before the generic "Job violates
accounting/QOS policy (job submit limit, user's size and/or time limits)" -- a message
Slurm prints for size and time violations too, so only the reason codes below mean
"no room".  Codes: Slurm's ``src/common/slurm_protocol_defs.c`` (job_reason_string).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hsm.pure.schedulers.base import Limit

#: The reason codes of a refusal for too many submitted jobs (lower case).
NO_ROOM_REASONS = (
    "qosmaxsubmitjobperuserlimit",  # WAIT_QOS_MAX_SUB_JOB
    "qosmaxsubmitjobperaccountlimit",  # WAIT_QOS_MAX_SUB_JOB_PER_ACCT
    "qosgrpsubmitjobslimit",  # WAIT_QOS_GRP_SUB_JOB
    "assocmaxsubmitjoblimit",  # WAIT_ASSOC_MAX_SUB_JOB
    "assocgrpsubmitjobslimit",  # WAIT_ASSOC_GRP_SUB_JOB
)


def no_room(text: str) -> bool:
    """True when sbatch refused because the user (or account) has as many jobs
    submitted as a limit allows.

    >>> no_room("sbatch: error: QOSMaxSubmitJobPerUserLimit\\nsbatch: error: Batch job "
    ...         "submission failed: Job violates accounting/QOS policy (job submit limit, "
    ...         "user's size and/or time limits)")
    True
    >>> no_room("sbatch: error: Batch job submission failed: Job violates accounting/QOS "
    ...         "policy (job submit limit, user's size and/or time limits)")
    False
    """
    lowered = text.lower()
    return any(reason in lowered for reason in NO_ROOM_REASONS)


_ASSOC_FORMAT = "Account,Partition,MaxSubmit,GrpSubmit,QOS,DefaultQOS"
_QOS_FORMAT = "Name,MaxSubmitPU,MaxSubmitPA,GrpSubmit"


def submit_limits_argvs(user: str) -> list[list[str]]:
    """The user's associations, every QOS's submit limits, the controller's config."""
    return [
        ["sacctmgr", "-n", "-P", "show", "assoc", f"user={user}", f"format={_ASSOC_FORMAT}"],
        ["sacctmgr", "-n", "-P", "show", "qos", f"format={_QOS_FORMAT}"],
        ["scontrol", "show", "config"],
    ]


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _rows(text: str, width: int) -> list[list[str]]:
    rows = []
    for line in text.replace("\r", "").split("\n"):
        fields = line.split("|")
        if line.strip() and len(fields) >= width:
            rows.append(fields[:width])
    return rows


_CONFIG_SOURCES = {
    "MaxJobCount": "cluster-wide, all users (scontrol show config)",
    "MaxArraySize": "array indices stay below it (scontrol show config)",
}
_CONFIG = re.compile(r"^(MaxJobCount|MaxArraySize)\s*=\s*(\d+)\s*$", re.MULTILINE)


def parse_submit_limits(texts: Sequence[str], user: str) -> tuple[Limit, ...]:
    """The limits stated by the outputs of :func:`submit_limits_argvs` (in that order;
    a missing or empty output states nothing).

    The QOS that binds is each association's default QOS; with none, each QOS it
    allows (the strictest wins).

    >>> assoc = "hsmusers||||hsmcap|hsmcap\\nroot||100||normal|\\n"
    >>> qos = "normal|||\\nhsmcap|20||\\n"
    >>> for limit in parse_submit_limits([assoc, qos, "MaxJobCount = 10000\\n"], "ann"):
    ...     print(limit.name, limit.value, limit.binds, limit.source)
    MaxSubmitJobs 100 True association of ann, account root (sacctmgr show assoc)
    MaxSubmitJobsPerUser 20 True QOS hsmcap (sacctmgr show qos)
    MaxJobCount 10000 False cluster-wide, all users (scontrol show config)
    """
    assoc, qos, config = [*texts, "", "", ""][:3]
    found: list[Limit] = []
    wanted_qos: dict[str, None] = {}
    for account, partition, max_submit, grp_submit, qos_list, default in _rows(assoc, 6):
        where = f"association of {user}, account {account}" + (
            f", partition {partition}" if partition else ""
        )
        value = _number(max_submit)
        if value is not None:
            found.append(Limit("MaxSubmitJobs", value, f"{where} (sacctmgr show assoc)"))
        value = _number(grp_submit)
        if value is not None:
            source = f"{where}, all its users (sacctmgr show assoc)"
            found.append(Limit("GrpSubmitJobs", value, source, False))
        names = [name for name in qos_list.split(",") if name]
        chosen = [default] if default else names  # no default: the strictest of them
        wanted_qos.update(dict.fromkeys(chosen))
    for name, per_user, per_account, grp in _rows(qos, 4):
        if name not in wanted_qos:
            continue
        for label, text, binds in (
            ("MaxSubmitJobsPerUser", per_user, True),
            ("MaxSubmitJobsPerAccount", per_account, False),
            ("GrpSubmitJobs", grp, False),
        ):
            value = _number(text)
            if value is not None:
                found.append(Limit(label, value, f"QOS {name} (sacctmgr show qos)", binds))
    for match in _CONFIG.finditer(config.replace("\r", "")):
        name, value = match.group(1), int(match.group(2))
        found.append(Limit(name, value, _CONFIG_SOURCES[name], False))
    return tuple(found)


def queued_argv(user: str) -> list[str]:
    """squeue listing the user's jobs one array task a line (``-r``), as limits count them."""
    return ["squeue", "--noheader", "--array", f"--user={user}", "--format=%i"]
