"""Laws of the covering set a Hydra app's check composes (``hsm.pure.covering``).

Every argument of every task appears in some chosen task (so a typo in any value is
composed); chosen tasks are distinct, in order and in range; each brings something new;
a small sweep is checked whole; a grid of axes n1..nk needs at most 1 + sum(n_i - 1)
tasks, however many tasks it has.
"""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from hsm.pure.covering import CHECK_ALL_UP_TO, covering_tasks
from tests.property.strategies import hostile_strings, identifiers

argvs_lists = st.lists(st.lists(st.sampled_from("abcdefgh"), max_size=5), max_size=40).map(
    lambda tasks: [tuple(f"{c}={len(t)}" for c in t) for t in tasks]
)


@st.composite
def grids(draw: st.DrawFn) -> tuple[list[int], list[tuple[str, ...]]]:
    keys = draw(st.lists(identifiers(), min_size=1, max_size=4, unique=True))
    axes = [draw(st.lists(hostile_strings(8), min_size=1, max_size=6, unique=True)) for _ in keys]
    argvs = [
        tuple(f"{k}={v}" for k, v in zip(keys, point, strict=True))
        for point in itertools.product(*axes)
    ]
    return [len(a) for a in axes], argvs


@given(argvs_lists, st.integers(0, 50))
def test_every_argument_is_in_a_chosen_task(argvs: list[tuple[str, ...]], limit: int) -> None:
    chosen = covering_tasks(argvs, limit)
    assert list(chosen) == sorted(set(chosen))
    assert all(0 <= i < len(argvs) for i in chosen)
    assert {a for i in chosen for a in argvs[i]} == {a for argv in argvs for a in argv}


@given(argvs_lists)
def test_each_chosen_task_brings_an_argument_not_seen_before(argvs: list[tuple[str, ...]]) -> None:
    seen: set[str] = set()
    for index in covering_tasks(argvs, 0):
        assert set(argvs[index]) - seen, f"task {index} adds nothing"
        seen |= set(argvs[index])


@given(argvs_lists)
def test_a_small_sweep_is_checked_whole(argvs: list[tuple[str, ...]]) -> None:
    argvs = argvs[:CHECK_ALL_UP_TO]
    assert covering_tasks(argvs) == tuple(range(len(argvs)))


@given(grids())
def test_a_grid_needs_few_tasks(grid: tuple[list[int], list[tuple[str, ...]]]) -> None:
    lengths, argvs = grid
    chosen = covering_tasks(argvs, 0)
    assert len(chosen) <= 1 + sum(n - 1 for n in lengths)
    assert chosen[0] == 0
