"""hsm against a PBS server that behaves like OpenPBS 23.06 (tests/helpers/fakepbs).

The fake runs every job for real and reports states the way the real server does,
including what misleads (PBS_NOTES.md).  The first tests prove the whole path works: a
sweep goes through ``hsm`` -> ``qsub`` -> bash -> the program and back through ``qstat``.
The tests under the "issue 10" headings reproduce what hsm got wrong against a real server
(one-task arrays, subjobs that never ran, array roll-ups, cancel, jobs that can never
run); each failed before its fix.

hsm runs as a subprocess (``python -m hsm``) in a throw-away project whose PATH starts with
the fake, with ``FAKEPBS_ACL_ROOTS=1`` because the tests run as root in CI.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.fakepbs import PROBE, FakePBS, probe_records

HOSTILE = [
    {"text": "plain"},
    {"text": "two words"},
    {"text": 'it\'s $HOME `id` $(id) ; "q" \\ *'},
    {"text": "line\nbreak ünïcødé"},
]


@dataclass
class Run:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def __str__(self) -> str:
        return f"hsm {' '.join(self.args)} -> {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


class Cluster:
    """A fake PBS server (2 CPUs, job numbers from 20) and a project directory."""

    def __init__(self, root: Path, **settings: str) -> None:
        self.pbs = FakePBS(root, {"FIRST_ID": "20", "MOM_POLL": "0", **settings})
        self.work = self.pbs.work
        self.env = {
            **self.pbs.env,
            "XDG_CONFIG_HOME": str(root / "xdg"),
            "NO_COLOR": "1",
        }
        (self.work / "hsm_config.yaml").write_text(
            'hpc:\n  setup: ["export PROBE_SETUP=from-setup"]\n', encoding="utf-8"
        )
        self.procs: list[subprocess.Popen[str]] = []

    def hsm(self, *args: str, timeout: float = 60, env: dict[str, str] | None = None) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "hsm", *args],
            cwd=self.work,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Run(tuple(args), done.returncode, done.stdout, done.stderr)

    def start(self, *args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hsm", *args],
            cwd=self.work,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.procs.append(proc)
        return proc

    def sweep(self, sweep_id: str, *args: str, system: str = "pbspro", timeout: float = 60) -> Run:
        """``hsm sweep run`` of the probe task; ``args`` are axes and flags."""
        flags = self.job_flags(system)
        return self.hsm("sweep", "run", *args, *flags, "--sweep-id", sweep_id, timeout=timeout)

    def job_flags(self, system: str = "pbspro", walltime: str = "00:05:00") -> tuple[str, ...]:
        return (
            "--script",
            str(PROBE),
            "--system",
            system,
            "--python",
            sys.executable,
            "--walltime",
            walltime,
        )

    def sweep_file(self, name: str, combinations: list[dict[str, Any]]) -> str:
        path = self.work / f"{name}.yaml"
        path.write_text(json.dumps({"combinations": combinations}), encoding="utf-8")
        return str(path)

    def monitor(self, sweep_id: str) -> dict[str, Any]:
        run = self.hsm("monitor", "--sweep-id", sweep_id, "--json")
        assert run.code == 0, str(run)
        data: dict[str, Any] = run.json()
        return data

    def states(self, sweep_id: str) -> dict[int, tuple[str, int | None]]:
        return {t["task"]: (t["state"], t["exit_code"]) for t in self.monitor(sweep_id)["tasks"]}

    def release(self, name: str = "go") -> None:
        """Let every task waiting for ``wait=name`` go on."""
        (self.work / name).touch()

    def wait_jobs(self, timeout: float = 60) -> dict[str, Any]:
        return self.pbs.wait_all(timeout)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        self.pbs.close()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    made = Cluster(tmp_path)
    yield made
    made.close()


def _wait_until(predicate: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.1)


# -- what already works -------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["array", "individual"])
def test_every_task_runs_with_its_exact_argv(cluster: Cluster, mode: str) -> None:
    run = cluster.hsm(
        "sweep",
        "run",
        "--config",
        cluster.sweep_file("hostile", HOSTILE),
        *cluster.job_flags(),
        "--mode",
        mode,
        "--sweep-id",
        "ok",
        "--wait",
        "--poll-interval",
        "0.2",
    )
    assert run.code == 0, str(run)
    assert "20[].pbs01" in run.out if mode == "array" else "20.pbs01 21.pbs01" in run.out
    manifest = json.loads((cluster.work / "sweeps" / "ok" / "manifest.json").read_text())
    records = probe_records(cluster.work)
    assert sorted(r["argv"] for r in records) == sorted(t["argv"] for t in manifest["tasks"])
    for record in records:
        assert record["cwd"] == str(cluster.work)
        assert record["env"]["PROBE_SETUP"] == "from-setup"
        assert ("PBS_ARRAY_INDEX" in record["env"]) == (mode == "array")
    states = cluster.states("ok")
    assert states == {i: ("completed", 0) for i in range(4)}


def test_failures_walltime_kills_and_chunks_are_reported(cluster: Cluster) -> None:
    assert cluster.sweep("bad", "exit=0,3").code == 0
    slow = cluster.hsm(
        "sweep",
        "run",
        "sleep=30",
        *cluster.job_flags(walltime="00:00:01"),
        "--mode",
        "individual",
        "--sweep-id",
        "slow",
        env={"FAKEPBS_WALLTIME_GRACE": "0.2"},
    )
    assert slow.code == 0, str(slow)
    chunked = cluster.sweep("four", "x=1,2,3,4", "--max-array-size", "2")
    assert chunked.code == 0 and "(22[].pbs01 23[].pbs01)" in chunked.out, str(chunked)
    cluster.wait_jobs()
    assert cluster.states("bad") == {0: ("completed", 0), 1: ("failed", 3)}
    (killed,) = cluster.monitor("slow")["tasks"]
    assert killed["state"] == "failed" and "JOB_EXEC_KILL_WALLTIME" in killed["reason"]
    assert cluster.states("four") == {i: ("completed", 0) for i in range(4)}
    assert sorted(r["argv"] for r in probe_records(cluster.work))[:4] == [
        ["exit=0"],
        ["exit=3"],
        ["sleep=30"],
        ["x=1"],
    ]


def test_cancelling_a_sweep_cancels_running_and_queued_tasks(cluster: Cluster) -> None:
    assert cluster.sweep("stop", "x=1,2,3", "wait=never").code == 0
    cluster.pbs.wait_for(
        lambda s: s["jobs"]["20"]["subjobs"]["1"]["state"] == "R", "two tasks to run"
    )
    run = cluster.hsm("cancel", "--sweep-id", "stop")
    assert run.code == 0 and "cancelled 1 job(s): 20[].pbs01" in run.out, str(run)
    states = cluster.states("stop")
    assert [state for state, _ in states.values()] == ["cancelled"] * 3
    # Tasks 0 and 1 were killed (271: no exit code); task 2 never ran: the server copies
    # the parent's Exit_status 1 into it (PBS_NOTES.md), which hsm must not pass on.
    assert [code for _, code in states.values()] == [None, None, None]


def test_a_task_whose_afterok_parent_failed_is_not_completed(cluster: Cluster) -> None:
    assert cluster.sweep("parent", "exit=3", "--mode", "individual").code == 0
    child = cluster.sweep("child", "x=1", "--mode", "individual", "--after", "afterok:20.pbs01")
    assert child.code == 0, str(child)
    cluster.wait_jobs()
    assert cluster.states("parent") == {0: ("failed", 3)}
    (task,) = cluster.monitor("child")["tasks"]
    assert task["state"] == "cancelled" and task["exit_code"] is None
    assert [r["argv"] for r in probe_records(cluster.work)] == [["exit=3"]]


def test_a_submission_cut_short_is_found_by_name_not_submitted_twice(cluster: Cluster) -> None:
    """A crash between qsub and the journal's "submitted" record: re-running the same
    command finds the job with ``qselect -x -N`` and submits nothing."""
    assert cluster.sweep("crash", "x=1,2").code == 0
    cluster.wait_jobs()
    journal = cluster.work / "sweeps" / "crash" / "journal.jsonl"
    kept = [line for line in journal.read_text().splitlines() if '"submitted"' not in line]
    journal.write_text("\n".join(kept) + "\n")
    again = cluster.sweep("crash", "x=1,2")
    assert again.code == 0 and "found 1 job(s) submitted before a crash" in again.out, str(again)
    assert list(cluster.pbs.state()["jobs"]) == ["20"]
    assert cluster.states("crash") == {0: ("completed", 0), 1: ("completed", 0)}


def test_queue_lists_the_users_jobs_with_their_states(cluster: Cluster) -> None:
    assert cluster.sweep("q", "x=1,2,3", "wait=go", "--mode", "individual").code == 0
    run = cluster.hsm("queue", "--system", "pbspro", "--json")
    assert run.code == 0, str(run)
    jobs = {job["job_id"]: job["state"] for job in run.json()["jobs"]}
    assert jobs == {"20.pbs01": "running", "21.pbs01": "running", "22.pbs01": "queued"}
    cluster.release()
    cluster.wait_jobs()
    assert cluster.hsm("queue", "--system", "pbspro", "--json").json()["jobs"] == []


def test_torque_flavour_sweep(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path, FLAVOUR="torque")
    try:
        run = cluster.sweep("tq", "x=1,2,3", "exit=0,2", system="torque")
        assert run.code == 0, str(run)
        cluster.wait_jobs()
        states = cluster.states("tq")
        assert states == {i: ("completed", 0) if i % 2 == 0 else ("failed", 2) for i in range(6)}
        assert (cluster.work / "sweeps" / "tq" / "logs" / "array_000.log-5").exists()
        assert {r["env"]["PBS_ARRAYID"] for r in probe_records(cluster.work)} == {
            str(i) for i in range(6)
        }
    finally:
        cluster.close()


# -- issue 10 (a): one-task arrays ---------------------------------------------------------


def test_one_task_sweep_in_array_mode_runs(cluster: Cluster) -> None:
    run = cluster.sweep("one", "x=only")
    assert run.code == 0 and "illegal -J value" not in run.err, str(run)
    cluster.wait_jobs()
    assert [r["argv"] for r in probe_records(cluster.work)] == [["x=only"]]
    assert probe_records(cluster.work)[0]["env"]["PROBE_SETUP"] == "from-setup"
    assert cluster.states("one") == {0: ("completed", 0)}


def test_chunked_sweep_whose_last_chunk_has_one_task_runs(cluster: Cluster) -> None:
    run = cluster.sweep("chunks", "x=1,2,3", "--max-array-size", "2")
    assert run.code == 0 and "illegal -J value" not in run.err, str(run)
    cluster.wait_jobs()
    records = probe_records(cluster.work)
    assert sorted(r["argv"] for r in records) == [["x=1"], ["x=2"], ["x=3"]]
    assert {r["env"]["PROBE_SETUP"] for r in records} == {"from-setup"}
    assert {r["cwd"] for r in records} == {str(cluster.work)}
    assert cluster.states("chunks") == {i: ("completed", 0) for i in range(3)}


def _task_environment(record: dict[str, Any]) -> tuple[Any, ...]:
    """What hsm decides about a task's run: its argv, where it runs, its setup lines."""
    return (tuple(record["argv"]), record["cwd"], record["env"].get("PROBE_SETUP"))


