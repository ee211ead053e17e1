"""Sweep-file scalars mean what the same text means on the command line.

The oracle is Hydra's own override parser (what ``key=TEXT`` becomes on a Hydra or hsm
command line); hsm's YAML loader must give the same typed value for ``key: TEXT``.
"""

from __future__ import annotations

import math

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from hypothesis import given
from hypothesis import strategies as st

from hsm.pure.yaml12 import load_yaml

PARSER = OverridesParser.create()


def _hydra(text: str) -> object:
    return PARSER.parse_override(f"v={text}").value()


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


# The issue's cases first, then the corners where YAML 1.1 and Hydra disagree.
SCALARS = [
    "1e-4", "1E5", ".5", "-3e+2", "3.0e-05", "1.", "+5", "-7", "0", "1_000", "10",
    "012", "0x1F", "0o17", "1:30", "12:00:00", "yes", "no", "on", "off", "y", "n",
    "True", "TRUE", "false", "null", "NULL", "inf", "-inf", "nan", "NaN", "1e4.5",
    "2024-01-01", "1__0", "mlp", "a b", "1e", "e5", ".", "+",
]  # fmt: skip


@pytest.mark.parametrize("text", SCALARS)
def test_a_scalar_means_what_it_means_on_the_command_line(text: str) -> None:
    from_file = load_yaml(f"v: {text}\n", "s.yaml").unwrap()["v"]
    assert _same(from_file, _hydra(text)), (text, from_file, _hydra(text))


def test_the_issue_values_are_floats() -> None:
    data = load_yaml("grid: {lr: [1e-4, 3e-4, 1E5, .5, -3e+2]}\n", "s.yaml").unwrap()
    assert data == {"grid": {"lr": [0.0001, 0.0003, 100000.0, 0.5, -300.0]}}


def test_quoted_text_stays_text() -> None:
    assert load_yaml("v: '1e-4'\nw: \"true\"\n", "s.yaml").unwrap() == {"v": "1e-4", "w": "true"}


def test_yaml_spellings_of_inf_and_nan_and_null() -> None:
    data = load_yaml("a: .inf\nb: -.Inf\nc: .nan\nd: ~\ne:\n", "s.yaml").unwrap()
    assert data["a"] == math.inf and data["b"] == -math.inf and math.isnan(data["c"])
    assert data["d"] is None and data["e"] is None


def test_unsafe_tags_are_refused() -> None:
    error = load_yaml("v: !!python/object/apply:os.system ['true']\n", "s.yaml").failure()
    assert "s.yaml is not valid YAML" in error.message


numbers = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.builds(
        "{}{}e{}{}".format,
        st.sampled_from(["", "-", "+"]),
        st.integers(0, 999),
        st.sampled_from(["", "-", "+"]),
        st.integers(0, 30),
    ),
)


@given(numbers)
def test_numbers_agree_with_hydra(text: str) -> None:
    from_file = load_yaml(f"v: {text}\n", "s.yaml").unwrap()["v"]
    assert _same(from_file, _hydra(text)), (text, from_file, _hydra(text))


def test_an_unquoted_walltime_in_a_config_file_is_text() -> None:
    # YAML 1.1 read this as the integer 43200; hsm's loader keeps what the user wrote.
    from hsm.pure.config import parse_config

    data = load_yaml("hpc:\n  default_walltime: 12:00:00\n", "c.yaml").unwrap()
    assert parse_config(data, "c.yaml").unwrap().hpc.default_walltime == "12:00:00"
