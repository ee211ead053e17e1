"""Every way a sweep file can be wrong gives one ConfigError whose path points at the
mistake and whose message says what to do.  One table drives the cases.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from hsm.pure.errors import ConfigError
from hsm.pure.sweep import parse_sweep_spec

# (id, sweep mapping, expected path, fragments the message must contain)
CASES: list[tuple[str, Any, str, tuple[str, ...]]] = [
    ("not-a-mapping", [1, 2], "$", ("must be a mapping",)),
    ("empty", {}, "$", ("sweep is empty",)),
    ("all-empty", {"grid": {}, "paired": [], "combinations": []}, "$", ("sweep is empty",)),
    ("null-sections", {"grid": None, "paired": None}, "$", ("sweep is empty",)),
    (
        "unknown-key",
        {"grid": {"a": [1]}, "gird": {}},
        "$.gird",
        ("unknown key 'gird'", "did you mean 'grid'"),
    ),
    (
        "unknown-key-no-hint",
        {"sweep": {}},
        "$.sweep",
        ("unknown key 'sweep'", "allowed: grid, paired, combinations"),
    ),
    ("non-string-top-key", {1: {}}, "$", ("must be strings",)),
    ("grid-not-mapping", {"grid": [1, 2]}, "$.grid", ("'grid' must be a mapping",)),
    (
        "sweep-text-axis",
        {"grid": {"lr": "0.1,0.01"}},
        "$.grid.lr",
        (
            "Hydra reads as a sweep",
            "`lr: [a, b]`",
            "lr=0.1,0.01 on the command line",
            'write `lr: ["0.1,0.01"]`',
        ),
    ),
    (
        "range-text-axis",
        {"grid": {"model": {"depth": "range(3)"}}},
        "$.grid.model.depth",
        ("'model.depth' is the text \"range(3)\"", "Hydra reads as a sweep", "`depth: [a, b]`"),
    ),
    ("interval-text-axis", {"grid": {"lr": "interval(0, 1)"}}, "$.grid.lr", ("reads as a sweep",)),
    ("glob-text-axis", {"grid": {"m": "glob(*)"}}, "$.grid.m", ("reads as a sweep",)),
    ("empty-axis", {"grid": {"lr": []}}, "$.grid.lr", ("'lr' has an empty list",)),
    (
        "empty-nested-axis",
        {"grid": {"model": {"lr": []}}},
        "$.grid.model.lr",
        ("'model.lr' has an empty list",),
    ),
    ("empty-namespace", {"grid": {"model": {}}}, "$.grid.model", ("'model' is an empty mapping",)),
    (
        "duplicate-value",
        {"grid": {"lr": [0.1, 0.2, 0.1]}},
        "$.grid.lr[2]",
        ("appears twice in 'lr'", "positions 0 and 2"),
    ),
    (
        "duplicate-nan",
        {"grid": {"x": [float("nan"), float("nan")]}},
        "$.grid.x[1]",
        ("appears twice",),
    ),
    ("duplicate-list-value", {"grid": {"x": [[1, 2], [1, 2]]}}, "$.grid.x[1]", ("appears twice",)),
    (
        "duplicate-dict-value",
        {"grid": {"x": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]}},
        "$.grid.x[1]",
        ("appears twice",),
    ),
    (
        "non-string-param",
        {"grid": {1: [1]}},
        "$.grid",
        ("parameter names must be strings", "1 (int)", "quote it"),
    ),
    (
        "non-string-nested-param",
        {"grid": {"model": {True: [1]}}},
        "$.grid.model",
        ("must be strings", "True (bool)"),
    ),
    ("empty-param-name", {"grid": {"": [1]}}, "$.grid", ("empty parameter name",)),
    (
        "twice-dotted-and-nested",
        {"grid": {"model.lr": [1], "model": {"lr": [2]}}},
        "$.grid.model.lr",
        ("'model.lr' is written twice", "dotted key"),
    ),
    (
        "plus-and-bare-name",
        {"grid": {"seed": [1, 2], "+seed": [3]}},
        '$.grid["+seed"]',
        ("parameter 'seed' is defined twice", "also at $.grid.seed"),
    ),
    (
        "grid-and-paired",
        {"grid": {"lr": [1, 2]}, "paired": [{"lr": [1], "bs": [2]}]},
        "$.paired[0].lr",
        ("'lr' is defined twice", "also at $.grid.lr"),
    ),
    (
        "two-paired-groups",
        {"paired": [{"a": [1], "b": [2]}, {"b": [3], "c": [4]}]},
        "$.paired[1].b",
        ("'b' is defined twice", "also at $.paired[0].b"),
    ),
    ("paired-not-list", {"paired": {"a": [1]}}, "$.paired", ("'paired' must be a list of groups",)),
    (
        "paired-group-not-mapping",
        {"paired": [[1, 2]]},
        "$.paired[0]",
        ("paired group 0 must be a non-empty mapping",),
    ),
    (
        "paired-group-empty",
        {"paired": [{"a": [1]}, {}]},
        "$.paired[1]",
        ("paired group 1 must be a non-empty mapping",),
    ),
    (
        "paired-unequal",
        {"paired": [{"a": [1]}, {"lr": [1, 2, 3], "bs": [8, 16]}]},
        "$.paired[1]",
        ("paired group 1 (lr, bs)", "different lengths", "lr=3, bs=2"),
    ),
    (
        "paired-nested-unequal",
        {"paired": [{"model": {"lr": [1, 2], "bs": [1]}}]},
        "$.paired[0]",
        ("(model.lr, model.bs)", "model.lr=2, model.bs=1"),
    ),
    (
        "paired-scalar",
        {"paired": [{"lr": 1, "bs": [2]}]},
        "$.paired[0].lr",
        ("must be a list", "write `lr: [1]`"),
    ),
    ("paired-empty-list", {"paired": [{"lr": [], "bs": []}]}, "$.paired[0].lr", ("empty list",)),
    (
        "paired-duplicate-row",
        {"paired": [{"lr": [1, 2, 1], "bs": [8, 9, 8]}]},
        "$.paired[0]",
        ("repeats the same row", "positions 0 and 2"),
    ),
    (
        "combinations-not-list",
        {"combinations": {"a": 1}},
        "$.combinations",
        ("must be a list of mappings",),
    ),
    (
        "combination-not-mapping",
        {"combinations": [{"a": 1}, 3]},
        "$.combinations[1]",
        ("each combination must be a mapping",),
    ),
    (
        "combination-repeated",
        {"combinations": [{"a": 1}, {"b": 2}, {"a": 1}]},
        "$.combinations[2]",
        ("combination 2 repeats combination 0",),
    ),
    (
        "combination-repeated-other-order",
        {"combinations": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]},
        "$.combinations[1]",
        ("repeats combination 0",),
    ),
    (
        "combination-in-product",
        {
            "grid": {"a": [1, 2]},
            "paired": [{"b": [3], "c": [4]}],
            "combinations": [{"c": 4, "a": 2, "b": 3}],
        },
        "$.combinations[0]",
        ("already a point of the grid/paired product",),
    ),
    (
        "combination-in-product-with-constants",
        {"grid": {"a": [1]}, "paired": [{"b": [2], "c": [3]}], "combinations": [{"a": 1}]},
        "$.combinations[0]",
        ("already a point of the grid/paired product", "once the constants b=2, c=3 are added"),
    ),
    (
        "combination-repeated-with-constants",
        {"grid": {"c": [5], "d": [1, 2]}, "combinations": [{"a": 1}, {"c": 5, "a": 1}]},
        "$.combinations[1]",
        ("combination 1 repeats combination 0",),
    ),
    (
        "combination-plus-and-bare-name",
        {"combinations": [{"seed": 1, "+seed": 2}]},
        '$.combinations[0]["+seed"]',
        ("'seed' is given twice in combination 0",),
    ),
    (
        "combination-twice-same-param",
        {"combinations": [{"model.lr": 1, "model": {"lr": 2}}]},
        "$.combinations[0].model.lr",
        ("'model.lr' is given twice in combination 0",),
    ),
    (
        "combination-empty-namespace",
        {"combinations": [{"model": {}}]},
        "$.combinations[0].model",
        ("empty mapping",),
    ),
    (
        "unsupported-value-type",
        {"grid": {"day": [datetime.date(2024, 1, 1)]}},
        "$.grid.day[0]",
        ("unsupported value of type date", "quote it in YAML"),
    ),
    (
        "unsupported-nested-value",
        {"combinations": [{"x": [1, {"k": {1, 2}}]}]},
        "$.combinations[0].x[1].k",
        ("unsupported value of type set",),
    ),
    (
        "non-string-dict-key-in-value",
        {"grid": {"x": [{1: 2}]}},
        "$.grid.x[0]",
        ("dict keys inside values must be strings",),
    ),
    ("odd-key-path", {"grid": {"a b": "x,y"}}, '$.grid["a b"]', ("'a b' is the text",)),
]


@pytest.mark.parametrize(
    ("raw", "path", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_error_names_the_path_and_the_fix(raw: Any, path: str, fragments: tuple[str, ...]) -> None:
    error = parse_sweep_spec(raw).failure()
    assert isinstance(error, ConfigError)
    assert error.path == path, error
    for fragment in fragments:
        assert fragment in error.message, error
    assert str(error) == f"{error.message} @ {path}"


@pytest.mark.parametrize(
    "raw",
    [
        {"grid": {"x": [1, True, 1.0]}},  # distinct types are distinct values
        {"grid": {"x": [0.0, -0.0]}},  # they render differently
        {"paired": [{"a": [1, 1], "b": [1, 2]}]},  # rows differ even if a column repeats
        {"grid": {"a": [1]}, "combinations": [{"a": 2}, {"a": 1, "b": 1}]},  # not product points
        {"grid": {"a": [1]}, "paired": [{"b": [2], "c": [3]}], "combinations": [{"a": 2}]},
        {"grid": {"c": [5]}, "combinations": [{"c": 6}]},  # the combination's own value wins
        {"grid": {"lr": 0.1}},  # a scalar is a constant
        {"grid": {"name": "resnet", "model": {"lr": 1, "tag": None}}},
        {"grid": {"x": "a b", "f": "f(x)", "q": "'a,b'", "t": "str(1)"}},  # not Hydra sweeps
        {"combinations": [{}]},  # a baseline run with the program's defaults
        {"grid": {"a": [1]}, "paired": [], "combinations": None},
    ],
)
def test_near_misses_are_valid(raw: Any) -> None:
    assert parse_sweep_spec(raw).unwrap()


def test_input_is_copied_not_aliased() -> None:
    raw = {"grid": {"x": [[1, 2]]}, "combinations": [{"y": {"z": [3]}}]}
    spec = parse_sweep_spec(raw).unwrap()
    raw["grid"]["x"][0].append(99)
    raw["combinations"][0]["y"]["z"].append(99)
    assert spec.factors[0].rows == (([1, 2],),)
    assert spec.combinations == ((("y.z", [3]),),)
