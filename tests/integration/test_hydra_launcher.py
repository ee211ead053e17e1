"""``python app.py -m hydra/launcher=hsm ...``: a real ``@hydra.main`` multirun through hsm.

Each test copies ``tests/helpers/hydra_launch_app`` into a fresh directory and runs the
multirun as a Hydra user would, then checks what the user gets: one hsm sweep under
``sweeps/<id>`` (manifest, journal, job names as the CLI makes them) whose tasks wrote
their Hydra output into the multirun's own folder (``multirun/DATE/TIME/<n>/``), the
``hsm`` commands working on it, a failing task reported FAILED to Hydra, Ctrl-C
(keeping or cancelling the jobs), and the same command resuming without duplicates.
On the local backend and on the real Slurm.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hsm
from hsm.pure import layout

APP = Path(__file__).resolve().parents[1] / "helpers" / "hydra_launch_app"
SOURCE_ROOT = Path(hsm.__file__).resolve().parent.parent
GRID = ("lr=0.1,0.2", "model=mlp,cnn")


def _project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    work = tmp_path / "project"
    shutil.copytree(APP, work)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HSM_HPC_")},
        "HSM_LOCAL_SPOOL": str(tmp_path / "spool"),
        "PYTHONPATH": str(SOURCE_ROOT),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
    }
    return work, env


def _multirun(work: Path, env: dict[str, str], *args: str, timeout: float = 300):
    argv = [sys.executable, "app.py", "-m", "hydra/launcher=hsm", *args]
    return subprocess.run(
        argv, cwd=work, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _hsm(work: Path, env: dict[str, str], *args: str, timeout: float = 300):
    return subprocess.run(
        [sys.executable, "-m", "hsm", *args],
        cwd=work, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def _one_sweep(work: Path) -> Path:
    (sweep_dir,) = (work / "sweeps").iterdir()
    return sweep_dir


def _hydra_folders(work: Path) -> list[Path]:
    """The multirun folders Hydra made (``multirun/DATE/TIME``)."""
    return sorted(p for p in (work / "multirun").glob("*/*") if p.is_dir())


def _submitted_keys(sweep_dir: Path) -> list[str]:
    lines = (sweep_dir / layout.JOURNAL).read_text().splitlines()
    return [r["key"] for r in map(json.loads, lines) if r.get("event") == "submitted"]


def _check_outputs(work: Path, sweep_dir: Path, tasks: int) -> None:
    """Every task wrote its Hydra run into ``<hydra.sweep.dir>/<n>`` of one multirun
    folder, as the basic launcher would, and its metrics where hsm reads them."""
    manifest = json.loads((sweep_dir / layout.MANIFEST).read_text())
    folders = [f for f in _hydra_folders(work) if any(f.glob("*/done.json"))]
    assert len(folders) == 1, folders
    for n in range(tasks):
        done = json.loads((folders[0] / str(n) / "done.json").read_text())
        assert done["num"] == n and done["task_index"] == str(n)
        assert done["mode"] == "RunMode.RUN"
        assert (folders[0] / str(n) / ".hydra" / "overrides.yaml").is_file()
        params = manifest["tasks"][n]["params"]
        assert (params["lr"], params.get("model", "mlp")) == (done["lr"], done["model"])
        assert isinstance(params["lr"], float)  # typed as Hydra types it
    assert not (work / "outputs").exists()


def test_a_multirun_becomes_one_hsm_sweep_locally(tmp_path: Path) -> None:
    work, env = _project(tmp_path)
    done = _multirun(work, env, "hydra.launcher.system=local", *GRID)
    assert done.returncode == 0, done.stdout + done.stderr
    sweep_dir = _one_sweep(work)
    sweep_id = sweep_dir.name
    assert sweep_id.startswith("app_")
    assert f"hsm monitor --sweep-id {sweep_id}" in done.stdout
    manifest = json.loads((sweep_dir / layout.MANIFEST).read_text())
    assert manifest["sweep_id"] == sweep_id and len(manifest["tasks"]) == 4
    assert [j["job_name"] for j in manifest["jobs"]] == [f"{sweep_id}_array_000"]
    # hsm monitor follows it to the end, hsm results reads the metrics the tasks left.
    watched = _hsm(work, env, "monitor", "--sweep-id", sweep_id, "--watch", "--poll-interval", "1")
    assert watched.returncode == 0, watched.stdout + watched.stderr
    _check_outputs(work, sweep_dir, 4)
    results = _hsm(work, env, "results", "--sweep-id", sweep_id, "--json")
    rows = json.loads(results.stdout)["rows"]
    assert [r["metrics"]["loss"] for r in rows] == [1.0, 1.0, 2.0, 2.0]


def test_wait_reports_a_failed_task_then_resubmit_mends_it(tmp_path: Path) -> None:
    work, env = _project(tmp_path)
    (work / "broken-0.2").touch()
    args = ("hydra.launcher.system=local", "hydra.launcher.wait=true",
            "hydra.launcher.poll_interval=0.5", *GRID)  # fmt: skip
    done = _multirun(work, env, *args)
    assert done.returncode == 1, done.stdout + done.stderr  # Hydra's exit for a failed job
    sweep_dir = _one_sweep(work)
    assert "HSMTaskError: Hydra job #2" in done.stderr
    assert "completed 2" in done.stdout and "failed 2" in done.stdout
    (work / "broken-0.2").unlink()
    again = _hsm(work, env, "sweep", "resubmit", "--sweep-id", sweep_dir.name, "--failed",
                 "--wait", "--poll-interval", "0.5")  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    _check_outputs(work, sweep_dir, 4)
    # The same command, run again, resumes the same sweep: nothing new is submitted, and
    # every task now reads completed.
    rerun = _multirun(work, env, *args)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "all were already in" in rerun.stdout
    assert _one_sweep(work) == sweep_dir


def _journaled_a_submission(work: Path) -> bool:
    journals = list((work / "sweeps").glob(f"*/{layout.JOURNAL}"))
    try:
        return bool(journals) and '"submitted"' in journals[0].read_text()
    except FileNotFoundError:  # being written
        return False


def _interrupted(work: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run the multirun, Ctrl-C it (SIGINT to its process group) once its jobs are in."""
    argv = [sys.executable, "app.py", "-m", "hydra/launcher=hsm", *args]
    proc = subprocess.Popen(
        argv, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _journaled_a_submission(work):
        time.sleep(0.2)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


@pytest.mark.slow
def test_ctrl_c_keeps_the_jobs_and_the_same_command_resumes_without_duplicates(
    tmp_path: Path,
) -> None:
    work, env = _project(tmp_path)
    args = ("hydra.launcher.system=local", "hydra.launcher.wait=true",
            "hydra.launcher.poll_interval=0.5", "sleep=4", "lr=0.1,0.2,0.3")  # fmt: skip
    code, err = _interrupted(work, env, *args)
    assert code == 130, err
    assert "keeps running" in err and "cancelled" not in err
    sweep_dir = _one_sweep(work)
    first_folder = json.loads((sweep_dir / layout.MANIFEST).read_text())["tasks"][0]["argv"]
    again = _multirun(work, env, *args)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "all were already in" in again.stdout
    assert _submitted_keys(sweep_dir) == ["array_000"]  # one submission, ever
    _check_outputs(work, sweep_dir, 3)  # all in the first run's Hydra folder
    assert json.loads((sweep_dir / layout.MANIFEST).read_text())["tasks"][0]["argv"] == (
        first_folder
    )
    # The rerun's sweeper made a new time-stamped folder; the launcher removed it empty.
    assert len(_hydra_folders(work)) == 1


@pytest.mark.slow
def test_ctrl_c_with_cancel_on_interrupt_cancels_the_sweep(tmp_path: Path) -> None:
    work, env = _project(tmp_path)
    code, err = _interrupted(
        work, env, "hydra.launcher.system=local", "hydra.launcher.wait=true",
        "hydra.launcher.cancel_on_interrupt=true", "sleep=60", "lr=0.1,0.2",
    )  # fmt: skip
    assert code == 130, err
    assert "cancelled 1 job(s)" in err, err
    sweep_dir = _one_sweep(work)
    shown = _hsm(work, env, "monitor", "--sweep-id", sweep_dir.name, "--json")
    states = [t["state"] for t in json.loads(shown.stdout)["tasks"]]
    assert states == ["cancelled", "cancelled"], shown.stdout


def test_a_config_that_does_not_compose_submits_nothing(tmp_path: Path) -> None:
    work, env = _project(tmp_path)
    done = _multirun(work, env, "hydra.launcher.system=local", "lr=0.1,0.2", "optim=sgd,adamw")
    assert done.returncode != 0
    assert "adamw" in done.stderr
    assert not (work / "sweeps").exists()
    assert not list((tmp_path / "spool").glob("**/*.sh"))


def test_a_bad_launcher_setting_is_one_line(tmp_path: Path) -> None:
    work, env = _project(tmp_path)
    done = _multirun(work, env, "hydra.launcher.system=local", "hydra.launcher.walltime=soon",
                     "lr=0.1,0.2")  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("hsm: error:") and "Traceback" not in done.stderr
    assert "walltime" in done.stderr
    assert not (work / "sweeps").exists()


@pytest.mark.slurm
@pytest.mark.usefixtures("slurm")
def test_a_multirun_on_the_real_slurm_with_a_failing_task(tmp_path: Path) -> None:
    work, env = _project(tmp_path)
    (work / "broken-0.1").touch()
    args = ("hydra.launcher.system=slurm", "hydra.launcher.walltime=00:05:00",
            "hydra.launcher.wait=true", "hydra.launcher.poll_interval=1", *GRID)  # fmt: skip
    done = _multirun(work, env, *args)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "HSMTaskError: Hydra job #0" in done.stderr
    sweep_dir = _one_sweep(work)
    shown = _hsm(work, env, "monitor", "--sweep-id", sweep_dir.name, "--json")
    states = [t["state"] for t in json.loads(shown.stdout)["tasks"]]
    assert states == ["failed", "failed", "completed", "completed"], shown.stdout
    (work / "broken-0.1").unlink()
    again = _hsm(work, env, "sweep", "resubmit", "--sweep-id", sweep_dir.name, "--failed",
                 "--wait", "--poll-interval", "1")  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    _check_outputs(work, sweep_dir, 4)
    rerun = _multirun(work, env, *args)
    assert rerun.returncode == 0 and "all were already in" in rerun.stdout, rerun.stderr


@pytest.mark.slurm
@pytest.mark.usefixtures("slurm")
def test_hsm_cancel_reaches_a_multirun_on_slurm(tmp_path: Path) -> None:
    work, env = _project(tmp_path)
    done = _multirun(work, env, "hydra.launcher.system=slurm", "hydra.launcher.mode=individual",
                     "hydra.launcher.walltime=00:05:00", "sleep=120", "lr=0.1,0.2")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    sweep_dir = _one_sweep(work)
    manifest = json.loads((sweep_dir / layout.MANIFEST).read_text())
    assert [j["job_name"] for j in manifest["jobs"]] == [
        f"{sweep_dir.name}_task_000", f"{sweep_dir.name}_task_001",
    ]  # fmt: skip
    cancelled = _hsm(work, env, "cancel", "--sweep-id", sweep_dir.name)
    assert cancelled.returncode == 0, cancelled.stdout + cancelled.stderr
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shown = _hsm(work, env, "monitor", "--sweep-id", sweep_dir.name, "--json")
        states = [t["state"] for t in json.loads(shown.stdout)["tasks"]]
        if states == ["cancelled", "cancelled"]:
            break
        time.sleep(1)
    assert states == ["cancelled", "cancelled"], shown.stdout


@pytest.mark.parametrize(
    ("extra_env", "args", "interpreter"),
    [
        ({}, (), sys.executable),  # the multirun's own interpreter
        ({"HSM_HPC_PYTHON": "/usr/bin/python3"}, (), "/usr/bin/python3"),  # hsm's config
        ({"HSM_HPC_PYTHON": "/usr/bin/python3"}, ("hydra.launcher.python=/opt/py",), "/opt/py"),
    ],
)
def test_which_interpreter_runs_the_tasks(
    tmp_path: Path, extra_env: dict[str, str], args: tuple[str, ...], interpreter: str
) -> None:
    work, env = _project(tmp_path)
    done = _multirun(work, {**env, **extra_env}, "hydra.launcher.system=local",
                     "hydra.launcher.check=false", *args, "lr=0.1,0.2")  # fmt: skip
    assert done.returncode == 0, done.stderr
    (script,) = (_one_sweep(work) / "scripts").iterdir()
    assert f" {interpreter} app.py " in script.read_text()


@pytest.mark.slurm
@pytest.mark.usefixtures("slurm")
def test_ctrl_c_on_slurm_cancels_with_cancel_on_interrupt_and_a_rerun_resumes(
    tmp_path: Path,
) -> None:
    work, env = _project(tmp_path)
    args = ("hydra.launcher.system=slurm", "hydra.launcher.walltime=00:05:00",
            "hydra.launcher.wait=true", "hydra.launcher.poll_interval=1",
            "hydra.launcher.cancel_on_interrupt=true", "sleep=120", "lr=0.1,0.2")  # fmt: skip
    code, err = _interrupted(work, env, *args)
    assert code == 130, err
    assert "cancelled 1 job(s)" in err, err
    sweep_dir = _one_sweep(work)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shown = _hsm(work, env, "monitor", "--sweep-id", sweep_dir.name, "--json")
        states = [t["state"] for t in json.loads(shown.stdout)["tasks"]]
        if states == ["cancelled", "cancelled"]:
            break
        time.sleep(1)
    assert states == ["cancelled", "cancelled"], shown.stdout
    # The same command resumes the same sweep: nothing is submitted twice (resubmit
    # --failed is how cancelled tasks run again).
    rerun = _multirun(work, env, *args)
    assert "all were already in" in rerun.stdout, rerun.stdout + rerun.stderr
    assert _submitted_keys(sweep_dir) == ["array_000"]
