"""The planner-made golden cases: the command that renders each, and the lines we expect.

Each case is one ``hsm sweep render`` of a sweep file in ``sweeps/``; every script it
writes to ``<sweep dir>/scripts/`` is pinned as ``tests/golden/<case>.<script>.sh``.
The expected lines below are written by hand from the scheduler documentation and the
README -- never copied from a golden -- so a golden rewritten with ``--update-golden``
still has to contain them.  Sweep directories are relative (``sweeps/<sweep id>``), so
the log paths in the scripts are too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Case:
    """``hsm sweep render --config <sweep> --system <system> --mode <mode> ...``.

    Attributes:
        sweep: the sweep file's name under ``tests/golden/sweeps/``.
        scripts: script name (without ``.sh``) -> lines that script must contain; the
            names are exactly the scripts the render must write, no more, no fewer.
    """

    sweep: str
    system: str
    mode: str
    sweep_id: str
    flags: tuple[str, ...]
    scripts: dict[str, tuple[str, ...]]

    def argv(self) -> list[str]:
        """The ``hsm`` arguments, run in a directory holding the sweep file."""
        return [
            "sweep",
            "render",
            "--config",
            self.sweep,
            "--system",
            self.system,
            "--mode",
            self.mode,
            "--sweep-id",
            self.sweep_id,
            "--sweep-dir",
            f"sweeps/{self.sweep_id}",
            *self.flags,
        ]


# -- the seed's job, through the planner ------------------------------------------------
# One task as one individual job.  The planner numbers it task_000 and adds a comment
# line, so these are not the README's bytes (seed_pbs_single.sh / seed_slurm_single.sh,
# rendered from a JobSpec, stay pinned beside them in test_golden.py).

SEED_ARGV = 'python train.py "lr=0.001" "batch_size=32"'

SEED = {
    "seed_pbspro_single": Case(
        "seed.yaml",
        "pbspro",
        "individual",
        "sweep",
        ("--resources", "select=1:ncpus=4:mem=16gb"),
        {
            "task_000": (
                "#!/bin/bash",
                "#PBS -N sweep_task_000",
                "#PBS -l walltime=04:00:00",
                "#PBS -l select=1:ncpus=4:mem=16gb",
                "#PBS -j oe",
                "#PBS -o sweeps/sweep/logs/task_000.log",
                'cd "$PBS_O_WORKDIR" || exit 1',
                SEED_ARGV,
            ),
        },
    ),
    "seed_slurm_single": Case(
        "seed.yaml",
        "slurm",
        "individual",
        "sweep",
        ("--resources=--nodes=1 --ntasks-per-node=4 --mem=16G",),
        {
            "task_000": (
                "#!/bin/bash",
                "#SBATCH --job-name=sweep_task_000",
                "#SBATCH --time=04:00:00",
                "#SBATCH --nodes=1",
                "#SBATCH --ntasks-per-node=4",
                "#SBATCH --mem=16G",
                "#SBATCH --output=sweeps/sweep/logs/task_000.log",
                SEED_ARGV,
            ),
        },
    ),
    # Torque: a walltime past 24 hours and an absolute interpreter path.
    "seed_torque_single": Case(
        "seed.yaml",
        "torque",
        "individual",
        "sweep",
        (
            "--walltime",
            "2-00:00:30",
            "--python",
            "/opt/conda/bin/python",
            "--resources",
            "nodes=1:ppn=4",
        ),
        {
            "task_000": (
                "#!/bin/bash",
                "#PBS -N sweep_task_000",
                "#PBS -l walltime=48:00:30",
                "#PBS -l nodes=1:ppn=4",
                "#PBS -j oe",
                "#PBS -o sweeps/sweep/logs/task_000.log",
                'cd "$PBS_O_WORKDIR" || exit 1',
                '/opt/conda/bin/python train.py "lr=0.001" "batch_size=32"',
            ),
        },
    ),
}

# Grid Engine: bash chosen explicitly (the queue's shell would be /bin/sh), the job run in
# the submit directory (-cwd, else $HOME), stderr merged (-j y); Slurm resources
# translated (4 cores -> -pe smp 4, 16G per node -> h_vmem 4G per slot).
SEED_SGE = {
    "seed_sge_single": Case(
        "seed.yaml",
        "sge",
        "individual",
        "sweep",
        ("--resources", "--nodes=1 --ntasks-per-node=4 --mem=16G"),
        {
            "task_000": (
                "#!/bin/bash",
                "#$ -S /bin/bash",
                "#$ -N sweep_task_000",
                "#$ -l h_rt=04:00:00",
                "#$ -pe smp 4",
                "#$ -l h_vmem=4G",
                "#$ -cwd",
                "#$ -j y",
                "#$ -o sweeps/sweep/logs/task_000.log",
                SEED_ARGV,
            ),
        },
    ),
}

# -- hostile values (hostile.yaml), array and individual on every backend ---------------
# Each argument is one shell word: double quotes when nothing in it expands, else single
# quotes with ' written '\''.  Inside, Hydra's own quoting of the value (model.name='...').

HOSTILE_CASE_LINES = (
    r"""  0) set -- "lr=0.01" 'model.name='\''two words; $HOME `id`'\'''; hsm_task=0; hsm_params='{"lr": 0.01, "model.name": "two words; $HOME `id`"}' ;;""",
    r"""  1) set -- "lr=0.01" 'model.name='\''it\'\''s "quoted"'\'''; hsm_task=1; hsm_params='{"lr": 0.01, "model.name": "it'\''s \"quoted\""}' ;;""",
    r"""  2) set -- "lr=0.01" "model.name='naïve ünïcode ✓ €'"; hsm_task=2; hsm_params='{"lr": 0.01, "model.name": "naïve ünïcode ✓ €"}' ;;""",
    # Every task of a sweep gets its directory, params.json and the HSM_* variables.
    'export HSM_SWEEP_ID="hostile"',
    'export HSM_SWEEP_DIR="$PWD"/sweeps/hostile',
    'export HSM_TASK_INDEX="$hsm_task"',
    'export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"',
)
HOSTILE_ARGS = (
    r"""train.py "lr=0.01" 'model.name='\''two words; $HOME `id`'\'''""",
    r"""train.py "lr=0.01" 'model.name='\''it\'\''s "quoted"'\'''""",
    'train.py "lr=0.01" "model.name=\'naïve ünïcode ✓ €\'"',
)

