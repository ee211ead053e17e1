"""The CLI's pure helpers: sweep-file parts, tables and progress (command-line axes are
tested in test_sweep_axes.py)."""

from __future__ import annotations

import doctest
from typing import Any

import pytest
from returns.result import Failure

from hsm.pure import cli_text, sweepfile
from hsm.pure.cli_text import format_table, progress_bar, ranges
from hsm.pure.sweepfile import parse_sweep_file


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
