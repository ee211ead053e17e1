"""A sweep bigger than the queue, fed in waves, on the real Slurm (issue 11).

Runs hsm as the ordinary user that ``scripts/slurm-cluster.sh up`` creates, whose QOS
caps its submitted jobs (``MaxSubmitJobsPerUser``, 20 by default; root bypasses limits).
A 200-task sweep in array mode and in individual mode must finish with every task run
exactly once -- counted by job name in ``sacct`` and by the runs each task records --
although its feeder is killed with ``kill -9`` in the middle and resumed by ``hsm sweep
feed``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.as_user import USER, UserRuntime, user_exists, user_runtime
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.usefixtures("slurm")

TASKS = 200
#: Each task records its run (appending, so a second run would show) and returns.
TASK_PY = """\
import os, sys
with open(os.path.join(os.environ["HSM_TASK_DIR"], "runs"), "a") as f:
    f.write(" ".join(sys.argv[1:]) + "\\n")
"""


def _qos_cap(user: str) -> int | None:
    """The MaxSubmitJobsPerUser of the user's default QOS, if any."""
    assoc = subprocess.run(
        ["sacctmgr", "-n", "-P", "show", "assoc", f"user={user}", "format=DefaultQOS"],
        capture_output=True, text=True, check=False, timeout=30,
    ).stdout.split()  # fmt: skip
    if not assoc:
        return None
    qos = subprocess.run(
        ["sacctmgr", "-n", "-P", "show", "qos", assoc[0], "format=MaxSubmitPU"],
        capture_output=True, text=True, check=False, timeout=30,
    ).stdout.strip()  # fmt: skip
    return int(qos) if qos.isdigit() else None


@pytest.fixture(scope="module")
def runtime() -> Iterator[UserRuntime]:
    required = os.environ.get("HSM_REQUIRE_SLURM") == "1"
    problem = ""
    if os.geteuid() != 0:
        problem = "running hsm as another user needs root (runuser)"
    elif not user_exists() or _qos_cap(USER) is None:
        problem = f"no user {USER} with a capped QOS: run scripts/slurm-cluster.sh up"
    if problem:
        if required:
            pytest.fail(problem)
        pytest.skip(problem)
    root = Path(tempfile.mkdtemp(prefix="hsm-feeder-rt-", dir="/tmp"))
    found = user_runtime(root)
    if found is None:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"no python{sys.version_info[:2]} that {USER} can run")
    yield found
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A directory the user owns, holding the task program."""
    path = Path(tempfile.mkdtemp(prefix="hsm-feeder-", dir="/tmp"))
    (path / "task.py").write_text(TASK_PY, encoding="utf-8")
    shutil.chown(path, USER)
    shutil.chown(path / "task.py", USER)
    yield path
    subprocess.run(["scancel", "-u", USER], check=False)
    shutil.rmtree(path, ignore_errors=True)


def _journal(sweep_dir: Path) -> list[dict[str, object]]:
    text = (sweep_dir / "journal.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _submitted_tasks(sweep_dir: Path) -> int:
    manifest = json.loads((sweep_dir / "manifest.json").read_text(encoding="utf-8"))
    keys = {str(r["key"]) for r in _journal(sweep_dir) if r.get("event") == "submitted"}
    return sum(len(job["tasks"]) for job in manifest["jobs"] if job["key"] in keys)


def _feeder_pid(sweep_dir: Path) -> int | None:
    try:
        pid = int((sweep_dir / "feeder.pid").read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def _sacct_tasks(user: str, prefix: str) -> Counter[str]:
    """Job name -> how many allocations (array tasks counted one each) sacct holds."""
    done = subprocess.run(
        ["sacct", "-X", "-n", "-P", "-u", user, "-S", "now-1hours", "-o", "JobID,JobName,State"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    counts: Counter[str] = Counter()
    for line in done.stdout.splitlines():
        job_id, name, state = line.split("|", 2)
        # A pending array's meta record ("7_[3-9]") is no run; each run has its own line.
        if name.startswith(prefix) and "[" not in job_id and state != "PENDING":
            counts[name] += 1
    return counts


@pytest.mark.parametrize("mode", ["array", "individual"])
def test_a_sweep_bigger_than_the_queue_runs_every_task_once(
    runtime: UserRuntime, workdir: Path, mode: str
) -> None:
    cap = _qos_cap(USER)
    assert cap is not None and cap < TASKS
    sweep_id = f"feed{mode[:3]}{uuid.uuid4().hex[:6]}"
    sweep_dir = workdir / "sweeps" / sweep_id
    run = runtime.run(
        "sweep", "run", "--script", "task.py", f"x=range({TASKS})", "--mode", mode,
        "--sweep-id", sweep_id, "--python", runtime.python, "--walltime", "5",
        "--feed-interval", "1",
        cwd=workdir,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "wait for queue room: a feeder (pid" in run.stderr
    # What fitted went in at once, and no more than the cap allows.
    first = _submitted_tasks(sweep_dir)
    assert 0 < first <= cap
    wait_until(lambda: _feeder_pid(sweep_dir) is not None, 30, "the detached feeder")
    wait_until(lambda: _submitted_tasks(sweep_dir) >= TASKS // 3, 240, "a third submitted")
    pid = _feeder_pid(sweep_dir)
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: _feeder_pid(sweep_dir) is None, 30, "the feeder to die")
    stopped_at = _submitted_tasks(sweep_dir)
    assert stopped_at < TASKS
    time.sleep(3)  # nothing feeds meanwhile
    assert _submitted_tasks(sweep_dir) == stopped_at
    monitor = runtime.run("monitor", "--sweep-id", sweep_id, cwd=workdir)
    assert f"submitted {stopped_at} / {TASKS}, waiting for queue room" in monitor.stdout

    fed = runtime.run(
        "sweep", "feed", "--sweep-id", sweep_id, "--wait", "--poll-interval", "1",
        cwd=workdir, timeout=600,
    )  # fmt: skip
    assert fed.returncode == 0, fed.stdout + fed.stderr
    assert f"submitted {TASKS} / {TASKS}" in fed.stdout + fed.stderr

    runs = {
        task: (sweep_dir / "tasks" / str(task) / "runs").read_text().splitlines()
        for task in range(TASKS)
    }
    assert {task: len(lines) for task, lines in runs.items()} == dict.fromkeys(range(TASKS), 1)
    assert sorted(lines[0] for lines in runs.values()) == sorted(f"x={t}" for t in range(TASKS))
    events = Counter(str(r.get("event")) for r in _journal(sweep_dir))
    assert events["failed"] == 0
    manifest = json.loads((sweep_dir / "manifest.json").read_text(encoding="utf-8"))
    expected = {job["job_name"]: len(job["tasks"]) for job in manifest["jobs"]}
    assert sum(expected.values()) == TASKS
    wait_until(
        lambda: _sacct_tasks(USER, f"{sweep_id}_") == Counter(expected),
        90,
        f"sacct to hold each of the {TASKS} tasks once",
        interval=1.0,
    )


#: First attempt: long enough to be killed with its node; a second attempt returns at once.
RETRY_TASK_PY = """\
import os, sys, time
runs = os.path.join(os.environ["HSM_TASK_DIR"], "runs")
first = not os.path.exists(runs)
with open(runs, "a") as f:
    f.write(" ".join(sys.argv[1:]) + "\\n")
