"""Law: hsm reads an override value exactly as Hydra does, or refuses it with a reason.

Hydra's own parser is the oracle.  For any text, either both read the same value (same
types, same sweep values in the same order) or hsm raises :class:`HydraSyntaxError`
-- and hsm may refuse only what it refuses by name (a function call it does not run, a
sweep nested in a value, a range it will not enumerate), never text Hydra reads as a
plain value.  The only text hsm accepts and Hydra refuses is ``choice()`` with ``null``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import (
    ChoiceSweep,
    Glob,
    IntervalSweep,
    Override,
    RangeSweep,
)
from hydra.errors import HydraException
from hypothesis import example, given
from hypothesis import strategies as st

from hsm.pure.hydra_grammar import GrammarError, tokens
from hsm.pure.hydra_syntax import (
    MAX_AXIS_VALUES,
    Choice,
    HydraSyntaxError,
    parse_override_value,
)
from hsm.pure.hydra_syntax import Glob as HsmGlob

PARSER = OverridesParser.create()


#: Hydra could not read the text (or enumerate the sweep).
REFUSED_BY_HYDRA = "<refused by hydra>"
#: Hydra read a sweep inside a value (``[range(3)]``); hsm must refuse it.
NESTED = "<nested sweep>"


@dataclass(frozen=True)
class Refusal:
    """hsm refused the text, saying why (``grammar``: as not Hydra syntax at all)."""

    reason: str
    grammar: bool = False


def same(a: Any, b: Any) -> bool:
    """Equal with types: True is not 1, 1 is not 1.0, nan is nan, -0.0 is not 0.0."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return same(list(a), list(b)) and same(list(a.values()), list(b.values()))
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    return bool(a == b)


def _plain(value: Any) -> Any:
    if isinstance(value, ChoiceSweep | RangeSweep | IntervalSweep | Glob):
        return NESTED
    if isinstance(value, list):
        items = [_plain(v) for v in value]
        return NESTED if any(i is NESTED for i in items) else items
    if isinstance(value, dict):
        pairs = {_plain(k): _plain(v) for k, v in value.items()}
        return NESTED if any(v is NESTED for v in pairs.values()) else pairs
    return Override._convert_value(value)


