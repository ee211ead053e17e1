"""The reading commands on the local backend, run as a subprocess: ``monitor`` (summary,
``--state``, ``--all``, ``-q``), ``results``, ``logs`` (``-n``, ``-f``, Ctrl-C) and
``sweep list``."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import Hsm

FAST = ("--poll-interval", "0.5")

#: A stand-in for a training program: prints lines, fails when told, and leaves its
#: metrics in its task directory ($HSM_TASK_DIR; before hsm sets it, the same place found
#: from the sweep id and the array index, which is the task number in a one-array sweep).
PROGRAM = """\
import json, os, sys, time
args = dict(a.split("=", 1) for a in sys.argv[1:])
x = int(args.get("x", "0"))
for k in range(int(args.get("lines", "3"))):
    print(f"x={x} line {k}", flush=True)
    time.sleep(float(args.get("sleep", "0")))
where = os.environ.get("HSM_TASK_DIR") or os.path.join(
    "sweeps", args["sweep"], "tasks",
    os.environ.get("HSM_TASK_INDEX") or os.environ["HSM_ARRAY_TASK_ID"])
os.makedirs(where, exist_ok=True)
if x == 4:
    pass  # leaves no metrics
elif x == 5:
    open(os.path.join(where, "metrics.json"), "w").write("{not json")
else:
    json.dump({"loss": abs(x - 3) / 10, "acc": {"top1": x / 10}},
              open(os.path.join(where, "metrics.json"), "w"))
if int(args.get("fail_every", "0")) and x % int(args["fail_every"]) == 0:
    sys.exit(f"x={x}: failing on purpose")
