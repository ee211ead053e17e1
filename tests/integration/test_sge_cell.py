"""Sweeps on a REAL Grid Engine cell (Son of Grid Engine 8.1.9, scripts/sge-cluster.sh).

Arguments arrive intact (array and individual, through the CLI and the library), states
are read live from ``qstat`` and from ``qacct`` after the jobs left it, a failing task,
cancelling a queued job, a running job and one array task, ``hsm sweep resubmit
--failed``, ``kill -9`` of the submitter then a resume without duplicates, the qmaster
stopped during a poll, and what one poll costs.  Skipped when no cell answers, mandatory
with ``HSM_REQUIRE_SGE=1`` (as .ci/run sets).  Jobs do not inherit the submitter's
environment on Grid Engine, so the program each task runs is written per test with its
output directory inside it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser

from hsm import api
from hsm.boundary import result_of
from hsm.effects.runner import RetryPolicy
from hsm.effects.scheduler_backend import SchedulerBackend
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.states import JobState, JobStatus
from tests.integration.conftest import wait_until

REPO = Path(__file__).resolve().parents[2]
CELL = REPO / "scripts" / "sge-cluster.sh"
STATE_DIR = Path(os.environ.get("HSM_SGE_STATE", "/var/lib/hsm-sge"))
PYTHON = sys.executable


def _cell_answers() -> bool:
    """Whether a Grid Engine qmaster answers ``qstat -xml``."""
    if shutil.which("qstat") is None or shutil.which("qacct") is None:
        return False
    try:
        done = subprocess.run(
            ["qstat", "-xml"], capture_output=True, text=True, timeout=20, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0 and "<job_info" in done.stdout


@pytest.fixture(scope="module")
def sge_cell() -> None:
    """Skip (or fail when ``HSM_REQUIRE_SGE=1``) unless a Grid Engine cell answers."""
    if _cell_answers():
        return
    if os.environ.get("HSM_REQUIRE_SGE") == "1":
        pytest.fail("HSM_REQUIRE_SGE=1 but no Grid Engine answers; run scripts/sge-cluster.sh up")
    pytest.skip("no Grid Engine cell reachable (scripts/sge-cluster.sh up starts one)")


pytestmark = [pytest.mark.sge, pytest.mark.usefixtures("sge_cell")]

HOSTILE = [
    "two words",
    "it's",
    'say "hi"',
    "$HOME",
    "`id`",
    "a;b",
    "back\\slash",
    "line\nbreak",
    "x\n#$ -N injected",  # qsub reads '#$' lines anywhere in a script
    "ünï©ødé 🎉",
    "--flag",
    "*",
    "${PATH}",
]

TASK_SOURCE = """\
import json, os, sys, time, uuid
OUT = {out!r}
args = sys.argv[1:]
opts = dict(a.split("=", 1) for a in args if "=" in a)
record = {{"argv": args, "task": os.environ.get("SGE_TASK_ID"),
          "job_id": os.environ.get("JOB_ID"), "job_name": os.environ.get("JOB_NAME"),
          "cwd": os.getcwd(), "shell": os.readlink(f"/proc/{{os.getppid()}}/exe"),
          "nslots": os.environ.get("NSLOTS")}}
path = os.path.join(OUT, uuid.uuid4().hex + ".json")
with open(path + ".tmp", "w", encoding="utf-8") as handle:
    json.dump(record, handle)
os.replace(path + ".tmp", path)
flag = opts.get("flaky")
if flag and not os.path.exists(flag):
    open(flag, "w").close()
    sys.exit(1)
if "sleep" in opts:
    time.sleep(float(opts["sleep"]))
