"""The scheduler registry: the one place that lists the schedulers hsm drives.

Each scheduler is one folder beside this file that builds a
:class:`~hsm.pure.schedulers.base.Scheduler` record (its facts, template, state table and,
for a batch system, its command argv builders and parsers, and its config section).
Adding a scheduler means adding its folder and one line to :data:`SCHEDULERS` -- and, if
it has a config section of its own, its record to :data:`CONFIG_SECTIONS`.
"""

from __future__ import annotations

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.schedulers.base import ConfigSection, ResourceDialect, Scheduler
from hsm.pure.schedulers.local import SCHEDULER as LOCAL
from hsm.pure.schedulers.pbs import PBSPRO, TORQUE
from hsm.pure.schedulers.sge import SCHEDULER as SGE
from hsm.pure.schedulers.slurm import SCHEDULER as SLURM

#: Registry key (also an ``hpc.system`` value) -> scheduler, in detection order.
SCHEDULERS: dict[str, Scheduler] = {
    "slurm": SLURM,
    "pbspro": PBSPRO,
    "torque": TORQUE,
    "sge": SGE,
    "local": LOCAL,
}

#: Values of ``hpc.system``: ``auto``, every key, and every family name that several
#: keys share (``pbs`` lets detection tell PBS Pro from Torque).
SYSTEMS: tuple[str, ...] = tuple(
    dict.fromkeys(
        ["auto"] + [name for s in SCHEDULERS.values() for name in dict.fromkeys((s.name, s.key))]
    )
)


def _sections(*records: Scheduler) -> tuple[ConfigSection, ...]:
    """The records' config sections, once each (PBS Pro and Torque share ``hpc.pbs``)."""
    return tuple(dict.fromkeys(r.config_section for r in records if r.config_section))


#: Every scheduler's config section (``hpc.<name>``), in the order the config structure,
#: ``hsm config show`` and the README list them; the tests check that no record's section
#: is missing.
CONFIG_SECTIONS: tuple[ConfigSection, ...] = _sections(PBSPRO, SLURM, SGE)

#: Every resource dialect some scheduler writes, by name.
DIALECTS: dict[str, ResourceDialect] = {
    s.dialect.name: s.dialect for s in SCHEDULERS.values() if s.dialect is not None
}


def scheduler_for(key: str) -> Result[Scheduler, ConfigError]:
    """The record for a registry key, or an error listing the keys.

    >>> scheduler_for("slurm").unwrap().label
    'Slurm'
    >>> print(scheduler_for("lsf").failure())  # doctest: +ELLIPSIS
    unknown scheduler 'lsf'; expected one of slurm, pbspro, torque, ..., local
    """
    found = SCHEDULERS.get(key)
    if found is None:
        return Failure(
            ConfigError(f"unknown scheduler {key!r}; expected one of {', '.join(SCHEDULERS)}")
        )
    return Success(found)


__all__ = [
    "CONFIG_SECTIONS",
    "DIALECTS",
    "LOCAL",
    "PBSPRO",
    "SCHEDULERS",
    "SGE",
    "SLURM",
    "SYSTEMS",
    "TORQUE",
    "Scheduler",
    "scheduler_for",
]
