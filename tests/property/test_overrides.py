"""Law: every override hsm renders is read back by Hydra's own parser as the same key and
the same value of the same type -- and by hsm's own reader of command-line axes too, so
a value copied from a task's argv to hsm's command line means the same.  hydra-core is
the oracle here (hsm never imports it).  Values Hydra cannot carry are refused with a
ConfigError naming the key.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType
from hypothesis import example, given
from hypothesis import strategies as st

from hsm.pure.errors import ConfigError
from hsm.pure.hydra_syntax import Choice, parse_override_value
from hsm.pure.overrides import is_valid_key, render_overrides, render_value
from tests.property.strategies import (
    HOSTILE_WORDS,
    hostile_strings,
    param_names,
    param_values,
    unrepresentable_strings,
)

PARSER = OverridesParser.create()


def same(a: Any, b: Any) -> bool:
    """Equal with types: True is not 1, 1 is not 1.0, nan is nan, -0.0 is not 0.0."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    return a == b


def hydra_reads(argv_element: str) -> tuple[str, Any]:
    override = PARSER.parse_override(argv_element)
    assert override.type is not OverrideType.DEL
    return override.get_key_element(), override.value()


@given(param_names(), param_values(dicts=True))
@example("lr", 0.001)
@example("x", "")
@example("x", "a\\")
@example("x", "\\'")
@example("x", "${x}")
@example("x", 10**40)
@example("x", -0.0)
@example("x", [[], {}, [None]])
def test_hydra_reads_back_key_and_value(key: str, value: Any) -> None:
    (rendered,) = render_overrides({key: value}).unwrap()
    read_key, read_value = hydra_reads(rendered)
    assert read_key == key
    assert same(read_value, value), (rendered, read_value, value)


@given(param_values(dicts=True))
@example("a,b")
@example("it's")
@example([1, "a b", None])
@example({"k": ["x", 1.5]})
def test_hsm_reads_back_what_it_renders(value: Any) -> None:
    assert same(parse_override_value(render_value(value)), value)


@given(st.lists(param_values(), min_size=2, max_size=4))
def test_rendered_values_joined_by_commas_are_a_choice_of_them(values: list[Any]) -> None:
    text = ",".join(render_value(v) for v in values)
    parsed = parse_override_value(text)
    assert isinstance(parsed, Choice) and same(list(parsed.values), values)
    hydra_values = PARSER.parse_override(f"k={text}").sweep_iterator()
    assert same([Override._convert_value(v) for v in hydra_values], values)


@given(hostile_strings(max_size=60))
def test_any_argv_string_survives(text: str) -> None:
    _, read_value = hydra_reads(f"k={render_value(text)}")
    assert read_value == text and isinstance(read_value, str)


@pytest.mark.parametrize("text", HOSTILE_WORDS)
def test_hostile_words_survive(text: str) -> None:
    _, read_value = hydra_reads(f"k={render_value(text)}")
    assert read_value == text


@given(hostile_strings(), hostile_strings())
def test_string_with_comma_is_not_a_choice_sweep(a: str, b: str) -> None:
    _, read_value = hydra_reads(f"k={render_value(a + ',' + b)}")
    assert read_value == a + "," + b


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.001, "0.001"),
        (1e-05, "1e-05"),
        (1e16, "1e+16"),
        (-0.0, "-0.0"),
        (3, "3"),
        (-7, "-7"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (float("nan"), "nan"),
        ("resnet", "resnet"),
        ("facebook/opt-1.3b", "facebook/opt-1.3b"),
        ("adam_w", "adam_w"),
        ("", "''"),
        ("a b", "'a b'"),
        ("true", "'true'"),
        ("Null", "'Null'"),
        ("1", "'1'"),
        ("1e3", "'1e3'"),
        ("inf", "'inf'"),
        ("it's", "'it\\'s'"),
        ("a\\", "'a\\\\'"),
        ("a\\b", "'a\\b'"),
        ("a\\'b", "'a\\\\\\'b'"),
        ("${x}", "'${x}'"),
        ("a,b", "'a,b'"),
        ("[1]", "'[1]'"),
        ("x=y", "'x=y'"),
        (" lead", "' lead'"),
        ("é", "'é'"),
        ([1, "a b", [None]], "[1,'a b',[null]]"),
        ((1, 2), "[1,2]"),
        ({"k": 1}, "{k:1}"),
        ([], "[]"),
        ({}, "{}"),
    ],
)
def test_rendered_text(value: Any, text: str) -> None:
    assert render_value(value) == text


