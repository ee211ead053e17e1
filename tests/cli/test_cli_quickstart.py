"""The README's first quick-start command, run as a newcomer would: in a fresh venv.

The command is read from README.md (the first line of the ```bash block under
``## Quick start``), not copied here, so the README cannot drift from what is tested.
It runs in a temporary copy of the repository with a clean virtual environment on PATH
(``pip install .`` needs PyPI for the dependencies).  ``HSM_HPC_SYSTEM=local`` makes the
example sweep run on this machine even where a Slurm answers, so the test never submits
to a shared cluster.  The second command (install the test extras and run pytest) is not
run here: it would run this test again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import REPO

_BLOCK = re.compile(r"^## Quick start\s*$.*?^```bash\s*$(.*?)^```", re.MULTILINE | re.DOTALL)


def quick_start_commands(readme: str) -> list[str]:
    """The shell commands of the Quick start block (comments and blank lines dropped)."""
    match = _BLOCK.search(readme)
    if match is None:
        return []
    return [
        line.strip()
        for line in match.group(1).splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_quick_start_block_is_found_by_the_extractor() -> None:
    sample = (
        "# hsm\n\n## Quick start\n\nSome words.\n\n```bash\n# install, run\n"
        "pip install . && hsm sweep run --config examples/sweep.yaml --wait\n"
        "pip install '.[test]' && python -m pytest -q\n```\n\n## Next\n"
    )
    assert quick_start_commands(sample) == [
        "pip install . && hsm sweep run --config examples/sweep.yaml --wait",
        "pip install '.[test]' && python -m pytest -q",
    ]


def _ignore(directory: str, names: list[str]) -> set[str]:
    junk = {
        ".git",
        ".venv",
        "venv",
        "sweeps",
        "results",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        ".hypothesis",
    }
    return {n for n in names if n in junk or n.endswith(".egg-info")}


@pytest.mark.slow
def test_first_quick_start_command_runs_the_example_sweep_in_a_fresh_venv(tmp_path: Path) -> None:
    readme = REPO / "README.md"
    if not readme.is_file():
        pytest.fail("README.md is missing; its '## Quick start' block is what this tests")
    commands = quick_start_commands(readme.read_text(encoding="utf-8"))
    assert len(commands) == 2, f"the Quick start block should hold two commands: {commands}"
    first = commands[0]
    assert "hsm sweep run" in first and "--wait" in first, first
    copy = tmp_path / "hsm"
    shutil.copytree(REPO, copy, ignore=_ignore)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HSM_", "PYTHON", "PIP_", "VIRTUAL_ENV", "PYENV"))
    }
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        HSM_HPC_SYSTEM="local",
        HSM_LOCAL_SPOOL=str(tmp_path / "spool"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        NO_COLOR="1",
    )
    done = subprocess.run(
        ["bash", "-c", first],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    report = f"$ {first}\n--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
    assert done.returncode == 0, report
    assert "Traceback" not in done.stderr, report
    hsm = venv / "bin" / "hsm"
    assert hsm.is_file(), "pip install did not put the hsm command in the venv"
    sweeps = list((copy / "sweeps").iterdir())
    assert len(sweeps) == 1, report
    status = subprocess.run(
        [str(hsm), "monitor", "--sweep-dir", str(sweeps[0]), "--json"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(status.stdout)
    assert data["scheduler"] == "local"
    assert data["counts"]["completed"] == len(data["tasks"]) > 0, data["counts"]
    tasks = copy / data["sweep_dir"] / "tasks"
    assert len(list(tasks.glob("*/metrics.json"))) == len(data["tasks"])
