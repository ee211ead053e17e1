"""Walltime text <-> seconds, in the forms Slurm, PBS and Grid Engine accept.

Strategy: one anchored ASCII-only regular expression per accepted form, tried in a
literal table; a match gives the fields, which are range-checked (every field after the
leading one must be below 60, hours after ``D-`` below 24) and summed to seconds.
Everything else is refused with a message that lists the accepted forms.  Rendering is
the inverse for each target, so ``parse_walltime(render_walltime(s, t)) == s``.

.. important::
   **A bare number means MINUTES** (``"90"`` is 1 h 30 min), as in Slurm's ``--time``.
   PBS reads ``walltime=90`` as 90 *seconds*; hsm never passes the user's text through,
   it always renders ``HH:MM:SS``, so the meaning is the same on every scheduler.
"""

from __future__ import annotations

import re

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError

__all__ = ["WALLTIME_FORMS", "parse_walltime", "render_walltime"]

#: Shown in every error so the user sees what to write.
WALLTIME_FORMS = (
    "HH:MM:SS, H:MM:SS, D-HH:MM:SS, D-HH:MM, D-HH, MM:SS or MM "
    "(a bare number is MINUTES, as in Slurm --time; '90' = 1h30m)"
)

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR

# (name, pattern, unit of each group in seconds, upper bound of each group or None).
# The leading field is unbounded (``100:00:00`` is 100 hours); later fields take one or
# two digits, as Slurm does (``1:5:0`` is 1h05m).
_N = r"([0-9]+)"
_F = r"([0-9]{1,2})"
_FORMS: tuple[tuple[str, re.Pattern[str], tuple[int, ...], tuple[int | None, ...]], ...] = (
    (
        "D-HH:MM:SS",
        re.compile(rf"{_N}-{_F}:{_F}:{_F}", re.ASCII),
        (_DAY, _HOUR, _MINUTE, 1),
        (None, 24, 60, 60),
    ),
    ("D-HH:MM", re.compile(rf"{_N}-{_F}:{_F}", re.ASCII), (_DAY, _HOUR, _MINUTE), (None, 24, 60)),
    ("D-HH", re.compile(rf"{_N}-{_F}", re.ASCII), (_DAY, _HOUR), (None, 24)),
    ("HH:MM:SS", re.compile(rf"{_N}:{_F}:{_F}", re.ASCII), (_HOUR, _MINUTE, 1), (None, 60, 60)),
    ("MM:SS", re.compile(rf"{_N}:{_F}", re.ASCII), (_MINUTE, 1), (None, 60)),
    ("MM", re.compile(_N, re.ASCII), (_MINUTE,), (None,)),
)

_FIELD_NAMES = {_DAY: "days", _HOUR: "hours", _MINUTE: "minutes", 1: "seconds"}


def _bad(text: str, why: str, path: str) -> Failure[ConfigError]:
    return Failure(
        ConfigError(
            f"walltime {text!r} {why}; accepted forms: {WALLTIME_FORMS}",
            path,
        )
    )


def parse_walltime(text: str, *, path: str = "") -> Result[int, ConfigError]:
    """Read a walltime and return it in seconds.

    Accepted: ``HH:MM:SS``, ``H:MM:SS``, ``D-HH:MM:SS``, ``D-HH:MM``, ``D-HH``,
    ``MM:SS``, ``MM``.  **A bare number is minutes** (Slurm's convention, not PBS's).
    The leading field may exceed its usual range; later fields must be below 60 (hours
    after ``D-`` below 24).  Surrounding spaces are ignored; any other whitespace, signs,
    non-ASCII digits or a zero total are refused.

    Args:
        text: what the user wrote.
        path: where it came from (``$.hpc.default_walltime``), for the error.

    >>> parse_walltime("04:00:00").unwrap()
    14400
    >>> parse_walltime("90").unwrap()  # minutes!
    5400
    >>> parse_walltime("1-12").unwrap()
    129600
    >>> parse_walltime("1:60:00").failure().message.split(";")[0]
    "walltime '1:60:00' has minutes=60, which must be below 60"
    """
    stripped = text.strip(" ")
    if not stripped:
        return _bad(text, "is empty", path)
    for _name, pattern, units, bounds in _FORMS:
        match = pattern.fullmatch(stripped)
        if match is None:
            continue
        values = [int(g) for g in match.groups()]
        for value, unit, bound in zip(values, units, bounds, strict=True):
            if bound is not None and value >= bound:
                name = _FIELD_NAMES[unit]
                return _bad(text, f"has {name}={value}, which must be below {bound}", path)
        total = sum(v * u for v, u in zip(values, units, strict=True))
        if total == 0:
            return _bad(text, "is zero; a job needs a positive time limit", path)
        return Success(total)
    return _bad(text, _diagnose(stripped), path)


def _diagnose(text: str) -> str:
    """Say, in a few words, why ``text`` matched no form."""
    if any(c.isspace() for c in text):
        return "contains whitespace"
    if text[0] in "+-":
        return "has a sign; walltimes are positive and written without one"
    if "+" in text or re.search(r"[:\-]-", text):
        return "has a sign inside a field"
    if not all(c in "0123456789:-" for c in text):
        return "contains characters other than ASCII digits, ':' and '-'"
    return "is not in a recognised form"


def render_walltime(seconds: int, target: str) -> str:
    """Render seconds for ``target``'s walltime directive (the scheduler record's style).

    Raises:
        ValueError: ``seconds < 1`` or an unknown target (caller bugs, not user input:
            the value comes from :func:`parse_walltime` and the target from hsm itself).

    >>> render_walltime(4 * 3600, "slurm"), render_walltime(4 * 3600, "pbspro")
    ('04:00:00', '04:00:00')
    >>> render_walltime(100 * 3600 + 1, "slurm"), render_walltime(100 * 3600 + 1, "torque")
    ('4-04:00:01', '100:00:01')
    """
    from hsm.pure.schedulers import SCHEDULERS

    if seconds < 1:
        raise ValueError(f"walltime must be at least one second, got {seconds}")
    if target not in SCHEDULERS:
        raise ValueError(
            f"unknown walltime target {target!r}; expected one of {sorted(SCHEDULERS)}"
        )
    return SCHEDULERS[target].render_walltime(seconds)