def hydra(text: str) -> Any:
    """What Hydra makes of ``k=<text>``: a plain value, Choice, Glob, NESTED or REFUSED_BY_HYDRA."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            override = PARSER.parse_override(f"k={text}")
        except HydraException:
            return REFUSED_BY_HYDRA
    value = override._value
    if isinstance(value, IntervalSweep):
        return REFUSED_BY_HYDRA
    if isinstance(value, Glob):
        return HsmGlob(tuple(map(_plain, value.include)), tuple(map(_plain, value.exclude)))
    if isinstance(value, RangeSweep):
        try:
            values = []
            for v in override.sweep_iterator():
                values.append(v)
                if len(values) > MAX_AXIS_VALUES:
                    return REFUSED_BY_HYDRA
        except (HydraException, ValueError):
            return REFUSED_BY_HYDRA
        return Choice(tuple(values)) if values else REFUSED_BY_HYDRA
    if isinstance(value, ChoiceSweep):
        if value.shuffle:
            return REFUSED_BY_HYDRA
        items = [_plain(v) for v in value.list]
        return NESTED if any(i is NESTED for i in items) else Choice(tuple(items))
    return _plain(value)


def hsm(text: str) -> Any:
    try:
        return parse_override_value(text)
    except GrammarError as error:
        return Refusal(str(error), grammar=True)
    except HydraSyntaxError as error:
        return Refusal(str(error))


def agree(text: str) -> None:
    ours, theirs = hsm(text), hydra(text)
    if isinstance(ours, Refusal):
        if theirs is REFUSED_BY_HYDRA or theirs is NESTED:
            return
        # Hydra reads it: hsm may refuse it by name, never as a syntax error
        assert not ours.grammar, (text, ours.reason, theirs)
        return
    if theirs is REFUSED_BY_HYDRA and "choice" in text and "null" in text.lower():
        return  # hsm's one leniency: choice(a,null)
    assert theirs is not REFUSED_BY_HYDRA and theirs is not NESTED, (text, ours)
    if isinstance(theirs, Choice):
        assert isinstance(ours, Choice) and same(ours.values, theirs.values), (text, ours, theirs)
    elif isinstance(theirs, HsmGlob):
        assert ours == theirs, (text, ours, theirs)
    else:
        assert same(ours, theirs), (text, ours, theirs)


FRAGMENTS = (
    "a", "b", "x_1", "-", "+", ".", "0", "1", "01", "1_0", "1__0", "10", "1.5", ".5", "5.", "1e3",
    "1E-3", "e", "_", "true", "False", "null", "NULL", "inf", "-inf", "NaN", "nan_x", "infx",
    " ", "  ", "\t", ",", " , ", "[", "]", "{", "}", "(", ")", ":", " : ", "=", "'", '"', "\\",
    "\\\\", "\\,", "\\ ", "\\'", "${x}", "${a.b:c,d}", "$", "%", "*", "@", "?", "|", "/", "#",
    ";", "é", "~", "'a,b'", '"c d"', "'it\\'s'", "range(", "choice(", "glob(", "interval(",
    "shuffle(", "sort(", "tag(", "str(", "int(", "f(", "start=", "stop=", "step=",
    "exclude=", "0.25", "-1", "2",
)  # fmt: skip

_PRIMITIVES = st.lists(st.sampled_from(FRAGMENTS[:60]), min_size=1, max_size=3).map("".join)
_SPACE = st.sampled_from(["", "", " ", "\t"])


def _containers(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    items = st.lists(st.tuples(_SPACE, children, _SPACE).map("".join), max_size=3)
    pairs = st.lists(st.tuples(_PRIMITIVES, st.just(":"), children).map("".join), max_size=3)
    return items.map(lambda xs: "[" + ",".join(xs) + "]") | pairs.map(
        lambda xs: "{" + ",".join(xs) + "}"
    )


#: Text that is mostly, but not always, a well-formed value or a,b sweep.
texts = (
    st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join)
    | st.text(alphabet="ab1.e_-+ ,'\"\\[]{}():=$*", max_size=12)
    | st.lists(st.recursive(_PRIMITIVES, _containers, max_leaves=6), min_size=1, max_size=3).map(
        ",".join
    )
)


@st.composite
def sweeps(draw: st.DrawFn) -> str:
    """Well-formed Hydra sweeps and values, so the functions are reached, not just lexed."""
    number = st.sampled_from(["0", "1", "2", "10", "-3", "0.5", "0.1", "1e-1", "-0.25", "3.0"])
    word = st.sampled_from(["a", "b*", "'c d'", "true", "null", "1", "x?", "[1,2]", "{k:v}"])
    kind = draw(st.sampled_from(["range", "kwrange", "choice", "glob", "simple", "interval"]))
    if kind == "range":
        return f"range({','.join(draw(st.lists(number, min_size=1, max_size=3)))})"
    if kind == "kwrange":
        start, stop, step = draw(number), draw(number), draw(number)
        return f"range({start}, stop={stop}, step={step})"
    if kind == "choice":
        return f"choice({','.join(draw(st.lists(word, min_size=1, max_size=4)))})"
    if kind == "glob":
        include = draw(st.lists(word, min_size=1, max_size=2))
        text = f"glob([{','.join(include)}]" if len(include) > 1 else f"glob({include[0]}"
        if draw(st.booleans()):
            text += f",exclude={draw(word)}"
        return text + ")"
    if kind == "interval":
        return f"interval({draw(number)},{draw(number)})"
    return ",".join(draw(st.lists(word | number, min_size=2, max_size=4)))


@given(texts)
@example("a b")
@example("'a'b")
@example("a=b")
@example("a:b")
@example("\\,a")
@example("a\\b")
@example("${x},a")
@example("1_0.5_5")
@example("'\\\\'")
@example("[range(3)]")
@example("choice(a,b),c")
@example("a,")
@example(" ")
@example("[ ]")
def test_hsm_reads_text_as_hydra_does(text: str) -> None:
    agree(text)


@given(sweeps())
@example("range(0,1,0.1)")
@example("range(10,0,-3)")
@example("range(1,2,0)")
@example("range(0.5,2)")
@example("range(true)")
@example("range(5)")
@example("range(0,0)")
@example("range(0, 1e6)")
@example("glob(include=[a*,'b*'],exclude='c*')")
def test_hsm_reads_sweeps_as_hydra_does(text: str) -> None:
    agree(text)


@given(texts)
def test_tokens_never_crash(text: str) -> None:
    try:
        found = tokens(text)
    except HydraSyntaxError:
        return
    assert "".join(t.text for t in found) == text


REFUSED = [
    ("interval(0,1)", "interval() is a sweeper search space; hsm runs grids — use range()"),
    ("shuffle(a,b)", "shuffle() randomises the order"),
    ("sort(b,a)", "sort() is not supported"),
    ("tag(t,choice(a,b))", "tag() labels a sweep"),
    ("int(1.5)", "int() casts are not supported"),
    ("str(1),2", "str() casts are not supported"),
    ("f(x)", "f() is not a sweep function hsm knows"),
    ("[range(3)]", "range() must be the whole value"),
    ("choice(a,b),c", "choice() must be the whole value"),
    ("choice(range(2))", "range() must be the whole value"),
    ("range(0,1,0)", "step must not be 0"),
    ("range(5,1)", "is empty"),
    ("range(true)", "must be a number"),
    ("range(0,inf)", "must be finite"),
    ("range(10**9)", "must be a number, got '10**9'"),
    ("range(1000000000)", "hsm takes at most 100,000"),
    ("range(0,1e9,0.5)", "more than 100,000"),
    ("range()", "needs start"),
    ("range(1,2,3,4)", "at most 3 arguments"),
    ("range(1,start=2)", "given start twice"),
    ("range(go=1)", "no argument go="),
    ("glob(1)", "glob() include must be text patterns"),
    ("choice()", "needs at least one value"),
    ("a,,b", "unexpected ','"),
    ("[1,2", "ends too early"),
    ("'abc", "never closed"),
    ("é", "cannot appear unquoted"),
    ("a;b", "cannot appear unquoted"),
]


@pytest.mark.parametrize(("text", "says"), REFUSED, ids=[t for t, _ in REFUSED])
def test_refusals_name_the_reason(text: str, says: str) -> None:
    with pytest.raises(HydraSyntaxError) as caught:
        parse_override_value(text)
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)
