"""Sweep specs: a YAML mapping in, a validated :class:`SweepSpec` out (expanded lazily by
:mod:`hsm.pure.sweep`).

Strategy: a spec is a list of *factors* followed by a list of explicit *combinations*.
A factor is one axis of a Cartesian product: a ``grid`` parameter is a factor with one
name, a ``paired`` group is a factor with several names whose rows are the group's lists
zipped together.  The sweep is every point of the product of the factors, in
``itertools.product`` order, *followed by* the ``combinations`` appended as extra points
(they are not multiplied with anything, but the constants reach them).  Validation
happens once, here, so expansion never fails.

Rules (what a user can rely on):

- Factor order: ``grid`` parameters in the order written, then ``paired`` groups in the
  order written.  The last factor varies fastest.  Keys in each point follow the same
  order; a combination keeps its own key order.
- Nested mappings are namespaces: ``model: {lr: [..]}`` is the parameter ``model.lr``
  (also inside ``paired`` groups and ``combinations``).  To sweep dict *values*, put the
  dicts in the list: ``optimizer: [{name: adam}, {name: sgd}]``.
- A parameter may appear in one place only (the grid or one paired group); combinations
  are extra points and may set anything.  ``+seed`` and ``seed`` are one parameter
  (Hydra's ``+`` only says "add the key"): the spelling written is what the program gets.
- A grid scalar is a constant, the same as a one-value list (``epochs: 10`` is
  ``epochs: [10]``); a string that Hydra would read as a sweep (``'0.1,0.01'``,
  ``'range(5)'``) is refused with the list to write instead.
- Constants -- every parameter with a single value: a one-value grid axis, a one-row
  paired group -- apply to the combinations too.  A combination's own value wins; the
  constants it lacks follow its own keys, in factor order.
- Values are compared by type and value, so ``1``, ``1.0`` and ``True`` are distinct
  values (they render differently), while ``0.1`` twice is a duplicate.  Duplicates are
  errors: an axis value twice, a paired row twice, a combination twice, or a combination
  that the product already contains (both after the constants are added) -- so a valid
  sweep never runs the same point twice.
- ``grid: {}``, ``paired: []`` and ``combinations: []`` (or null) count as absent, but the
  sweep as a whole must have at least one point.

Every user mistake becomes one :class:`~hsm.pure.errors.ConfigError` whose ``path`` is a
JSON-path into the input (``$.grid.model.lr``, ``$.paired[1]``, ``$.combinations[0].x``).
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.hydra_syntax import reads_as_sweep

#: The keys a sweep mapping may have.
SWEEP_KEYS = ("grid", "paired", "combinations")

_PLAIN_PATH_KEY = re.compile(r"[A-Za-z0-9_$.-]+\Z")


@dataclass(frozen=True, slots=True)
class Factor:
    """One axis of the product: a grid parameter (one name) or a paired group (several).

    ``rows[k]`` holds the values of ``names`` at position ``k`` of the axis; ``paired``
    tells a paired group (even of one name) from a grid axis.
    """

    names: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    paired: bool = False


def param_name(key: str) -> str:
    """The parameter a key sets: ``+seed`` and ``++seed`` set ``seed``.

    >>> param_name("++model.lr"), param_name("db@pkg")
    ('model.lr', 'db@pkg')
    """
    return key.lstrip("+")


@dataclass(frozen=True, slots=True)
class SweepSpec:
    """A validated sweep: product ``factors`` first, then the explicit ``combinations``
    (as written: :meth:`constants` are added when the sweep is expanded)."""

    factors: tuple[Factor, ...]
    combinations: tuple[tuple[tuple[str, Any], ...], ...] = ()

    @property
    def product_size(self) -> int:
        """Number of points the product of the factors gives (0 when there are none)."""
        return math.prod(len(f.rows) for f in self.factors) if self.factors else 0

    def __len__(self) -> int:
        return self.product_size + len(self.combinations)

    def constants(self) -> tuple[tuple[str, Any], ...]:
        """``(name, value)`` of every parameter with a single value, in factor order."""
        return tuple(
            item
            for factor in self.factors
            if len(factor.rows) == 1
            for item in zip(factor.names, factor.rows[0], strict=True)
        )

    def completed_combinations(self) -> tuple[tuple[tuple[str, Any], ...], ...]:
        """The combinations as run: each with the :meth:`constants` it does not set.

        >>> spec = parse_sweep_spec({"grid": {"e": 10, "lr": [1, 2]}, "combinations": [{"lr": 3}]})
        >>> spec.unwrap().completed_combinations()
        ((('lr', 3), ('e', 10)),)
        """
        constants = self.constants()
        return tuple(_completed(c, constants) for c in self.combinations)


def _completed(
    combination: tuple[tuple[str, Any], ...], constants: tuple[tuple[str, Any], ...]
) -> tuple[tuple[str, Any], ...]:
    """A combination's own items, then the constants it does not set."""
    own = {param_name(name) for name, _ in combination}
    return combination + tuple(c for c in constants if param_name(c[0]) not in own)


