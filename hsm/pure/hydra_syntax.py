"""Hydra's command-line sweep syntax, as hsm runs it: ``a,b``, ``choice()``, ``range()``,
``glob()``; everything else refused by name.

Strategy: :mod:`hsm.pure.hydra_grammar` reads the text exactly as Hydra does; this module
evaluates the sweep functions, at the top level only, into a :class:`Choice` (its values
in order) or a :class:`Glob` (resolved later against the values the sweep already has for
that key).

- ``a,b`` / ``choice(a,b)``: the values as written.
- ``range(stop)`` / ``range(start, stop[, step])``: Hydra's values -- ints when all three
  are ints, else floats computed as Hydra's ``FloatRange`` does (exact decimals of the
  floats, summed at 28 digits): ``range(0,1,0.25)`` is ``0.0, 0.25, 0.5, 0.75``.
- ``glob(include, exclude=...)``: shell patterns (one or a list), matched case-sensitively.
- Refused by name, each with what to write instead: ``interval()`` (a search space for
  optimizing sweepers), ``shuffle()``, ``sort()``, ``tag()``, the casts ``int()``,
  ``float()``, ``str()``, ``bool()``, unknown functions, and a sweep nested in a list, a
  dict or another sweep.

Deliberate differences from Hydra: ``choice()`` also takes ``null`` (Hydra's type check
refuses it although ``a,null`` works); ``range()`` refuses booleans, non-finite numbers,
a zero step, an empty range and more than :data:`MAX_AXIS_VALUES` values.
"""

from __future__ import annotations

import decimal
import fnmatch
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hsm.pure.hydra_grammar import Call, Choice, HydraSyntaxError, parse_value_tree

__all__ = [
    "MAX_AXIS_VALUES",
    "Choice",
    "Glob",
    "HydraSyntaxError",
    "parse_override_value",
    "reads_as_sweep",
]

#: The most values one ``range()`` may give (each value is one task or more).
MAX_AXIS_VALUES = 100_000


@dataclass(frozen=True, slots=True)
class Glob:
    """``glob(include, exclude=...)``: keeps the names matching an include pattern and no
    exclude pattern (shell-style, case-sensitive, as Hydra's ``fnmatch`` on POSIX).

    >>> Glob(("c*", "mlp"), ("*2",)).keeps("cnn"), Glob(("c*",), ("*2",)).keeps("cnn2")
    (True, False)
    """

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    def keeps(self, name: str) -> bool:
        """Whether ``name`` matches an include pattern and no exclude pattern."""
        return any(fnmatch.fnmatchcase(name, p) for p in self.include) and not any(
            fnmatch.fnmatchcase(name, p) for p in self.exclude
        )

    def __str__(self) -> str:
        args = ",".join(self.include)
        if self.exclude:
            args = f"[{args}],exclude=[{','.join(self.exclude)}]"
        return f"glob({args})"


_REFUSED = {
    "interval": "interval() is a sweeper search space; hsm runs grids — use range()",
    "shuffle": "shuffle() randomises the order; hsm runs values in the order written — "
    "list them as a,b,c",
    "sort": "sort() is not supported; write the values in the order you want them run",
    "tag": "tag() labels a sweep for a sweeper plugin; hsm has none — write the sweep "
    "without tag()",
}
_CASTS = ("int", "float", "str", "bool")
_SWEEPS = "choice(), range() and glob()"


def _refuse_call(call: Call) -> Any:
    if call.name in _REFUSED:
        raise HydraSyntaxError(_REFUSED[call.name])
    if call.name in _CASTS:
        raise HydraSyntaxError(
            f"{call.name}() casts are not supported; write the value as you want it typed "
            "('1' is text, 1 an int, 1.0 a float, true a bool)"
        )
    raise HydraSyntaxError(
        f"{call.name}() is not a sweep function hsm knows (it runs {_SWEEPS}); "
        f"to pass the text, quote it: '{call.name}(...)'"
    )


def _plain(value: Any, where: str) -> Any:
    """``value`` with no function call inside it (a sweep cannot nest)."""
    if isinstance(value, Call):
        if value.name in ("choice", "range", "glob"):
            raise HydraSyntaxError(
                f"{value.name}() must be the whole value; it cannot be nested in {where}"
            )
        _refuse_call(value)
    if isinstance(value, Choice):
        raise HydraSyntaxError(f"a sweep (a,b) cannot be nested in {where}")
    if isinstance(value, list):
        return [_plain(v, where) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, where) for k, v in value.items()}
    return value


def _bind(call: Call, names: Sequence[str], required: int) -> list[Any]:
    """Python's argument binding for ``call`` against parameters ``names``."""
    if len(call.args) > len(names):
        raise HydraSyntaxError(
            f"{call.name}() takes at most {len(names)} arguments, got {len(call.args)}"
        )
    bound: list[Any] = list(call.args) + [None] * (len(names) - len(call.args))
    for key, value in call.kwargs:
        if key not in names:
            raise HydraSyntaxError(
                f"{call.name}() has no argument {key}= (it takes {', '.join(names)})"
            )
        at = names.index(key)
        if at < len(call.args):
            raise HydraSyntaxError(f"{call.name}() is given {key} twice")
        bound[at] = value
    missing = [n for n, v in zip(names[:required], bound, strict=False) if v is None]
    if missing:
        raise HydraSyntaxError(f"{call.name}() needs {missing[0]}")
    return bound


