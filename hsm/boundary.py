"""Leaving the ``IOResult`` container: for hsm's front ends only.

The library returns ``Result`` (pure code) and ``IOResult`` (anything that touched the
disk or a scheduler) all the way up; the front ends -- the CLI (:mod:`hsm.cli`), the seed
facade (:mod:`hsm.hpc`), the Hydra launcher (``hydra_plugins/hsm_launcher``) and the
detached feeder's ``main`` -- are where a value finally has to be printed, raised or
handed to another library, so they step out here, in one named place.  A test
(``tests/unit/test_boundary.py``) keeps everything else inside the containers.
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