class _Invalid(Exception):
    """Internal: carries a ConfigError out of the validators to the one boundary."""

    def __init__(self, error: ConfigError) -> None:
        super().__init__(str(error))
        self.error = error


def _fail(message: str, path: str) -> NoReturn:
    raise _Invalid(ConfigError(message, path))


def _child(path: str, key: str) -> str:
    """``$.grid`` + ``lr`` -> ``$.grid.lr``; odd keys use brackets: ``$.grid["a b"]``."""
    if _PLAIN_PATH_KEY.match(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= 60 else text[:57] + "..."


def value_key(value: Any) -> Hashable:
    """A hashable identity for a sweep value: equal iff the values render the same.

    Type takes part (``1``, ``1.0`` and ``True`` differ); floats compare by ``repr`` so
    ``nan`` equals ``nan`` and ``-0.0`` differs from ``0.0``; lists and tuples are the
    same; dicts ignore key order.

    >>> value_key(1) == value_key(True), value_key([1, 2]) == value_key((1, 2))
    (False, True)
    """
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", bool(value))
    if isinstance(value, str):
        return ("str", str(value))
    if isinstance(value, int):
        return ("int", int(value))
    if isinstance(value, float):
        return ("float", float.__repr__(value))
    if isinstance(value, list | tuple):
        return ("list", tuple(value_key(v) for v in value))
    if isinstance(value, Mapping):
        return ("dict", frozenset((k, value_key(v)) for k, v in value.items()))
    return ("other", repr(value))


def _clean_value(value: Any, path: str) -> Any:
    """Check a value is plain YAML data and return a private copy of it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_clean_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                _fail(f"dict keys inside values must be strings, got {key!r}", path)
            out[key] = _clean_value(item, _child(path, key))
        return out
    _fail(
        f"unsupported value of type {type(value).__name__} ({value!r}); "
        "quote it in YAML to pass it as a string",
        path,
    )


def _leaves(mapping: Mapping[Any, Any], path: str, prefix: str) -> Iterator[tuple[str, Any, str]]:
    """Flatten nested mappings into ``(dotted name, leaf value, path)`` in written order."""
    for key, value in mapping.items():
        if not isinstance(key, str):
            _fail(
                f"parameter names must be strings, got {key!r} ({type(key).__name__}); "
                "quote it in YAML",
                path,
            )
        if not key:
            _fail("empty parameter name", path)
        name = f"{prefix}.{key}" if prefix else key
        here = _child(path, key)
        if isinstance(value, Mapping):
            if not value:
                _fail(f"'{name}' is an empty mapping: nothing to set under it", here)
            yield from _leaves(value, here, name)
        else:
            yield name, value, here


def _constant(value: Any, name: str, path: str) -> list[Any]:
    """A grid scalar: a constant, unless it is text Hydra reads as a sweep."""
    if isinstance(value, str) and reads_as_sweep(value):
        leaf = name.rsplit(".", 1)[-1]
        _fail(
            f"'{name}' is the text {_show(value)}, which Hydra reads as a sweep; a sweep file "
            f"lists values: `{leaf}: [a, b]` (or give {name}={value} on the command line); "
            f"for this text as one value write `{leaf}: [{_show(value)}]`",
            path,
        )
    return [_clean_value(value, path)]


def _values(values: Any, name: str, path: str) -> list[Any]:
    """Check one axis list (non-empty, a list) and return cleaned copies of its values."""
    if not isinstance(values, list | tuple):
        _fail(
            f"'{name}' must be a list of values, got {_show(values)}; "
            f"to use a single value write `{name.rsplit('.', 1)[-1]}: [{_show(values)}]`",
            path,
        )
    if not values:
        _fail(f"'{name}' has an empty list of values; give at least one", path)
    return [_clean_value(v, f"{path}[{i}]") for i, v in enumerate(values)]


def _claim(owners: dict[str, str], key: str, path: str) -> None:
    name = param_name(key)
    if owners.get(name) == path:
        _fail(
            f"parameter '{name}' is written twice, once as a dotted key and once as nested "
            "mappings; keep one",
            path,
        )
    if name in owners:
        _fail(
            f"parameter '{name}' is defined twice (also at {owners[name]}); "
            "a parameter may appear in the grid or in one paired group, not both",
            path,
        )
    owners[name] = path


def _grid_factors(grid: Any, owners: dict[str, str]) -> list[Factor]:
    if not isinstance(grid, Mapping):
        _fail(
            f"'grid' must be a mapping of parameter to list of values, got {_show(grid)}", "$.grid"
        )
    factors = []
    for name, raw, path in _leaves(grid, "$.grid", ""):
        _claim(owners, name, path)
        if isinstance(raw, list | tuple):
            values = _values(raw, name, path)
        else:
            values = _constant(raw, name, path)
        first: dict[Hashable, int] = {}
        for i, value in enumerate(values):
            j = first.setdefault(value_key(value), i)
            if j != i:
                _fail(
                    f"value {_show(value)} appears twice in '{name}' (positions {j} and {i})",
                    f"{path}[{i}]",
                )
        factors.append(Factor((name,), tuple((v,) for v in values)))
    return factors


def _paired_factor(index: int, group: Any, owners: dict[str, str]) -> Factor:
    path = f"$.paired[{index}]"
    if not isinstance(group, Mapping) or not group:
        _fail(
            f"paired group {index} must be a non-empty mapping of parameter to list, "
            f"got {_show(group)}",
            path,
        )
    names: list[str] = []
    columns: list[list[Any]] = []
    for name, raw, here in _leaves(group, path, ""):
        _claim(owners, name, here)
        names.append(name)
        columns.append(_values(raw, name, here))
    lengths = [len(c) for c in columns]
    if len(set(lengths)) > 1:
        listing = ", ".join(f"{n}={k}" for n, k in zip(names, lengths, strict=True))
        _fail(
            f"paired group {index} ({', '.join(names)}) has lists of different lengths "
            f"({listing}); paired lists are zipped, so they must be equally long",
            path,
        )
    rows = tuple(zip(*columns, strict=True))
    first: dict[Hashable, int] = {}
    for i, row in enumerate(rows):
        j = first.setdefault(value_key(row), i)
        if j != i:
            _fail(f"paired group {index} repeats the same row at positions {j} and {i}", path)
    return Factor(tuple(names), rows, paired=True)


def _combination(index: int, combo: Any) -> tuple[tuple[str, Any], ...]:
    path = f"$.combinations[{index}]"
    if not isinstance(combo, Mapping):
        _fail(f"each combination must be a mapping of parameter to value, got {_show(combo)}", path)
    point: dict[str, Any] = {}
    seen: set[str] = set()
    for name, raw, here in _leaves(combo, path, ""):
        if param_name(name) in seen:
            _fail(f"parameter '{param_name(name)}' is given twice in combination {index}", here)
        seen.add(param_name(name))
        point[name] = _clean_value(raw, here)
    return tuple(point.items())


def _point_key(items: Sequence[tuple[str, Any]]) -> Hashable:
    return frozenset((param_name(name), value_key(v)) for name, v in items)


class _ProductIndex:
    """Answers "is this point already in the product?" in O(number of parameters)."""

    def __init__(self, factors: Sequence[Factor]) -> None:
        self.factors = factors
        self.names = {param_name(n) for f in factors for n in f.names}
        self.rows = [{value_key(r) for r in f.rows} for f in factors]

    def __contains__(self, items: Sequence[tuple[str, Any]]) -> bool:
        point = {param_name(name): value for name, value in items}
        if not self.factors or point.keys() != self.names:
            return False
        return all(
            value_key(tuple(point[param_name(n)] for n in f.names)) in rows
            for f, rows in zip(self.factors, self.rows, strict=True)
        )


def _parse(data: Any) -> SweepSpec:
    if not isinstance(data, Mapping):
        _fail(
            f"a sweep must be a mapping with keys {', '.join(SWEEP_KEYS)}, got {_show(data)}",
            "$",
        )
    for key in data:
        if not isinstance(key, str):
            _fail(f"sweep keys must be strings, got {key!r}", "$")
        if key not in SWEEP_KEYS:
            close = difflib.get_close_matches(key, SWEEP_KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            _fail(f"unknown key '{key}'{hint}; allowed: {', '.join(SWEEP_KEYS)}", _child("$", key))
    owners: dict[str, str] = {}
    factors: list[Factor] = []
    grid = data.get("grid")
    if grid is not None and grid != {}:
        factors.extend(_grid_factors(grid, owners))
    paired = data.get("paired") or []
    if not isinstance(paired, list | tuple):
        _fail(f"'paired' must be a list of groups, got {_show(paired)}", "$.paired")
    factors.extend(_paired_factor(i, g, owners) for i, g in enumerate(paired))
    raw_combos = data.get("combinations") or []
    if not isinstance(raw_combos, list | tuple):
        _fail(
            f"'combinations' must be a list of mappings, got {_show(raw_combos)}", "$.combinations"
        )
    combos = tuple(_combination(i, raw) for i, raw in enumerate(raw_combos))
    return _checked(SweepSpec(tuple(factors), combos))


def _checked(spec: SweepSpec) -> SweepSpec:
    """Refuse a spec with no point, or a combination that (with the constants) repeats."""
    constants = spec.constants()
    seen: dict[Hashable, int] = {}
    product = _ProductIndex(spec.factors)
    for i, combo in enumerate(spec.combinations):
        point = _completed(combo, constants)
        added = point[len(combo) :]
        also = f" once the constants {_listing(added)} are added" if added else ""
        j = seen.setdefault(_point_key(point), i)
        if j != i:
            _fail(f"combination {i} repeats combination {j}{also}", f"$.combinations[{i}]")
        if point in product:
            _fail(
                f"combination {i} is already a point of the grid/paired product{also}",
                f"$.combinations[{i}]",
            )
    if not spec.factors and not spec.combinations:
        _fail("the sweep is empty: give at least one of grid, paired or combinations", "$")
    return spec


def _listing(items: Sequence[tuple[str, Any]]) -> str:
    return ", ".join(f"{name}={_show(value)}" for name, value in items)


def check_sweep_spec(spec: SweepSpec) -> Result[SweepSpec, ConfigError]:
    """Check a spec built from parts (e.g. with command-line axes) as :func:`parse_sweep_spec`
    checks a file: some point, no combination repeated or already in the product."""
    try:
        return Success(_checked(spec))
    except _Invalid as exc:
        return Failure(exc.error)


def parse_sweep_spec(data: Any) -> Result[SweepSpec, ConfigError]:
    """Validate a mapping as loaded from YAML into a :class:`SweepSpec`.

    >>> error = parse_sweep_spec({"grid": {"lr": "0.1,0.01"}}).failure()
    >>> error.path, 'write `lr: ["0.1,0.01"]`' in error.message
    ('$.grid.lr', True)
    >>> print(parse_sweep_spec({"gird": {}}).failure().message)
    unknown key 'gird' (did you mean 'grid'?); allowed: grid, paired, combinations
    """
    try:
        return Success(_parse(data))
    except _Invalid as exc:
        return Failure(exc.error)
