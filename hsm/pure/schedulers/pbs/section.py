"""``hpc.pbs``: the config section PBS Pro and Torque share (their records both name it)."""

from __future__ import annotations

import attrs

from hsm.pure.schedulers.base import ConfigSection, DirectiveLines


@attrs.frozen(kw_only=True)
class PBSOptions:
    """``hpc.pbs``: PBS Pro / OpenPBS / Torque submission options.

    Attributes:
        queue / account: ``-q`` / ``-A``.
        extra: the escape hatch: lines written as ``#PBS <line>`` after hsm's own
            directives (``-W umask=022``, ``-l software=abaqus``).
    """

    queue: str | None = None
    account: str | None = None
    extra: DirectiveLines = DirectiveLines(())


#: ``--queue`` / ``HSM_HPC_QUEUE`` set the queue, ``--account`` / ``HSM_HPC_ACCOUNT`` the
#: account.
SECTION = ConfigSection(
    name="pbs",
    options=PBSOptions,
    queue_key="queue",
    flags={"queue": "queue", "account": "account"},
)

__all__ = ["SECTION", "PBSOptions"]