HOSTILE_ARRAY = {
    "hostile_slurm_array": Case(
        "hostile.yaml",
        "slurm",
        "array",
        "hostile",
        (),
        {
            "array_000": (
                "#!/bin/bash",
                "#SBATCH --job-name=hostile_array_000",
                "#SBATCH --time=01:30:00",
                "#SBATCH --array=0-2",
                "#SBATCH --output=sweeps/hostile/logs/array_000_%a.log",
                'case "${SLURM_ARRAY_TASK_ID:?SLURM_ARRAY_TASK_ID is not set}" in',
                *HOSTILE_CASE_LINES,
                'python train.py "$@"',
            ),
        },
    ),
    "hostile_pbspro_array": Case(
        "hostile.yaml",
        "pbspro",
        "array",
        "hostile",
        (),
        {
            "array_000": (
                "#!/bin/bash",
                "#PBS -N hostile_array_000",
                "#PBS -l walltime=01:30:00",
                "#PBS -J 0-2",
                "#PBS -j oe",
                "#PBS -o sweeps/hostile/logs/array_000_^array_index^.log",
                'cd "$PBS_O_WORKDIR" || exit 1',
                'case "${PBS_ARRAY_INDEX:?PBS_ARRAY_INDEX is not set}" in',
                *HOSTILE_CASE_LINES,
                'python train.py "$@"',
            ),
        },
    ),
    # Grid Engine: indices start at 1 (-t 0-2 is refused), so the case labels are 1-3;
    # -o names each task's log with qsub's $TASK_ID pseudo variable.
    "hostile_sge_array": Case(
        "hostile.yaml",
        "sge",
        "array",
        "hostile",
        (),
        {
            "array_000": (
                "#!/bin/bash",
                "#$ -S /bin/bash",
                "#$ -N hostile_array_000",
                "#$ -l h_rt=01:30:00",
                "#$ -t 1-3",
                "#$ -cwd",
                "#$ -j y",
                "#$ -o sweeps/hostile/logs/array_000_$TASK_ID.log",
                "# hsm: sweep hostile, array 0, 3 tasks, offset -1",
                'case "${SGE_TASK_ID:?SGE_TASK_ID is not set}" in',
                *(
                    line.replace(f"  {n})", f"  {n + 1})", 1)
                    for n, line in enumerate(HOSTILE_CASE_LINES)
                ),
                'python train.py "$@"',
            ),
        },
    ),
    # Torque has no index pattern for -o: it appends "-<index>" to the path itself.
    "hostile_torque_array": Case(
        "hostile.yaml",
        "torque",
        "array",
        "hostile",
        (),
        {
            "array_000": (
                "#!/bin/bash",
                "#PBS -N hostile_array_000",
                "#PBS -l walltime=01:30:00",
                "#PBS -t 0-2",
                "#PBS -j oe",
                "#PBS -o sweeps/hostile/logs/array_000.log",
                'cd "$PBS_O_WORKDIR" || exit 1',
                'case "${PBS_ARRAYID:?PBS_ARRAYID is not set}" in',
                *HOSTILE_CASE_LINES,
                'python train.py "$@"',
            ),
        },
    ),
    # The local backend sets HSM_ARRAY_TASK_ID, enforces the walltime with timeout and
    # keeps logs itself (no log path in the script).
    "hostile_local_array": Case(
        "hostile.yaml",
        "local",
        "array",
        "hostile",
        (),
        {
            "array_000": (
                "#!/bin/bash",
                "# hsm local job: hostile_array_000",
                'case "${HSM_ARRAY_TASK_ID:?HSM_ARRAY_TASK_ID is not set}" in',
                *HOSTILE_CASE_LINES,
                'timeout --foreground --kill-after=30s 5400s python train.py "$@"',
                'exit "$hsm_rc"',
            ),
        },
    ),
}

