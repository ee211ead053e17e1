"""``hpc.slurm``: Slurm's config section."""

from __future__ import annotations

import attrs

from hsm.pure.schedulers.base import ConfigSection, DirectiveLines


@attrs.frozen(kw_only=True)
class SlurmOptions:
    """``hpc.slurm``: Slurm submission options.

    Attributes:
        partition / account: ``--partition`` / ``--account``.
        extra: the escape hatch: lines written as ``#SBATCH <line>`` after hsm's own
            directives (``--gpu-freq=high``, ``--mcs-label=x``).
    """

    partition: str | None = None
    account: str | None = None
    extra: DirectiveLines = DirectiveLines(())


#: ``--partition`` / ``HSM_HPC_PARTITION`` set the partition, ``--account`` /
#: ``HSM_HPC_ACCOUNT`` the account.
SECTION = ConfigSection(
    name="slurm",
    options=SlurmOptions,
    queue_key="partition",
    flags={"partition": "partition", "account": "account"},
)

__all__ = ["SECTION", "SlurmOptions"]