def test_resubmitting_exactly_one_failed_task(cluster: Cluster) -> None:
    assert cluster.sweep("again", "exit=0,5").code == 0
    cluster.wait_jobs()
    first = {tuple(r["argv"]): _task_environment(r) for r in probe_records(cluster.work)}
    run = cluster.hsm("sweep", "resubmit", "--sweep-id", "again", "--failed")
    assert run.code == 0 and "illegal -J value" not in run.err, str(run)
    cluster.wait_jobs()
    records = probe_records(cluster.work)
    rerun = [r for r in records if r["argv"] == ["exit=5"]]
    assert len(rerun) == 2 and {_task_environment(r) for r in rerun} == {first[("exit=5",)]}
    assert cluster.states("again") == {0: ("completed", 0), 1: ("failed", 5)}


def test_resubmitting_an_individual_mode_sweep(cluster: Cluster) -> None:
    combos = [{"x": 1}, {"x": 2, "exit": 5}, {"x": 3}]
    run = cluster.hsm(
        "sweep", "run", "--config", cluster.sweep_file("ind", combos), *cluster.job_flags(),
        "--mode", "individual", "--sweep-id", "ind",
    )  # fmt: skip
    assert run.code == 0, str(run)
    cluster.wait_jobs()
    first = {tuple(r["argv"]): _task_environment(r) for r in probe_records(cluster.work)}
    run = cluster.hsm("sweep", "resubmit", "--sweep-id", "ind", "--failed")
    assert run.code == 0 and "illegal -J value" not in run.err, str(run)
    cluster.wait_jobs()
    rerun = [r for r in probe_records(cluster.work) if r["argv"] == ["x=2", "exit=5"]]
    assert len(rerun) == 2
    assert {_task_environment(r) for r in rerun} == {first[("x=2", "exit=5")]}


