"""Feeding a sweep bigger than the queue through the fake OpenPBS (``max_queued``).

The fake server refuses a ``qsub`` that would take the user's queued subjobs above
``max_queued`` (``qsub: would exceed complex's per-user limit``) and shows the limit in
``qmgr -c 'print server'``, as a real server does (PBS_NOTES.md).  A 12-task sweep under
a limit of 4 must run every task exactly once, fed in waves.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.fakepbs import probe_records
from tests.integration.test_pbs_server_behaviour import Cluster

LIMIT = 4
TASKS = 12


@pytest.fixture
def capped(tmp_path: Path) -> Iterator[Cluster]:
    made = Cluster(tmp_path, MAX_QUEUED=str(LIMIT))
    yield made
    made.close()


def _in(cluster: Cluster, sweep_id: str) -> set[object]:
    """Keys of the jobs that went in (submitted, or found by name after a cut-short submit)."""
    return {
        e["key"] for e in _events(cluster, sweep_id) if e["event"] in ("submitted", "recovered")
    }


def _events(cluster: Cluster, sweep_id: str) -> list[dict[str, object]]:
    text = (cluster.work / "sweeps" / sweep_id / "journal.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_hsm_limits_reads_max_queued(capped: Cluster) -> None:
    run = capped.hsm("limits", "--system", "pbspro")
    assert run.code == 0, str(run)
    assert f"max_queued = {LIMIT}  from server, u:PBS_GENERIC (qmgr -c 'print server')" in run.out
    assert f"effective: at most {LIMIT} jobs queued" in run.out
    lowered = capped.hsm("limits", "--system", "pbspro", "--max-queued", "2", "--json")
    assert lowered.json()["max_queued"] == 2


@pytest.mark.parametrize("mode", ["array", "individual"])
def test_a_sweep_bigger_than_max_queued_is_fed_in_waves(capped: Cluster, mode: str) -> None:
    run = capped.sweep(
        f"fed{mode}", f"x=range({TASKS})", "--mode", mode, "--wait", "--poll-interval", "0.2",
        timeout=180,
    )  # fmt: skip
    assert run.code == 0, str(run)
    assert "wait for queue room: feeding here" in run.err
    assert f"submitted {TASKS} / {TASKS}" in run.err
    records = probe_records(capped.work)
    assert sorted(r["argv"][0] for r in records) == sorted(f"x={t}" for t in range(TASKS))
    events = _events(capped, f"fed{mode}")
    assert not [e for e in events if e["event"] == "failed"]
    # No wave was larger than the limit: every job covers at most LIMIT tasks.
    manifest = json.loads(
        (capped.work / "sweeps" / f"fed{mode}" / "manifest.json").read_text(encoding="utf-8")
    )
    assert all(len(job["tasks"]) <= LIMIT for job in manifest["jobs"])
    assert sorted(t for job in manifest["jobs"] for t in job["tasks"]) == list(range(TASKS))
    assert [t["state"] for t in capped.monitor(f"fed{mode}")["tasks"]] == ["completed"] * TASKS


def test_a_killed_feeder_resumes_by_running_the_same_command_again(capped: Cluster) -> None:
    args = ("resume", f"x=range({TASKS})", "--mode", "individual")
    # A feeder that would wait a minute between polls: it is killed before its second.
    run = capped.sweep(*args, "--feed-interval", "60")
    assert run.code == 0, str(run)
    sweep_dir = capped.work / "sweeps" / "resume"
    deadline = time.monotonic() + 15
    while not (sweep_dir / "feeder.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    os.kill(int((sweep_dir / "feeder.pid").read_text()), signal.SIGKILL)
    went_in = [e for e in _events(capped, "resume") if e["event"] == "submitted"]
    assert 0 < len(went_in) <= LIMIT < TASKS
    again = capped.sweep(*args, "--wait", "--poll-interval", "0.2", timeout=180)
    assert again.code == 0, str(again)
    assert f"submitted {TASKS} / {TASKS}" in again.err
    records = probe_records(capped.work)
    assert sorted(r["argv"][0] for r in records) == sorted(f"x={t}" for t in range(TASKS))
    submitted = [e["key"] for e in _events(capped, "resume") if e["event"] == "submitted"]
    assert len(submitted) == len(set(submitted)) == TASKS  # one job per task, none twice


def _feeder_alive(sweep_dir: Path) -> bool:
    try:
        pid = int((sweep_dir / "feeder.pid").read_text())
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_cancel_stops_the_feeder_and_sweep_feed_goes_on(capped: Cluster) -> None:
    args = ("stopgo", f"x=range({TASKS})", "--mode", "individual", "--feed-interval", "0.3")
    assert capped.sweep(*args).code == 0
    sweep_dir = capped.work / "sweeps" / "stopgo"
    deadline = time.monotonic() + 15
    while not _feeder_alive(sweep_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    cancelled = capped.hsm("cancel", "--sweep-id", "stopgo")
    assert cancelled.code == 0, str(cancelled)
    assert not _feeder_alive(sweep_dir)
    submitted = [e for e in _events(capped, "stopgo") if e["event"] == "submitted"]
    time.sleep(1.5)  # five intervals: nothing more goes in
    assert [e for e in _events(capped, "stopgo") if e["event"] == "submitted"] == submitted
    assert len(submitted) < TASKS
    states = [t["state"] for t in capped.monitor("stopgo")["tasks"]]
    assert states[len(submitted) :] == ["cancelled"] * (TASKS - len(submitted))

    resumed = capped.hsm("sweep", "feed", "--sweep-id", "stopgo", "--feed-interval", "0.2")
    assert resumed.code == 0 and "a feeder (pid" in resumed.out, str(resumed)
    capped.pbs.wait_for(
        lambda _: len(_in(capped, "stopgo")) == TASKS,
        timeout=120,
        what="the resumed feeder to submit the rest",
    )
    capped.wait_jobs()
    events = _events(capped, "stopgo")
    keys = [e["key"] for e in events if e["event"] in ("submitted", "recovered")]
    assert len(keys) == len(set(keys)) == TASKS  # a job per task, none twice
    # What went in after the resume ran (a submit cut short by the cancel is found by name,
    # then recorded, never redone).
    resumed_at = max(i for i, e in enumerate(events) if e["event"] == "feed_start")
    after = {e["key"] for e in events[resumed_at:] if e["event"] == "submitted"}
    manifest = json.loads((sweep_dir / "manifest.json").read_text(encoding="utf-8"))
    ran = {t for job in manifest["jobs"] if job["key"] in after for t in job["tasks"]}
    final = capped.monitor("stopgo")["tasks"]
    assert ran and all(final[t]["state"] == "completed" for t in ran)
    # Those in before the cancel finished first (the probe is quick) or were cancelled.
    assert {t["state"] for t in final if t["task"] not in ran} <= {"completed", "cancelled"}


def test_a_dry_run_shows_the_first_wave_the_run_submits(capped: Cluster) -> None:
    args = ("dry", f"x=range({TASKS})", "--mode", "array")
    dry = capped.sweep(*args, "--dry-run", "--json")
    assert dry.code == 0, str(dry)
    shown = dry.json()
    assert shown["waiting"] == TASKS - LIMIT
    planned = [(job["key"], job["tasks"]) for job in shown["jobs"]]
    assert sum(len(tasks) for _, tasks in planned) == LIMIT
    assert not (capped.work / "sweeps" / "dry").exists()
    run = capped.sweep(*args, "--feed-interval", "60")
    assert run.code == 0, str(run)
    manifest = json.loads(
        (capped.work / "sweeps" / "dry" / "manifest.json").read_text(encoding="utf-8")
    )
    assert [(job["key"], job["tasks"]) for job in manifest["jobs"]] == planned
    capped.hsm("cancel", "--sweep-id", "dry")