"""


def _rows(text: str) -> list[list[str]]:
    """The task rows of a monitor table (task number, params..., job id 1_N, ...)."""
    cells = [line.split() for line in text.splitlines()]
    return [c for c in cells if len(c) > 3 and c[0].isdigit() and f"1_{c[0]}" in c]


def _run(hsm: Hsm, sweep: str, *axes: str, wait: bool = True) -> None:
    (hsm.cwd / "task.py").write_text(PROGRAM)
    args = ["sweep", "run", "--script", "task.py", "--python", sys.executable]
    args += ["--system", "local", "--sweep-id", sweep, f"sweep={sweep}", *axes]
    run = hsm(*args, *(("--wait", *FAST) if wait else ()))
    assert run.code in (0, 5), str(run)


def test_results_sorted_cut_and_in_every_format(hsm: Hsm) -> None:
    _run(hsm, "r", "x=1,2,3,4,5")
    top = hsm.ok("results", "--sweep-id", "r", "--sort", "loss", "--top", "2")
    lines = top.out.splitlines()
    assert (
        lines[0] == "sweep r: 5 tasks, 3 with metrics.json; sorted by loss (ascending); showing 2"
    )
    assert lines[1] == "same in every task: sweep=r"
    assert lines[2].split() == ["TASK", "x", "STATE", "EXIT", "loss", "acc.top1"]
    assert [line.split()[:2] for line in lines[3:]] == [["2", "3"], ["1", "2"]]
    assert "1 metrics file(s) could not be used (shown blank), e.g. task 4" in top.err

    every = hsm.ok("results", "--sweep-id", "r", "--json").json()
    rows = {row["task"]: row for row in every["rows"]}
    assert every["varying"] == ["x"] and every["constants"] == {"sweep": "r"}
    assert rows[0]["metrics"] == {"loss": 0.2, "acc.top1": 0.1}
    assert rows[0]["state"] == "completed" and rows[0]["exit_code"] == 0
    assert rows[3]["metrics"] is None and rows[3]["metrics_error"] is None  # x=4: no file
    assert rows[4]["metrics"] is None and "not valid JSON" in rows[4]["metrics_error"]

    out = hsm.ok("results", "--sweep-id", "r", "--csv", "--sort", "-acc.top1").out
    table = list(csv.reader(out.splitlines()))
    assert table[0] == ["task", "x", "state", "exit_code", "elapsed", "loss", "acc.top1"]
    assert [row[1] for row in table[1:]] == ["3", "2", "1", "4", "5"]  # no metrics: last

    desc = hsm.ok("results", "--sweep-id", "r", "--sort", "loss", "--desc", "--json").json()
    assert [row["params"]["x"] for row in desc["rows"]] == [1, 2, 3, 4, 5]

    other = hsm.ok("results", "--sweep-id", "r", "--file", "other.json")
    assert "no task has left other.json" in other.out
    assert other.out.splitlines()[-1].split() == ["4", "5", "completed", "0"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sort", "los"], "no task has 'los' to sort by; columns are: sweep, x, loss"),
        (["--file", "../metrics.json"], "must be a path inside the task directory"),
        (["--csv", "--json"], "choose one of --csv and --json"),
        (["--desc"], "--desc orders by --sort COLUMN"),
        (["--state", "done"], "unknown state 'done'"),
    ],
)
def test_results_refuses_what_it_cannot_do(hsm: Hsm, args: list[str], message: str) -> None:
    _run(hsm, "bad", "x=1,2")
    run = hsm("results", "--sweep-id", "bad", *args)
    assert run.code == 2 and message in run.err and "Traceback" not in run.err, str(run)


def test_results_of_a_missing_sweep_is_a_sweep_error(hsm: Hsm) -> None:
    run = hsm("results", "--sweep-id", "nothing")
    assert run.code == 4 and "no sweep at sweeps/nothing" in run.err, str(run)


def test_monitor_summary_state_all_quiet_and_json(hsm: Hsm) -> None:
    _run(hsm, "big", "x=range(60)", "fail_every=5", "lines=12")
    summary = hsm.ok("monitor", "--sweep-id", "big").out
    lines = summary.splitlines()
    assert lines[0].startswith("sweep big (local, array): 60 tasks, failed -- ")
    assert lines[1].startswith("[") and "60/60 finished" in lines[1] and " since " in lines[1]
    assert "same in every task: sweep=big fail_every=5 lines=12" in summary
    failures = [line for line in lines if line.startswith("failed task ")]
    assert failures[0] == "failed task 0 x=0 (job 1_0, exit code 1):"
    assert len(failures) == 10 and "2 more: hsm monitor --sweep-id big --state failed" in summary
    assert "  | x=0: failing on purpose" in lines and "  | x=0 line 0" not in lines
    assert len(lines) < 70, summary

    assert hsm.ok("monitor", "--sweep-id", "big", "-q").out.count("\n") == 1

    failed = hsm.ok("monitor", "--sweep-id", "big", "--state", "failed", "--lines", "1").out
    rows = _rows(failed)
    assert [row[0] for row in rows] == [str(x) for x in range(0, 60, 5)]
    assert all(row[3:] == ["failed", "exited", "1"] for row in rows)
    assert "showing 12 failed of 60 tasks" in failed

    every = hsm.ok("monitor", "--sweep-id", "big", "--all").out
    assert len(_rows(every)) == 60
    assert every.count("\nfailed task ") == 12

    data = hsm.ok("monitor", "--sweep-id", "big", "--json").json()
    assert len(data["tasks"]) == 60 and data["counts"]["failed"] == 12
    assert data["varying"] == ["x"] and isinstance(data["started"], float)
    both = hsm.ok("monitor", "--sweep-id", "big", "--json", "--state", "failed,completed").json()
    assert len(both["tasks"]) == 60


def test_monitor_lists_a_cancelled_task_without_a_log_on_one_line(hsm: Hsm) -> None:
    _run(hsm, "c", "x=range(6)", "sleep=30", wait=False)
    deadline = time.monotonic() + 30
    while not list((hsm.cwd / "sweeps/c/logs").glob("*.log")) and time.monotonic() < deadline:
        time.sleep(0.2)
    hsm.ok("cancel", "--sweep-id", "c")
    text = hsm.ok("monitor", "--sweep-id", "c").out
    lines = text.splitlines()
    rows = _rows(text)
    assert len(rows) == 6 and all(row[3] == "cancelled" for row in rows)
    assert all(row[-1] == "cancelled" for row in rows), "no EXIT for a cancelled task"
    no_log = [line for line in lines if line.startswith("cancelled task") and ": no log" in line]
    with_log = [line for line in lines if line.startswith("cancelled task") and "; log: " in line]
    assert no_log and len(no_log) + len(with_log) == 6, text
    assert "(no log" not in text


def test_logs_whole_last_lines_json_and_bad_task(hsm: Hsm) -> None:
    _run(hsm, "l", "x=1,2", "lines=4")
    whole = hsm.ok("logs", "--sweep-id", "l", "1").out
    assert whole == "".join(f"x=2 line {k}\n" for k in range(4))
    assert hsm.ok("logs", "--sweep-id", "l", "1", "-n", "2").out == "x=2 line 2\nx=2 line 3\n"
    data = hsm.ok("logs", "--sweep-dir", "sweeps/l", "0", "--json").json()
    assert data["task"] == 0 and data["text"].startswith("x=1 line 0\n")
    assert Path(data["log"]).is_file()
    missing = hsm("logs", "--sweep-id", "l", "2")
    assert missing.code == 2 and "has tasks 0 to 1, not 2" in missing.err, str(missing)
    assert hsm("logs", "--sweep-id", "l", "-1").code == 2


def test_logs_follow_until_the_task_ends(hsm: Hsm) -> None:
    _run(hsm, "f", "x=1", "lines=8", "sleep=0.4", wait=False)
    run = hsm("logs", "--sweep-id", "f", "0", "-f", "--poll-interval", "0.5", timeout=60)
    assert run.code == 0, str(run)
    assert run.out == "".join(f"x=1 line {k}\n" for k in range(8))
    assert "task 0 is completed" in run.err


def test_logs_follow_stops_on_ctrl_c_with_130(hsm: Hsm) -> None:
    _run(hsm, "i", "x=1", "lines=100", "sleep=0.5", wait=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hsm.cli", "logs", "--sweep-id", "i", "0", "-f"],
        cwd=hsm.cwd,
        env=hsm.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, (out, err)
    assert "x=1 line 0" in out and "Traceback" not in err
    hsm.ok("cancel", "--sweep-id", "i")


def test_sweep_list_from_cached_states_and_refreshed(hsm: Hsm) -> None:
    _run(hsm, "one", "x=1,2")
    _run(hsm, "two", "x=1,2,3", "fail_every=3")
    (hsm.cwd / "sweeps" / "junk").mkdir()
    (hsm.cwd / "sweeps" / "torn").mkdir()
    (hsm.cwd / "sweeps" / "torn" / "manifest.json").write_text("{")
    listed = hsm.ok("sweep", "list")
    rows = {line.split()[0]: line for line in listed.out.splitlines()[1:]}
    assert rows["one"].split()[1:4] == ["local", "array", "2"]
    assert rows["one"].endswith("completed 2")
    assert rows["two"].endswith("completed 2 · failed 1")
    assert "not a sweep" in rows["sweeps/junk"] and "not a sweep" in rows["sweeps/torn"]

    data = hsm.ok("sweep", "list", "--refresh", "--json").json()
    by_dir = {entry["sweep_dir"]: entry for entry in data["sweeps"]}
    assert by_dir["sweeps/two"]["counts"]["failed"] == 1 and by_dir["sweeps/two"]["valid"]
    assert by_dir["sweeps/junk"]["valid"] is False and by_dir["sweeps/junk"]["problem"]
    assert by_dir["sweeps/one"]["created"]

    assert "no sweeps in elsewhere/" in hsm.ok("sweep", "list", "--sweep-root", "elsewhere").out


@pytest.mark.parametrize("argv", [["results"], ["logs"], ["sweep", "list"]])
def test_help_of_the_reading_commands(argv: list[str], hsm: Hsm) -> None:
    run = hsm.ok(*argv, "--help")
    assert run.out.startswith("usage: hsm") and "exit codes:" in run.out


def test_logs_follow_gives_up_on_a_task_no_one_runs(hsm: Hsm) -> None:
    (hsm.cwd / "task.py").write_text(PROGRAM)
    hsm.ok("sweep", "render", "--script", "task.py", "--system", "local", "--sweep-id", "r0")
    run = hsm("logs", "--sweep-id", "r0", "0", "-f", "--poll-interval", "0.2", timeout=60)
    assert run.code == 0, str(run)
    assert run.out == "" and "task 0 is unknown (NOT_SUBMITTED)" in run.err
    once = hsm("logs", "--sweep-id", "r0", "0")
    assert once.code == 4 and "has no log yet" in once.err, str(once)
