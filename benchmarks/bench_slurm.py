"""Benchmarks against the local real Slurm (scripts/slurm-cluster.sh up).

Measures, and prints with the issue's targets:
  * submitting a 10,000-task array sweep with hsm vs one raw ``sbatch --array``;
  * hsm's overhead per job in individual mode (200 jobs) beyond the sbatch calls;
  * one status poll of the 10,000-task sweep: scheduler calls and hsm CPU time.

Every job waits on a held "blocker" job so nothing runs; all are cancelled at the end.

    python benchmarks/bench_slurm.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hsm import api
from hsm.boundary import result_of
from hsm.effects.limits import current_user, read_limits
from hsm.effects.scheduler_backend import SchedulerBackend
from hsm.pure.schedulers import SCHEDULERS


def sbatch(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        ["sbatch", "--parsable", *args], capture_output=True, text=True, check=True, cwd=cwd
    )
    return done.stdout.strip().split(";")[0]


def row(name: str, value: str, note: str = "") -> None:
    print(f"  {name:<52} {value:>12}  {note}")


def main() -> None:
    if shutil.which("sbatch") is None:
        sys.exit("no Slurm here: run scripts/slurm-cluster.sh up first")
    work = Path(tempfile.mkdtemp(prefix="hsm-bench-"))
    (work / "train.py").write_text("print('never runs: the jobs wait on a held blocker')\n")
    blocker = sbatch("--hold", "--job-name=hsm_bench_blocker", "--wrap", "true")
    cancel = [blocker]
    try:
        options = api.JobOptions(
            walltime="00:10:00",
            python_path="python3",
            script_path="train.py",
            project_dir=work,
            dependencies=(f"afterok:{blocker}",),
        )
        n = 10_000
        params = [{"lr": 1e-4 * (i + 1), "seed": i} for i in range(n)]

        print("Array submission, 10,000 tasks")
        raw_script = work / "raw.sh"
        raw_script.write_text(
            "#!/bin/bash\n#SBATCH --time=00:10:00\n"
            f"#SBATCH --dependency=afterok:{blocker}\n"
            "#SBATCH --output=/dev/null\npython3 train.py lr=$SLURM_ARRAY_TASK_ID\n"
        )
        start = time.perf_counter()
        cancel.append(sbatch(f"--array=0-{n - 1}", str(raw_script), cwd=work))
        t_raw = time.perf_counter() - start
        backend = SchedulerBackend(SCHEDULERS["slurm"])
        start = time.perf_counter()
        done = result_of(
            api.submit_sweep(
                options,
                backend,
                params,
                mode="array",
                sweep_dir=work / "array",
                sweep_id="bench_arr",
            )
        ).unwrap()
        t_hsm = time.perf_counter() - start
        cancel.extend(done.job_ids.values())
        row("raw sbatch --array=0-9999", f"{t_raw:.3f} s")
        row(
            f"hsm submit_sweep (array, {len(done.job_ids)} array job(s))",
            f"{t_hsm:.3f} s",
            f"limit 1.1 x raw + 0.5 s = {1.1 * t_raw + 0.5:.3f} s",
        )

        print("Individual submission, 200 jobs")
        m = 200
        start = time.perf_counter()
        for i in range(m):
            cancel.append(sbatch(f"--job-name=raw_{i}", str(raw_script), cwd=work))
        t_raw_each = (time.perf_counter() - start) / m
        start = time.perf_counter()
        ind = result_of(
            api.submit_sweep(
                options,
                backend,
                params[:m],
                mode="individual",
                sweep_dir=work / "ind",
                sweep_id="bench_ind",
            )
        ).unwrap()
        t_hsm_each = (time.perf_counter() - start) / m
        cancel.extend(ind.job_ids.values())
        # Every submit reads the user's submit limits once (scontrol and two sacctmgr
        # calls, at the same time), whatever the number of jobs: measured on its own.
        start = time.perf_counter()
        result_of(read_limits(backend, current_user())).unwrap()
        t_limits = time.perf_counter() - start
        row("raw sbatch per job", f"{t_raw_each * 1e3:.2f} ms")
        row("hsm per job (render, write, journal x2, sbatch)", f"{t_hsm_each * 1e3:.2f} ms")
        row("hsm overhead per job", f"{(t_hsm_each - t_raw_each) * 1e3:.2f} ms", "target <= 5 ms")
        row("  of which the one limit read, spread over the jobs", f"{t_limits / m * 1e3:.2f} ms")
        row("  the limit read itself (once per submit)", f"{t_limits:.3f} s")

        print("Polling the 10,000-task array sweep")
        log = work / "calls.log"
        wrap = work / "wrapbin"
        wrap.mkdir()
        for name in ("squeue", "sacct"):
            real = shutil.which(name)
            (wrap / name).write_text(f'#!/bin/bash\necho "{name}" >> "{log}"\nexec {real} "$@"\n')
            (wrap / name).chmod(0o755)
        counting = SchedulerBackend(
            SCHEDULERS["slurm"], env={**os.environ, "PATH": f"{wrap}:{os.environ['PATH']}"}
        )
        cpu = time.process_time()
        start = time.perf_counter()
        report = result_of(api.sweep_status(work / "array", counting)).unwrap()
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
        calls = log.read_text().split()
        row("tasks polled", f"{len(report.statuses):,}")
        row("scheduler calls", f"{len(calls)}", f"({', '.join(calls)}); target <= 3")
        row("hsm CPU time (excluding the commands)", f"{cpu:.3f} s", "target < 1 s")
        row("wall time of the poll", f"{wall:.3f} s")
    finally:
        subprocess.run(["scancel", *cancel], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
