"""The README's "Rendering the seed's scripts" example: two JobSpecs rendered directly.

These two stay hand-made on purpose: they are exactly what the README tells a library
user to build, and the README promises their output byte for byte.  The planner cannot
produce those bytes (it numbers the job ``task_000`` and adds a ``# hsm:`` comment), so
the planner-made goldens live beside them (see ``expected.py``).
"""

from __future__ import annotations

from hsm.pure.jobspec import JobSpec, Task

FOUR_HOURS = 4 * 3600
SEED_ARGV = ("lr=0.001", "batch_size=32")

CASES: dict[str, JobSpec] = {
    "seed_pbs_single": JobSpec(
        scheduler="pbspro",
        job_name="sweep_task_001",
        walltime_seconds=FOUR_HOURS,
        resources="select=1:ncpus=4:mem=16gb",
        log_path="logs/task_001.log",
        python_path="python",
        script_path="train.py",
        tasks=(Task(None, SEED_ARGV),),
    ),
    "seed_slurm_single": JobSpec(
        scheduler="slurm",
        job_name="sweep_task_001",
        walltime_seconds=FOUR_HOURS,
        resources="--nodes=1 --ntasks-per-node=4 --mem=16G",
        log_path="logs/task_001.log",
        python_path="python",
        script_path="train.py",
        tasks=(Task(None, SEED_ARGV),),
    ),
}
