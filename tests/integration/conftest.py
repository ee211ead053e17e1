"""Helpers for tests against a real Slurm (the ``slurm`` fixture is in tests/conftest.py:
it skips when no Slurm answers, unless ``HSM_REQUIRE_SLURM=1``, as .ci/run sets)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HELPERS = Path(__file__).resolve().parents[1] / "helpers"
TASK = HELPERS / "task.py"


@pytest.fixture
def outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where tests/helpers/task.py writes what each task received."""
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("HSM_TEST_OUT", str(out))
    return out


def read_outbox(out: Path) -> list[dict[str, object]]:
    """Every record the tasks wrote."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))]


def wait_until(
    predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.5
) -> None:
    """Poll ``predicate`` until true or fail the test saying ``what`` did not happen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")


def squeue_names(prefix: str) -> list[str]:
    """Job names (one per job, arrays once) currently known to squeue, starting with prefix."""
    done = subprocess.run(
        ["squeue", "-h", "--states=all", "-o", "%j|%F|%i"],
        capture_output=True,
        text=True,
        check=True,
    )
    seen: dict[str, str] = {}
    for line in done.stdout.splitlines():
        name, base, _ = line.split("|")
        if name.startswith(prefix):
            seen[f"{name}|{base}"] = name
    return list(seen.values())


def sacct_names(prefix: str) -> list[str]:
    """Job names in accounting (allocations only, arrays once) starting with prefix."""
    done = subprocess.run(
        ["sacct", "-n", "-P", "-X", "-S", "now-1days", "-o", "JobName,JobID"],
        capture_output=True,
        text=True,
        check=True,
    )
    seen: dict[str, str] = {}
    for line in done.stdout.splitlines():
        name, job_id = line.split("|")
        if name.startswith(prefix):
            seen[f"{name}|{job_id.split('_')[0]}"] = name
    return list(seen.values())


PYTHON = sys.executable


@pytest.fixture
def scancel_after() -> Iterator[list[str]]:
    """Job ids appended here are cancelled when the test ends (keeps the cluster clean)."""
    ids: list[str] = []
    yield ids
    if ids and shutil.which("scancel"):
        subprocess.run(["scancel", *ids], capture_output=True, check=False)
