"""Shared hypothesis strategies for hsm's property tests.

Strategy: generate what a user can put in a sweep file -- YAML-shaped values and
mappings -- biased towards the text that breaks quoting (quotes, backslashes, ``$``,
backticks, separators, keywords that look like other types, newlines, unicode).  Every
string these strategies produce can travel in an argv element (no NUL, no lone
surrogates); :func:`unrepresentable_strings` gives the ones that cannot.

Strategy factories are cached, so calling them inside ``@st.composite`` costs nothing.
Import from here rather than redefining strategies in test modules::

    from tests.property.strategies import hostile_strings, param_values, sweep_specs
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

from hypothesis import strategies as st

#: Fragments that have tripped real quoting code: shell and Hydra metacharacters,
#: escapes, interpolations, and words that parse as another type when unquoted.
HOSTILE_FRAGMENTS = (
    "'",
    '"',
    "\\",
    "\\\\",
    "\\'",
    '\\"',
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    ",",
    "=",
    ":",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    "$",
    "${x}",
    "${oc.env:HOME}",
    "$HOME",
    "$(id)",
    "`id`",
    ";",
    "; echo pwned",
    "|",
    "&",
    "<",
    ">",
    "!",
    "#",
    "*",
    "?",
    "~",
    "%",
    "@",
    "+",
    "-",
    "--",
    "-n",
    ".",
    "/",
    "true",
    "False",
    "null",
    "NULL",
    "1",
    "-1",
    "1e3",
    "1_000",
    ".5",
    "inf",
    "-inf",
    "nan",
    "0x10",
    "é",
    "漢字",
    "🎉",
    "\u2028",
    "\x7f",
    "\x1b[31m",
)

#: Whole values that are easy to get wrong.
HOSTILE_WORDS = (
    "",
    " ",
    "a b",
    " lead",
    "trail ",
    "'",
    '"',
    "\\",
    "it's",
    "a\\",
    "a\\'b",
    "${x}",
    "a,b",
    "[1,2]",
    "{a:1}",
    "x=y",
    "true",
    "TRUE",
    "null",
    "1",
    "1.0",
    "1e3",
    "inf",
    "nan",
    "-",
    "/",
    ".",
    "a\nb",
    "é ü 漢字 🎉",
    "lr=0.1; rm -rf /",
)

_ARGV_CHARS = st.characters(codec="utf-8", exclude_characters="\x00")  # no lone surrogates


@functools.cache
def hostile_strings(max_size: int = 30) -> st.SearchStrategy[str]:
    """Text that can be an argv element (no NUL, no lone surrogates), biased to break quoting."""
    fragments = st.one_of(st.sampled_from(HOSTILE_FRAGMENTS), st.text(_ARGV_CHARS, max_size=4))
    return st.one_of(
        st.sampled_from(HOSTILE_WORDS),
        st.lists(fragments, max_size=6).map("".join).filter(lambda s: len(s) <= max_size),
        st.text(_ARGV_CHARS, max_size=max_size),
    )


@functools.cache
def unrepresentable_strings() -> st.SearchStrategy[str]:
    """Text no argv element can carry: it holds a NUL or a lone surrogate."""
    bad = st.sampled_from(["\x00", "\ud800", "\udfff", "\udc80"])
    return st.tuples(hostile_strings(8), bad, hostile_strings(8)).map("".join)


_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_REST = _FIRST + "0123456789"


def _word(rest: str, max_size: int) -> st.SearchStrategy[str]:
    return st.builds(
        "".join, st.tuples(st.sampled_from(_FIRST), st.text(rest, max_size=max_size - 1))
    )


@functools.cache
def identifiers() -> st.SearchStrategy[str]:
    """Plain names (``lr``, ``max-len``, ``_x1``), never a Hydra keyword."""
    return _word(_REST + "-", 9).filter(
        lambda s: s.lower() not in {"true", "false", "null", "inf", "nan"}
    )


@functools.cache
def param_names(max_depth: int = 3) -> st.SearchStrategy[str]:
    """Dotted Hydra parameter names: ``lr``, ``model.lr``, ``optim.adam.beta_1``."""
    return st.lists(_word(_REST, 7), min_size=1, max_size=max_depth).map(".".join)


@functools.cache
def scalar_values() -> st.SearchStrategy[Any]:
    """YAML scalars: None, bools, ints, floats (including inf/nan/-0.0), hostile text."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        hostile_strings(),
    )


