"""hsm.effects.runner against real processes and the fault-injection fakes in fakebin/.

The retry tests pass a recording ``sleep`` and a seeded ``rng``, so they run instantly
and always see the same delays; the fakes count their calls in ``FAKE_STATE_DIR``.
"""

from __future__ import annotations

import os
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from returns.result import Result

from hsm.effects.runner import (
    CompletedCommand,
    RetryPolicy,
    describe_argv,
    run,
    run_classified,
)
from hsm.pure.errors import CommandError
from hsm.pure.schedulers.base import FailureKind
from hsm.pure.schedulers.pbs import commands as pbs
from hsm.pure.schedulers.slurm import failures as slurm_errors

FAKEBIN = Path(__file__).resolve().parents[1] / "helpers" / "fakebin"
SLURM_COMMANDS = ("sbatch", "squeue", "sacct", "scancel")
PBS_COMMANDS = ("qsub", "qstat", "qdel")

T = TypeVar("T")


def ok(result: Result[T, CommandError]) -> T:
    return result.unwrap()


def err(result: Result[CompletedCommand, CommandError]) -> CommandError:
    return result.failure()


def fake_env(state: Path | None = None, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_")}
    env["PATH"] = f"{FAKEBIN}{os.pathsep}{env.get('PATH', '')}"
    if state is not None:
        env["FAKE_STATE_DIR"] = str(state)
    env.update(variables)
    return env


def calls(state: Path, command: str) -> int:
    counter = state / f"{command}.count"
    return int(counter.read_text()) if counter.exists() else 0


def alive(pid: int) -> bool:
    """True while ``pid`` runs; a zombie awaiting its reaper counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


class Sleeps:
    """A stand-in for time.sleep that records the delays asked for."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


# -- run ------------------------------------------------------------------------------


def test_success_returns_the_completed_command() -> None:
    done = ok(run(["sbatch", "--parsable", "job.sh"], env=fake_env()))
    assert done.argv == ("sbatch", "--parsable", "job.sh")
    assert (done.returncode, done.stdout, done.stderr) == (0, "1001\n", "")
    assert 0 <= done.seconds < 30


def test_arguments_reach_the_program_unchanged_without_a_shell() -> None:
    tricky = "$HOME; echo pwned `id` 'q' \"d\" \n é"
    done = ok(run([sys.executable, "-c", "import sys; print(sys.argv[1])", tricky]))
    assert done.stdout == tricky + "\n"


def test_stdin_is_dev_null_so_a_reader_does_not_hang() -> None:
    done = ok(run(["cat"], timeout=10))
    assert done.stdout == ""


def test_env_none_inherits_and_a_mapping_replaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HSM_TEST_INHERITED", "yes")
    probe = [sys.executable, "-c", "import os; print(os.environ.get('HSM_TEST_INHERITED'))"]
    assert ok(run(probe)).stdout == "yes\n"
    assert ok(run(probe, env={"PATH": os.environ["PATH"]})).stdout == "None\n"


def test_cwd_is_used(tmp_path: Path) -> None:
    done = ok(run([sys.executable, "-c", "import os; print(os.getcwd())"], cwd=str(tmp_path)))
    assert Path(done.stdout.strip()).resolve() == tmp_path.resolve()


def test_undecodable_output_is_replaced_not_fatal() -> None:
    done = ok(run(["sacct"], env=fake_env(FAKE_MODE="garbage")))
    assert "\ufffd" in done.stdout
    assert "502 Bad Gateway" in done.stdout


def test_ok_codes_widen_success() -> None:
    env = fake_env(FAKE_MODE="unknown-job")
    assert ok(run(["qstat", "1001"], env=env, ok_codes=(0, 153))).returncode == 153
    assert err(run(["qstat", "1001"], env=env)).returncode == 153


def test_command_not_on_path_is_a_permanent_failure_with_a_hint() -> None:
    error = err(run(["hsm-no-such-sbatch"]))
    assert error.message.startswith("`hsm-no-such-sbatch` was not found on PATH")
    assert "hint:" in error.message
    assert (error.transient, error.returncode, error.argv) == (False, None, ("hsm-no-such-sbatch",))


def test_missing_absolute_program_says_it_does_not_exist(tmp_path: Path) -> None:
    error = err(run([str(tmp_path / "sbatch")]))
    assert "does not exist" in error.message
    assert not error.transient


def test_program_without_execute_bit_is_permission_denied(tmp_path: Path) -> None:
    # execve needs an execute bit even for root, so this runs under any user.
    script = tmp_path / "squeue"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)
    error = err(run([str(script)]))
    assert "permission denied" in error.message
    assert not error.transient


