"""What tells auto-detection that Slurm is here (see :class:`~hsm.pure.schedulers.base.Detection`).

``sbatch`` is Slurm's alone, so on PATH it decides, even when a real PBS ``qstat`` is
there too.  Slurm's Torque-compatibility package (``slurm-wlm-torque``) installs Perl
``qsub``/``qstat`` next to ``sbatch``; its ``qstat --version`` exits 2 with ``Unknown
option: version``.  Those commands are Slurm's, never a PBS server's.
"""

from __future__ import annotations

import re

from hsm.pure.schedulers.base import Detection

DETECTION = Detection(
    marks=("sbatch",),
    tools=("squeue", "sacct", "scontrol"),
    # Asked of its qstat wrapper, the same question the PBS family and Grid Engine answer.
    version_argv=("qstat", "--version"),
    version_lines=(re.compile(r"Unknown option:\s*version", re.IGNORECASE),),
    env_hints=("SLURM_CONF",),
    realpath_of="qsub",
    realpath_hints=("slurm",),
    wrappers=("qsub", "qstat"),
    wrappers_label="Slurm's Torque-compatibility wrappers",
)

__all__ = ["DETECTION"]
