"""``hpc.sge``: Grid Engine's config section."""

from __future__ import annotations

import attrs

from hsm.pure.schedulers.base import ConfigSection, DirectiveLines


@attrs.frozen(kw_only=True)
class SGEOptions:
    """``hpc.sge``: Grid Engine submission options.

    Attributes:
        queue / account: ``-q`` (a queue list such as ``all.q`` or ``all.q@host``) /
            ``-A`` (the account string written to accounting).
        extra: the escape hatch: lines written as ``#$ <line>`` after hsm's own
            directives (``-P project``, ``-l gpu=1``, ``-m ea -M me@example.org``).
    """

    queue: str | None = None
    account: str | None = None
    extra: DirectiveLines = DirectiveLines(())


#: ``--queue`` / ``HSM_HPC_QUEUE`` set the queue list, ``--account`` / ``HSM_HPC_ACCOUNT``
#: the account string, as for PBS.
SECTION = ConfigSection(
    name="sge",
    options=SGEOptions,
    queue_key="queue",
    flags={"queue": "queue", "account": "account"},
)

__all__ = ["SECTION", "SGEOptions"]
