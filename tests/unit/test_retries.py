"""Which failures ``--retries`` answers, per scheduler, and how often.

The codes are written out here, independently of the modules: Slurm's final states
(``sacct`` long and short forms), every documented PBS Pro / Torque ``JOB_EXEC`` code and
every ``failed`` value of Grid Engine's sge_status(5).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hsm import api
from hsm.pure.manifest import Manifest
from hsm.pure.plan import JobRecord
from hsm.pure.retries import attempts, tasks_to_retry
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.schedulers.pbs.qstat import decode_exit_status
from hsm.pure.schedulers.sge.qacct import FAILED_CODES, parse_history_output
from hsm.pure.states import JobState, JobStatus

SLURM_INFRASTRUCTURE = ["NODE_FAIL", "NF", "BOOT_FAIL", "BF", "PREEMPTED", "PR"]
SLURM_OWN = ["FAILED", "F", "TIMEOUT", "TO", "OUT_OF_MEMORY", "OOM", "DEADLINE", "DL"]


@pytest.mark.parametrize("raw", SLURM_INFRASTRUCTURE + SLURM_OWN)
def test_slurm_infrastructure_failures(raw: str) -> None:
    status = JobStatus("7_1", JobState.FAILED, raw)
    assert SCHEDULERS["slurm"].infrastructure_failure(status) is (raw in SLURM_INFRASTRUCTURE)


def test_slurm_cancelled_or_completed_is_never_retried() -> None:
    retry = SCHEDULERS["slurm"].infrastructure_failure
    assert not retry(JobStatus("7", JobState.CANCELLED, "CANCELLED by 0"))
    assert not retry(JobStatus("7", JobState.COMPLETED, "COMPLETED", exit_code=0))


# PBS Pro: -24..-29 are kills for exceeding ncpus, vmem, mem, cput, walltime.
PRO_LIMIT_KILLS = {-24, -25, -26, -27, -28, -29}
# Torque: -8 the user's command could not be run, -10/-11/-12 memory/walltime/CPU limits.
TORQUE_LIMIT_KILLS = {-8, -10, -11, -12}


@pytest.mark.parametrize(
    ("key", "flavour", "codes", "kills"),
    [
        ("pbspro", "pro", range(-30, 0), PRO_LIMIT_KILLS),
        ("torque", "torque", range(-14, 0), TORQUE_LIMIT_KILLS),
    ],
)
def test_pbs_negative_exec_codes(key: str, flavour: str, codes: range, kills: set[int]) -> None:
    retry = SCHEDULERS[key].infrastructure_failure
    for code in codes:
        state, exit_code, sig, reason = decode_exit_status(code, flavour)
        status = JobStatus("1.s", state, "F", exit_code, sig, reason)
        assert retry(status) is (code not in kills), (code, reason)
    for value in (1, 3, 271):  # the program's own exit codes and a signal kill
        state, exit_code, sig, reason = decode_exit_status(value, flavour)
        assert not retry(JobStatus("1.s", state, "F", exit_code, sig, reason))


# Grid Engine: sge_status(5) says these failed before the program started on the host
# (execd, shepherd, prolog, PE start), or the shepherd died or lost its report, or the
# host lost the job.  26-28 (output file, shell, working directory) are the user's and
# fail the same way on every host; 37 is a limit kill, 100 a qdel, 17 a signal.
SGE_HOST_FAILURES = {1, 3, 4, 6, 7, 8, 9, 10, 11, 18, 19, 21}


def _qacct_record(failed: int, exit_status: int) -> str:
    return (
        "==============================================================\n"
        "qname        all.q\nhostname     vm\njobnumber    41\ntaskid       undefined\n"
        f"failed       {failed}  : {FAILED_CODES.get(failed, '')}\n"
        f"exit_status  {exit_status}\n"
    )


@pytest.mark.parametrize("failed", sorted(FAILED_CODES))
def test_grid_engine_failed_codes(failed: int) -> None:
    retry = SCHEDULERS["sge"].infrastructure_failure
    text = "hsm-wanted 41\n" + _qacct_record(failed, 0 if failed != 100 else 137)
    status = parse_history_output(text).unwrap()["41"]
    assert retry(status) is (failed in SGE_HOST_FAILURES), (failed, status)


def test_grid_engine_program_failures_are_not_retried() -> None:
    retry = SCHEDULERS["sge"].infrastructure_failure
    for exit_status in (1, 137):  # the program's own exit, a kill
        status = parse_history_output("hsm-wanted 41\n" + _qacct_record(0, exit_status))
        assert not retry(status.unwrap()["41"])


def _manifest(tasks: int) -> Manifest:
    planned = api.plan_sweep(
        api.JobOptions(script_path="t.py", project_dir=Path("/tmp")),
        "slurm",
        1000,
        "r",
        Path("/tmp/sweeps/r"),
        [{"x": i} for i in range(tasks)],
        "array",
    ).unwrap()
    return planned[0]


def test_retries_count_attempts_and_stop_at_the_limit() -> None:
    manifest = _manifest(3)
    first = manifest.jobs[0]
    again = JobRecord("r1_array_0", "r_r1_array_0", "x", (1,), (1,), "l", "")
    grown = replace(manifest, jobs=(first, again))
    ids = {first.key: "10", again.key: "11"}
    assert attempts(grown, ids) == {0: 1, 1: 2, 2: 1}
    statuses = {
        0: JobStatus("10_0", JobState.FAILED, "NODE_FAIL"),
        1: JobStatus("11_1", JobState.FAILED, "NODE_FAIL"),
        2: JobStatus("10_2", JobState.FAILED, "FAILED", exit_code=1),
    }
    infra = SCHEDULERS["slurm"].infrastructure_failure
    pick = {"statuses": statuses, "infrastructure": infra}
    assert tasks_to_retry(grown, ids, retries=1, retry_on="infrastructure", **pick) == [0]
    assert tasks_to_retry(grown, ids, retries=2, retry_on="infrastructure", **pick) == [0, 1]
    assert tasks_to_retry(grown, ids, retries=1, retry_on="any", **pick) == [0, 2]
    assert tasks_to_retry(grown, ids, retries=0, retry_on="any", **pick) == []
