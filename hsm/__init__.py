"""hsm -- HPC Sweep Manager.

Turns a parameter sweep into PBS/Torque, Slurm, Grid Engine or local batch jobs, submits them as
individual or array jobs, follows their states and keeps an auditable record.

The seed API (``HPCJobManager``, ``PBSJobManager``, ``SlurmJobManager``) is imported
lazily so that ``import hsm`` and ``hsm --help`` stay fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "HPCJobManager": "hsm.hpc",
    "PBSJobManager": "hsm.hpc",
    "SlurmJobManager": "hsm.hpc",
    "SGEJobManager": "hsm.hpc",
    "LocalJobManager": "hsm.hpc",
    "HSMError": "hsm.hpc",
    "JobState": "hsm.pure.states",
    "JobStatus": "hsm.pure.states",
}

__all__ = [*_LAZY, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hsm' has no attribute {name!r}")
