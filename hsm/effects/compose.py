"""Composing effects without leaving ``IOResult``.

The shell's verbs chain effects with ``bind`` (``map``, ``alt``, ``lash``, ``bind_result``
for a pure step) and ``IOResult.do``; only the front ends -- the CLI, the seed facade,
the Hydra launcher and a process's ``main`` -- step out of the container (see
:mod:`hsm.boundary`).  A loop over effects is :func:`each`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TypeVar

from returns.io import IOResult, IOSuccess

T = TypeVar("T")
V = TypeVar("V")
E = TypeVar("E")


def each(items: Iterable[T], step: Callable[[T], IOResult[V, E]]) -> IOResult[list[V], E]:
    """Run ``step`` on every item in order and collect the values; the first failure
    stops the loop (no later step runs) and is the answer.

    >>> from returns.io import IOFailure
    >>> each([1, 2, 3], lambda n: IOSuccess(n * 10))
    <IOResult: <Success: [10, 20, 30]>>
    >>> seen = []
    >>> each([1, 2, 3], lambda n: seen.append(n) or (IOFailure("no") if n == 2 else IOSuccess(n)))
    <IOResult: <Failure: no>>
    >>> seen
    [1, 2]
    """
    done: IOResult[list[V], E] = IOSuccess([])
    for item in items:
        done = done.bind(partial(_then, step, item))
    return done


def _then(step: Callable[[T], IOResult[V, E]], item: T, values: list[V]) -> IOResult[list[V], E]:
    return step(item).map(partial(_appended, values))


def _appended(values: list[V], value: V) -> list[V]:
    values.append(value)
    return values