def test_overrides_keep_parameter_order() -> None:
    params = {"model.name": "resnet", "lr": 0.001, "+extra": [1, 2], "db@pkg": "mysql"}
    assert render_overrides(params).unwrap() == (
        "model.name=resnet",
        "lr=0.001",
        "+extra=[1,2]",
        "db@pkg=mysql",
    )


@given(unrepresentable_strings())
def test_unrepresentable_strings_are_refused(text: str) -> None:
    error = render_overrides({"model.tag": text}).failure()
    assert isinstance(error, ConfigError)
    assert error.path == "$.model.tag"
    assert "model.tag" in error.message


@pytest.mark.parametrize(
    "value",
    [object(), b"bytes", {1: "int key"}, {"true": 1}, {"a b": 1}, [1, {2, 3}], 10**5000],
    ids=[
        "object",
        "bytes",
        "int-dict-key",
        "keyword-dict-key",
        "spaced-dict-key",
        "set",
        "huge-int",
    ],
)
def test_unrenderable_values_are_refused(value: Any) -> None:
    error = render_overrides({"x": value}).failure()
    assert error.path == "$.x"
    assert "cannot render parameter 'x'" in error.message


@pytest.mark.parametrize(
    "key",
    [
        "",
        "a b",
        "~lr",
        "lr=",
        "-lr",
        "a..b",
        ".a",
        "a.",
        "1",
        "a/b.c",
        "a@",
        "@a",
        "a'b",
        "é",
        1,
        None,
    ],
)
def test_invalid_keys_are_refused(key: Any) -> None:
    error = render_overrides({key: 1}).failure()
    assert isinstance(error, ConfigError)
    assert "not a valid Hydra override key" in error.message
    assert error.path.startswith("$")


@pytest.mark.parametrize(
    "key",
    [
        "lr",
        "model.lr",
        "layers.0.size",
        "a.1_0",
        "$x",
        "a-b.c",
        "+new",
        "++force.x",
        "db/mysql",
        "db@pkg",
        "db/mysql@a.b",
        "_private",
        "0.a",
    ],
)
def test_valid_keys_are_accepted_by_hydra(key: str) -> None:
    assert is_valid_key(key)
    assert hydra_reads(f"{key}=1")[0] == key


@given(st.text(alphabet="ab0_1$-./@+~= ", min_size=1, max_size=8))
def test_key_check_agrees_with_hydra(key: str) -> None:
    """Every key hsm accepts Hydra reads back; every key Hydra reads back hsm accepts,
    except the empty (``_global_``) package forms ``+=``, ``@a=``, ``a@=``."""
    try:
        override = PARSER.parse_override(f"{key}=1")
    except Exception:
        override = None
    hydra_ok = (
        override is not None
        and override.type is not OverrideType.DEL
        and override.get_key_element() == key
    )
    if is_valid_key(key):
        assert hydra_ok, key
    elif hydra_ok:
        assert override is not None
        assert override.key_or_group == "" or override.package == "", key


@given(
    st.from_regex(r"[A-Za-z_/][A-Za-z0-9_./-]{0,12}", fullmatch=True)
    | st.sampled_from(
        ["tRuE", "NaN", "INF", "Null", "false", "/", "_", "a-", "nan-x", "inf.0", "e5", "a.1e5"]
    )
)
def test_bare_words_survive(text: str) -> None:
    _, read_value = hydra_reads(f"k={render_value(text)}")
    assert read_value == text and isinstance(read_value, str)