def test_a_refused_resubmission_keeps_the_recorded_final_states(cluster: Cluster) -> None:
    assert cluster.sweep("keep", "exit=3,4").code == 0
    cluster.wait_jobs()
    assert cluster.states("keep") == {0: ("failed", 3), 1: ("failed", 4)}
    # max_queued = [u:PBS_GENERIC=1] and a job queued: the server refuses the resubmission
    # for a submit limit, which is "no room yet" (issue 11): it waits for a feeder.
    # (A job that can never run keeps the one place taken.)
    cluster.pbs.submit("-l", "select=1:ncpus=64", cluster.pbs.script("true\n"))
    capped = {"FAKEPBS_MAX_QUEUED": "1"}
    refused = cluster.hsm("sweep", "resubmit", "--sweep-id", "keep", env=capped)
    assert refused.code == 0 and "waits for queue room" in refused.out, str(refused)
    assert cluster.states("keep") == {0: ("failed", 3), 1: ("failed", 4)}
    assert cluster.hsm("cancel", "--sweep-id", "keep", env=capped).code == 0


# -- issue 10 (b): a subjob cancelled while queued ----------------------------------------


def _cancel_queued_subjob(cluster: Cluster, sweep_id: str, *axes: str) -> None:
    """3 tasks on 2 CPUs, tasks waiting for files: cancel task 2 while it is queued."""
    assert cluster.sweep(sweep_id, *axes).code == 0
    cluster.pbs.wait_for(
        lambda s: (
            s["jobs"]["20"]["subjobs"]["2"]["state"] == "Q"
            and s["jobs"]["20"]["subjobs"]["1"]["state"] == "R"
        ),
        "tasks 0 and 1 to run",
    )
    run = cluster.hsm("cancel", "20[2].pbs01", "--system", "pbspro")
    assert run.code == 0, str(run)


