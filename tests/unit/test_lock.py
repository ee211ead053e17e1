"""One writer per sweep: the lock waits briefly, names its holder, and dies with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from returns.io import IOResult, IOSuccess
from returns.result import Success

from hsm.boundary import result_of
from hsm.effects.lock import with_sweep_lock
from hsm.pure import layout

HOLDER = """
import sys, time
from pathlib import Path
from returns.io import IOSuccess
from hsm.effects.lock import with_sweep_lock

def hold():
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    return IOSuccess(None)

with_sweep_lock(Path(sys.argv[1]), hold)
"""


def _holder(sweep_dir: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(sweep_dir), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def _quick() -> IOResult[str, object]:
    return IOSuccess("ran")


def test_a_second_writer_waits_then_names_the_holder(tmp_path: Path) -> None:
    proc = _holder(tmp_path / "s", 30)
    try:
        start = time.monotonic()
        refused = result_of(with_sweep_lock(tmp_path / "s", _quick, wait=0.5))
        assert time.monotonic() - start >= 0.5
        message = refused.failure().message
        assert f"held by pid {proc.pid}" in message and "another hsm command" in message
    finally:
        proc.kill()
        proc.wait()


def test_the_lock_is_free_again_when_its_holder_is_killed(tmp_path: Path) -> None:
    proc = _holder(tmp_path / "s", 30)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert result_of(with_sweep_lock(tmp_path / "s", _quick, wait=2)) == Success("ran")
    assert (tmp_path / "s" / layout.LOCK).exists()


def test_a_writer_that_waited_runs_once_the_holder_is_done(tmp_path: Path) -> None:
    proc = _holder(tmp_path / "s", 0.5)
    try:
        assert result_of(with_sweep_lock(tmp_path / "s", _quick, wait=10)) == Success("ran")
    finally:
        proc.wait()


ORPHANING_HOLDER = """
import sys
from pathlib import Path
from hsm.effects.lock import with_sweep_lock
from hsm.effects.runner import run
from returns.io import IOResult

def hold():
    print("holding", flush=True)
    # stands for an sbatch in flight when hsm is killed: it outlives its parent
    return IOResult.from_result(run(["sleep", sys.argv[2]]))

with_sweep_lock(Path(sys.argv[1]), hold)
"""


def test_a_command_orphaned_by_kill_9_keeps_the_sweep_locked_until_it_ends(
    tmp_path: Path,
) -> None:
    sweep = tmp_path / "s"
    proc = subprocess.Popen(
        [sys.executable, "-c", ORPHANING_HOLDER, str(sweep), "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    time.sleep(0.2)  # the command has started
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed = time.monotonic()
    # Not the short wait: the recorded holder is gone, so this is an orphan, waited for.
    ran = result_of(with_sweep_lock(sweep, _quick, wait=0.1))
    assert ran == Success("ran")
    assert time.monotonic() - killed >= 1.0, "the lock was free while the command still ran"


def test_an_orphan_that_outlives_the_longer_wait_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hsm.effects.lock as lock

    sweep = tmp_path / "s"
    proc = subprocess.Popen(
        [sys.executable, "-c", ORPHANING_HOLDER, str(sweep), "3"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    monkeypatch.setattr(lock, "ORPHAN_WAIT_SECONDS", 0.5)
    refused = result_of(with_sweep_lock(sweep, _quick, wait=0.1))
    message = refused.failure().message
    assert f"pid {proc.pid}" in message and "has exited" in message, message
    # the orphaned sleep ends by itself within 3 s
