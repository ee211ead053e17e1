"""Laws of the array planner and of range text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hsm.pure.arrays import compress_ranges, parse_array_ranges, plan_array_chunks

TASK_SETS = st.lists(st.integers(0, 50_000), max_size=300)
LIMITS = st.integers(1, 12_000)


@settings(max_examples=50)
@given(n=st.integers(0, 15_000), limit=LIMITS, throttle=st.none() | st.integers(1, 50))
def test_every_task_of_a_sweep_is_covered_once_and_indices_stay_below_limit(
    n: int, limit: int, throttle: int | None
) -> None:
    chunks = plan_array_chunks(n, limit, throttle).unwrap()
    covered = [t for c in chunks for t in c.tasks]
    assert covered == list(range(n))
    for chunk in chunks:
        assert chunk.indices[0] == 0, "indices restart at 0 in every chunk"
        assert max(chunk.indices) < limit
        assert chunk.offset is not None
        assert chunk.tasks == tuple(chunk.offset + i for i in chunk.indices)
        assert chunk.throttle == throttle


@given(tasks=TASK_SETS, limit=LIMITS, dense=st.booleans())
def test_any_task_set_is_covered_once(tasks: list[int], limit: int, dense: bool) -> None:
    chunks = plan_array_chunks(tasks, limit, dense=dense).unwrap()
    covered = [t for c in chunks for t in c.tasks]
    assert sorted(covered) == sorted(set(tasks))
    assert len(covered) == len(set(covered))
    for chunk in chunks:
        assert all(0 <= i < limit for i in chunk.indices)
        assert len(chunk.indices) == len(set(chunk.indices)) == len(chunk.tasks)
        if dense:
            assert chunk.indices == tuple(range(len(chunk.indices)))


@given(
    indices=st.lists(st.integers(0, 10_000), min_size=1, max_size=200),
    throttle=st.none() | st.integers(1, 99),
)
def test_compressed_ranges_parse_back(indices: list[int], throttle: int | None) -> None:
    spec = parse_array_ranges(compress_ranges(indices, throttle)).unwrap()
    assert spec.indices == tuple(sorted(set(indices)))
    assert spec.throttle == throttle


@given(st.text(max_size=20))
def test_range_parser_never_raises(text: str) -> None:
    parse_array_ranges(text)  # Success or Failure, never an exception


def test_bad_limits_are_errors() -> None:
    assert "at least 1" in str(plan_array_chunks(3, 0).failure())
    assert "negative" in str(plan_array_chunks([-1], 5).failure())