def test_missing_working_directory_is_named(tmp_path: Path) -> None:
    error = err(run(["sbatch"], env=fake_env(), cwd=str(tmp_path / "gone")))
    assert "working directory" in error.message
    assert str(tmp_path / "gone") in error.message


def test_non_zero_exit_is_a_permanent_failure_quoting_stderr() -> None:
    error = err(run(["sbatch", "-p", "nope", "job.sh"], env=fake_env(FAKE_MODE="permanent")))
    assert error.message == (
        "`sbatch -p nope job.sh` exited with status 1: sbatch: error: Batch job submission "
        "failed: Invalid partition name specified"
    )
    assert (error.returncode, error.transient) == (1, False)
    assert "Invalid partition name specified" in error.stderr


def test_message_quotes_only_the_last_lines_and_a_short_command() -> None:
    ids = ",".join(str(i) for i in range(10_000))
    stderr = "\n".join(f"line {i}" for i in range(50))
    error = err(
        run(["squeue", "--jobs", ids], env=fake_env(FAKE_MODE="permanent", FAKE_STDERR=stderr))
    )
    assert "line 49" in error.message and "line 44" not in error.message
    assert len(error.message) < 400
    assert error.message.startswith("`squeue --jobs 0,1,2,")


def test_signal_death_is_reported_by_name() -> None:
    error = err(run([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), 9)"]))
    assert "killed by SIGKILL" in error.message
    assert error.returncode == -9


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    state = tmp_path / "state"
    started = time.monotonic()
    error = err(run(["squeue"], timeout=1.5, env=fake_env(state, FAKE_MODE="timeout")))
    elapsed = time.monotonic() - started
    assert error.message.startswith("`squeue` did not answer within 1.5 s")
    assert "squeue: waiting for controller" in error.message  # what it printed before
    assert error.transient and error.returncode is None
    # The background `sleep` shares the pipes: without killpg we would wait an hour.
    assert elapsed < 10
    pids = [int((state / name).read_text()) for name in ("squeue.pid", "squeue.child.pid")]
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in pids), "the hung command's children survived"


def test_argv_must_be_a_sequence_not_a_string() -> None:
    with pytest.raises(TypeError):
        run("squeue --me")
    with pytest.raises(ValueError):
        run([])


def test_describe_argv_quotes_and_truncates() -> None:
    assert describe_argv(["sbatch", "my job.sh"]) == "sbatch 'my job.sh'"
    assert len(describe_argv(["x" * 500])) == 80


# -- run_classified -------------------------------------------------------------------


def test_transient_then_ok_succeeds_after_the_failures(tmp_path: Path) -> None:
    sleeps = Sleeps()
    result = run_classified(
        ["sbatch", "--parsable", "job.sh"],
        classify=slurm_errors.classify_failure,
        env=fake_env(tmp_path, FAKE_MODE="transient-then-ok", FAKE_FAILURES="2"),
        sleep=sleeps,
        rng=random.Random(1),
    )
    assert ok(result).stdout == "1001\n"
    assert calls(tmp_path, "sbatch") == 3
    assert len(sleeps.delays) == 2


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_backoff_grows_is_capped_and_jitter_stays_in_bounds(tmp_path: Path, seed: int) -> None:
    policy = RetryPolicy(attempts=7, first_delay=0.5, max_delay=3.0, jitter=0.25)
    sleeps = Sleeps()
    run_classified(
        ["squeue"],
        classify=slurm_errors.classify_failure,
        policy=policy,
        env=fake_env(tmp_path, FAKE_MODE="transient"),
        sleep=sleeps,
        rng=random.Random(seed),
    )
    bases = [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]
    assert len(sleeps.delays) == len(bases) == policy.attempts - 1
    for delay, base in zip(sleeps.delays, bases, strict=True):
        assert base * 0.75 <= delay <= base * 1.25
    assert sleeps.delays != bases  # jittered
    assert calls(tmp_path, "squeue") == policy.attempts


def test_backoff_without_jitter_is_exact_and_a_seed_is_deterministic() -> None:
    policy = RetryPolicy(attempts=6, first_delay=0.5, max_delay=8.0, jitter=0.0)
    assert [policy.delay(k, random.Random()) for k in range(6)] == [0.5, 1, 2, 4, 8, 8]
    jittered = RetryPolicy()
    first = [jittered.delay(k, random.Random(42)) for k in range(5)]
    assert first == [jittered.delay(k, random.Random(42)) for k in range(5)]