if first:
    time.sleep(120)
"""


def _node() -> str:
    done = subprocess.run(
        ["sinfo", "-h", "-N", "-o", "%N"], capture_output=True, text=True, check=True
    )
    return done.stdout.split()[0]


def _node_usable(node: str) -> bool:
    done = subprocess.run(
        ["sinfo", "-h", "-N", "-n", node, "-o", "%t"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() in ("idle", "mix", "alloc")


def _others_running(user: str) -> bool:
    done = subprocess.run(
        ["squeue", "-h", "-t", "RUNNING", "-o", "%u"], capture_output=True, text=True, check=True
    )
    return any(name != user for name in done.stdout.split())


def test_tasks_killed_with_their_node_come_back_by_retries(
    runtime: UserRuntime, workdir: Path
) -> None:
    (workdir / "task.py").write_text(RETRY_TASK_PY, encoding="utf-8")
    sweep_id = f"retry{uuid.uuid4().hex[:6]}"
    sweep_dir = workdir / "sweeps" / sweep_id
    run = runtime.run(
        "sweep", "run", "--script", "task.py", "x=range(3)", "--mode", "array",
        "--sweep-id", sweep_id, "--python", runtime.python, "--walltime", "5",
        # Slurm would requeue a batch job of a failed node by itself: this one is not.
        "--resources", "--no-requeue", "--retries", "1", "--feed-interval", "1",
        cwd=workdir,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "runs again (up to 1 times): a feeder (pid" in run.stderr
    wait_until(
        lambda: all((sweep_dir / "tasks" / str(t) / "runs").exists() for t in range(3)),
        120,
        "every task's first attempt to start",
    )
    # Marking the only node down kills every job running on it: wait for others' to end.
    wait_until(lambda: not _others_running(USER), 180, "other users' running jobs to end")
    node = _node()
    subprocess.run(
        ["scontrol", "update", f"nodename={node}", "state=down", "reason=hsm-retry-test"],
        check=True,
    )
    try:
        time.sleep(2)
    finally:
        # ReturnToService=2 may have brought it back already ("Invalid node state").
        subprocess.run(["scontrol", "update", f"nodename={node}", "state=resume"], check=False)
        wait_until(lambda: _node_usable(node), 60, f"node {node} back in service")
    wait_until(lambda: _feeder_pid(sweep_dir) is None, 240, "the feeder to finish the sweep")
    runs = {t: (sweep_dir / "tasks" / str(t) / "runs").read_text().splitlines() for t in range(3)}
    assert runs == {t: [f"x={t}", f"x={t}"] for t in range(3)}
    manifest = json.loads((sweep_dir / "manifest.json").read_text(encoding="utf-8"))
    # The first run, then the retry as a new generation covering the three tasks.
    assert [(job["key"][:3], job["tasks"]) for job in manifest["jobs"]] == [
        ("arr", [0, 1, 2]),
        ("r1_", [0, 1, 2]),
    ]
    monitor = runtime.run("monitor", "--sweep-id", sweep_id, "--json", cwd=workdir)
    tasks = json.loads(monitor.stdout)["tasks"]
    assert [(t["state"], t["attempts"]) for t in tasks] == [("completed", 2)] * 3
    assert (
        "attempts: 3 task(s) ran more than once"
        in runtime.run("monitor", "--sweep-id", sweep_id, cwd=workdir).stdout
    )
    first = manifest["jobs"][0]["job_id"]
    states = subprocess.run(
        ["sacct", "-X", "-n", "-P", "-j", first, "-o", "State"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert states and set(states) == {"NODE_FAIL"}
