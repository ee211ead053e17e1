"""The CLI's pure helpers: sweep shorthand, sweep-file parts, tables and progress."""

from __future__ import annotations

import doctest
import math
from typing import Any

import pytest
from returns.result import Failure

from hsm.pure import cli_text, sweepfile
from hsm.pure.cli_text import format_table, progress_bar, ranges
from hsm.pure.sweep import expand_sweep, parse_sweep_spec
from hsm.pure.sweepfile import merge_shorthand, parse_shorthand, parse_sweep_file

SHORTHAND = [
    (["lr=0.1,0.01"], {"lr": [0.1, 0.01]}),
    (["n=1,2,3"], {"n": [1, 2, 3]}),
    (["n=1_000"], {"n": [1000]}),
    (["x=1e-3,-2.5,+3"], {"x": [0.001, -2.5, 3]}),
    (["flag=true,False"], {"flag": [True, False]}),
    (["v=null"], {"v": [None]}),
    (["m=a,b"], {"m": ["a", "b"]}),
    (["m='a,b',\"c d\""], {"m": ["a,b", "c d"]}),
    (["m='it\\'s'"], {"m": ["it's"]}),
    (["s=''"], {"s": [""]}),
    (["l=[1,2],[3]"], {"l": [[1, 2], [3]]}),
    (["l=[]"], {"l": [[]]}),
    (["r=range(3)"], {"r": [0, 1, 2]}),
    (["r=range(1,10,4)"], {"r": [1, 5, 9]}),
    (["model.depth=18,50", "+extra=1"], {"model.depth": [18, 50], "+extra": [1]}),
    (["path=facebook/opt-1.3b"], {"path": ["facebook/opt-1.3b"]}),
    (["eq=a=b"], {"eq": ["a=b"]}),
]


@pytest.mark.parametrize(("args", "expected"), SHORTHAND, ids=[" ".join(a) for a, _ in SHORTHAND])
def test_shorthand_values_are_typed_like_hydra(args: list[str], expected: dict[str, Any]) -> None:
    assert parse_shorthand(args).unwrap() == expected


def test_special_floats() -> None:
    values = parse_shorthand(["x=inf,-inf,nan"]).unwrap()["x"]
    assert values[0] == math.inf and values[1] == -math.inf and math.isnan(values[2])


@pytest.mark.parametrize(
    "args",
    [
        ["lr"],
        ["=1"],
        ["lr="],
        ["lr=1", "lr=2"],
        ["lr=[1,2"],
        ["lr='a"],
        ["lr=1]"],
        ["lr={a:1}"],
        ["r=range()"],
        ["r=range(5,1)"],
        ["r=range(a)"],
        ["lr=1,,2"],
    ],
)
def test_bad_shorthand_is_one_config_error(args: list[str]) -> None:
    result = parse_shorthand(args)
    assert isinstance(result, Failure)
    assert "\n" not in result.failure().message


def test_shorthand_merges_into_the_grid_in_place_and_expands() -> None:
    merged = merge_shorthand(
        {"grid": {"lr": [1, 2], "m": ["a"]}, "combinations": [{"x": 1}]},
        {"lr": [3], "seed": [0, 1]},
    )
    points = list(expand_sweep(parse_sweep_spec(merged).unwrap()))
    assert points == [
        {"lr": 3, "m": "a", "seed": 0},
        {"lr": 3, "m": "a", "seed": 1},
        {"x": 1, "lr": 3, "m": "a"},
    ]


def test_no_parameters_means_one_run_without_overrides() -> None:
    points = list(expand_sweep(parse_sweep_spec(merge_shorthand({}, {})).unwrap()))
    assert points == [{}]


def test_a_malformed_grid_is_not_hidden_by_shorthand() -> None:
    merged = merge_shorthand({"grid": [1, 2]}, {"lr": [1]})
    assert isinstance(parse_sweep_spec(merged), Failure)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ([1], "must be a mapping"),
        ({"scrpt": "x"}, "did you mean 'script'"),
        ({"script": 3}, "'script' must be a path"),
        ({"script": " "}, "'script' must be a path"),
        ({"hpc": [1]}, "'hpc' must be a mapping"),
    ],
)
def test_bad_sweep_files(data: Any, says: str) -> None:
    result = parse_sweep_file(data, "s.yaml")
    assert isinstance(result, Failure) and says in result.failure().message
    assert result.failure().message.startswith("s.yaml: ")


def test_sweep_file_parts() -> None:
    parsed = parse_sweep_file(
        {
            "script": "t.py",
            "grid": {"a": [1]},
            "hpc": {"system": "local"},
            "paired": [{"b": [1], "c": [2]}],
        },
        "s.yaml",
    ).unwrap()
    assert parsed.script == "t.py" and parsed.hpc == {"system": "local"}
    assert set(parsed.sweep) == {"grid", "paired"}
    assert parse_sweep_file(None, "s.yaml").unwrap().sweep == {}


def test_table_progress_and_ranges() -> None:
    assert (
        format_table(["A", "B"], [["x" * 80, "y"]], max_width=10).splitlines()[1] == "xxxxxxxxx…  y"
    )
    assert progress_bar({"queued": 0}, width=4) == "[----] 0/0 finished  no tasks"
    assert progress_bar({"completed": 1, "failed": 1}, width=4).startswith("[####] 2/2")
    assert ranges([]) == "" and ranges([3]) == "3" and ranges([1, 2, 4]) == "1-2,4"


@pytest.mark.parametrize("module", [cli_text, sweepfile])
def test_doctests(module: Any) -> None:
    failures, tried = doctest.testmod(module)
    assert tried and not failures
