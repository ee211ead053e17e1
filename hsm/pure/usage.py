"""What a scheduler measured about a job: run time and peak memory, read and shown.

Strategy: every scheduler prints usage its own way -- Slurm ``1-02:03:04`` and ``1.5G``,
PBS ``01:02:03`` and ``10240kb``, Grid Engine ``22s`` and ``3.383MB`` -- but the pieces
are the same two: a clock (``[D-][[H:]M:]S``) and a size (a number, an optional binary
prefix, an optional ``B``).  Each scheduler module cuts its field out and hands it here;
these readers are lenient (anything they cannot read is None, never an error: usage is
decoration, not state) and cached, since a sweep's tasks repeat the same few values.
Requested walltimes are another matter, read strictly by :mod:`hsm.pure.walltime`.

A measured size of 0 is read as None: schedulers print 0 when they did not sample the job
(Slurm with ``JobAcctGatherType=jobacct_gather/none``, Grid Engine for a sub-second job),
and no program peaks at zero bytes.
"""

from __future__ import annotations

import functools
import re

_PREFIX = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5}
_SIZE = re.compile(r"^([0-9]+(?:\.[0-9]*)?)\s*([KMGTP]?)(?:I?B)?$", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def parse_size(text: str) -> int | None:
    """Bytes from a size as schedulers print it (binary prefixes); None if unreadable or 0.

    >>> [parse_size(t) for t in ("904K", "12M", "1.5G", "10240kb", "3.383MB", "512", "0.000B")]
    [925696, 12582912, 1610612736, 10485760, 3547333, 512, None]
    >>> parse_size(""), parse_size("16000Mn"), parse_size("lots")
    (None, None, None)
    """
    match = _SIZE.match(text.strip())
    if match is None:
        return None
    size = round(float(match.group(1)) * _PREFIX[match.group(2).upper()])
    return size or None


@functools.lru_cache(maxsize=4096)
def parse_clock(text: str) -> float | None:
    """Seconds from ``[D-][[H:]M:]S`` (seconds may have a fraction or an ``s``); None if
    unreadable.

    >>> [parse_clock(t) for t in ("00:00:10", "1-02:03:04", "12:34", "100:00:00", "22s", "7")]
    [10.0, 93784.0, 754.0, 360000.0, 22.0, 7.0]
    >>> parse_clock(""), parse_clock("INVALID"), parse_clock("1:x:3")
    (None, None, None)
    """
    text = text.strip().removesuffix("s")
    days, dash, clock = text.rpartition("-")
    if dash and not days.isdigit():
        return None
    total = 0.0
    for part in clock.split(":"):
        if not part.replace(".", "", 1).isdigit():
            return None
        total = total * 60 + float(part)
    return total + (int(days) * 86_400 if dash else 0)


def size_text(size: int | None) -> str:
    """A size the way people read it (binary units, three significant digits), or "".

    >>> [size_text(s) for s in (None, 512, 925696, 12582912, 1610612736, 5 * 1024**4)]
    ['', '512B', '904K', '12.0M', '1.50G', '5.00T']
    """
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "K", "M", "G", "T"):
        if value < 1024 or unit == "T":
            break
        value /= 1024
    if unit == "B":
        return f"{size}B"
    digits = 0 if value >= 100 else 1 if value >= 10 else 2
    return f"{value:.{digits}f}{unit}"
