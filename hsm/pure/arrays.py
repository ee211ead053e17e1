"""Array-job index ranges and the planner that splits a sweep into arrays.

Strategy: a sweep's tasks are numbered ``0..N-1`` (global task numbers).  A scheduler
array can only carry indices below its limit (Slurm: ``MaxArraySize - 1``; PBS:
``max_array_size``), so the planner puts task ``t`` into the chunk whose ``offset`` is
``(t // limit) * limit`` at index ``t - offset``.  A plain sweep therefore becomes arrays
``0-(limit-1)``, ``0-(limit-1)``, ..., each index restarting at 0 with the offset
recorded; a resubmission of a few failed tasks keeps their original index when it fits
(``--array=3,17,42``).  Range text follows Slurm's ``--array`` syntax (``0-3,7,9-15:2%4``),
which PBS ``-J``/``-t`` accept in their simpler forms.  A scheduler whose indices start at
1 (Grid Engine) passes ``base=1``: every index moves up by one and a chunk still holds
``limit`` tasks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from returns.result import Failure, Result, Success

from hsm.pure.errors import ParseError

_PIECE = re.compile(r"^(\d+)(?:-(\d+)(?::(\d+))?)?$")


@dataclass(frozen=True, slots=True)
class ArraySpec:
    """Parsed ``--array``-style text: the indices and an optional ``%N`` throttle."""

    indices: tuple[int, ...]
    throttle: int | None = None


def parse_array_ranges(text: str) -> Result[ArraySpec, ParseError]:
    """Parse ``0-3,7,9-15:2%4`` into sorted unique indices and a throttle.

    >>> parse_array_ranges("0-3,7,9-13:2%2").unwrap()
    ArraySpec(indices=(0, 1, 2, 3, 7, 9, 11, 13), throttle=2)
    >>> parse_array_ranges("3-1")
    <Failure: bad array range '3-1' (start above end): '3-1'>
    """
    body, _, throttle_text = text.strip().partition("%")
    throttle: int | None = None
    if throttle_text:
        if not throttle_text.isdigit() or int(throttle_text) < 1:
            return Failure(ParseError(f"bad array throttle '%{throttle_text}'", text))
        throttle = int(throttle_text)
    if not body:
        return Failure(ParseError("empty array range", text))
    indices: set[int] = set()
    for piece in body.split(","):
        match = _PIECE.match(piece.strip())
        if match is None:
            return Failure(ParseError(f"bad array range piece '{piece}'", text))
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) is not None else start
        step = int(match.group(3)) if match.group(3) is not None else 1
        if end < start:
            return Failure(ParseError(f"bad array range '{piece}' (start above end)", text))
        if step < 1:
            return Failure(ParseError(f"bad array step in '{piece}'", text))
        indices.update(range(start, end + 1, step))
    return Success(ArraySpec(tuple(sorted(indices)), throttle))


def compress_ranges(indices: Iterable[int], throttle: int | None = None) -> str:
    """Render indices as compact range text (sorted, duplicates dropped).

    >>> compress_ranges([9, 0, 1, 2, 3, 7, 10], throttle=2)
    '0-3,7,9-10%2'
    >>> compress_ranges([5])
    '5'
    """
    ordered = sorted(set(indices))
    pieces: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        pieces.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    text = ",".join(pieces)
    return f"{text}%{throttle}" if throttle else text


@dataclass(frozen=True, slots=True)
class ArrayChunk:
    """One scheduler array: array index ``indices[k]`` runs global task ``tasks[k]``.

    Attributes:
        indices: the array indices this chunk submits (sorted, each below the limit).
        tasks: the global task numbers, parallel to ``indices``.
        throttle: the ``%N`` limit on simultaneously running tasks, if any.
    """

    indices: tuple[int, ...]
    tasks: tuple[int, ...]
    throttle: int | None = None

    @property
    def offset(self) -> int | None:
        """``task - index`` when it is the same for every task (the usual case), else None."""
        offsets = {t - i for i, t in zip(self.indices, self.tasks, strict=True)}
        return offsets.pop() if len(offsets) == 1 else None

    @property
    def range_text(self) -> str:
        """The indices as ``--array``/``-J``/``-t`` text, without the throttle."""
        return compress_ranges(self.indices)

    @property
    def array_text(self) -> str:
        """The indices with the throttle: ``0-99%10``."""
        return compress_ranges(self.indices, self.throttle)


def plan_array_chunks(
    tasks: Sequence[int] | int,
    limit: int,
    throttle: int | None = None,
    *,
    dense: bool = False,
    base: int = 0,
) -> Result[tuple[ArrayChunk, ...], ParseError]:
    """Split global task numbers into arrays whose indices stay below ``limit + base``.

    Args:
        tasks: the global task numbers to submit, or ``N`` for ``0..N-1``.
        limit: the scheduler's array limit: every index is ``< limit + base``, so a chunk
            holds at most ``limit`` tasks.
        throttle: optional cap on simultaneously running tasks per array.
        dense: number each chunk's indices ``base..base+k-1`` whatever its tasks are (PBS
            Pro's ``-J`` and Grid Engine's ``-t`` take only one ``X-Y`` range); otherwise
            task ``t`` keeps index ``t % limit + base`` so a resubmission reads
            ``--array=3,17,42``.
        base: the scheduler's first array index (0, or 1 on Grid Engine).

    >>> [(c.offset, c.range_text) for c in plan_array_chunks(5, 2).unwrap()]
    [(0, '0-1'), (2, '0-1'), (4, '0')]
    >>> [(c.offset, c.range_text) for c in plan_array_chunks([3, 17, 42], 1001).unwrap()]
    [(0, '3,17,42')]
    >>> [(c.tasks, c.range_text) for c in plan_array_chunks([3, 17, 42], 2, dense=True).unwrap()]
    [((3, 17), '0-1'), ((42,), '0')]
    >>> [(c.offset, c.range_text) for c in plan_array_chunks(5, 2, dense=True, base=1).unwrap()]
    [(-1, '1-2'), (1, '1-2'), (3, '1')]
    """
    if limit < 1:
        return Failure(ParseError(f"array limit must be at least 1, got {limit}"))
    if base < 0:
        return Failure(ParseError(f"array index base must not be negative, got {base}"))
    if throttle is not None and throttle < 1:
        return Failure(ParseError(f"array throttle must be at least 1, got {throttle}"))
    numbers: Sequence[int] = range(tasks) if isinstance(tasks, int) else sorted(set(tasks))
    if numbers and numbers[0] < 0:
        return Failure(ParseError(f"task numbers must not be negative, got {numbers[0]}"))
    if dense or isinstance(numbers, range):
        return Success(
            tuple(
                ArrayChunk(tuple(range(base, base + len(group))), tuple(group), throttle)
                for group in (numbers[i : i + limit] for i in range(0, len(numbers), limit))
            )
        )
    chunks: list[ArrayChunk] = []
    current_offset = -1
    current: list[int] = []
    for task in numbers:
        offset = (task // limit) * limit
        if offset != current_offset and current:
            chunks.append(_chunk_at(current_offset - base, current, throttle))
            current = []
        current_offset = offset
        current.append(task - offset + base)
    if current:
        chunks.append(_chunk_at(current_offset - base, current, throttle))
    return Success(tuple(chunks))


def _chunk_at(offset: int, indices: list[int], throttle: int | None) -> ArrayChunk:
    """``offset`` is ``task - index`` for every task of the chunk."""
    return ArrayChunk(tuple(indices), tuple(offset + i for i in indices), throttle)