@functools.cache
def param_values(*, dicts: bool = False, max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """A sweep value: a scalar or (nested) lists of them; with ``dicts``, also mappings."""

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        lists = st.lists(children, max_size=4)
        if not dicts:
            return lists
        return lists | st.dictionaries(identifiers(), children, max_size=3)

    return st.recursive(scalar_values(), extend, max_leaves=max_leaves)


def value_identity(value: Any) -> str:
    """Identity used to keep generated values distinct: type-aware (``1`` vs ``True``)."""
    return repr(value)


@functools.cache
def _distinct_values(min_size: int, max_size: int) -> st.SearchStrategy[list[Any]]:
    return st.lists(
        param_values(max_leaves=3), min_size=min_size, max_size=max_size, unique_by=value_identity
    )


def _point_identity(point: dict[str, Any]) -> frozenset[tuple[str, str]]:
    return frozenset((k, value_identity(v)) for k, v in point.items())


@st.composite
def sweep_specs(
    draw: st.DrawFn,
    *,
    max_axes: int = 3,
    max_axis_len: int = 4,
    max_groups: int = 2,
    max_combinations: int = 3,
) -> dict[str, Any]:
    """A valid sweep mapping as loaded from YAML (dotted names, distinct values).

    Names are unique across ``grid`` and ``paired``; paired rows are distinct; each
    combination differs from the others and from every product point.  Keys that end up
    empty are left out, and the sweep always has at least one point.
    """
    n_axes = draw(st.integers(0, max_axes))
    group_sizes = draw(st.lists(st.integers(1, 3), max_size=max_groups))
    count = n_axes + sum(group_sizes)
    # A numeric suffix keeps names unique without rejection sampling.
    names = [
        f"{base}_{i}"
        for i, base in enumerate(draw(st.lists(param_names(), min_size=count, max_size=count)))
    ]
    spec: dict[str, Any] = {}
    grid = {name: draw(_distinct_values(1, max_axis_len)) for name in names[:n_axes]}
    if grid:
        spec["grid"] = grid
    groups = []
    start = n_axes
    for size in group_sizes:
        rows = draw(
            st.lists(
                st.tuples(*[param_values(max_leaves=3)] * size),
                min_size=1,
                max_size=max_axis_len,
                unique_by=value_identity,
            )
        )
        group_names = names[start : start + size]
        start += size
        groups.append({n: [row[i] for row in rows] for i, n in enumerate(group_names)})
    if groups:
        spec["paired"] = groups
    product = {_point_identity(p) for p in expected_points({**spec, "combinations": []})}
    combos = draw(
        st.lists(
            st.dictionaries(param_names(), param_values(max_leaves=3), max_size=3),
            min_size=0 if product else 1,
            max_size=max_combinations,
            unique_by=_point_identity,
        ).map(lambda cs: [c for c in cs if _point_identity(c) not in product])
    )
    if combos:
        spec["combinations"] = combos
    if not product and not combos:
        spec["combinations"] = [{"only": 1}]
    return spec


def expected_points(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The points of a flat (dotted-name) sweep mapping, computed the obvious way.

    Grid axes then paired groups, last varying fastest, then the combinations appended.
    """
    axes: list[list[list[tuple[str, Any]]]] = [
        [[(name, v)] for v in values] for name, values in (spec.get("grid") or {}).items()
    ]
    for group in spec.get("paired") or []:
        columns = [[(name, v) for v in values] for name, values in group.items()]
        axes.append([list(row) for row in zip(*columns)])
    points = (
        [dict(itertools.chain.from_iterable(combo)) for combo in itertools.product(*axes)]
        if axes
        else []
    )
    return points + [dict(c) for c in spec.get("combinations") or []]
