"""Which tasks to compose before submitting: all of a small sweep, a covering set of a big one.

Strategy: composing a Hydra config costs some 40 ms, so a sweep of up to
:data:`CHECK_ALL_UP_TO` tasks is checked whole.  Above that, a typo lives in one
argument (``lrr=0.1``, ``model=mlpp``) and fails in every task that carries it, so it
is enough that every distinct argument of every task appears in at least one checked
task.  One pass in task order picks each task that brings an argument not seen yet: the
result covers everything, is deterministic, keeps task order, and for a grid of axes
of lengths n1..nk holds at most ``1 + sum(n_i - 1)`` tasks.  Mistakes that only show in
a combination of two values of a big sweep are out of its reach (``--no-check`` and
the small-sweep rule say how far the check goes).
"""

from __future__ import annotations

from collections.abc import Sequence

#: Sweeps with at most this many tasks have every task composed.
CHECK_ALL_UP_TO = 32


def covering_tasks(
    argvs: Sequence[Sequence[str]], check_all_up_to: int = CHECK_ALL_UP_TO
) -> tuple[int, ...]:
    """Indices of the tasks to check: all when there are few, else a covering set.

    >>> covering_tasks([("a=1", "b=x"), ("a=1", "b=y")])
    (0, 1)
    >>> grid = [("a=1", "b=x"), ("a=1", "b=y"), ("a=2", "b=x"), ("a=2", "b=y")]
    >>> covering_tasks(grid, check_all_up_to=0)
    (0, 1, 2)
    """
    if len(argvs) <= check_all_up_to:
        return tuple(range(len(argvs)))
    seen: set[str] = set()
    chosen: list[int] = []
    for index, argv in enumerate(argvs):
        new = set(argv) - seen
        if new:
            chosen.append(index)
            seen |= new
    return tuple(chosen)
