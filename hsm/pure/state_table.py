"""The README's state table, generated from the scheduler modules' literal tables.

``python -m hsm.pure.state_table`` prints it; tests/unit/test_readme.py fails when the
README's copy (between the ``<!-- states:begin -->`` / ``<!-- states:end -->`` markers)
differs from what this renders, so the documentation cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Mapping

from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.states import JobState

#: Column title -> that backend's literal state table, in registry order.
TABLES: dict[str, Mapping[str, JobState]] = {s.label: s.states for s in SCHEDULERS.values()}

_NOTES = {
    JobState.COMPLETED: "a finished code becomes `failed` when the exit status is not 0 "
    "(Slurm `COMPLETED` with a non-zero `ExitCode`, local `exited`); PBS "
    "`F`/`X`/`C` are decided by `Exit_status`/`exit_status` and "
    "`substate`: 0 -> completed, deleted by `qdel` (substate 91, Torque "
    "271, or no exit status at all) -> cancelled, anything else -> failed "
    "(negative JOB_EXEC codes and signals named in the reason)",
    JobState.UNKNOWN: "also any code not in the tables (raw code kept), and any job no "
    "source knows about -- never `completed`",
}


def render_state_table() -> str:
    """A Markdown table: one row per normalised state, one column per backend."""
    header = "| state | " + " | ".join(TABLES) + " |"
    rule = "|---" * (len(TABLES) + 1) + "|"
    rows = [header, rule]
    for state in JobState:
        cells = []
        for table in TABLES.values():
            codes = [f"`{code}`" for code, value in table.items() if value is state]
            cells.append(", ".join(codes) or "--")
        rows.append(f"| `{state.value}` | " + " | ".join(cells) + " |")
    notes = [f"- `{state.value}`: {text}" for state, text in _NOTES.items()]
    return "\n".join(rows) + "\n\n" + "\n".join(notes) + "\n"


if __name__ == "__main__":
    print(render_state_table(), end="")
