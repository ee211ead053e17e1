"""Run ``hsm`` as a subprocess in a throw-away project directory.

Every test gets its own project (a copy of ``examples/``), its own local-backend spool,
an empty user config dir and an environment without ``HSM_HPC_*`` variables, so nothing
on the developer's machine leaks in.  ``python -m hsm.cli`` with the repository on
``PYTHONPATH`` is the same program as the installed ``hsm`` script.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    """One finished ``hsm`` invocation."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def __str__(self) -> str:
        return f"hsm {' '.join(self.args)} -> {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


@dataclass
class Hsm:
    """Runs ``hsm`` in ``cwd`` with ``env``."""

    cwd: Path
    env: dict[str, str]
    spool: Path
    runs: list[Run] = field(default_factory=list)

    def __call__(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        timeout: float = 120,
        stdin: str | None = None,
    ) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "hsm.cli", *args],
            cwd=self.cwd,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            input=stdin,
            check=False,
        )
        run = Run(tuple(args), done.returncode, done.stdout, done.stderr)
        self.runs.append(run)
        return run

    def ok(self, *args: str, **kw: Any) -> Run:
        run = self(*args, **kw)
        assert run.code == 0, str(run)
        assert "Traceback" not in run.err, str(run)
        return run

    def spool_jobs(self) -> list[str]:
        jobs = self.spool / "jobs"
        return sorted(p.name for p in jobs.iterdir()) if jobs.is_dir() else []


def clean_env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HSM_") and k not in ("NO_COLOR", "PYTHONPATH")
    }
    env.update(
        PYTHONPATH=str(REPO),
        HSM_LOCAL_SPOOL=str(tmp / "spool"),
        XDG_CONFIG_HOME=str(tmp / "xdg"),
        NO_COLOR="1",
    )
    return env


@pytest.fixture
def hsm(tmp_path: Path) -> Iterator[Hsm]:
    """``hsm`` in a fresh project holding a copy of examples/ (train.py, sweep.yaml)."""
    project = tmp_path / "project"
    shutil.copytree(REPO / "examples", project / "examples")
    runner = Hsm(project, clean_env(tmp_path), tmp_path / "spool")
    yield runner
    _stop_local(runner)


def _stop_local(runner: Hsm) -> None:
    """Let the local supervisor of this test's spool go (it exits when idle)."""
    lock = runner.spool / "supervisor.lock"
    deadline = time.monotonic() + 10
    while lock.exists() and time.monotonic() < deadline:
        import fcntl

        with lock.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                time.sleep(0.1)


@pytest.fixture
def sweep_name() -> str:
    """A sweep id no other test (or earlier run) uses."""
    return f"clitest-{uuid.uuid4().hex[:10]}"


def squeue_jobs(prefix: str) -> list[str]:
    """Ids of jobs squeue knows whose name starts with ``prefix``."""
    done = subprocess.run(
        ["squeue", "-h", "--states=all", "-o", "%i|%j"], capture_output=True, text=True, check=True
    )
    return [
        line.split("|", 1)[0]
        for line in done.stdout.splitlines()
        if line.split("|", 1)[1].startswith(prefix)
    ]


@pytest.fixture
def slurm_clean(slurm: None, sweep_name: str) -> Iterator[str]:
    """The sweep id for a Slurm test; its jobs are cancelled when the test ends."""
    yield sweep_name
    ids = squeue_jobs(sweep_name)
    if ids:
        subprocess.run(["scancel", *ids], capture_output=True, check=False)


def tree(root: Path) -> set[str]:
    """Every path under ``root`` (files and directories), relative."""
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()
