"""The specs pinned by golden files: the seed's two examples and one array per scheduler."""

from __future__ import annotations

from hsm.pure.jobspec import Dependency, JobSpec, Task

FOUR_HOURS = 4 * 3600
SEED_ARGV = ("lr=0.001", "batch_size=32")
ARRAY_TASKS = (
    Task(0, ("lr=0.1", "model.name=resnet")),
    Task(1, ("lr=0.01", "model.name='two words; $HOME `id`'")),
    Task(2, ("lr=0.001", "model.name='it\\'s \"quoted\"'")),
)


def _array(scheduler: str, resources: str, log_path: str) -> JobSpec:
    return JobSpec(
        scheduler=scheduler,
        job_name="hsm_demo_array",
        walltime_seconds=90 * 60,
        log_path=log_path,
        python_path="python",
        script_path="train.py",
        tasks=ARRAY_TASKS,
        resources=resources,
        queue="short",
        account="proj42",
        array_text="0-2%2",
        dependencies=(Dependency("afterok", ("1001",)),),
        setup=("module load python/3.11", "source .venv/bin/activate"),
        comment=("sweep demo, tasks 0-2 (offset 0)",),
    )


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
    "torque_single": JobSpec(
        scheduler="torque",
        job_name="sweep_task_001",
        walltime_seconds=2 * 86400 + 30,
        resources="nodes=1:ppn=4",
        log_path="logs/task_001.log",
        python_path="/opt/conda/bin/python",
        script_path="train.py",
        tasks=(Task(None, SEED_ARGV),),
    ),
    "slurm_array": _array(
        "slurm", "--cpus-per-task=4 --mem=8G --gres=gpu:1", "logs/hsm_demo_array_%A_%a.log"
    ),
    "pbspro_array": _array(
        "pbspro", "select=1:ncpus=4:mem=8gb:ngpus=1", "logs/hsm_demo_array.^array_index^.log"
    ),
    "torque_array": _array("torque", "nodes=1:ppn=4,mem=8gb", "logs/hsm_demo_array.log"),
    "local_array": _array("local", "", "logs/hsm_demo_array.log"),
}