HOSTILE_INDIVIDUAL = {
    "hostile_slurm_individual": Case(
        "hostile.yaml",
        "slurm",
        "individual",
        "hostile",
        (),
        {
            f"task_00{n}": (
                "#!/bin/bash",
                f"#SBATCH --job-name=hostile_task_00{n}",
                "#SBATCH --time=01:30:00",
                f"#SBATCH --output=sweeps/hostile/logs/task_00{n}.log",
                f"# hsm: sweep hostile, task {n}",
                f"python {HOSTILE_ARGS[n]}",
            )
            for n in range(3)
        },
    ),
    "hostile_pbspro_individual": Case(
        "hostile.yaml",
        "pbspro",
        "individual",
        "hostile",
        (),
        {
            f"task_00{n}": (
                "#!/bin/bash",
                f"#PBS -N hostile_task_00{n}",
                "#PBS -l walltime=01:30:00",
                "#PBS -j oe",
                f"#PBS -o sweeps/hostile/logs/task_00{n}.log",
                'cd "$PBS_O_WORKDIR" || exit 1',
                f"python {HOSTILE_ARGS[n]}",
            )
            for n in range(3)
        },
    ),
    "hostile_torque_individual": Case(
        "hostile.yaml",
        "torque",
        "individual",
        "hostile",
        (),
        {
            f"task_00{n}": (
                "#!/bin/bash",
                f"#PBS -N hostile_task_00{n}",
                "#PBS -l walltime=01:30:00",
                "#PBS -j oe",
                f"#PBS -o sweeps/hostile/logs/task_00{n}.log",
                'cd "$PBS_O_WORKDIR" || exit 1',
                f"python {HOSTILE_ARGS[n]}",
            )
            for n in range(3)
        },
    ),
    "hostile_sge_individual": Case(
        "hostile.yaml",
        "sge",
        "individual",
        "hostile",
        (),
        {
            f"task_00{n}": (
                "#!/bin/bash",
                "#$ -S /bin/bash",
                f"#$ -N hostile_task_00{n}",
                "#$ -l h_rt=01:30:00",
                "#$ -cwd",
                "#$ -j y",
                f"#$ -o sweeps/hostile/logs/task_00{n}.log",
                f"python {HOSTILE_ARGS[n]}",
            )
            for n in range(3)
        },
    ),
    "hostile_local_individual": Case(
        "hostile.yaml",
        "local",
        "individual",
        "hostile",
        (),
        {
            f"task_00{n}": (
                "#!/bin/bash",
                f"# hsm local job: hostile_task_00{n}",
                f"timeout --foreground --kill-after=30s 5400s python {HOSTILE_ARGS[n]}",
            )
            for n in range(3)
        },
    ),
}

# -- chunked arrays (five.yaml, --max-array-size 2) --------------------------------------
# Five tasks, every index below 2: arrays 0-1, 0-1, 0 at offsets 0, 2, 4, each with its
# indices restarting at 0 and its offset in a comment.


def _five_case(index: int, seed: int) -> str:
    """Array index ``index`` runs task ``seed`` (five.yaml's seeds are the task numbers)."""
    return (
        f"""  {index}) set -- "seed={seed}" "tag='a b'"; hsm_task={seed}; """
        f"""hsm_params='{{"seed": {seed}, "tag": "a b"}}' ;;"""
    )


FIVE_CHUNKS = (
    ("0-1", 0, (_five_case(0, 0), _five_case(1, 1))),
    ("0-1", 2, (_five_case(0, 2), _five_case(1, 3))),
    ("0", 4, (_five_case(0, 4),)),
)


