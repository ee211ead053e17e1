"""PBS Pro and Torque without a server.

* The rendered array scripts of a planned sweep run under bash with the PBS environment
  (``PBS_O_WORKDIR`` and ``PBS_ARRAY_INDEX`` / ``PBS_ARRAYID``) and every task receives
  its parameters -- the script body is exercised for real.
* The submit -> poll flow through fake ``qsub``/``qstat`` printing the documented output
  formats (tests/data/pbs), and fault injection (garbage, timeouts, transient and
  permanent errors) for both PBS and Slurm.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from hsm import api
from hsm.boundary import result_of
from hsm.effects.runner import RetryPolicy
from hsm.effects.scheduler_backend import SchedulerBackend
from hsm.pure.errors import CommandError, SubmissionError
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.states import JobState

TESTS = Path(__file__).resolve().parents[1]
FAKEBIN = TESTS / "helpers" / "fakebin"
TASK = TESTS / "helpers" / "task.py"
PBS_DATA = TESTS / "data" / "pbs"
PARAMS = [
    {"idx": i, "text": t} for i, t in enumerate(["plain", "two words", "it's $HOME", '`id`; "x"'])
]
FAST = RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.02)


def _options(tmp_path: Path) -> api.JobOptions:
    return api.JobOptions(
        walltime="01:00:00",
        resources="select=1:ncpus=2:mem=4gb",
        python_path=sys.executable,
        script_path=str(TASK),
        project_dir=tmp_path,
    )


def _fake_env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{FAKEBIN}{os.pathsep}{os.environ['PATH']}",
        "FAKE_STATE_DIR": str(tmp_path / "fake"),
        **values,
    }


def _backend(key: str, env: dict[str, str], **extra: Any) -> SchedulerBackend:
    return SchedulerBackend(SCHEDULERS[key], env=env, policy=FAST, sleep=lambda _: None, **extra)


@pytest.mark.parametrize(
    ("key", "index_var"), [("pbspro", "PBS_ARRAY_INDEX"), ("torque", "PBS_ARRAYID")]
)
def test_rendered_pbs_array_scripts_give_each_task_its_params(
    key: str, index_var: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _manifest, jobs = api.plan_sweep(
        _options(tmp_path), key, 3, "pbsrun", tmp_path / "sw", PARAMS, "array"
    ).unwrap()
    assert len(jobs) == 2  # 3 + 1 under a limit of 3
    # PBS Pro refuses a one-subjob array, so there the remainder is a plain job.
    assert (jobs[1].indices is None) == (key == "pbspro")
    parser = OverridesParser.create()
    received = []
    for job in jobs:
        script = tmp_path / f"{job.key}.sh"
        script.write_text(job.script)
        for index in job.indices or [None]:
            env = {
                "PATH": os.environ["PATH"],
                "PBS_O_WORKDIR": str(tmp_path),
                "HSM_TEST_OUT": str(out),
                **({} if index is None else {index_var: str(index)}),
            }
            done = subprocess.run(
                ["bash", str(script)],
                env=env,
                cwd="/",
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr
    for path in out.glob("*.json"):
        argv = json.loads(path.read_text())["argv"]
        received.append({o.key_or_group: o.value() for o in map(parser.parse_override, argv)})
    assert sorted(received, key=lambda p: p["idx"]) == PARAMS
    flag = "-J" if key == "pbspro" else "-t"
    assert f"#PBS {flag} 0-2" in jobs[0].script


def test_pbspro_array_submit_then_poll_reads_documented_qstat(tmp_path: Path) -> None:
    env = _fake_env(
        tmp_path,
        FAKE_STDOUT_QSUB="1100[].pbsserver\n",
        FAKE_STDOUT_FILE_QSTAT=str(PBS_DATA / "pro_qstat_f_t_array.txt"),
    )
    backend = _backend("pbspro", env, max_array_size=10)
    done = result_of(
        api.submit_sweep(
            _options(tmp_path),
            backend,
            PARAMS,
            mode="array",
            sweep_dir=tmp_path / "sw",
            sweep_id="pro",
        )
    ).unwrap()
    assert done.job_ids == {"array_000": "1100[].pbsserver"}
    report = result_of(api.sweep_status(tmp_path / "sw", backend)).unwrap()
    states = [report.statuses[i].state for i in range(4)]
    assert states == [JobState.COMPLETED, JobState.RUNNING, JobState.QUEUED, JobState.QUEUED]
    assert report.statuses[1].job_id == "1100[1].pbsserver"
    calls = (tmp_path / "fake" / "calls.log").read_text().splitlines()
    assert sum(line.startswith("qstat") for line in calls) <= 2


def test_torque_individual_submit_then_poll(tmp_path: Path) -> None:
    env = _fake_env(tmp_path, FAKE_STDOUT_FILE_QSTAT=str(PBS_DATA / "torque_qstat_f_t.txt"))
    # One sweep per documented job: exit 0, exit 2, qdel'd while running (271), walltime.
    for n in range(4):
        job_id = f"{2003 + n}.head.cluster.example.org\n"
        backend = _backend("torque", {**env, "FAKE_STDOUT_QSUB": job_id})
        result_of(
            api.submit_sweep(
                _options(tmp_path),
                backend,
                [PARAMS[n]],
                mode="individual",
                sweep_dir=tmp_path / f"t{n}",
                sweep_id=f"torque{n}",
            )
        ).unwrap()
    poller = _backend("torque", env)
    states = [
        result_of(api.sweep_status(tmp_path / f"t{n}", poller)).unwrap().statuses[0]
        for n in range(4)
    ]
    assert [s.state for s in states] == [
        JobState.COMPLETED,
        JobState.FAILED,
        JobState.CANCELLED,
        JobState.FAILED,
    ]
    assert states[1].exit_code == 2


@pytest.mark.parametrize("key", ["slurm", "pbspro"])
def test_garbage_status_output_is_an_error_quoting_the_command(key: str, tmp_path: Path) -> None:
    backend = _backend(key, _fake_env(tmp_path, FAKE_MODE="garbage"))
    ids = ["1001"] if key == "slurm" else ["1001.pbs01"]
    error = result_of(backend.poll(ids)).failure()
    assert isinstance(error, CommandError) and not error.transient
    assert "could not read the output of" in error.message


@pytest.mark.parametrize("key", ["slurm", "pbspro", "torque"])
def test_timeouts_and_transient_errors_are_retried_then_reported(key: str, tmp_path: Path) -> None:
    ids = ["1001"] if key == "slurm" else ["1001.pbs01"]
    hung = _backend(key, _fake_env(tmp_path, FAKE_MODE="timeout", FAKE_SLEEP="30"), timeout=0.5)
    error = result_of(hung.poll(ids)).failure()
    assert error.transient and "did not answer" in error.message
    flaky = _backend(key, _fake_env(tmp_path, FAKE_MODE="transient"))
    error = result_of(flaky.poll(ids)).failure()
    assert error.transient and "3 times" in error.message


def test_transient_poll_keeps_last_known_states(tmp_path: Path) -> None:
    env = _fake_env(
        tmp_path,
        FAKE_STDOUT_QSUB="1100[].pbsserver\n",
        FAKE_STDOUT_FILE_QSTAT=str(PBS_DATA / "pro_qstat_f_t_array.txt"),
    )
    backend = _backend("pbspro", env, max_array_size=10)
    result_of(
        api.submit_sweep(
            _options(tmp_path),
            backend,
            PARAMS,
            mode="array",
            sweep_dir=tmp_path / "sw",
            sweep_id="pro",
        )
    ).unwrap()
    first = result_of(api.sweep_status(tmp_path / "sw", backend)).unwrap()
    down = _backend("pbspro", {**env, "FAKE_MODE": "transient"}, max_array_size=10)
    during = result_of(api.sweep_status(tmp_path / "sw", down)).unwrap()
    assert during.stale and "cannot connect to server" in during.warning
    assert during.statuses == first.statuses


@pytest.mark.parametrize("key", ["slurm", "pbspro"])
def test_permanent_refusal_is_a_submission_error_and_resume_submits_the_rest(
    key: str, tmp_path: Path
) -> None:
    refused = _backend(key, _fake_env(tmp_path, FAKE_MODE="permanent"))
    error = result_of(
        api.submit_sweep(
            _options(tmp_path),
            refused,
            PARAMS[:2],
            mode="individual",
            sweep_dir=tmp_path / "sw",
            sweep_id="refused",
        )
    ).failure()
    assert isinstance(error, SubmissionError)
    assert "refused" in error.message and error.scheduler_message
    assert "run the same submission again" in str(error)
    fine = _backend(key, _fake_env(tmp_path))
    done = result_of(
        api.submit_sweep(
            _options(tmp_path),
            fine,
            PARAMS[:2],
            mode="individual",
            sweep_dir=tmp_path / "sw",
            sweep_id="refused",
        )
    ).unwrap()
    assert len(done.submitted) == 2


def test_transient_submit_failure_is_retried_once_the_name_is_not_found(tmp_path: Path) -> None:
    env = _fake_env(tmp_path, FAKE_MODE_SBATCH="transient-then-ok", FAKE_FAILURES="1")
    backend = _backend("slurm", env)
    done = result_of(
        api.submit_sweep(
            _options(tmp_path),
            backend,
            PARAMS[:1],
            mode="individual",
            sweep_dir=tmp_path / "sw",
            sweep_id="flaky",
        )
    ).unwrap()
    assert len(done.job_ids) == 1
    calls = (tmp_path / "fake" / "calls.log").read_text().splitlines()
    assert sum(c.startswith("sbatch") for c in calls) == 2
    assert any(c.startswith("squeue") and "--name=flaky_task_000" in c for c in calls)
