"""Scheduler modules and their registry.

Each module exports the same small set of pure functions (argv builders next to the
parsers of what they print) bundled in a :class:`~hsm.pure.schedulers.base.Scheduler`
record; this literal dict is the only place that lists them.
"""

from __future__ import annotations

from hsm.pure.schedulers.base import Scheduler
from hsm.pure.schedulers.pbs.commands import PBSPRO, TORQUE
from hsm.pure.schedulers.slurm.commands import SCHEDULER as SLURM

#: Registry key -> scheduler.  ``local`` is not here: it runs scripts itself
#: (hsm.effects.local) instead of talking to a batch system.
SCHEDULERS: dict[str, Scheduler] = {
    "slurm": SLURM,
    "pbspro": PBSPRO,
    "torque": TORQUE,
}

__all__ = ["SCHEDULERS", "Scheduler"]