def _chunk_comment(number: int, offset: int, size: int) -> str:
    return f"# hsm: sweep five, array {number}, {size} tasks, offset {offset}"


CHUNKED = {
    "five_slurm_chunked": Case(
        "five.yaml",
        "slurm",
        "array",
        "five",
        ("--max-array-size", "2"),
        {
            f"array_00{n}": (
                "#!/bin/bash",
                f"#SBATCH --job-name=five_array_00{n}",
                "#SBATCH --time=00:20:00",
                f"#SBATCH --array={indices}",
                f"#SBATCH --output=sweeps/five/logs/array_00{n}_%a.log",
                _chunk_comment(n, offset, len(lines)),
                'case "${SLURM_ARRAY_TASK_ID:?SLURM_ARRAY_TASK_ID is not set}" in',
                *lines,
                'python3 train.py "$@"',
            )
            for n, (indices, offset, lines) in enumerate(FIVE_CHUNKS)
        },
    ),
    "five_pbspro_chunked": Case(
        "five.yaml",
        "pbspro",
        "array",
        "five",
        ("--max-array-size", "2"),
        {
            **{
                f"array_00{n}": (
                    "#!/bin/bash",
                    f"#PBS -N five_array_00{n}",
                    "#PBS -l walltime=00:20:00",
                    f"#PBS -J {indices}",
                    f"#PBS -o sweeps/five/logs/array_00{n}_^array_index^.log",
                    _chunk_comment(n, offset, len(lines)),
                    'case "${PBS_ARRAY_INDEX:?PBS_ARRAY_INDEX is not set}" in',
                    *lines,
                    'python3 train.py "$@"',
                )
                for n, (indices, offset, lines) in enumerate(FIVE_CHUNKS[:2])
            },
            # PBS Pro refuses a one-subjob array (-J 0): the last chunk's one task is a
            # plain job, with no -J and no case statement.
            "task_004": (
                "#!/bin/bash",
                "#PBS -N five_task_004",
                "#PBS -l walltime=00:20:00",
                "#PBS -o sweeps/five/logs/task_004.log",
                "# hsm: sweep five, task 4",
                'python3 train.py "seed=4" "tag=\'a b\'"',
            ),
        },
    ),
    "five_torque_chunked": Case(
        "five.yaml",
        "torque",
        "array",
        "five",
        ("--max-array-size", "2"),
        {
            f"array_00{n}": (
                "#!/bin/bash",
                f"#PBS -N five_array_00{n}",
                "#PBS -l walltime=00:20:00",
                f"#PBS -t {indices}",
                f"#PBS -o sweeps/five/logs/array_00{n}.log",
                _chunk_comment(n, offset, len(lines)),
                'case "${PBS_ARRAYID:?PBS_ARRAYID is not set}" in',
                *lines,
                'python3 train.py "$@"',
            )
            for n, (indices, offset, lines) in enumerate(FIVE_CHUNKS)
        },
    ),
}

# Grid Engine counts --max-array-size 2 as two tasks per array, indexed 1-2: the same
# three chunks, each starting at 1, so every offset is one lower.
FIVE_SGE_CHUNKS = (
    ("1-2", -1, (_five_case(1, 0), _five_case(2, 1))),
    ("1-2", 1, (_five_case(1, 2), _five_case(2, 3))),
    ("1", 3, (_five_case(1, 4),)),
)

CHUNKED_SGE = {
    "five_sge_chunked": Case(
        "five.yaml",
        "sge",
        "array",
        "five",
        ("--max-array-size", "2"),
        {
            f"array_00{n}": (
                "#!/bin/bash",
                f"#$ -N five_array_00{n}",
                "#$ -l h_rt=00:20:00",
                f"#$ -t {indices}",
                f"#$ -o sweeps/five/logs/array_00{n}_$TASK_ID.log",
                _chunk_comment(n, offset, len(lines)),
                'case "${SGE_TASK_ID:?SGE_TASK_ID is not set}" in',
                *lines,
                'python3 train.py "$@"',
            )
            for n, (indices, offset, lines) in enumerate(FIVE_SGE_CHUNKS)
        },
    ),
}

# -- every other job option (options.yaml + flags) ----------------------------------------

OPTION_FLAGS = ("--throttle", "2", "--after", "afterok:1001")
OPTION_TASK_LINES = (
    """  0) set -- "lr=0.1"; hsm_task=0; hsm_params='{"lr": 0.1}' ;;""",
    """  1) set -- "lr=0.01"; hsm_task=1; hsm_params='{"lr": 0.01}' ;;""",
    """  2) set -- "lr=0.001"; hsm_task=2; hsm_params='{"lr": 0.001}' ;;""",
    "module load python/3.11",
    "source .venv/bin/activate",
    'python train.py "$@"',
)

