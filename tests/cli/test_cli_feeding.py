"""A refusal for a submit limit is "no room yet": the sweep directory stays, a feeder
takes the rest, ``hsm cancel`` stops the feeder (fake ``sbatch`` refusing as Slurm 22.05
does for ``MaxSubmitJobsPerUser``)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tests.cli.conftest import Hsm

FAKEBIN = Path(__file__).resolve().parents[1] / "helpers" / "fakebin"
QOS_REFUSAL = (
    "sbatch: error: QOSMaxSubmitJobPerUserLimit\n"
    "sbatch: error: Batch job submission failed: Job violates accounting/QOS policy (job "
    "submit limit, user's size and/or time limits)"
)


def _env(hsm: Hsm, **fake: str) -> dict[str, str]:
    return {
        **hsm.env,
        "PATH": f"{FAKEBIN}{os.pathsep}{hsm.env['PATH']}",
        "FAKE_STATE_DIR": str(hsm.cwd / "fake"),
        **fake,
    }


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_sweep_refused_for_a_submit_limit_waits_and_cancel_stops_its_feeder(hsm: Hsm) -> None:
    env = _env(hsm, FAKE_MODE_SBATCH="permanent", FAKE_STDERR=QOS_REFUSAL)
    run = hsm(
        "sweep", "run", "--config", "examples/sweep.yaml", "--system", "slurm", "--mode", "array",
        "--sweep-id", "capped", "--feed-interval", "0.2", env=env,
    )  # fmt: skip
    # Not a failure: nothing went in, the sweep waits, and its directory stays.
    assert run.code == 0, str(run)
    assert "wait for queue room: a feeder (pid" in run.err
    sweep_dir = hsm.cwd / "sweeps" / "capped"
    events = [
        json.loads(line)["event"]
        for line in (sweep_dir / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert events[:2] == ["submitting", "no_room"] and "failed" not in events
    deadline = time.monotonic() + 15
    while not (sweep_dir / "feeder.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = int((sweep_dir / "feeder.pid").read_text())
    assert _alive(pid)
    time.sleep(1.0)  # it keeps asking: each refusal is journaled as no room, never a failure
    later = (sweep_dir / "journal.jsonl").read_text(encoding="utf-8")
    assert later.count('"no_room"') >= 2 and '"failed"' not in later

    cancelled = hsm("cancel", "--sweep-id", "capped", env=env)
    assert cancelled.code == 0, str(cancelled)
    deadline = time.monotonic() + 15
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)
    settled = (sweep_dir / "journal.jsonl").read_text(encoding="utf-8")
    time.sleep(0.5)
    assert (sweep_dir / "journal.jsonl").read_text(encoding="utf-8") == settled
    shown = hsm("monitor", "--sweep-id", "capped", "--json", env=env)
    states = {t["state"] for t in shown.json()["tasks"]}
    assert states == {"cancelled"}, shown.out  # never submitted, and never will be


def test_another_refusal_still_fails_with_its_hint(hsm: Hsm) -> None:
    env = _env(hsm, FAKE_MODE_SBATCH="permanent")
    run = hsm(
        "sweep", "run", "--config", "examples/sweep.yaml", "--system", "slurm", "--sweep-id", "bad",
        env=env,
    )  # fmt: skip
    assert run.code != 0 and "Invalid partition name specified" in run.err
    assert not (hsm.cwd / "sweeps" / "bad").exists()
