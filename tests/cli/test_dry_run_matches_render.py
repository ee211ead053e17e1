"""A dry run shows exactly what would be submitted: the same jobs and scripts as render.

``hsm sweep run --dry-run`` and ``hsm sweep render`` must plan with the same array limit
(the scheduler's, or its record's default when it cannot be asked) and so produce the
same scripts, byte for byte, for every scheduler and any number of chunks.  Both run as
subprocesses with only stub ``sbatch``/``qsub`` on PATH that fail if called (neither
command may submit), so the limit is each scheduler's documented default.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import hsm
from hsm.pure.schedulers import SCHEDULERS

SOURCE_ROOT = Path(hsm.__file__).resolve().parent.parent


def _workspace(tmp_path: Path, tasks: int) -> tuple[Path, dict[str, str]]:
    values = ", ".join(str(i) for i in range(tasks))
    (tmp_path / "sweep.yaml").write_text(f"script: train.py\ngrid:\n  i: [{values}]\n")
    (tmp_path / "train.py").write_text("")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    calls = tmp_path / "calls"
    for command in ("sbatch", "qsub"):
        stub = stubs / command
        stub.write_text(f'#!/bin/sh\necho "$0 $*" >> {shlex.quote(str(calls))}\nexit 97\n')
        stub.chmod(0o755)
    env = {
        "PATH": str(stubs),  # nothing else: the machine's own schedulers must not answer
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / ".config"),
        "HSM_LOCAL_SPOOL": str(tmp_path / "spool"),
        "PYTHONPATH": str(SOURCE_ROOT),
        "LC_ALL": "C.UTF-8",
    }
    return stubs, env


def _hsm(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "hsm", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


# (tasks, --max-array-size or None): one job, an exact fit, several chunks, a remainder,
# and the case -- 1,500 tasks with the scheduler's default limit.
SHAPES = [(1, None), (4, 2), (5, 2), (7, 3), (1500, None)]


@pytest.mark.parametrize("mode", ["array", "individual"])
@pytest.mark.parametrize(("tasks", "limit"), SHAPES)
@pytest.mark.parametrize("system", sorted(SCHEDULERS))
def test_dry_run_plans_what_render_writes(
    tmp_path: Path, system: str, tasks: int, limit: int | None, mode: str
) -> None:
    if mode == "individual" and tasks > 7:
        pytest.skip("individual mode is one job per task whatever the limit")
    _, env = _workspace(tmp_path, tasks)
    common = ["--config", "sweep.yaml", "--system", system, "--mode", mode, "--sweep-id", "s"]
    if limit is not None:
        common += ["--max-array-size", str(limit)]
    dry = json.loads(_hsm(tmp_path, env, "sweep", "run", *common, "--dry-run", "--json").stdout)
    _hsm(tmp_path, env, "sweep", "render", *common, "--sweep-dir", "rendered")
    # Paths name the sweep directory, which differs between the two commands.
    written = {
        f"scripts/{p.name}": p.read_text() for p in (tmp_path / "rendered" / "scripts").iterdir()
    }
    planned = {job["script_file"]: job["script"] for job in dry["jobs"]}
    assert sorted(planned) == sorted(written)
    for name, script in planned.items():
        assert script.replace("sweeps/s", "rendered") == written[name], name
    assert not (tmp_path / "calls").exists(), "a dry run or render called the scheduler"
    if mode == "array":
        cap = limit or SCHEDULERS[system].default_array_limit
        assert len(planned) == -(-tasks // cap)
