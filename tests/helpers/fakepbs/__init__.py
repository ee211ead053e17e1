"""Drive the fake OpenPBS server in this directory from tests.

``fake_env(state_dir)`` is the environment that puts the fake ``qsub``/``qstat``/``qdel``/
``qselect``/``qmgr`` first on PATH with a fresh server state; ``advance(env)`` lets the
server take a step (the fake has no daemon: it moves only when a command runs);
``wait_for``/``wait_all`` poll it; ``kill_all`` stops whatever still runs.  See README.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FAKEPBS = Path(__file__).resolve().parent
PROBE = FAKEPBS / "probe_task.py"

#: Variables of a real PBS/HSM environment that would change what hsm or the fake does.
_DROPPED_PREFIXES = ("FAKEPBS_", "HSM_", "PBS_", "SGE_", "SLURM_")


def fake_env(
    state_dir: Path,
    *,
    base: Mapping[str, str] | None = None,
    acl_roots: bool = True,
    **settings: str,
) -> dict[str, str]:
    """An environment whose PATH starts with the fake PBS commands.

    ``settings`` are ``FAKEPBS_*`` values without the prefix (``NCPUS="2"``,
    ``FIRST_ID="20"``).  ``acl_roots`` lists root in the server's ``acl_roots`` (the tests
    run as root in CI; a real server refuses root otherwise).
    """
    env = {
        k: v
        for k, v in (os.environ if base is None else base).items()
        if not k.startswith(_DROPPED_PREFIXES)
    }
    env["PATH"] = f"{FAKEPBS}{os.pathsep}{env.get('PATH', '')}"
    env["FAKEPBS_DIR"] = str(state_dir)
    env["FAKEPBS_PYTHON"] = sys.executable
    if acl_roots:
        env["FAKEPBS_ACL_ROOTS"] = "1"
    env.update({f"FAKEPBS_{key}": str(value) for key, value in settings.items()})
    return env


def run(
    env: Mapping[str, str], *argv: str, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one fake command (``run(env, "qstat", "-f")``) and return what it did."""
    return subprocess.run(
        [str(FAKEPBS / argv[0]), *argv[1:]],
        env=dict(env),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def advance(env: Mapping[str, str]) -> None:
    """Let the server reap, kill, release and start jobs (any command does that)."""
    run(env, "qselect")


def state(env: Mapping[str, str]) -> dict[str, Any]:
    """The server's state file (written atomically, so reading needs no lock)."""
    path = Path(env["FAKEPBS_DIR"]) / "state.json"
    if not path.exists():
        return {"next_id": 0, "jobs": {}}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _settled(job: Mapping[str, Any]) -> bool:
    """Finished, or queued for good (a job that can never run)."""
    return job["state"] == "F" or str(job.get("comment") or "").startswith("Can Never Run")


def wait_for(
    env: Mapping[str, str],
    predicate: Callable[[dict[str, Any]], bool],
    timeout: float = 30.0,
    what: str = "the fake PBS server",
    interval: float = 0.1,
) -> dict[str, Any]:
    """Advance the server until ``predicate(state)`` holds; the state it held in."""
    deadline = time.monotonic() + timeout
    while True:
        advance(env)
        current = state(env)
        if predicate(current):
            return current
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def wait_all(env: Mapping[str, str], timeout: float = 30.0) -> dict[str, Any]:
    """Advance until every job has finished (or can never run)."""
    return wait_for(
        env,
        lambda s: all(_settled(j) for j in s["jobs"].values()),
        timeout,
        "every job to finish",
    )


def kill_all(env: Mapping[str, str]) -> None:
    """SIGKILL every job still running (test teardown); the state is left as it is."""
    for job in state(env)["jobs"].values():
        units = [job] if not job["array"] else list(job["subjobs"].values())
        for unit in units:
            if unit["state"] == "R" and unit.get("run"):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(int(unit["run"]["pid"]), signal.SIGKILL)


def probe_records(workdir: Path) -> list[dict[str, Any]]:
    """What every run of :data:`PROBE` recorded (see probe_task.py)."""
    return [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((workdir / "probe_out").glob("*.json"))
    ]


@dataclass
class FakePBS:
    """One fake server for one test: state under ``root/pbs``, jobs submitted from
    ``root/work``.  ``pbs("qstat", "-f")`` runs a command there."""

    root: Path
    settings: dict[str, str] = field(default_factory=dict)
    acl_roots: bool = True

    def __post_init__(self) -> None:
        self.work = self.root / "work"
        self.work.mkdir(parents=True, exist_ok=True)
        self.env = fake_env(self.root / "pbs", acl_roots=self.acl_roots, **self.settings)

    def __call__(
        self, *argv: str, env: Mapping[str, str] | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return run({**self.env, **(env or {})}, *argv, cwd=self.work, stdin=stdin)

    def script(self, body: str, name: str = "job.sh") -> str:
        """Write a job script into the work directory; its name, for qsub."""
        (self.work / name).write_text("#!/bin/bash\n" + body, encoding="utf-8")
        return name

    def submit(self, *argv: str, env: Mapping[str, str] | None = None) -> str:
        """qsub that must succeed; the job id it printed."""
        done = self("qsub", *argv, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def state(self) -> dict[str, Any]:
        return state(self.env)

    def wait_all(self, timeout: float = 20.0) -> dict[str, Any]:
        return wait_all(self.env, timeout)

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], what: str, timeout: float = 20.0
    ) -> dict[str, Any]:
        return wait_for(self.env, predicate, timeout, what, interval=0.05)

    def full(self, *argv: str) -> dict[str, dict[str, str]]:
        """``qstat -f -w ARGV`` parsed into {job id: {attribute: value}}."""
        done = self("qstat", "-f", "-w", *argv)
        return parse_full(done.stdout)

    def close(self) -> None:
        kill_all(self.env)


def parse_full(text: str) -> dict[str, dict[str, str]]:
    """A minimal reader of ``qstat -f`` text (continuations joined as PBS prints them)."""
    jobs: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    last = ""
    for line in text.split("\n"):
        if line.startswith("Job Id: "):
            current = jobs.setdefault(line[len("Job Id: ") :], {})
        elif line.startswith("\t") and current is not None:
            current[last] += line[1:]
        elif " = " in line and current is not None:
            name, _, value = line.strip().partition(" = ")
            current[name] = value
            last = name
        elif line.rstrip().endswith(" =") and current is not None:
            last = line.strip()[:-2]
            current[last] = ""
    return jobs
