"""One writer per sweep: the lock waits briefly, names its holder, and dies with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from returns.io import IOResult, IOSuccess
from returns.result import Success

from hsm.effects.lock import with_sweep_lock
from hsm.effects.results import result_of
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
