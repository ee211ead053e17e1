"""Crashes and outages on a real Slurm: kill -9 of the submitter, a stopped controller,
and the number of scheduler calls one poll costs.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hsm import api
from hsm.boundary import result_of
from hsm.effects.runner import RetryPolicy
from hsm.effects.scheduler_backend import SchedulerBackend
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.states import JobState
from tests.integration.conftest import PYTHON, TASK, squeue_names, wait_until

pytestmark = pytest.mark.usefixtures("slurm")
REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "scripts" / "slurm-cluster.sh"


def _held_blocker() -> str:
    """A held job other jobs can depend on, so they stay pending until we cancel them."""
    done = subprocess.run(
        ["sbatch", "--parsable", "--hold", "--job-name=hsm_blocker", "--wrap", "sleep 1"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().split(";")[0]


def _wrapper_dir(tmp_path: Path, name: str, body: str) -> Path:
    wrap = tmp_path / "wrapbin"
    wrap.mkdir(exist_ok=True)
    real = shutil.which(name)
    assert real, f"{name} not on PATH"
    script = wrap / name
    script.write_text("#!/bin/bash\n" + body.replace("REAL", real))
    script.chmod(0o755)
    return wrap


def _sweep_ids(job_prefix: str) -> list[str]:
    done = subprocess.run(
        ["squeue", "-h", "--states=all", "-o", "%j|%i"], capture_output=True, text=True, check=True
    )
    return [line.split("|")[1] for line in done.stdout.splitlines() if line.startswith(job_prefix)]


def test_kill_9_mid_submission_then_resume_has_no_duplicate_and_no_gap(
    tmp_path: Path, scancel_after: list[str]
) -> None:
    blocker = _held_blocker()
    scancel_after.append(blocker)
    count = tmp_path / "sbatch_calls"
    wrap = _wrapper_dir(
        tmp_path,
        "sbatch",
        textwrap.dedent("""\
        out=$(REAL "$@"); rc=$?
        echo called >> "$HSM_WRAP_COUNT"
        sleep 0.3   # the job is in; the submitter has not heard back yet
        printf '%s\\n' "$out"
        exit $rc
        """),
    )
    n = 12
    sweep_dir = tmp_path / "crash"
    submitter = textwrap.dedent(f"""\
        import sys
        from pathlib import Path
        from hsm import api
        from hsm.effects.scheduler_backend import SchedulerBackend
        from hsm.pure.schedulers import SCHEDULERS
        options = api.JobOptions(walltime="00:05:00", python_path={PYTHON!r},
                                 script_path={str(TASK)!r}, project_dir=Path({str(tmp_path)!r}),
                                 dependencies=("afterok:{blocker}",))
        api.submit_sweep(options, SchedulerBackend(SCHEDULERS["slurm"]),
                         [{{"i": i}} for i in range({n})], mode="individual",
                         sweep_dir=Path({str(sweep_dir)!r}), sweep_id="crash9")
        """)
    env = {
        **os.environ,
        "PATH": f"{wrap}:{os.environ['PATH']}",
        "HSM_WRAP_COUNT": str(count),
        "PYTHONPATH": str(REPO),
    }
    proc = subprocess.Popen([sys.executable, "-c", submitter], env=env)
    wait_until(
        lambda: count.exists() and len(count.read_text().split()) >= 5, 60, "five submissions"
    )
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = _sweep_ids("crash9_")
    scancel_after.extend(before)
    assert 5 <= len(before) < n
    journal = (sweep_dir / "journal.jsonl").read_text()
    assert journal.count('"submitting"') > journal.count('"submitted"'), "a submit was in flight"

    options = api.JobOptions(
        walltime="00:05:00",
        python_path=PYTHON,
        script_path=str(TASK),
        project_dir=tmp_path,
        dependencies=(f"afterok:{blocker}",),
    )
    resumed = result_of(
        api.submit_sweep(
            options,
            SchedulerBackend(SCHEDULERS["slurm"]),
            [{"i": i} for i in range(n)],
            mode="individual",
            sweep_dir=sweep_dir,
            sweep_id="crash9",
        )
    ).unwrap()
    scancel_after.extend(resumed.job_ids.values())
    assert resumed.recovered, "the in-flight job was found by name, not resubmitted"
    names = squeue_names("crash9_")
    assert sorted(names) == sorted(f"crash9_task_{i:03d}" for i in range(n))
    assert len(set(resumed.job_ids.values())) == n


def test_poll_with_controller_down_changes_nothing_and_recovers(
    tmp_path: Path, scancel_after: list[str]
) -> None:
    pidfile = (
        Path(os.environ.get("HSM_SLURM_STATE", "/var/lib/hsm-slurm")) / "pids" / "slurmctld.pid"
    )
    if not pidfile.exists():
        pytest.skip("slurmctld was not started by scripts/slurm-cluster.sh; not stopping it")
    blocker = _held_blocker()
    scancel_after.append(blocker)
    backend = SchedulerBackend(
        SCHEDULERS["slurm"],
        policy=RetryPolicy(attempts=2, first_delay=0.2, max_delay=0.5),
        timeout=10,
    )
    sweep_dir = tmp_path / "outage"
    options = api.JobOptions(
        walltime="00:05:00",
        python_path=PYTHON,
        script_path=str(TASK),
        project_dir=tmp_path,
        dependencies=(f"afterok:{blocker}",),
    )
    done = result_of(
        api.submit_sweep(
            options,
            backend,
            [{"i": 0}, {"i": 1}],
            mode="individual",
            sweep_dir=sweep_dir,
            sweep_id="outage",
        )
    ).unwrap()
    scancel_after.extend(done.job_ids.values())
    first = result_of(api.sweep_status(sweep_dir, backend)).unwrap()
    assert {s.state for s in first.statuses.values()} == {JobState.QUEUED}

    os.kill(int(pidfile.read_text().split()[0]), signal.SIGTERM)
    try:
        wait_until(
            lambda: (
                subprocess.run(
                    ["squeue", "-h"], capture_output=True, timeout=30, check=False
                ).returncode
                != 0
            ),
            60,
            "slurmctld to stop answering",
        )
        during = result_of(api.sweep_status(sweep_dir, backend)).unwrap()
        assert during.stale
        assert "could not be asked" in during.warning
        assert "slurm" in during.warning.lower() or "controller" in during.warning.lower()
        assert {t: s.state for t, s in during.statuses.items()} == {
            t: s.state for t, s in first.statuses.items()
        }
    finally:
        subprocess.run(["bash", str(CLUSTER), "up"], check=True, capture_output=True, timeout=300)
    after = result_of(api.sweep_status(sweep_dir, backend)).unwrap()
    assert not after.stale
    assert {s.state for s in after.statuses.values()} == {JobState.QUEUED}


def test_poll_of_500_job_sweep_costs_at_most_3_scheduler_calls(
    tmp_path: Path, scancel_after: list[str]
) -> None:
    blocker = _held_blocker()
    scancel_after.append(blocker)
    log = tmp_path / "calls.log"
    for name in ("squeue", "sacct", "scontrol", "sbatch"):
        _wrapper_dir(tmp_path, name, f'echo "{name} $*" >> "{log}"\nexec REAL "$@"\n')
    wrap = tmp_path / "wrapbin"
    env = {**os.environ, "PATH": f"{wrap}:{os.environ['PATH']}"}
    backend = SchedulerBackend(SCHEDULERS["slurm"], env=env)
    sweep_dir = tmp_path / "big"
    options = api.JobOptions(
        walltime="00:05:00",
        python_path=PYTHON,
        script_path=str(TASK),
        project_dir=tmp_path,
        dependencies=(f"afterok:{blocker}",),
    )
    started = time.monotonic()
    done = result_of(
        api.submit_sweep(
            options,
            backend,
            [{"i": i} for i in range(500)],
            mode="individual",
            sweep_dir=sweep_dir,
            sweep_id="big500",
        )
    ).unwrap()
    scancel_after.extend(done.job_ids.values())
    assert len(done.job_ids) == 500, time.monotonic() - started
    log.write_text("")
    report = result_of(api.sweep_status(sweep_dir, backend)).unwrap()
    calls = [line for line in log.read_text().splitlines() if line]
    assert len(calls) <= 3, calls
    assert len(report.statuses) == 500
    assert {s.state for s in report.statuses.values()} == {JobState.QUEUED}
