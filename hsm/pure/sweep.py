"""Sweeps: a validated :class:`~hsm.pure.sweep_spec.SweepSpec` in, a lazy :class:`Sweep` out.

Strategy: because every factor has a known length, point ``i`` of the product is found
directly by mixed-radix decoding of ``i`` (O(number of factors), nothing materialised:
a 1,048,576-point grid costs what its axes cost); iteration uses ``itertools.product``
itself so walking a million points costs no more than a bare loop.  The combinations,
completed with the constants, follow the product.  The spec's rules and its validation
live in :mod:`hsm.pure.sweep_spec`; its names are re-exported here.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterator, Sequence
from typing import Any, SupportsIndex, overload

from hsm.pure.sweep_spec import (
    SWEEP_KEYS,
    Factor,
    SweepSpec,
    check_sweep_spec,
    param_name,
    parse_sweep_spec,
    value_key,
)

__all__ = [
    "SWEEP_KEYS",
    "Factor",
    "Sweep",
    "SweepSpec",
    "check_sweep_spec",
    "expand_sweep",
    "param_name",
    "parse_sweep_spec",
    "value_key",
]


class Sweep(Sequence[dict[str, Any]]):
    """The points of a sweep as a lazy, read-only sequence of fresh dicts.

    ``len`` is O(1), ``sweep[i]`` is O(number of factors), iteration streams points in
    ``itertools.product`` order (last factor fastest) followed by the combinations.
    Each access returns a new dict; values inside it are shared, so treat them as
    read-only.  Slicing returns a list.
    """

    __slots__ = ("_combos", "_names", "_product_size", "_radices", "_rows", "_single")

    def __init__(self, spec: SweepSpec) -> None:
        self._names = tuple(n for f in spec.factors for n in f.names)
        self._rows = tuple(f.rows for f in spec.factors)
        self._radices = tuple(len(r) for r in self._rows)
        self._single = all(len(f.names) == 1 for f in spec.factors)
        self._product_size = spec.product_size
        self._combos = spec.completed_combinations()

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names of the product points, in key order."""
        return self._names

    def __len__(self) -> int:
        return self._product_size + len(self._combos)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        combos = map(dict, self._combos)
        if not self._rows:
            return combos
        names = itertools.repeat(self._names)
        if self._single:
            columns = [tuple(r[0] for r in rows) for rows in self._rows]
            points = map(dict, map(zip, names, itertools.product(*columns)))
        else:
            flat = map(itertools.chain.from_iterable, itertools.product(*self._rows))
            points = map(dict, map(zip, names, flat))
        return itertools.chain(points, combos)

    @overload
    def __getitem__(self, index: SupportsIndex) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: SupportsIndex | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._point(i) for i in range(len(self))[index]]
        i = operator.index(index)
        size = len(self)
        if i < 0:
            i += size
        if not 0 <= i < size:
            raise IndexError(f"sweep index {index} out of range for a sweep of {size} points")
        return self._point(i)

    def _point(self, i: int) -> dict[str, Any]:
        if i >= self._product_size:
            return dict(self._combos[i - self._product_size])
        parts: list[tuple[Any, ...]] = [()] * len(self._rows)
        for axis in range(len(self._rows) - 1, -1, -1):
            i, digit = divmod(i, self._radices[axis])
            parts[axis] = self._rows[axis][digit]
        return dict(zip(self._names, itertools.chain.from_iterable(parts), strict=True))

    def __repr__(self) -> str:
        return f"Sweep(len={len(self)}, names={list(self._names)!r})"


def expand_sweep(spec: SweepSpec) -> Sweep:
    """Expand a spec into its lazy sequence of points.

    >>> spec = parse_sweep_spec({
    ...     "grid": {"lr": [0.1, 0.01], "model": {"depth": [18, 50]}},
    ...     "combinations": [{"lr": 1.0}],
    ... }).unwrap()
    >>> sweep = expand_sweep(spec)
    >>> len(sweep)
    5
    >>> for point in sweep:
    ...     print(point)
    {'lr': 0.1, 'model.depth': 18}
    {'lr': 0.1, 'model.depth': 50}
    {'lr': 0.01, 'model.depth': 18}
    {'lr': 0.01, 'model.depth': 50}
    {'lr': 1.0}
    >>> sweep[-2]
    {'lr': 0.01, 'model.depth': 50}
    """
    return Sweep(spec)
