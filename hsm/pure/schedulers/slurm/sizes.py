"""Slurm sizes (``--mem=32G``): parsed to bytes and written back in the largest exact unit."""

from __future__ import annotations

import re

from hsm.pure.resources_model import SIZE_UNITS, exact_units

_SLURM_SIZE = re.compile(r"([0-9]+)([kmgt]?)", re.ASCII | re.IGNORECASE)


def slurm_size_bytes(value: str) -> int | None:
    """Bytes in a Slurm size (``32G``, ``512M``, ``4096``; bare number = megabytes).

    >>> slurm_size_bytes("32G") == 32 * 1024**3, slurm_size_bytes("100") == 100 * 1024**2
    (True, True)
    """
    match = _SLURM_SIZE.fullmatch(value)
    if match is None:
        return None
    number, unit = match.groups()
    return int(number) * SIZE_UNITS[unit.lower() or "m"]


def render_slurm_size(nbytes: int) -> str | None:
    """The largest exact Slurm unit (``32G``), or None below kilobyte precision.

    >>> render_slurm_size(32 * 1024**3), render_slurm_size(1536 * 1024**2), render_slurm_size(100)
    ('32G', '1536M', None)
    """
    found = exact_units(nbytes, "TGMK")
    return f"{found[0]}{found[1]}" if found else None


__all__ = ["render_slurm_size", "slurm_size_bytes"]
