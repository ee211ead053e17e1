"""The README stays true: its state table is the code's, its commands are the CI's."""

from __future__ import annotations

import re
from pathlib import Path

from hsm.pure.state_table import render_state_table

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_state_table_matches_the_code() -> None:
    block = re.search(r"<!-- states:begin -->\n(.*?)<!-- states:end -->", README, re.DOTALL)
    assert block, "README lost its state-table markers"
    assert block.group(1) == render_state_table(), (
        "README's state table is stale: run python scripts/update_readme.py"
    )


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one() -> None:
    section = README.split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert "hsm sweep run" in commands[0] and "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci, ".ci/run must run the README's test command"


def test_the_configuration_table_names_every_setting() -> None:
    from hsm.pure.config import LEAVES

    table = README.split("## Configuration", 1)[1].split("\n\n", 2)[1]
    missing = [leaf for leaf in LEAVES if f"`{leaf}`" not in table]
    assert not missing, f"README's configuration table lacks {missing}"
