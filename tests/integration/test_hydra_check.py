"""``hsm sweep run --hydra``: task configs are composed with the app before submitting.

A typo (``lrr=0.1``), an option a config group lacks (``optim=adamw``) or a key the
config does not have refuses the sweep in one line naming the task, the key and the
argument -- in a real run and in a dry run -- with nothing written, submitted or run
(the app's own code never ran: no ``outputs/``).  ``--no-check`` skips it.  A big sweep
is checked on a covering set: a bad value in a third of 1,000 tasks is still found,
and the whole check stays well under the 10 s budget (BENCHMARKS.md).

Ctrl-C under ``--wait`` (``tests/cli`` covers the plain case): ``--cancel-on-interrupt``
cancels the sweep's jobs and says so; without it they keep running, as the message says.
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
BIG = ("lr=range(10)", "+seed=range(50)")  # 500 tasks; x2 with an optim axis


@pytest.fixture
def project(tmp_path: Path) -> Path:
    work = tmp_path / "project"
    shutil.copytree(APP, work)
    return work


def _env(project: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("HSM_")},
        "HSM_LOCAL_SPOOL": str(project.parent / "spool"),
        "PYTHONPATH": str(SOURCE_ROOT),
        "XDG_CONFIG_HOME": str(project.parent / "xdg"),
    }


def _sweep(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "hsm", "sweep", "run", "--hydra", "--script", "app.py",
            "--python", sys.executable, "--system", "local", *args]  # fmt: skip
    return subprocess.run(
        argv, cwd=project, env=_env(project), capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def _nothing_happened(project: Path) -> None:
    assert not (project / "sweeps").exists()
    assert not (project / "outputs").exists()  # the check composes; it never runs the app
    assert not list((project.parent / "spool").glob("**/*.sh"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("lr=0.1,0.2", "lrr=1"),
         "task 0 does not compose with the Hydra app app.py: key 'lrr' (lrr=1): "
         "Could not override 'lrr'. To append to your config use +lrr=1"),
        (("lr=0.1,0.2", "optim=sgd,adamw"),
         "task 1 does not compose with the Hydra app app.py: key 'optim' (optim=adamw): "
         "In 'config': Could not find 'optim/adamw' Available options in 'optim': adam sgd"),
        (("optim.nme=x",),
         "task 0 does not compose with the Hydra app app.py: key 'optim.nme' (optim.nme=x)"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_config_that_does_not_compose_is_refused_in_one_line(
    project: Path, args: tuple[str, ...], expected: str, dry_run: bool
) -> None:
    done = _sweep(project, *args, *(["--dry-run"] if dry_run else []))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"hsm: error: {expected}"), done.stderr
    assert done.stderr.rstrip().endswith("nothing was submitted (--no-check skips this check)")
    assert done.stderr.count("\n") == 1
    _nothing_happened(project)


def test_no_check_submits_what_the_check_would_refuse(project: Path) -> None:
    done = _sweep(project, "lrr=1", "--no-check", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "# dry run:" in done.stdout


def test_a_good_sweep_passes_and_runs(project: Path) -> None:
    done = _sweep(project, "lr=0.1,0.2", "optim=sgd,adam", "--sweep-id", "ok", "--wait",
                  "--poll-interval", "0.5")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "completed 4" in done.stdout


def test_a_big_sweep_is_checked_on_a_covering_set_quickly(project: Path) -> None:
    started = time.monotonic()
    good = _sweep(project, *BIG, "optim=sgd,adam", "--dry-run", "-v")
    seconds = time.monotonic() - started
    assert good.returncode == 0, good.stderr
    assert "1000 tasks" in good.stdout
    assert "composed 60 task config(s)" in good.stderr  # 1 + 9 + 49 + 1 of 1,000
    assert seconds < 10, f"the whole dry run took {seconds:.1f}s"
    bad = _sweep(project, *BIG, "optim=sgd,adamw", "--dry-run")
    assert bad.returncode == 2
    assert "task 1 does not compose" in bad.stderr and "key 'optim'" in bad.stderr


def test_a_program_that_is_not_a_hydra_app_says_so(project: Path) -> None:
    (project / "plain.py").write_text("print('hello')\n")
    argv = [sys.executable, "-m", "hsm", "sweep", "run", "--hydra", "--script", "plain.py",
            "--python", sys.executable, "--system", "local", "--dry-run", "x=1,2"]  # fmt: skip
    done = subprocess.run(argv, cwd=project, env=_env(project), capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert done.returncode == 2
    assert "plain.py ended without calling a @hydra.main function" in done.stderr
    assert "--no-check" in done.stderr


def _interrupted_wait(
    project: Path, *flags: str, sig: signal.Signals = signal.SIGINT
) -> tuple[int, str]:
    argv = [sys.executable, "-m", "hsm", "sweep", "run", "--hydra", "--script", "app.py",
            "--python", sys.executable, "--system", "local", "lr=0.1,0.2", "sleep=60",
            "--sweep-id", "int", "--wait", "--poll-interval", "0.5", *flags]  # fmt: skip
    proc = subprocess.Popen(
        argv, cwd=project, env=_env(project), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    journal = project / "sweeps" / "int" / layout.JOURNAL
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        journal.exists() and '"submitted"' in journal.read_text()
    ):
        time.sleep(0.1)
    time.sleep(1.0)
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


def _states(project: Path) -> list[str]:
    argv = [sys.executable, "-m", "hsm", "monitor", "--sweep-id", "int", "--json"]
    done = subprocess.run(argv, cwd=project, env=_env(project), capture_output=True, text=True,
                          check=True)  # fmt: skip
    return [t["state"] for t in json.loads(done.stdout)["tasks"]]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code", "said"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "stopped by SIGTERM")],
)
def test_cancel_on_interrupt_cancels_the_sweeps_jobs(
    project: Path, sig: signal.Signals, code: int, said: str
) -> None:
    ended, err = _interrupted_wait(project, "--cancel-on-interrupt", sig=sig)
    assert ended == code, err
    assert f"hsm: {said}; cancelled 1 job(s) of sweep int" in err
    assert "Traceback" not in err
    assert _states(project) == ["cancelled", "cancelled"]
    journal = (project / "sweeps" / "int" / layout.JOURNAL).read_text()
    assert '"cancel"' in journal  # through the journal, as hsm cancel


@pytest.mark.slow
def test_without_it_ctrl_c_leaves_the_jobs_running_and_says_so(project: Path) -> None:
    code, err = _interrupted_wait(project)
    assert code == 130, err
    assert "keeps running" in err and "cancelled" not in err
    assert set(_states(project)) <= {"queued", "running"}
    subprocess.run([sys.executable, "-m", "hsm", "cancel", "--sweep-id", "int"], cwd=project,
                   env=_env(project), capture_output=True, check=True)  # fmt: skip


def test_cancel_on_interrupt_needs_wait(project: Path) -> None:
    done = _sweep(project, "lr=0.1", "--cancel-on-interrupt")
    assert done.returncode == 2
    assert done.stderr.startswith("hsm: error: --cancel-on-interrupt goes with --wait")
    assert not (project / "sweeps").exists()