def test_a_subjob_cancelled_while_queued_ends_cancelled(cluster: Cluster) -> None:
    _cancel_queued_subjob(cluster, "b", "x=0,1,2", "wait=go")
    cluster.release()
    cluster.wait_jobs()
    assert cluster.states("b")[2] == ("cancelled", None)


def test_wait_fails_when_a_queued_subjob_was_cancelled(cluster: Cluster) -> None:
    proc = cluster.start(
        "sweep",
        "run",
        "x=0,1,2",
        "wait=go",
        *cluster.job_flags(),
        "--sweep-id",
        "bw",
        "--wait",
        "--poll-interval",
        "0.2",
    )
    cluster.pbs.wait_for(
        lambda s: "20" in s["jobs"] and s["jobs"]["20"]["subjobs"]["1"]["state"] == "R",
        "tasks 0 and 1 to run",
    )
    assert cluster.hsm("cancel", "20[2].pbs01", "--system", "pbspro").code == 0
    cluster.release()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 5, f"exit {proc.returncode}\n{out}\n{err}"


def test_resubmit_picks_up_a_subjob_cancelled_while_queued(cluster: Cluster) -> None:
    _cancel_queued_subjob(cluster, "br", "x=0,1,2", "wait=go")
    cluster.release()
    cluster.wait_jobs()
    run = cluster.hsm("sweep", "resubmit", "--sweep-id", "br", "--failed")
    assert run.code == 0 and "resubmitted 1 task(s) (2)" in run.out, str(run)


def test_a_cancelled_subjob_is_never_failed_nor_completed(cluster: Cluster) -> None:
    combos = [{"x": 0, "wait": "go0", "exit": 3}, {"x": 1, "wait": "go1"}, {"x": 2}]
    run = cluster.hsm(
        "sweep", "run", "--config", cluster.sweep_file("bh", combos), *cluster.job_flags(),
        "--sweep-id", "bh",
    )  # fmt: skip
    assert run.code == 0, str(run)
    assert cluster.hsm("cancel", "20[2].pbs01", "--system", "pbspro").code == 0
    seen = [cluster.states("bh")[2][0]]
    cluster.release("go0")  # a sibling fails ...
    cluster.pbs.wait_for(lambda s: s["jobs"]["20"]["subjobs"]["0"]["state"] == "X", "task 0")
    seen.append(cluster.states("bh")[2][0])
    cluster.release("go1")  # ... and the last one succeeds
    cluster.wait_jobs()
    seen.append(cluster.states("bh")[2][0])
    assert seen == ["cancelled"] * 3


# -- issue 10 (c): the library's roll-up of an array ---------------------------------------