def _number(value: Any, what: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise HydraSyntaxError(f"range() {what} must be a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise HydraSyntaxError(f"range() {what} must be finite, got {value!r}")
    return value


def _float_range(start: float, stop: float, step: float) -> list[float]:
    """Hydra's ``FloatRange``: exact decimals of the floats, summed at 28 digits."""
    context = decimal.Context(prec=28)
    at, end, by = (decimal.Decimal(x) for x in (start, stop, step))
    values: list[float] = []
    while (at < end) if by > 0 else (at > end):
        if len(values) == MAX_AXIS_VALUES:
            break
        values.append(float(at))
        at = context.add(at, by)
    else:
        return values
    raise HydraSyntaxError(f"range() gives more than {MAX_AXIS_VALUES:,} values; check the step")


def _range(call: Call) -> Choice:
    first, stop, step = _bind(call, ("start", "stop", "step"), 1)
    start = _number(first, "start")
    if stop is None:
        start, stop = 0, start
    stop = _number(stop, "stop")
    step = 1 if step is None else _number(step, "step")
    if step == 0:
        raise HydraSyntaxError("range() step must not be 0")
    if isinstance(start, int) and isinstance(stop, int) and isinstance(step, int):
        ints = range(start, stop, step)
        if len(ints) > MAX_AXIS_VALUES:
            raise HydraSyntaxError(
                f"range() gives {len(ints):,} values; hsm takes at most {MAX_AXIS_VALUES:,} "
                "per axis"
            )
        values: Sequence[Any] = ints
    else:
        values = _float_range(start, stop, step)
    if not values:
        raise HydraSyntaxError(f"range({start}, {stop}, {step}) is empty")
    return Choice(tuple(values))


def _patterns(value: Any, what: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(p, str) for p in items):
        raise HydraSyntaxError(f"glob() {what} must be text patterns (quote numbers: '3*')")
    return tuple(items)


def _evaluate(call: Call) -> Any:
    if call.name == "choice":
        if call.kwargs:
            raise HydraSyntaxError("choice() takes values only, no name=value arguments")
        if not call.args:
            raise HydraSyntaxError("choice() needs at least one value")
        return Choice(tuple(_plain(v, "choice()") for v in call.args))
    if call.name == "range":
        return _range(call)
    if call.name == "glob":
        include, exclude = _bind(call, ("include", "exclude"), 1)
        excluded = () if exclude is None else _patterns(exclude, "exclude")
        return Glob(_patterns(include, "include"), excluded)
    return _refuse_call(call)


def parse_override_value(text: str) -> Any:
    """The value after ``key=``, as Hydra reads it: a plain value, a :class:`Choice` or a
    :class:`Glob`.  Raises :class:`HydraSyntaxError` with a one-line reason.

    >>> parse_override_value("1e-3"), parse_override_value("'a,b'"), parse_override_value("x y")
    (0.001, 'a,b', 'x y')
    >>> parse_override_value("[1, null]"), parse_override_value("{a: true}")
    ([1, None], {'a': True})
    >>> parse_override_value("a,b"), parse_override_value("range(0,1,0.25)")
    (Choice(values=('a', 'b')), Choice(values=(0.0, 0.25, 0.5, 0.75)))
    >>> parse_override_value("glob(c*,exclude=[*2])")
    Glob(include=('c*',), exclude=('*2',))
    >>> parse_override_value("interval(0,1)")
    Traceback (most recent call last):
    ...
    hsm.pure.hydra_grammar.HydraSyntaxError: interval() is a sweeper search space; hsm runs \
grids — use range()
    """
    value = parse_value_tree(text)
    if isinstance(value, Call):
        return _evaluate(value)
    if isinstance(value, Choice):
        return Choice(tuple(_plain(v, "an a,b sweep") for v in value.values))
    return _plain(value, "a list or dict")


#: Hydra's functions whose value is a sweep (run by hsm or refused by name).
SWEEP_FUNCTIONS = frozenset({"choice", "range", "glob", "interval", "shuffle", "sort", "tag"})


def reads_as_sweep(text: str) -> bool:
    """Whether Hydra reads ``key=<text>`` as a sweep (``a,b`` or a sweep function).

    >>> [reads_as_sweep(t) for t in ("a,b", "range(3)", "interval(0,1)", "'a,b'", "f(x)", "a")]
    [True, True, True, False, False, False]
    """
    try:
        tree = parse_value_tree(text)
    except HydraSyntaxError:
        return False
    return isinstance(tree, Choice) or (isinstance(tree, Call) and tree.name in SWEEP_FUNCTIONS)