sys.exit(int(opts.get("exit", "0")))
"""


@pytest.fixture
def task(tmp_path: Path) -> Path:
    """The program every task runs: it writes what it received into ``tmp_path/out``."""
    out = tmp_path / "out"
    out.mkdir()
    program = tmp_path / "task.py"
    program.write_text(TASK_SOURCE.format(out=str(out)), encoding="utf-8")
    return program


def _records(task: Path) -> list[dict[str, Any]]:
    out = task.parent / "out"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))]


def _parsed(argv: list[str]) -> dict[str, Any]:
    parser = OverridesParser.create()
    return {o.key_or_group: o.value() for o in (parser.parse_override(a) for a in argv)}


def _options(tmp_path: Path, task: Path, **extra: Any) -> api.JobOptions:
    return api.JobOptions(
        walltime="00:05:00",
        python_path=PYTHON,
        script_path=str(task),
        project_dir=tmp_path,
        **extra,
    )


def _backend(**extra: Any) -> SchedulerBackend:
    return SchedulerBackend(SCHEDULERS["sge"], **extra)


@pytest.fixture
def qdel_after() -> Iterator[list[str]]:
    """Job ids appended here are deleted when the test ends (keeps the cell clean)."""
    ids: list[str] = []
    yield ids
    if ids:
        subprocess.run(["qdel", *ids], capture_output=True, check=False)


def _held_blocker(qdel_after: list[str]) -> str:
    """A held job that other jobs wait for (``-hold_jid``), so they stay queued."""
    done = subprocess.run(
        [
            "qsub",
            "-terse",
            "-h",
            "-N",
            "hsm_blocker",
            "-o",
            "/dev/null",
            "-j",
            "y",
            "-b",
            "y",
            "true",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    job_id = done.stdout.strip()
    qdel_after.append(job_id)
    return job_id


def _statuses(sweep_dir: Path, backend: SchedulerBackend) -> dict[int, JobStatus]:
    report = result_of(api.sweep_status(sweep_dir, backend)).unwrap()
    assert not report.stale, report.warning
    return report.statuses


def _wait_final(
    sweep_dir: Path, backend: SchedulerBackend, timeout: float = 90
) -> dict[int, JobStatus]:
    holder: dict[str, dict[int, JobStatus]] = {}

    def done() -> bool:
        holder["s"] = _statuses(sweep_dir, backend)
        return all(s.state.is_final for s in holder["s"].values())

    wait_until(done, timeout, f"every task of {sweep_dir.name} to finish", interval=0.5)
    return holder["s"]


def _hsm(cwd: Path, *args: str, timeout: float = 150) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(cwd)}
    env.pop("HSM_HPC_SYSTEM", None)
    return subprocess.run(
        [PYTHON, "-m", "hsm", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _started(task: Path, key: str, value: object) -> bool:
    """Whether a task whose argv holds ``key=value`` has started its program.

    Cancel only after this: before it, the job's login shell may still be in root's
    profile (``pyenv rehash`` takes a lock file), and a SIGKILL there leaves the lock
    behind for every later login shell to wait on.
    """
    return any(_parsed(r["argv"]).get(key) == value for r in _records(task))


def _live_names(prefix: str) -> list[str]:
    done = subprocess.run(["qstat", "-xml"], capture_output=True, text=True, check=True)
    names = [
        line.strip()[len("<JB_name>") : -len("</JB_name>")]
        for line in done.stdout.splitlines()
        if line.strip().startswith("<JB_name>")
    ]
    return [name for name in names if name.startswith(prefix)]


# --------------------------------------------------------------------------- arguments


def test_hostile_values_reach_the_program_in_individual_mode(tmp_path: Path, task: Path) -> None:
    params = [{"idx": i, "text": value} for i, value in enumerate(HOSTILE)]
    backend = _backend()
    sweep_dir = tmp_path / "sweep"
    done = result_of(
        api.submit_sweep(
            _options(tmp_path, task),
            backend,
            params,
            mode="individual",
            sweep_dir=sweep_dir,
            sweep_id="args_individual",
        )
    ).unwrap()
    statuses = _wait_final(sweep_dir, backend)
    assert {s.state for s in statuses.values()} == {JobState.COMPLETED}
    assert {s.source for s in statuses.values()} == {"qacct"}
    records = _records(task)
    assert sorted((_parsed(r["argv"]) for r in records), key=lambda p: p["idx"]) == params
    # the job names are hsm's, none injected; bash ran the script, in the project dir
    assert sorted(r["job_name"] for r in records) == sorted(
        f"args_individual_task_{i:03d}" for i in range(len(HOSTILE))
    )
    assert {(r["shell"], r["cwd"]) for r in records} == {(shutil.which("bash"), str(tmp_path))}
    assert all(r["task"] == "undefined" for r in records)
    assert sorted(r["job_id"] for r in records) == sorted(done.job_ids.values())


def test_hostile_values_reach_the_program_in_array_mode_through_the_cli(
    tmp_path: Path, task: Path
) -> None:
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(
        yaml.safe_dump(
            {
                "script": str(task),
                "combinations": [{"idx": i, "text": v} for i, v in enumerate(HOSTILE)],
                "hpc": {"python_interpreter": PYTHON, "default_walltime": "00:05:00"},
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    done = _hsm(
        tmp_path,
        "sweep", "run", "--config", str(sweep_file), "--system", "sge", "--mode", "array",
        "--sweep-id", "args_array", "--wait", "--poll-interval", "1", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    records = _records(task)
    received = sorted((_parsed(r["argv"]) for r in records), key=lambda p: p["idx"])
    assert received == [{"idx": i, "text": v} for i, v in enumerate(HOSTILE)]
    # one array; Grid Engine's task ids run from 1 and task t got index t + 1
    assert {r["job_name"] for r in records} == {"args_array_array_000"}
    assert sorted(int(r["task"]) for r in records) == list(range(1, len(HOSTILE) + 1))
    assert all(int(r["task"]) == _parsed(r["argv"])["idx"] + 1 for r in records)
    script = (tmp_path / "sweeps" / "args_array" / "scripts" / "array_000.sh").read_text()
    assert f"#$ -t 1-{len(HOSTILE)}" in script.splitlines()
    logs = sorted(p.name for p in (tmp_path / "sweeps" / "args_array" / "logs").iterdir())
    assert logs == sorted(f"array_000_{i}.log" for i in range(1, len(HOSTILE) + 1))


# --------------------------------------------------------------------------- states


def test_states_live_then_from_accounting(
    tmp_path: Path, task: Path, qdel_after: list[str]
) -> None:
    backend = _backend()
    sweep_dir = tmp_path / "states"
    params = [{"exit": 0}, {"exit": 3}, {"sleep": 300}]
    done = result_of(
        api.submit_sweep(
            _options(tmp_path, task),
            backend,
            params,
            mode="individual",
            sweep_dir=sweep_dir,
            sweep_id="states",
        )
    ).unwrap()
    qdel_after.extend(done.job_ids.values())
    wait_until(lambda: _started(task, "sleep", 300), 60, "the sleeper's program to start")
    live = _statuses(sweep_dir, backend)[2]
    # qstat may still say t(ransferring) while the program already runs (seen here):
    # the evidence for mapping t to running
    assert live.state is JobState.RUNNING and live.raw in ("r", "t") and live.source == "qstat"
    host = subprocess.run(["hostname", "-s"], capture_output=True, text=True).stdout.strip()
    assert live.node == host  # its queue instance, all.q@<host>
    time.sleep(1.5)  # so the sleeper's accounted wall clock is at least a second
    cancelled = result_of(api.cancel(sweep_dir, backend, tasks=[2])).unwrap()
    assert list(cancelled) == [done.job_ids["task_002"]]
    assert [outcome.value for outcome, _ in cancelled.values()] == ["cancelled"]
    statuses = _wait_final(sweep_dir, backend)
    assert [statuses[i].state for i in range(3)] == [
        JobState.COMPLETED,
        JobState.FAILED,
        JobState.CANCELLED,
    ]
    assert [statuses[i].exit_code for i in range(3)] == [0, 3, 137]
    assert all(s.source == "qacct" for s in statuses.values())
    assert "qdel" in statuses[2].reason
    # qacct's ru_wallclock, hostname and maxvmem, as its own record says them
    assert all(s.node == host and s.elapsed is not None for s in statuses.values())
    assert statuses[2].elapsed is not None and statuses[2].elapsed >= 1
    for status in statuses.values():
        record = subprocess.run(
            ["qacct", "-j", status.job_id], capture_output=True, text=True, check=True
        ).stdout
        vmem = next(line.split()[1] for line in record.splitlines() if line.startswith("maxvmem"))
        if vmem.startswith("0.000"):
            assert status.max_mem is None, vmem  # not sampled: unknown, never 0
        else:
            assert status.max_mem is not None and status.max_mem > 1024, vmem
    # an id Grid Engine never knew is in no answer: unknown to the caller, never completed
    assert result_of(backend.poll(["9999999"])).unwrap() == {}


def test_a_failing_array_task_and_one_cancelled_array_task(tmp_path: Path, task: Path) -> None:
    backend = _backend()
    sweep_dir = tmp_path / "arr"
    params = [{"sleep": 300}, {"exit": 0}, {"exit": 5}, {"exit": 0}]
    done = result_of(
        api.submit_sweep(
            _options(tmp_path, task),
            backend,
            params,
            mode="array",
            sweep_dir=sweep_dir,
            sweep_id="arr",
        )
    ).unwrap()
    array_id = done.job_ids["array_000"]
    try:
        wait_until(lambda: _started(task, "sleep", 300), 60, "task 0's program to start")
        assert _statuses(sweep_dir, backend)[0].state is JobState.RUNNING
        cancelled = result_of(api.cancel(sweep_dir, backend, tasks=[0])).unwrap()
        assert list(cancelled) == [f"{array_id}.1"]
        statuses = _wait_final(sweep_dir, backend)
    finally:
        subprocess.run(["qdel", array_id], capture_output=True, check=False)
    assert [statuses[i].state for i in range(4)] == [
        JobState.CANCELLED,
        JobState.COMPLETED,
        JobState.FAILED,
        JobState.COMPLETED,
    ]
    assert [statuses[i].job_id for i in range(4)] == [f"{array_id}.{i}" for i in range(1, 5)]
    assert statuses[2].exit_code == 5


def test_cancel_a_queued_job_leaves_no_record_so_it_is_unknown_never_completed(
    tmp_path: Path, task: Path, qdel_after: list[str]
) -> None:
    blocker = _held_blocker(qdel_after)
    backend = _backend()
    sweep_dir = tmp_path / "queued"
    done = result_of(
        api.submit_sweep(
            _options(tmp_path, task, dependencies=(f"afterany:{blocker}",)),
            backend,
            [{"exit": 0}],
            mode="individual",
            sweep_dir=sweep_dir,
            sweep_id="queued",
        )
    ).unwrap()
    qdel_after.extend(done.job_ids.values())
    before = _statuses(sweep_dir, backend)[0]
    assert (before.state, before.raw) == (JobState.QUEUED, "hqw")
    assert "hold_jid" in before.reason
    # the CLI, by job id
    out = _hsm(tmp_path, "cancel", done.job_ids["task_000"], "--system", "sge")
    assert out.returncode == 0, out.stderr
    wait_until(
        lambda: _statuses(sweep_dir, backend)[0].state is not JobState.QUEUED, 30, "the delete"
    )
    after = _statuses(sweep_dir, backend)[0]
    assert after.state is JobState.UNKNOWN  # deleted before it ran: qacct has no record
    assert not _records(task)


def test_a_job_in_error_state_stops_wait_instead_of_waiting_forever(
    tmp_path: Path, task: Path, qdel_after: list[str]
) -> None:
    sweep_file = tmp_path / "eqw.yaml"
    sweep_file.write_text(
        yaml.safe_dump(
            {"script": str(task), "grid": {"i": [0]}, "hpc": {"python_interpreter": PYTHON}}
        ),
        encoding="utf-8",
    )
    rendered = _hsm(
        tmp_path, "sweep", "render", "--config", str(sweep_file), "--system", "sge",
        "--mode", "individual", "--sweep-id", "eqw",
    )  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr
    sweep_dir = tmp_path / "sweeps" / "eqw"
    shutil.rmtree(sweep_dir / "logs")  # qsub accepts it; the job cannot open its -o file
    waited = _hsm(tmp_path, "sweep", "submit", str(sweep_dir), "--wait", "--poll-interval", "1")
    manifest = json.loads((sweep_dir / "manifest.json").read_text())
    qdel_after.extend(j["job_id"] for j in manifest["jobs"] if j.get("job_id"))
    assert waited.returncode == 5, waited.stderr + waited.stdout
    assert "can never start" in waited.stderr
    status = _statuses(sweep_dir, _backend())[0]
    assert (status.state, status.raw) == (JobState.QUEUED, "Eqw")
    assert "qmod -cj" in status.reason


# --------------------------------------------------------------------------- resubmit


def test_resubmit_failed_through_the_cli(tmp_path: Path, task: Path) -> None:
    flag = tmp_path / "second-time.flag"
    sweep_file = tmp_path / "flaky.yaml"
    sweep_file.write_text(
        yaml.safe_dump(
            {
                "script": str(task),
                "combinations": [{"idx": 0}, {"idx": 1, "flaky": str(flag)}, {"idx": 2}],
                "hpc": {"python_interpreter": PYTHON, "default_walltime": "00:05:00"},
            }
        ),
        encoding="utf-8",
    )
    first = _hsm(
        tmp_path,
        "sweep", "run", "--config", str(sweep_file), "--system", "sge", "--mode", "array",
        "--sweep-id", "flaky", "--wait", "--poll-interval", "1",
    )  # fmt: skip
    assert first.returncode == 5, first.stderr + first.stdout  # a task failed
    again = _hsm(tmp_path, "sweep", "resubmit", "--sweep-id", "flaky", "--failed", "--wait",
                 "--poll-interval", "1", "--json")  # fmt: skip
    assert again.returncode == 0, again.stderr + again.stdout
    script = (tmp_path / "sweeps" / "flaky" / "scripts" / "r1_array_000.sh").read_text()
    assert "#$ -t 1" in script.splitlines()  # only task 1, as index 1 of a new array
    shown = _hsm(tmp_path, "monitor", "--mode", "hpc", "--sweep-id", "flaky", "--json")
    assert shown.returncode == 0, shown.stderr
    runs = sorted(_parsed(r["argv"])["idx"] for r in _records(task))
    assert runs == [0, 1, 1, 2]


# --------------------------------------------------------------------------- faults


def test_kill_9_mid_submission_then_resume_has_no_duplicate_and_no_gap(
    tmp_path: Path, task: Path, qdel_after: list[str]
) -> None:
    blocker = _held_blocker(qdel_after)
    count = tmp_path / "qsub_calls"
    wrap = tmp_path / "wrapbin"
    wrap.mkdir()
    real = shutil.which("qsub")
    assert real
    (wrap / "qsub").write_text(
        "#!/bin/bash\n"
        + textwrap.dedent(f"""\
        out=$({real} "$@"); rc=$?
        echo called >> "$HSM_WRAP_COUNT"
        sleep 0.4   # the job is in; the submitter has not heard back yet
        printf '%s\\n' "$out"
        exit $rc
        """)
    )
    (wrap / "qsub").chmod(0o755)
    n = 8
    sweep_dir = tmp_path / "crash"
    submitter = textwrap.dedent(f"""\
        from pathlib import Path
        from hsm import api
        from hsm.effects.scheduler_backend import SchedulerBackend
        from hsm.pure.schedulers import SCHEDULERS
        options = api.JobOptions(walltime="00:05:00", python_path={PYTHON!r},
                                 script_path={str(task)!r}, project_dir=Path({str(tmp_path)!r}),
                                 dependencies=("afterany:{blocker}",))
        api.submit_sweep(options, SchedulerBackend(SCHEDULERS["sge"]),
                         [{{"i": i}} for i in range({n})], mode="individual",
                         sweep_dir=Path({str(sweep_dir)!r}), sweep_id="crash9")
        """)
    env = {
        **os.environ,
        "PATH": f"{wrap}:{os.environ['PATH']}",
        "HSM_WRAP_COUNT": str(count),
        "PYTHONPATH": str(REPO),
    }
    proc = subprocess.Popen([PYTHON, "-c", submitter], env=env)
    try:
        wait_until(
            lambda: count.exists() and len(count.read_text().split()) >= 4, 60, "four submissions"
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = _live_names("crash9_")
    assert 4 <= len(before) < n
    journal = (sweep_dir / "journal.jsonl").read_text()
    assert journal.count('"submitting"') > journal.count('"submitted"'), "a submit was in flight"

    resumed = result_of(
        api.submit_sweep(
            _options(tmp_path, task, dependencies=(f"afterany:{blocker}",)),
            _backend(),
            [{"i": i} for i in range(n)],
            mode="individual",
            sweep_dir=sweep_dir,
            sweep_id="crash9",
        )
    ).unwrap()
    qdel_after.extend(resumed.job_ids.values())
    assert resumed.recovered, "the in-flight job was found by its name, not submitted again"
    assert sorted(_live_names("crash9_")) == sorted(f"crash9_task_{i:03d}" for i in range(n))
    assert len(set(resumed.job_ids.values())) == n


def test_poll_with_the_qmaster_down_changes_nothing_and_recovers(
    tmp_path: Path, task: Path, qdel_after: list[str]
) -> None:
    pidfile = STATE_DIR / "pids" / "sge_qmaster.pid"
    if not pidfile.exists():
        pytest.skip("sge_qmaster was not started by scripts/sge-cluster.sh; not stopping it")
    pid = int(pidfile.read_text().split()[0])
    if Path(f"/proc/{pid}/comm").read_text().strip() != "sge_qmaster":
        pytest.skip("the recorded sge_qmaster pid is not sge_qmaster")
    blocker = _held_blocker(qdel_after)
    backend = _backend(policy=RetryPolicy(attempts=2, first_delay=0.2, max_delay=0.5), timeout=20)
    sweep_dir = tmp_path / "outage"
    done = result_of(
        api.submit_sweep(
            _options(tmp_path, task, dependencies=(f"afterany:{blocker}",)),
            backend,
            [{"i": 0}, {"i": 1}],
            mode="individual",
            sweep_dir=sweep_dir,
            sweep_id="outage",
        )
    ).unwrap()
    qdel_after.extend(done.job_ids.values())
    first = _statuses(sweep_dir, backend)
    assert {s.state for s in first.values()} == {JobState.QUEUED}

    os.kill(pid, signal.SIGTERM)
    try:
        wait_until(lambda: not _cell_answers(), 60, "the qmaster to stop answering")
        during = result_of(api.sweep_status(sweep_dir, backend)).unwrap()
        assert during.stale
        assert "could not be asked" in during.warning
        assert "qmaster" in during.warning
        assert {t: s.state for t, s in during.statuses.items()} == {
            t: s.state for t, s in first.items()
        }
    finally:
        subprocess.run(["bash", str(CELL), "up"], check=True, capture_output=True, timeout=300)
    after = _statuses(sweep_dir, backend)
    assert {s.state for s in after.values()} == {JobState.QUEUED}


def test_one_poll_of_a_sweep_costs_two_scheduler_calls(
    tmp_path: Path, task: Path, qdel_after: list[str]
) -> None:
    blocker = _held_blocker(qdel_after)
    log = tmp_path / "calls.log"
    wrap = tmp_path / "wrapbin"
    wrap.mkdir()
    for name in ("qstat", "qacct", "qsub", "qconf"):
        real = shutil.which(name)
        assert real
        (wrap / name).write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\nexec {real} "$@"\n')
        (wrap / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{wrap}:{os.environ['PATH']}"}
    backend = _backend(env=env)
    options = _options(tmp_path, task, dependencies=(f"afterany:{blocker}",))
    individual, array = tmp_path / "many", tmp_path / "big"
    started = time.monotonic()
    jobs = result_of(
        api.submit_sweep(
            options, backend, [{"i": i} for i in range(40)], mode="individual",
            sweep_dir=individual, sweep_id="many40",
        )
    ).unwrap()  # fmt: skip
    qdel_after.extend(jobs.job_ids.values())
    arrays = result_of(
        api.submit_sweep(
            options, backend, [{"i": i} for i in range(3000)], mode="array",
            sweep_dir=array, sweep_id="big3000",
        )
    ).unwrap()  # fmt: skip
    qdel_after.extend(arrays.job_ids.values())
    assert len(jobs.job_ids) == 40 and len(arrays.job_ids) == 1, time.monotonic() - started
    for sweep_dir, size in ((individual, 40), (array, 3000)):
        log.write_text("")
        statuses = _statuses(sweep_dir, backend)
        calls = [line for line in log.read_text().splitlines() if line]
        assert len(calls) <= 2, calls
        assert len(statuses) == size
        assert {s.state for s in statuses.values()} == {JobState.QUEUED}


# --------------------------------------------------------------------------- settings


def test_native_resources_and_the_sge_section_reach_the_job(tmp_path: Path, task: Path) -> None:
    """``-pe smp 2`` written natively, and hpc.sge's queue, account and extra lines."""
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(
        yaml.safe_dump(
            {
                "script": str(task),
                "grid": {"exit": [0]},
                "hpc": {
                    "python_interpreter": PYTHON,
                    "default_walltime": "00:05:00",
                    "default_resources": "-pe smp 2",
                    "sge": {"queue": "all.q", "account": "hsmacct", "extra": ["-r n"]},
                },
            }
        ),
        encoding="utf-8",
    )
    done = _hsm(
        tmp_path,
        "sweep", "run", "--config", str(sweep_file), "--system", "sge", "--mode", "individual",
        "--sweep-id", "native", "--wait", "--poll-interval", "1",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    script = (tmp_path / "sweeps" / "native" / "scripts" / "task_000.sh").read_text()
    for line in ("#$ -pe smp 2", "#$ -q all.q", "#$ -A hsmacct", "#$ -r n"):
        assert line in script.splitlines()
    (record,) = _records(task)
    assert record["nslots"] == "2"
    accounting = subprocess.run(
        ["qacct", "-j", record["job_id"]], capture_output=True, text=True, check=True
    ).stdout
    fields = dict(line.split(None, 1) for line in accounting.splitlines() if " " in line)
    assert (fields["qname"].strip(), fields["account"].strip()) == ("all.q", "hsmacct")
    assert (fields["granted_pe"].strip(), fields["slots"].strip()) == ("smp", "2")


def test_afterok_is_refused_before_anything_is_submitted(tmp_path: Path, task: Path) -> None:
    """-hold_jid cannot mean afterok: one line naming Grid Engine, and no job."""
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(
        yaml.safe_dump({"script": str(task), "grid": {"x": [1, 2]}}), encoding="utf-8"
    )
    done = _hsm(
        tmp_path,
        "sweep", "run", "--config", str(sweep_file), "--system", "sge", "--mode", "array",
        "--sweep-id", "afterok_refused", "--after", "afterok:1",
    )  # fmt: skip
    assert done.returncode != 0
    assert "cannot be honoured on Grid Engine" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not _live_names("afterok_refused")


def test_the_seed_api_grid_engine_manager(tmp_path: Path, task: Path) -> None:
    from hsm import HPCJobManager, SGEJobManager

    manager = HPCJobManager.auto_detect(
        walltime="00:05:00", python_path=PYTHON, script_path=str(task), project_dir=tmp_path,
        system="sge",
    )  # fmt: skip
    assert isinstance(manager, SGEJobManager)
    assert (manager.scheduler_name, manager.submit_command) == ("sge", "qsub")
    (array_id,) = manager.submit_sweep(
        [{"exit": 0}, {"exit": 4}], mode="array", sweep_dir=tmp_path / "seed", sweep_id="seed"
    )
    states: dict[str, str] = {}

    def finished() -> bool:
        states.update({i: manager.get_job_status(f"{array_id}.{i}") for i in ("1", "2")})
        return all(s in ("completed", "failed") for s in states.values())

    wait_until(finished, 90, "both tasks of the seed API's array to finish", interval=1)
    assert states == {"1": "completed", "2": "failed"}
    assert manager.get_job_status(array_id) == "failed"
