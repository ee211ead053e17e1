"""A real ``@hydra.main`` app swept by hsm keeps every task's output (issue 9).

Without a directory per task, Hydra's default ``outputs/<date>/<time>`` is shared by the
array tasks that start in the same second and they overwrite each other.  With
``--hydra`` every task runs with ``hydra.run.dir`` set to its own task directory, which
the job creates (with ``params.json``) before the program starts.  The same in array and
individual mode, locally and on the real Slurm.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import hsm

APP = Path(__file__).resolve().parents[1] / "helpers" / "hydra_app"
SOURCE_ROOT = Path(hsm.__file__).resolve().parent.parent
SWEEP = """\
script: app.py
hydra: true
grid:
  lr: [1e-4, 3e-4, 1e-3]
  model.name: [mlp, cnn]
hpc:
  default_walltime: "00:05:00"
  python_interpreter: {python}
"""


def _run(tmp_path: Path, system: str, mode: str, sweep_id: str) -> Path:
    work = tmp_path / "project"
    shutil.copytree(APP, work)
    (work / "sweep.yaml").write_text(SWEEP.format(python=sys.executable))
    env = {
        **os.environ,
        "HSM_LOCAL_SPOOL": str(tmp_path / "spool"),
        "PYTHONPATH": str(SOURCE_ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "hsm", "sweep", "run", "--config", "sweep.yaml", "--system",
         system, "--mode", mode, "--sweep-id", sweep_id, "--wait", "--poll-interval", "1"],
        cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return work / "sweeps" / sweep_id


def _check_every_task_kept_its_output(sweep_dir: Path) -> None:
    tasks = sorted(sweep_dir.joinpath("tasks").iterdir(), key=lambda p: int(p.name))
    assert [p.name for p in tasks] == [str(i) for i in range(6)]
    seen = set()
    for task_dir in tasks:
        params = json.loads((task_dir / "params.json").read_text())
        metrics = json.loads((task_dir / "metrics.json").read_text())
        # Typed as written in the sweep file: 1e-4 is a float, and reached the app as one.
        assert isinstance(params["lr"], float) and metrics["lr"] == params["lr"]
        assert metrics["model"] == params["model.name"]
        assert metrics["task_index"] == task_dir.name
        assert Path(metrics["task_dir"]).resolve() == task_dir.resolve()
        assert (task_dir / ".hydra" / "overrides.yaml").is_file()  # Hydra's own record
        seen.add((params["lr"], params["model.name"]))
    assert len(seen) == 6
    assert not (sweep_dir.parent.parent / "outputs").exists(), "a task wrote to outputs/"


@pytest.mark.parametrize("mode", ["array", "individual"])
def test_a_hydra_app_keeps_every_task_output_locally(tmp_path: Path, mode: str) -> None:
    _check_every_task_kept_its_output(_run(tmp_path, "local", mode, f"hy_{mode}"))


@pytest.mark.slurm
@pytest.mark.usefixtures("slurm")
@pytest.mark.parametrize("mode", ["array", "individual"])
def test_a_hydra_app_keeps_every_task_output_on_slurm(tmp_path: Path, mode: str) -> None:
    _check_every_task_kept_its_output(_run(tmp_path, "slurm", mode, f"hys_{mode}"))