def test_exhausted_retries_say_how_often_how_long_and_what_the_scheduler_said(
    tmp_path: Path,
) -> None:
    sleeps = Sleeps()
    error = err(
        run_classified(
            ["squeue", "--me"],
            classify=slurm_errors.classify_failure,
            env=fake_env(tmp_path, FAKE_MODE="transient"),
            sleep=sleeps,
            rng=random.Random(3),
        )
    )
    assert error.transient and error.returncode == 1
    found = re.match(
        r"`squeue --me` failed 4 times over (\d+\.\d) s with a transient error", error.message
    )
    assert found, error.message
    assert float(found.group(1)) >= round(sum(sleeps.delays), 1) - 0.05
    assert "Unable to contact slurm controller (connect failure)" in error.message
    assert calls(tmp_path, "squeue") == 4


def test_permanent_failure_is_not_retried(tmp_path: Path) -> None:
    sleeps = Sleeps()
    error = err(
        run_classified(
            ["qsub", "job.pbs"],
            classify=pbs.classify_failure,
            env=fake_env(tmp_path, FAKE_MODE="permanent"),
            sleep=sleeps,
        )
    )
    assert not error.transient
    assert "qsub: Unknown queue" in error.message
    assert sleeps.delays == []
    assert calls(tmp_path, "qsub") == 1


@pytest.mark.parametrize(
    ("command", "classify", "code"),
    [("squeue", slurm_errors.classify_failure, 1), ("qstat", pbs.classify_failure, 153)],
)
def test_unknown_job_passes_through_with_its_returncode(
    tmp_path: Path, command: str, classify: Callable[[str], FailureKind], code: int
) -> None:
    done = ok(
        run_classified(
            [command, "1001"],
            classify=classify,
            env=fake_env(tmp_path, FAKE_MODE="unknown-job"),
            sleep=Sleeps(),
        )
    )
    assert done.returncode == code
    assert "Invalid job id specified" in done.stderr or "Unknown Job Id" in done.stderr
    assert calls(tmp_path, command) == 1


def test_timeouts_are_retried_then_reported_as_transient(tmp_path: Path) -> None:
    sleeps = Sleeps()
    error = err(
        run_classified(
            ["qstat", "-f"],
            classify=pbs.classify_failure,
            policy=RetryPolicy(attempts=2),
            timeout=0.5,
            env=fake_env(tmp_path, FAKE_MODE="timeout"),
            sleep=sleeps,
        )
    )
    assert error.transient and error.returncode is None
    assert error.message.startswith("`qstat -f` failed 2 times over ")
    assert "did not answer in time" in error.message
    assert calls(tmp_path, "qstat") == 2 and len(sleeps.delays) == 1


def test_missing_command_is_not_retried() -> None:
    sleeps = Sleeps()
    error = err(
        run_classified(["hsm-no-such-squeue"], classify=slurm_errors.classify_failure, sleep=sleeps)
    )
    assert "was not found on PATH" in error.message
    assert sleeps.delays == []


def test_classifier_sees_stdout_too(tmp_path: Path) -> None:
    seen: list[str] = []

    def classify(text: str) -> FailureKind:
        seen.append(text)
        return FailureKind.PERMANENT

    run_classified(
        ["sbatch"],
        classify=classify,
        sleep=Sleeps(),
        env=fake_env(FAKE_MODE="ok", FAKE_EXIT="2", FAKE_STDOUT="from stdout"),
    )
    assert seen and "from stdout" in seen[0]


def test_retry_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)


# -- the fakes speak the real schedulers' language ------------------------------------

KINDS = {
    "transient": FailureKind.TRANSIENT,
    "permanent": FailureKind.PERMANENT,
    "unknown-job": FailureKind.UNKNOWN_JOB,
}
FAKE_CASES = [
    (command, mode)
    for command in SLURM_COMMANDS + PBS_COMMANDS
    for mode in KINDS
    if not (mode == "unknown-job" and command in ("sbatch", "qsub", "sacct"))
]


@pytest.mark.parametrize(("command", "mode"), FAKE_CASES)
def test_every_fake_message_classifies_as_its_mode_says(command: str, mode: str) -> None:
    classify = slurm_errors.classify_failure if command in SLURM_COMMANDS else pbs.classify_failure
    done = err(run([command, "1001"], env=fake_env(FAKE_MODE=mode)))
    assert done.returncode not in (0, None)
    assert classify(done.stderr) is KINDS[mode], done.stderr
