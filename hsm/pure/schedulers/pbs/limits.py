"""PBS Pro / Torque: how many jobs a user may have queued, and the refusal that says
"no room yet".

Strategy: PBS Pro states per-user queue caps as ``max_queued`` (and ``queued_jobs_threshold``)
on the server or a queue, in its limit syntax ``[u:PBS_GENERIC=100]`` (every user),
``[u:alice=5]`` (one user, which overrides the generic entry) or ``[o:PBS_ALL=500]``
(everyone together: reported, not binding).  Each subjob of an array counts.  Torque's
queues say ``max_user_queuable = N``.  One ``qmgr -c 'print server'`` prints the server's
and every queue's settings (``set server max_queued = [u:PBS_GENERIC=100]``, ``set queue
workq max_queued = ...``); ``list server`` indents ``max_queued = ...`` instead, and both
forms are read.  PBS Pro's reference guide, "Limits on Jobs"; Torque's queue attributes.

``qselect -u USER`` counts the user's jobs; it lists an array once, so the count is low
while arrays are queued and a wave may still be refused -- which only means "no room yet".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hsm.pure.schedulers.base import Limit

# PBSE_ENTLIMCT / PBSE_ENTLIMRESC: "would exceed ...'s per-user limit" (PBS Pro);
# Torque: "Maximum number of jobs already in queue for user".
_NO_ROOM = re.compile(
    r"would exceed .*limit|maximum number of jobs already in queue|"
    r"exceeds? (?:the )?(?:queue'?s? )?(?:user )?limit.*max_queued",
    re.IGNORECASE,
)


def no_room(text: str) -> bool:
    """True when qsub refused because the user has as many jobs queued as allowed.

    >>> no_room("qsub: would exceed complex's per-user limit")
    True
    >>> no_room("qsub: would exceed queue generic's per-user limit of jobs in 'Q' state")
    True
    >>> no_room("qsub: Maximum number of jobs already in queue for user MSG=total number "
    ...         "of current user's jobs exceeds the queue limit: user bob@h, queue batch")
    True
    >>> no_room("qsub: Job exceeds queue resource limits MSG=cannot satisfy queue max "
    ...         "walltime requirement")
    False
    """
    return _NO_ROOM.search(text) is not None


def submit_limits_argvs(user: str) -> list[list[str]]:
    """The server's and every queue's settings."""
    return [["qmgr", "-c", "print server"]]


_SETTING = re.compile(
    r"^\s*(?:set (server|queue (\S+)) )?"
    r"(max_queued|queued_jobs_threshold|max_user_queuable|max_array_size|max_job_array_size)"
    r"\s*=\s*\"?(.+?)\"?\s*$",
    re.MULTILINE,
)
_ENTRY = re.compile(r"\[([ugpo]):([^=\]]+)=(\d+)\]")


def _user_value(text: str, user: str) -> tuple[int, str] | None:
    """The value of a limit list (``[u:PBS_GENERIC=10],[u:ann=20]``) for ``user``:
    the user's own entry wins over the generic one.

    >>> _user_value("[u:PBS_GENERIC=10],[u:ann=20]", "ann")
    (20, 'u:ann')
    >>> _user_value("[o:PBS_ALL=50]", "ann") is None
    True
    """
    own = generic = None
    for kind, name, value in _ENTRY.findall(text):
        if kind == "u" and name == user:
            own = int(value)
        elif kind == "u" and name == "PBS_GENERIC":
            generic = int(value)
    if own is not None:
        return own, f"u:{user}"
    if generic is not None:
        return generic, "u:PBS_GENERIC"
    return None


def _overall(text: str) -> int | None:
    values = [int(v) for kind, name, v in _ENTRY.findall(text) if kind == "o"]
    return min(values, default=None)


def parse_submit_limits(texts: Sequence[str], user: str) -> tuple[Limit, ...]:
    """The limits ``qmgr -c 'print server'`` (or ``list server``) states.

    A queue's limit binds like the server's: hsm cannot tell which queue a default-queue
    job lands in, so the strictest wins.

    >>> text = ("set queue workq max_queued = [u:PBS_GENERIC=9]\\n"
    ...         "set server max_array_size = 10000\\n"
    ...         'set server max_queued = "[u:PBS_GENERIC=7],[o:PBS_ALL=100]"\\n')
    >>> for limit in parse_submit_limits([text], "ann"):
    ...     print(limit.name, limit.value, limit.binds, limit.source)
    max_queued 9 True queue workq, u:PBS_GENERIC (qmgr -c 'print server')
    max_array_size 10000 False server, subjobs per array (qmgr -c 'print server')
    max_queued 7 True server, u:PBS_GENERIC (qmgr -c 'print server')
    max_queued 100 False server, o:PBS_ALL, all users (qmgr -c 'print server')
    """
    text = (list(texts) or [""])[0].replace("\r", "")
    found: list[Limit] = []
    for match in _SETTING.finditer(text):
        _owner, queue, name, value = match.groups()
        where = f"queue {queue}" if queue else "server"
        source = "(qmgr -c 'print server')"
        if name in ("max_array_size", "max_job_array_size"):
            if value.isdigit():  # reported; arrays are split by it (parse_limit)
                found.append(Limit(name, int(value), f"{where}, subjobs per array {source}", False))
            continue
        if name == "max_user_queuable":
            if value.isdigit():
                found.append(Limit(name, int(value), f"{where} {source}"))
            continue
        mine = _user_value(value, user)
        if mine is not None:
            found.append(Limit(name, mine[0], f"{where}, {mine[1]} {source}"))
        overall = _overall(value)
        if overall is not None:
            found.append(Limit(name, overall, f"{where}, o:PBS_ALL, all users {source}", False))
    return tuple(found)


def queued_argv(user: str) -> list[str]:
    """qselect listing the user's jobs still in the queue (an array once)."""
    return ["qselect", "-u", user]
