"""Leaving the ``IOResult`` container inside the effects shell.

The shell's verbs compose several effects with ordinary control flow (loops, early
exits), which reads better than long ``bind`` chains; they step out of ``IOResult`` here,
in one named place, and wrap their own answer back into one.
"""

from __future__ import annotations

from typing import TypeVar

from returns.io import IOResult
from returns.result import Result

V = TypeVar("V")
E = TypeVar("E")


def result_of(io: IOResult[V, E]) -> Result[V, E]:
    """The ``Result`` inside an ``IOResult`` (the effect has already happened)."""
    inner: Result[V, E] = io._inner_value  # the container keeps its Result here
    return inner
