"""PBS sizes (``mem=16gb``): parsed to bytes and written back in the largest exact unit."""

from __future__ import annotations

import re

from hsm.pure.resources_model import SIZE_UNITS, exact_units

_PBS_SIZE = re.compile(r"([0-9]+)([kmgtp]?)([bw]?)", re.ASCII | re.IGNORECASE)


def pbs_size_bytes(value: str) -> int | None:
    """Bytes in a PBS size (``16gb``, ``512MB``, ``16g``, ``1024``; bare number = bytes).

    Units are case-insensitive powers of 1024; the trailing ``b`` is optional.  Returns
    None for anything else, including word units (``8gw``): a word's size depends on
    the machine, so hsm does not translate it.

    >>> pbs_size_bytes("16gb"), pbs_size_bytes("1KB"), pbs_size_bytes("100")
    (17179869184, 1024, 100)
    >>> pbs_size_bytes("16g") == pbs_size_bytes("16gb"), pbs_size_bytes("1gw") is None
    (True, True)
    """
    match = _PBS_SIZE.fullmatch(value)
    if match is None or match.group(3).lower() == "w":
        return None
    return int(match.group(1)) * SIZE_UNITS[match.group(2).lower()]


def is_pbs_size(value: str) -> bool:
    """True for any PBS size, including word units (``8gw``)."""
    return _PBS_SIZE.fullmatch(value) is not None


def render_pbs_size(nbytes: int) -> str:
    """The largest exact PBS unit: ``16gb``, ``1536mb``, ``100b``.

    >>> render_pbs_size(16 * 1024**3), render_pbs_size(1536 * 1024**2), render_pbs_size(100)
    ('16gb', '1536mb', '100b')
    """
    count, unit = exact_units(nbytes, "tgmk") or (nbytes, "")
    return f"{count}{unit}b"


__all__ = ["is_pbs_size", "pbs_size_bytes", "render_pbs_size"]