OPTIONS = {
    "options_slurm_array": Case(
        "options.yaml",
        "slurm",
        "array",
        "opts",
        ("--resources=--cpus-per-task=4 --mem=8G --gres=gpu:1", *OPTION_FLAGS),
        {
            "array_000": (
                "#SBATCH --job-name=opts_array_000",
                "#SBATCH --time=01:30:00",
                "#SBATCH --cpus-per-task=4",
                "#SBATCH --mem=8G",
                "#SBATCH --gres=gpu:1",
                "#SBATCH --partition=short",
                "#SBATCH --account=proj42",
                "#SBATCH --array=0-2%2",
                "#SBATCH --dependency=afterok:1001",
                "#SBATCH --output=sweeps/opts/logs/array_000_%a.log",
                *OPTION_TASK_LINES,
            ),
        },
    ),
    "options_pbspro_array": Case(
        "options.yaml",
        "pbspro",
        "array",
        "opts",
        ("--resources", "select=1:ncpus=4:mem=8gb:ngpus=1", *OPTION_FLAGS),
        {
            "array_000": (
                "#PBS -N opts_array_000",
                "#PBS -l walltime=01:30:00",
                "#PBS -l select=1:ncpus=4:mem=8gb:ngpus=1",
                "#PBS -q short",
                "#PBS -A proj42",
                "#PBS -J 0-2%2",
                "#PBS -W depend=afterok:1001",
                "#PBS -o sweeps/opts/logs/array_000_^array_index^.log",
                *OPTION_TASK_LINES,
            ),
        },
    ),
    "options_torque_array": Case(
        "options.yaml",
        "torque",
        "array",
        "opts",
        ("--resources", "nodes=1:ppn=4,mem=8gb", *OPTION_FLAGS),
        {
            "array_000": (
                "#PBS -N opts_array_000",
                "#PBS -l walltime=01:30:00",
                "#PBS -l nodes=1:ppn=4",
                "#PBS -l mem=8gb",
                "#PBS -q short",
                "#PBS -A proj42",
                "#PBS -t 0-2%2",
                "#PBS -W depend=afterok:1001",
                "#PBS -o sweeps/opts/logs/array_000.log",
                *OPTION_TASK_LINES,
            ),
        },
    ),
}

# Grid Engine: -tc is the throttle; -hold_jid waits for the predecessor to END, whatever
# its outcome, so only afterany can be honoured (afterok is refused: see test_plan's
# dependency cases).  The queue and account come from the file's hpc.sge section.
OPTIONS_SGE = {
    "options_sge_array": Case(
        "options.yaml",
        "sge",
        "array",
        "opts",
        (
            "--resources",
            "--cpus-per-task=4 --mem=8G",
            "--throttle",
            "2",
            "--after",
            "afterany:1001",
        ),
        {
            "array_000": (
                "#$ -S /bin/bash",
                "#$ -N opts_array_000",
                "#$ -l h_rt=01:30:00",
                "#$ -pe smp 4",
                "#$ -l h_vmem=2G",
                "#$ -q short.q",
                "#$ -A proj42",
                "#$ -t 1-3",
                "#$ -tc 2",
                "#$ -hold_jid 1001",
                "#$ -cwd",
                "#$ -o sweeps/opts/logs/array_000_$TASK_ID.log",
                "#$ -P bio",
                """  1) set -- "lr=0.1"; hsm_task=0; hsm_params='{"lr": 0.1}' ;;""",
                """  2) set -- "lr=0.01"; hsm_task=1; hsm_params='{"lr": 0.01}' ;;""",
                """  3) set -- "lr=0.001"; hsm_task=2; hsm_params='{"lr": 0.001}' ;;""",
                *OPTION_TASK_LINES[3:],
            ),
        },
    ),
}

CASES: dict[str, Case] = {
    **SEED,
    **SEED_SGE,
    **HOSTILE_ARRAY,
    **HOSTILE_INDIVIDUAL,
    **CHUNKED,
    **CHUNKED_SGE,
    **OPTIONS,
    **OPTIONS_SGE,
}


def golden_name(case: str, script: str) -> str:
    """The golden file of one script: ``<case>.<script>.sh`` beside the other goldens."""
    return f"{case}.{script}.sh"


#: Every planner-made golden file name.
GOLDEN_NAMES = frozenset(golden_name(c, s) for c, case in CASES.items() for s in case.scripts)
