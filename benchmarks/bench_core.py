"""Benchmarks of the pure core: sweep expansion, parsing and rendering.

Prints what it measured, with the ratio to a bare-Python baseline and the target from
the issue; it asserts nothing (targets live here, not in timed unit tests).

    python benchmarks/bench_core.py
"""

from __future__ import annotations

import itertools
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hsm.pure.jobspec import JobSpec, Task
from hsm.pure.plan import SweepSettings, plan_jobs
from hsm.pure.render import render_script
from hsm.pure.schedulers.pbs import qstat as pbs_qstat
from hsm.pure.schedulers.slurm import commands as slurm
from hsm.pure.sweep import expand_sweep, parse_sweep_spec

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` runs (seconds)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def rss_mib() -> float:
    """Peak resident set size of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def row(name: str, value: str, note: str = "") -> None:
    print(f"  {name:<46} {value:>14}  {note}")


def bench_sweep() -> None:
    print("Sweep expansion: 10 axes x 4 values = 1,048,576 points")
    axes = {f"p{i}": [0.1 * j + i for j in range(4)] for i in range(10)}
    start_rss = rss_mib()
    sweep = expand_sweep(parse_sweep_spec({"grid": axes}).unwrap())
    t_len = best(lambda: len(sweep), repeat=5)
    row("len()", f"{t_len * 1e6:.1f} us", f"= {len(sweep):,}")
    t_item = best(lambda: sweep[777_777], repeat=5)
    row("sweep[777777]", f"{t_item * 1e6:.1f} us")

    def hsm_loop() -> None:
        for _point in sweep:
            pass

    names = list(axes)

    def bare_loop() -> None:
        for combo in itertools.product(*axes.values()):
            dict(zip(names, combo, strict=True))

    t_hsm = best(hsm_loop)
    t_bare = best(bare_loop)
    row("iterate all points (hsm)", f"{t_hsm:.3f} s")
    row("itertools.product + dict (baseline)", f"{t_bare:.3f} s")
    row("ratio", f"{t_hsm / t_bare:.2f}x", "target <= 3x")
    row("peak RSS growth", f"{rss_mib() - start_rss:.1f} MiB", "target < 50 MiB")


def _lines(text: str, n: int) -> str:
    body = [line for line in text.splitlines() if line.strip()]
    return "\n".join(itertools.islice(itertools.cycle(body), n)) + "\n"


def bench_parsers() -> None:
    print("Parsing 100,000 lines (each compared with a bare str.split loop over the same text)")
    squeue = "".join(
        f"{1000 + i}|RUNNING|None|{i % 60}:{i % 60:02d}|n{i % 9}\n"
        if i % 3
        else f"{1000 + i}|PENDING|Resources|0:00|\n"
        for i in range(100_000)
    )
    # What hsm's sacct call prints: each job's line, then its .batch step (with MaxRSS)
    # and its .extern step -- 33,334 jobs in 100,000 lines.
    sacct = "".join(
        f"{1000 + i}|{'COMPLETED' if i % 5 else 'FAILED'}|{i % 5}:0|None|00:{i % 60:02d}:07|n{i % 9}|\n"
        f"{1000 + i}.batch|{'COMPLETED' if i % 5 else 'FAILED'}|{i % 5}:0||00:{i % 60:02d}:07"
        f"|n{i % 9}|{i % 5000}K\n"
        f"{1000 + i}.extern|COMPLETED|0:0||00:{i % 60:02d}:07|n{i % 9}|0\n"
        for i in range(33_334)
    )
    qstat = _qstat_text(100_000)

    def bare(text: str, sep: str) -> Callable[[], object]:
        return lambda: [line.split(sep) for line in text.splitlines()]

    for name, text, parse, sep in (
        ("squeue %i|%T|%r|%M|%N", squeue, slurm.parse_status_output, "|"),
        ("sacct --parsable2", sacct, slurm.parse_history_output, "|"),
        ("qstat -f (PBS Pro)", qstat, pbs_qstat.parse_qstat_full, " = "),
    ):
        lines = text.count("\n")
        assert parse(text).unwrap()  # type: ignore[operator]
        t_parse = best(lambda p=parse, t=text: p(t))  # type: ignore[misc]
        t_bare = best(bare(text, sep))
        row(
            f"{name} ({lines:,} lines)",
            f"{t_parse:.3f} s",
            f"bare split {t_bare:.3f} s, ratio {t_parse / t_bare:.2f}x (target <= 3x)",
        )


def _qstat_text(n_lines: int) -> str:
    job = (
        "Job Id: {i}.pbsserver\n    Job_Name = task_{i}\n    Job_Owner = ann@login1\n"
        "    job_state = F\n    queue = workq\n    Exit_status = {e}\n"
        "    comment = Job run at Sun Nov 29 at 10:00 on (node1:ncpus=4)\n"
        "    Resource_List.walltime = 04:00:00\n    substate = 92\n"
        "    exec_host = node{n}/0*4\n    resources_used.mem = {m}kb\n"
        "    resources_used.walltime = 00:{n:02d}:{e:02d}\n\n"
    )
    per_job = job.count("\n")
    return "".join(
        job.format(i=i, e=i % 3, n=i % 50, m=1000 + i % 5000) for i in range(n_lines // per_job)
    )


def bench_render() -> None:
    print("Rendering")
    settings = SweepSettings(
        sweep_id="bench",
        scheduler="slurm",
        mode="individual",
        walltime_seconds=3600,
        python_path="python",
        script_path="train.py",
        log_dir="sweeps/bench/logs",
        array_limit=1,
        resources="--cpus-per-task=4 --mem=16G",
    )
    argvs = [(f"lr={i * 1e-4}", f"seed={i}", "model.name=resnet") for i in range(10_000)]
    t_individual = best(lambda: plan_jobs(settings, argvs).unwrap(), repeat=2)
    row("10,000 individual scripts (plan + render)", f"{t_individual:.3f} s", "target < 2 s")
    spec = JobSpec(
        scheduler="slurm",
        job_name="bench_array",
        walltime_seconds=3600,
        log_path="logs/a_%a.log",
        python_path="python",
        script_path="train.py",
        tasks=tuple(Task(i, a) for i, a in enumerate(argvs)),
        array_text="0-9999",
    )
    t_array = best(lambda: render_script(spec).unwrap())
    size = len(render_script(spec).unwrap())
    row("one 10,000-task array script", f"{t_array:.3f} s", f"{size / 1e6:.2f} MB of script")


if __name__ == "__main__":
    print(f"python {sys.version.split()[0]} on {sys.platform}")
    bench_sweep()
    bench_parsers()
    bench_render()
