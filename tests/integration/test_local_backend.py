"""The local backend against real processes: rendered local scripts, a real supervisor.

Every test uses its own spool under tmp_path, so it gets its own supervisor.  The program
is tests/helpers/local_task.py, which records its argv, pid, process group and start/end
times; the tests read those records to check concurrency, argv delivery and that a
cancelled task leaves no process behind.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from returns.io import IOFailure, IOResult, IOSuccess
from returns.unsafe import unsafe_perform_io

from hsm.effects.local import LocalBackend
from hsm.effects.local_spool import default_spool
from hsm.pure.jobspec import JobSpec, Task
from hsm.pure.render import render_script
from hsm.pure.schedulers import LOCAL
from hsm.pure.schedulers.base import CancelOutcome, Statuses
from hsm.pure.states import JobState

TASK = Path(__file__).resolve().parents[1] / "helpers" / "local_task.py"
HOSTILE = (
    "a b",
    "'",
    '"',
    "$HOME",
    "`id`",
    "$(id)",
    "; echo pwned",
    "a\nb",
    "\\",
    "*",
    "-n",
    "é 漢字 🎉",
    "%A %a %j %%",
    "lr=0.1; rm -rf /",
    "",
)


# -- helpers ------------------------------------------------------------------------------


def _ok(result: IOResult[Any, Any]) -> Any:
    assert isinstance(result, IOSuccess), result
    return unsafe_perform_io(result.unwrap())


def _script(
    tmp: Path, name: str, argvs: Sequence[tuple[str, ...]], *, array: bool, walltime: int = 600
) -> Path:
    tasks = tuple(Task(i if array else None, argv) for i, argv in enumerate(argvs))
    spec = JobSpec(
        scheduler="local",
        job_name=name,
        walltime_seconds=walltime,
        log_path=f"logs/{name}_%a.log",
        python_path=sys.executable,
        script_path=str(TASK),
        tasks=tasks,
        array_text=f"0-{len(argvs) - 1}" if array else None,
    )
    path = tmp / "scripts" / f"{name}.sh"
    path.parent.mkdir(exist_ok=True)
    path.write_text(render_script(spec).unwrap(), encoding="utf-8")
    return path


def _backend(
    tmp: Path,
    *,
    max_parallel: int = 4,
    sleep: float = 0.0,
    exit_code: int = 0,
) -> LocalBackend:
    out = tmp / "out"
    out.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "TASK_OUT_DIR": str(out),
        "TASK_SLEEP": str(sleep),
        "TASK_EXIT": str(exit_code),
    }
    return LocalBackend(tmp / "spool", max_parallel=max_parallel, environ=env, cancel_grace=3.0)


def _wait(predicate: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout:g}s waiting for {what}")


def _poll(backend: LocalBackend, *ids: str) -> Statuses:
    return dict(_ok(backend.poll(list(ids))))


def _final(backend: LocalBackend, *ids: str, timeout: float = 15.0) -> Statuses:
    found: Statuses = {}

    def done() -> bool:
        found.update(_poll(backend, *ids))
        return bool(found) and all(found.get(i) and found[i].state.is_final for i in ids)

    _wait(done, f"{ids} to finish", timeout)
    return found


def _record(tmp: Path, name: str) -> dict[str, Any]:
    return dict(json.loads((tmp / "out" / name).read_text(encoding="utf-8")))


def _gone(pid: int) -> bool:
    """No such process, or a zombie nobody will reap (this sandbox's pid 1 never does)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    fields = text.rpartition(")")[2].split()
    return fields[0] == "Z" and fields[1] == "1"


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and not _gone(int(entry.name)):
                members.append(int(entry.name))
    return members


def _supervisor_free(spool: Path) -> bool:
    fd = os.open(spool / "supervisor.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _supervisor_pids(spool: Path) -> list[int]:
    log = (spool / "supervisor.log").read_text(encoding="utf-8")
    return [int(pid) for pid in re.findall(r"supervisor (\d+) started", log)]


# -- tests --------------------------------------------------------------------------------


def test_a_single_job_completes_with_its_argv_and_log(tmp_path: Path) -> None:
    backend = _backend(tmp_path)
    script = _script(tmp_path, "one", [("x=1", "y=two words")], array=False)
    job = _ok(
        backend.submit(script, cwd=tmp_path, job_name="one", indices=None, log_path="logs/%j.log")
    )
    assert job.isdigit()
    status = _final(backend, job)[job]
    assert (status.state, status.exit_code, status.signal, status.source) == (
        JobState.COMPLETED,
        0,
        None,
        "local",
    )
    assert _record(tmp_path, "single.json")["argv"] == ["x=1", "y=two words"]
    assert (tmp_path / "logs" / f"{job}.log").exists()
    assert _ok(backend.find_by_name("one")) == (job,)
    assert _ok(backend.find_by_name("nope")) == ()


def test_a_non_zero_exit_fails_with_its_exit_code(tmp_path: Path) -> None:
    backend = _backend(tmp_path, exit_code=3)
    job = _ok(
        backend.submit(
            _script(tmp_path, "bad", [()], array=False), cwd=tmp_path, job_name="bad", indices=None
        )
    )
    status = _final(backend, job)[job]
    assert (status.state, status.exit_code, status.raw) == (JobState.FAILED, 3, "exited")
    assert "status 3" in status.reason


def test_an_array_runs_at_most_max_parallel_tasks_each_with_its_own_argv(tmp_path: Path) -> None:
    backend = _backend(tmp_path, max_parallel=2, sleep=0.4)
    argvs = [(f"i={i}", HOSTILE[i]) for i in range(5)]
    started = time.monotonic()
    job = _ok(
        backend.submit(
            _script(tmp_path, "arr", argvs, array=True),
            cwd=tmp_path,
            job_name="arr",
            indices=list(range(5)),
            log_path="logs/arr_%a.log",
        )
    )
    assert time.monotonic() - started < 2.0  # submission does not wait for the tasks
    tids = [backend.task_id(job, i) for i in range(5)]
    statuses = _final(backend, job, *tids)
    assert statuses[job].state is JobState.COMPLETED
    assert all(statuses[t].state is JobState.COMPLETED for t in tids)
    records = [_record(tmp_path, f"{i}.json") for i in range(5)]
    assert [r["argv"] for r in records] == [list(a) for a in argvs]
    events = sorted(
        [(r["start"], 1) for r in records] + [(r["end"], -1) for r in records],
        key=lambda e: (e[0], e[1]),
    )
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    assert peak == 2
    assert all((tmp_path / "logs" / f"arr_{i}.log").exists() for i in range(5))


def test_hostile_arguments_survive(tmp_path: Path) -> None:
    backend = _backend(tmp_path)
    job = _ok(
        backend.submit(
            _script(tmp_path, "hostile", [HOSTILE], array=False),
            cwd=tmp_path,
            job_name="hostile",
            indices=None,
        )
    )
    assert _final(backend, job)[job].state is JobState.COMPLETED
    assert _record(tmp_path, "single.json")["argv"] == list(HOSTILE)


def test_cancelling_a_running_task_kills_its_whole_process_group(tmp_path: Path) -> None:
    backend = _backend(tmp_path, sleep=60)
    job = _ok(
        backend.submit(
            _script(tmp_path, "long", [()] * 2, array=True),
            cwd=tmp_path,
            job_name="long",
            indices=[0, 1],
        )
    )
    _wait(
        lambda: all((tmp_path / "out" / f"{i}.started").exists() for i in (0, 1)),
        "both tasks to start",
    )
    assert _poll(backend, job)[job].state is JobState.RUNNING
    first = _record(tmp_path, "0.started")
    assert first["pgid"] != os.getpgid(0)  # its own group, not ours
    _ok(backend.cancel([backend.task_id(job, 0)]))
    assert _gone(first["pid"])
    assert _group_members(first["pgid"]) == []
    statuses = _poll(backend, job)
    assert statuses[backend.task_id(job, 0)].state is JobState.CANCELLED
    assert statuses[backend.task_id(job, 1)].state is JobState.RUNNING
    second = _record(tmp_path, "1.started")
    _ok(backend.cancel([job]))
    assert _gone(second["pid"]) and _group_members(second["pgid"]) == []
    statuses = _final(backend, job)
    assert statuses[job].state is JobState.CANCELLED
    assert not (tmp_path / "out" / "0.json").exists()  # it never got to finish


def test_cancelled_queued_tasks_never_run(tmp_path: Path) -> None:
    backend = _backend(tmp_path, max_parallel=1, sleep=60)
    blocker = _ok(
        backend.submit(
            _script(tmp_path, "block", [()], array=False),
            cwd=tmp_path,
            job_name="block",
            indices=None,
        )
    )
    waiting = _ok(
        backend.submit(
            _script(tmp_path, "wait", [()] * 3, array=True),
            cwd=tmp_path,
            job_name="wait",
            indices=[0, 1, 2],
        )
    )
    _wait(lambda: (tmp_path / "out" / "single.started").exists(), "the blocker to start")
    assert _poll(backend, waiting)[waiting].state is JobState.QUEUED
    found = _ok(backend.user_jobs(getpass.getuser()))
    mine = found.statuses
    assert {blocker, waiting, f"{waiting}_2"} <= set(mine)
    assert mine[blocker].state is JobState.RUNNING
    split = LOCAL.split_task_id
    assert found.name_of(f"{waiting}_2", split) == "wait"
    assert _ok(backend.user_jobs("somebody-else")).statuses == {}
    _ok(backend.cancel([backend.task_id(waiting, 1)]))
    _ok(backend.cancel([waiting, blocker]))
    statuses = _final(backend, blocker, waiting)
    assert {s.state for s in statuses.values()} == {JobState.CANCELLED}
    assert _ok(backend.user_jobs(getpass.getuser())).statuses == {}
    assert not list((tmp_path / "out").glob("[0-9].started"))
    _wait(lambda: _supervisor_free(tmp_path / "spool"), "the supervisor to exit")
    assert not list((tmp_path / "out").glob("[0-9].started"))


def test_walltime_exceeded_fails_the_task(tmp_path: Path) -> None:
    backend = _backend(tmp_path, sleep=30)
    job = _ok(
        backend.submit(
            _script(tmp_path, "slow", [()], array=False, walltime=1),
            cwd=tmp_path,
            job_name="slow",
            indices=None,
        )
    )
    status = _final(backend, job, timeout=20)[job]
    assert (status.state, status.exit_code) == (JobState.FAILED, 124)
    assert "walltime exceeded" in status.reason
    started = _record(tmp_path, "single.started")
    assert _gone(started["pid"])


def test_the_supervisor_exits_when_the_work_is_done(tmp_path: Path) -> None:
    backend = _backend(tmp_path)
    spool = tmp_path / "spool"
    job = _ok(
        backend.submit(
            _script(tmp_path, "quick", [()], array=False),
            cwd=tmp_path,
            job_name="quick",
            indices=None,
        )
    )
    _final(backend, job)
    _wait(lambda: _supervisor_free(spool), "the supervisor to give up its lock")
    pids = _supervisor_pids(spool)
    assert pids
    _wait(lambda: all(_gone(pid) or _is_zombie(pid) for pid in pids), "the supervisor to exit")
    # A later submission starts a new supervisor.
    again = _ok(
        backend.submit(
            _script(tmp_path, "again", [()], array=False),
            cwd=tmp_path,
            job_name="again",
            indices=None,
        )
    )
    assert _final(backend, again)[again].state is JobState.COMPLETED
    assert int(again) == int(job) + 1


def _is_zombie(pid: int) -> bool:
    """Our own child that exited and is not reaped yet counts as gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_a_dead_supervisor_is_replaced_and_its_lost_task_fails(tmp_path: Path) -> None:
    backend = _backend(tmp_path, max_parallel=1, sleep=60)
    spool = tmp_path / "spool"
    first = _ok(
        backend.submit(
            _script(tmp_path, "first", [()], array=False),
            cwd=tmp_path,
            job_name="first",
            indices=None,
        )
    )
    _wait(lambda: (tmp_path / "out" / "single.started").exists(), "the first task to start")
    quick = LocalBackend(
        spool,
        max_parallel=1,
        environ={**os.environ, "TASK_OUT_DIR": str(tmp_path / "out"), "TASK_SLEEP": "0"},
    )
    second = _ok(
        quick.submit(
            _script(tmp_path, "second", [("b",)], array=True),
            cwd=tmp_path,
            job_name="second",
            indices=[0],
        )
    )
    # Kill the supervisor, then the running task with it: nothing records how it ended.
    for pid in _supervisor_pids(spool):
        os.kill(pid, signal.SIGKILL)
    running = _record(tmp_path, "single.started")
    os.killpg(running["pgid"], signal.SIGKILL)
    _wait(lambda: _gone(running["pid"]), "the task to die")
    statuses = _final(backend, first, second)  # polls revive a supervisor for `second`
    assert statuses[first].state is JobState.FAILED
    assert statuses[first].raw == "lost" and "lost" in statuses[first].reason
    assert statuses[second].state is JobState.COMPLETED
    assert _record(tmp_path, "0.json")["argv"] == ["b"]


def test_unknown_ids_are_absent_and_cannot_be_cancelled(tmp_path: Path) -> None:
    backend = _backend(tmp_path)
    assert _poll(backend, "1", "2_3") == {}  # no spool yet
    job = _ok(
        backend.submit(
            _script(tmp_path, "k", [()], array=False), cwd=tmp_path, job_name="k", indices=None
        )
    )
    _final(backend, job)
    assert _poll(backend, "999", "../1", "abc", f"{job}_0", "") == {}
    outcomes = _ok(backend.cancel(["999", job]))
    assert outcomes["999"][0] is CancelOutcome.UNKNOWN and "999" in outcomes["999"][1]
    assert outcomes[job][0] is CancelOutcome.FINISHED  # it ran to its end already
    assert isinstance(backend.cancel([job]), IOSuccess)  # finished: nothing to do
    assert _poll(backend, job)[job].state is JobState.COMPLETED


def test_submission_errors_are_values(tmp_path: Path) -> None:
    backend = _backend(tmp_path)
    missing = backend.submit(tmp_path / "nope.sh", cwd=tmp_path, job_name="n", indices=None)
    assert isinstance(missing, IOFailure)
    assert "does not exist" in str(unsafe_perform_io(missing.failure()))
    script = _script(tmp_path, "x", [()], array=False)
    no_dir = backend.submit(script, cwd=tmp_path / "absent", job_name="n", indices=None)
    assert isinstance(no_dir, IOFailure)
    repeated = backend.submit(script, cwd=tmp_path, job_name="n", indices=[1, 1])
    assert isinstance(repeated, IOFailure)


def test_small_verbs_and_the_default_spool() -> None:
    backend = LocalBackend(Path("/nonexistent/spool"))
    assert backend.key == "local"
    assert backend.task_id("12", 3) == "12_3"
    assert _ok(backend.array_limit()) == 1_000_000
    assert default_spool({"HSM_LOCAL_SPOOL": "/x/y"}) == Path("/x/y")
    assert default_spool({"XDG_STATE_HOME": "/s"}) == Path("/s/hsm/local")
    assert default_spool({}) == Path("~/.local/state/hsm/local").expanduser()
