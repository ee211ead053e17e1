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

#: How each scheduler decides a finished job, as its record says (once per text: Torque's
#: record shares PBS Pro's).
_FINISHED = dict.fromkeys(s.finished_note for s in SCHEDULERS.values() if s.finished_note)

_NOTES = {
    JobState.COMPLETED: "a finished code is decided by the exit status: " + "; ".join(_FINISHED),
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