def test_library_rolls_an_array_up_from_its_subjobs(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hsm import PBSJobManager

    for name, value in cluster.env.items():
        monkeypatch.setenv(name, value)
    manager = PBSJobManager(
        walltime="00:05:00",
        python_path=sys.executable,
        script_path=str(PROBE),
        project_dir=cluster.work,
    )
    (array,) = manager.submit_sweep(
        [{"wait": "go0", "exit": 3}, {"wait": "go1", "exit": 0}],
        mode="array",
        sweep_dir=cluster.work / "sweeps" / "lib",
        sweep_id="lib",
    )
    cluster.release("go0")
    cluster.pbs.wait_for(lambda s: s["jobs"]["20"]["subjobs"]["0"]["state"] == "X", "subjob 0")
    cluster.release("go1")
    cluster.wait_jobs()
    assert manager.get_job_status(array) == "failed"


# -- issue 10 (d): hsm cancel reports per id -----------------------------------------------


def test_cancel_of_a_finished_job_says_it_had_finished(cluster: Cluster) -> None:
    assert cluster.sweep("fin", "x=1", "--mode", "individual").code == 0
    cluster.wait_jobs()
    run = cluster.hsm("cancel", "20.pbs01", "--system", "pbspro")
    assert "already finished" in run.out + run.err and "cancelled 1 job" not in run.out, str(run)


def test_cancel_of_an_unknown_id_fails(cluster: Cluster) -> None:
    run = cluster.hsm("cancel", "99.pbs01", "--system", "pbspro")
    assert run.code != 0 and "cancelled 1 job" not in run.out, str(run)
    assert "99.pbs01" in run.err


def test_cancel_of_a_finished_subjob_says_it_had_finished(cluster: Cluster) -> None:
    assert cluster.sweep("sub", "x=1,2").code == 0
    cluster.wait_jobs()
    run = cluster.hsm("cancel", "20[0].pbs01", "--system", "pbspro")
    assert "status 55" not in run.err and "already finished" in run.out + run.err, str(run)


# -- issue 10 (e): hsm queue, and jobs that can never run ---------------------------------


def test_queue_counts_subjobs_not_array_parents(cluster: Cluster) -> None:
    assert cluster.sweep("plain", "x=1,2,3", "wait=go", "--mode", "individual").code == 0
    assert cluster.sweep("arr1", "x=1,2,3", "wait=go").code == 0
    assert cluster.sweep("arr2", "x=1,2,3", "wait=go").code == 0
    run = cluster.hsm("queue", "--system", "pbspro", "--json")
    assert run.code == 0, str(run)
    ids = [job["job_id"] for job in run.json()["jobs"]]
    assert len(ids) == 9 and not [i for i in ids if "[]" in i], ids


def _never_runs(cluster: Cluster, sweep_id: str, *extra: str) -> Run:
    return cluster.sweep(
        sweep_id,
        "x=1",
        "--mode",
        "individual",
        "--resources",
        "select=1:ncpus=64",
        *extra,
        timeout=15,
    )


def test_monitor_shows_why_a_job_can_never_run(cluster: Cluster) -> None:
    assert _never_runs(cluster, "huge").code == 0
    assert cluster.monitor("huge")["tasks"][0]["reason"].startswith("Can Never Run")
    run = cluster.hsm("monitor", "--sweep-id", "huge")
    assert "Can Never Run: Insufficient amount of resource: ncpus" in run.out, str(run)


def test_wait_stops_for_a_job_that_can_never_run(cluster: Cluster) -> None:
    try:
        run = _never_runs(cluster, "forever", "--wait", "--poll-interval", "0.2")
    except subprocess.TimeoutExpired:
        pytest.fail("hsm sweep run --wait was still waiting after 15 s for a job that can never run")  # fmt: skip
    assert run.code != 0 and "Can Never Run" in run.out + run.err, str(run)


def test_reasons_have_no_empty_parts(cluster: Cluster) -> None:
    combos = [{"x": 0, "wait": "go0"}, {"x": 1, "wait": "never"}, {"x": 2}]
    run = cluster.hsm(
        "sweep", "run", "--config", cluster.sweep_file("rs", combos), *cluster.job_flags(),
        "--sweep-id", "rs",
    )  # fmt: skip
    assert run.code == 0, str(run)
    cluster.pbs.wait_for(lambda s: s["jobs"]["20"]["subjobs"]["1"]["state"] == "R", "task 1")
    # task 1 is deleted while running, task 2 while queued; task 0 then ends last, with 0
    assert cluster.hsm("cancel", "20[1].pbs01", "20[2].pbs01", "--system", "pbspro").code == 0
    cluster.release("go0")
    cluster.wait_jobs()
    reasons = [t["reason"] for t in cluster.monitor("rs")["tasks"]]
    assert not [r for r in reasons if "; ;" in r or r.endswith(";")], reasons
