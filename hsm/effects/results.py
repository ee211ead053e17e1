"""Leaving the ``IOResult`` container inside the effects shell.

The shell's verbs compose several effects with ordinary control flow (loops, early
exits), which reads better than long ``bind`` chains; they step out of ``IOResult`` here,
in one named place, and wrap their own answer back into one.
"""

from __future__ import annotations

from typing import TypeVar

from returns.io import IOResult, IOSuccess
from returns.result import Failure, Result, Success
from returns.unsafe import unsafe_perform_io

V = TypeVar("V")
E = TypeVar("E")


def result_of(io: IOResult[V, E]) -> Result[V, E]:
    """The ``Result`` inside an ``IOResult`` (the effect has already happened).

    ``unsafe_perform_io`` is the library's public way out of an ``IO`` container; it is
    "unsafe" only in that it drops the mark of I/O, which has already run here.
    """
    if isinstance(io, IOSuccess):
        return Success(unsafe_perform_io(io.unwrap()))
    return Failure(unsafe_perform_io(io.failure()))
