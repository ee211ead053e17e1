"""Laws of sweep expansion: the size is the product of the axis lengths (times the paired
group lengths, plus the combinations); indexing and iteration agree; the order is
itertools.product's (last factor fastest) followed by the combinations; no point repeats;
every index in range works and every index out of range raises IndexError; the constants
reach every combination, whose own values win.  With command-line axes: ``range()`` gives
as many values as Hydra's, and a choice of n values multiplies the product by n (divided
by the length of the axis it replaces), leaving the combinations' count alone.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from hypothesis import assume, given
from hypothesis import strategies as st
from returns.result import Failure

from hsm.pure.hydra_syntax import MAX_AXIS_VALUES
from hsm.pure.overrides import render_value
from hsm.pure.sweep import Sweep, expand_sweep, parse_sweep_spec
from hsm.pure.sweepfile import apply_axes, file_sweep_spec, parse_shorthand
from tests.property.strategies import (
    constants,
    expected_points,
    param_values,
    sweep_specs,
    value_identity,
)


def expand(raw: dict[str, Any]) -> Sweep:
    return expand_sweep(parse_sweep_spec(raw).unwrap())


def identity(point: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((k, value_identity(v)) for k, v in point.items())


def identities(points: Any) -> list[tuple[tuple[str, str], ...]]:
    return [identity(p) for p in points]


@given(sweep_specs())
def test_length_is_product_of_axes_plus_combinations(raw: dict[str, Any]) -> None:
    lengths = [len(v) for v in (raw.get("grid") or {}).values()]
    lengths += [len(next(iter(g.values()))) for g in raw.get("paired") or []]
    product = math.prod(lengths) if lengths else 0
    assert len(expand(raw)) == product + len(raw.get("combinations") or [])


@given(sweep_specs())
def test_iteration_matches_indexing(raw: dict[str, Any]) -> None:
    sweep = expand(raw)
    assert identities(sweep) == identities(sweep[i] for i in range(len(sweep)))


@given(sweep_specs())
def test_order_is_product_order_then_combinations(raw: dict[str, Any]) -> None:
    sweep = expand(raw)
    assert identities(sweep) == identities(expected_points(raw))
    # keys in the order written, in every point
    assert [list(p) for p in sweep] == [list(p) for p in expected_points(raw)]


@given(sweep_specs())
def test_expansion_is_deterministic(raw: dict[str, Any]) -> None:
    assert identities(expand(raw)) == identities(expand(raw))
    assert identities(expand(raw)) == identities(list(expand(raw)))


@given(sweep_specs())
def test_no_point_repeats(raw: dict[str, Any]) -> None:
    points = [frozenset(p) for p in identities(expand(raw))]
    assert len(points) == len(set(points))


@given(sweep_specs(), st.data())
def test_every_index_in_range_works(raw: dict[str, Any], data: st.DataObject) -> None:
    sweep = expand(raw)
    n = len(sweep)
    i = data.draw(st.integers(0, n - 1))
    assert identity(sweep[i]) == identity(sweep[i - n])
    assert identity(sweep[i]) == identity(expected_points(raw)[i])


@given(sweep_specs(), st.integers(0, 10**6))
def test_out_of_range_raises_index_error(raw: dict[str, Any], beyond: int) -> None:
    sweep = expand(raw)
    with pytest.raises(IndexError):
        sweep[len(sweep) + beyond]
    with pytest.raises(IndexError):
        sweep[-len(sweep) - 1 - beyond]


@given(sweep_specs(), st.slices(40))
def test_slices_behave_like_list_slices(raw: dict[str, Any], window: slice) -> None:
    sweep = expand(raw)
    assert identities(sweep[window]) == identities(list(sweep)[window])


@given(sweep_specs())
def test_points_are_fresh_dicts(raw: dict[str, Any]) -> None:
    sweep = expand(raw)
    sweep[0]["injected"] = 1
    assert "injected" not in sweep[0]
    assert all("injected" not in p for p in sweep)


@given(st.lists(st.integers(1, 4), min_size=1, max_size=5))
def test_distinct_grid_values_give_distinct_points(sizes: list[int]) -> None:
    grid = {f"p{i}": list(range(k)) for i, k in enumerate(sizes)}
    sweep = expand({"grid": grid})
    tuples = [tuple(p.values()) for p in sweep]
    assert tuples == list(itertools.product(*grid.values()))
    assert len(set(tuples)) == len(tuples) == math.prod(sizes)


def test_nested_and_dotted_names_flatten_alike() -> None:
    nested = expand({"grid": {"model": {"lr": [1, 2], "opt": {"name": ["a"]}}}})
    dotted = expand({"grid": {"model.lr": [1, 2], "model.opt.name": ["a"]}})
    assert (
        list(nested)
        == list(dotted)
        == [
            {"model.lr": 1, "model.opt.name": "a"},
            {"model.lr": 2, "model.opt.name": "a"},
        ]
    )


def test_paired_groups_are_zipped_axes() -> None:
    sweep = expand(
        {
            "grid": {"seed": [0, 1]},
            "paired": [{"model": ["small", "large"], "batch": [64, 16]}],
            "combinations": [{"model": "huge", "batch": 1, "seed": 0}],
        }
    )
    assert list(sweep) == [
        {"seed": 0, "model": "small", "batch": 64},
        {"seed": 0, "model": "large", "batch": 16},
        {"seed": 1, "model": "small", "batch": 64},
        {"seed": 1, "model": "large", "batch": 16},
        {"model": "huge", "batch": 1, "seed": 0},
    ]


@given(sweep_specs())
def test_constants_reach_every_combination_whose_own_values_win(raw: dict[str, Any]) -> None:
    sweep = expand(raw)
    combos = raw.get("combinations") or []
    for combo, point in zip(combos, sweep[len(sweep) - len(combos) :], strict=True):
        assert list(point)[: len(combo)] == list(combo)
        for name, value in constants(raw):
            expected = combo.get(name, value)
            assert value_identity(point[name]) == value_identity(expected)


def test_grid_constants_reach_combinations() -> None:
    sweep = expand(
        {
            "grid": {"epochs": 10, "lr": [0.1, 0.01], "model": {"name": ["mlp"]}},
            "paired": [{"data": ["cifar"], "classes": [10]}],
            "combinations": [{"lr": 1.0}, {"lr": 1.0, "epochs": 1}],
        }
    )
    assert list(sweep) == [
        {"epochs": 10, "lr": 0.1, "model.name": "mlp", "data": "cifar", "classes": 10},
        {"epochs": 10, "lr": 0.01, "model.name": "mlp", "data": "cifar", "classes": 10},
        {"lr": 1.0, "epochs": 10, "model.name": "mlp", "data": "cifar", "classes": 10},
        {"lr": 1.0, "epochs": 1, "model.name": "mlp", "data": "cifar", "classes": 10},
    ]


def test_a_plus_key_is_the_same_parameter_as_the_bare_key() -> None:
    sweep = expand({"grid": {"+seed": [0]}, "combinations": [{"seed": 5}, {"x": 1}]})
    assert list(sweep) == [{"+seed": 0}, {"seed": 5}, {"x": 1, "+seed": 0}]


def test_one_and_true_and_one_point_zero_are_distinct_values() -> None:
    assert list(expand({"grid": {"x": [1, True, 1.0]}})) == [{"x": 1}, {"x": True}, {"x": 1.0}]
    assert [type(p["x"]) for p in expand({"grid": {"x": [1, True, 1.0]}})] == [int, bool, float]


def with_axes(raw: dict[str, Any], *args: str) -> Sweep:
    spec = file_sweep_spec(raw).unwrap()
    return expand_sweep(apply_axes(spec, parse_shorthand(args).unwrap()).unwrap())


_NUMBERS = st.integers(-50, 50) | st.sampled_from([0.1, 0.25, -0.5, 1.5, 2.0, 1e-3, 3.0])


@given(_NUMBERS, _NUMBERS, _NUMBERS)
def test_a_range_axis_is_as_long_as_hydras(start: float, stop: float, step: float) -> None:
    assume(step != 0 and 0 < (stop - start) / step <= MAX_AXIS_VALUES)
    text = f"range({start},{stop},{step})"
    hydra = list(OverridesParser.create().parse_override(f"x={text}").sweep_iterator())
    assume(hydra)
    sweep = with_axes({"grid": {"seed": [0, 1]}}, f"x={text}")
    assert len(sweep) == 2 * len(hydra)
    assert [p["x"] for p in sweep[: len(hydra)]] == hydra  # the new axis varies fastest


@given(sweep_specs(), st.lists(param_values(), min_size=2, max_size=4, unique_by=value_identity))
def test_a_choice_of_n_values_multiplies_the_product_by_n(
    raw: dict[str, Any], values: list[Any]
) -> None:
    combos = len(raw.get("combinations") or [])
    product = len(expand(raw)) - combos
    choice = ",".join(render_value(v) for v in values)
    after = with_axes(raw, f"new-key={choice}")
    assert len(after) == (product or 1) * len(values) + combos
    grid = raw.get("grid") or {}
    if grid:  # replacing an axis of m values divides the product by m
        name, old = next(iter(grid.items()))
        spec = file_sweep_spec(raw).unwrap()
        replaced = apply_axes(spec, parse_shorthand([f"{name}={choice}"]).unwrap())
        if isinstance(replaced, Failure):  # only when a combination became a product point
            assert "is already a point of the grid/paired product" in replaced.failure().message
            return
        assert len(replaced.unwrap()) == product // len(old) * len(values) + combos


def test_large_grid_is_lazy() -> None:
    sweep = expand({"grid": {f"p{i}": [0, 1, 2, 3] for i in range(20)}})
    assert len(sweep) == 4**20
    assert sweep[-1] == {f"p{i}": 3 for i in range(20)}
    assert sweep[4**20 // 2]["p0"] == 2
