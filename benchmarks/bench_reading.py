"""The reading side at scale: ``hsm monitor`` and ``hsm results`` on a 10,000-task sweep.

Builds a finished 10,000-task local sweep without running 10,000 processes: the sweep
directory is planned and written by the library (manifest, script, journal), and the local
backend's spool gets the files its supervisor would have left (run, exit and end records),
so ``hsm`` polls it exactly as it polls a real one.  Tasks end completed (most), failed,
cancelled or still queued; each finished task has a log and most a ``metrics.json`` in
its task directory.  Then the commands run as subprocesses, as a user runs them.

    python benchmarks/bench_reading.py [N]

Prints what it measured (best of 3 wall and CPU times, process start-up included); asserts
nothing.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hsm import api  # noqa: E402
from hsm.effects.files import append_journal  # noqa: E402
from hsm.effects.local_spool import proc_start_ticks  # noqa: E402
from hsm.pure import layout  # noqa: E402


def state_of(task: int, n: int) -> str:
    """A fixed mix: 1 in 20 failed, 1 in 50 cancelled, the last 100 still running."""
    if task >= n - 100:
        return "running"
    if task % 20 == 7:
        return "failed"
    if task % 50 == 13:
        return "cancelled"
    return "completed"


def build(project: Path, spool: Path, n: int) -> Path:
    """A finished ``n``-task local sweep at ``project/sweeps/big``; returns its directory."""
    sweep_dir = project / "sweeps" / "big"
    options = api.JobOptions(walltime="00:10:00", script_path="train.py", project_dir=project)
    params = [
        {"lr": 10 ** -(1 + i % 5), "seed": i, "model": "mlp", "epochs": 10, "note": "constant"}
        for i in range(n)
    ]
    manifest, jobs = api.plan_sweep(
        options, "local", 1_000_000, "big", sweep_dir, params, "array"
    ).unwrap()
    api.write_planned(manifest, jobs, sweep_dir=sweep_dir)
    job = jobs[0]
    journal = sweep_dir / layout.JOURNAL
    append_journal(journal, {"event": "submitting", "key": job.key})
    append_journal(journal, {"event": "submitted", "key": job.key, "job_id": "1"})
    job_dir = spool / "jobs" / "1"
    job_dir.mkdir(parents=True)
    (spool / "counter").write_text("1\n")
    indices = list(job.indices or ())
    (job_dir / "job.json").write_text(
        json.dumps(
            {
                "id": "1",
                "name": job.job_name,
                "user": "",
                "script": str(sweep_dir / job.script_file),
                "cwd": str(project),
                "indices": indices,
                "log_path": job.log_path,
                "submitted": time.time(),
            }
        )
    )
    logs = project / job.log_path.rsplit("/", 1)[0]
    logs.mkdir(parents=True, exist_ok=True)
    # "running" tasks name this process, alive while the benchmark runs (no task is left
    # queued: a poll would start a supervisor to run it, changing the sweep under test)
    alive = {"pid": os.getpid(), "start_ticks": proc_start_ticks(os.getpid())}
    for task, index in zip(job.tasks, indices, strict=True):
        tid = f"1_{index}"
        state = state_of(task, n)
        if state == "cancelled":
            (job_dir / f"{tid}.cancel").write_text("{}")
            continue
        log = project / job.log_path.replace("%a", str(index))
        log.write_text("".join(f"epoch {e}: loss {1 / (e + 1):.4f}\n" for e in range(10)))
        if state == "running":
            (job_dir / f"{tid}.run").write_text(json.dumps({**alive, "started": time.time()}))
            continue
        code = 1 if state == "failed" else 0
        started = time.time() - 60 - task % 600  # as the supervisor records: start and end
        (job_dir / f"{tid}.run").write_text(json.dumps({"pid": 0, "started": started}))
        (job_dir / f"{tid}.exit").write_text(f"{code}\n")
        end = {"returncode": code, "started": started, "ended": started + 30 + task % 300}
        (job_dir / f"{tid}.end").write_text(json.dumps(end))
        if state == "completed":
            task_dir = sweep_dir / layout.task_dir(task)
            task_dir.mkdir(parents=True)
            metrics = {"loss": (task * 7919 % 1000) / 1000, "acc": {"top1": task % 97 / 97}}
            (task_dir / "metrics.json").write_text(json.dumps(metrics))
    return sweep_dir


def timed(
    argv: list[str], cwd: Path, env: dict[str, str], repeat: int = 3
) -> tuple[float, float, str]:
    """Best wall time and best CPU time (user + system) of ``repeat`` runs of ``argv``,
    and the last run's stdout.  CPU time says what the command costs even on a busy
    machine, where wall time also counts waiting for a core."""
    best, cpu, out = float("inf"), float("inf"), ""
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        cpu = min(cpu, used)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
        out = done.stdout
    return best, cpu, out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        project, spool = Path(tmp) / "project", Path(tmp) / "spool"
        start = time.perf_counter()
        build(project, spool, n)
        print(f"built a {n:,}-task local sweep in {time.perf_counter() - start:.1f} s")
        env = {**os.environ, "HSM_LOCAL_SPOOL": str(spool), "PYTHONPATH": str(ROOT)}
        hsm = [sys.executable, "-m", "hsm.cli"]
        base, base_cpu, _ = timed([sys.executable, "-c", "pass"], project, env)
        print(f"  {'what':<48} {'wall':>7}   {'cpu':>7}")
        print(f"  {'python -c pass':<48} {base:7.3f} s {base_cpu:7.3f} s")
        cases = [
            ("monitor --sweep-id big (summary)", ["monitor", "--sweep-id", "big"]),
            (
                "monitor --sweep-id big --state failed",
                ["monitor", "--sweep-id", "big", "--state", "failed"],
            ),
            ("monitor --sweep-id big --all", ["monitor", "--sweep-id", "big", "--all"]),
            ("monitor --sweep-id big --json", ["monitor", "--sweep-id", "big", "--json"]),
            ("results --sweep-id big", ["results", "--sweep-id", "big"]),
            (
                "results --sweep-id big --sort loss --top 5",
                ["results", "--sweep-id", "big", "--sort", "loss", "--top", "5"],
            ),
            ("results --sweep-id big --csv", ["results", "--sweep-id", "big", "--csv"]),
            ("sweep list", ["sweep", "list"]),
        ]
        for name, args in cases:
            try:
                seconds, cpu, out = timed([*hsm, *args], project, env)
            except SystemExit as error:
                print(f"  {name:<48} failed: {error}")
                continue
            lines = out.count("\n")
            print(f"  {name:<48} {seconds:7.3f} s {cpu:7.3f} s  ({lines:,} lines)  target < 2 s")
        print(
            f"  (load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )


if __name__ == "__main__":
    main()
