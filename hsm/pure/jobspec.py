"""What one rendered script asks for: the :class:`JobSpec` record and its checks.

Strategy: everything a template may use is a field here, already validated (user
settings by :func:`hsm.pure.job_settings.check_job_values`), so the templates only lay
values out.  Names and paths that land on directive lines are checked
for anything that could end the line or start another directive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError

#: Dependency kinds `--after` accepts, spelt as Slurm and PBS spell them; a record's
#: ``dependency_kinds`` says which of them its scheduler can honour.
DEPENDENCY_KINDS = ("after", "afterok", "afternotok", "afterany")

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
_JOB_ID = re.compile(r"[A-Za-z0-9_.\[\]-]+")


@dataclass(frozen=True, slots=True)
class Dependency:
    """Start only after ``job_ids`` reach the condition ``kind`` (``afterok`` ...)."""

    kind: str
    job_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Task:
    """One task of a job: its array index (None for a single job) and its argv.

    ``number`` (the task's number in the sweep) and ``params_json`` (its parameters as
    JSON) are set by the planner: the job then gives the task its directory and the
    ``HSM_*`` environment (see :class:`JobSpec`'s ``sweep_dir``).
    """

    index: int | None
    argv: tuple[str, ...]
    number: int | None = None
    params_json: str | None = None


@dataclass(frozen=True, slots=True)
class JobSpec:
    """Everything needed to render one job script.

    Attributes:
        scheduler: a registry key (``slurm``, ``pbspro``, ``torque``, ``sge``, ``local``...).
        job_name: already sanitised (see :func:`sanitize_job_name`).
        walltime_seconds: the time limit.
        resources: the user's resource text (either dialect; translated per target).
        queue / account: partition-or-queue and account, when set in the config.
        log_path: where the scheduler writes stdout+stderr (relative to the workdir).
        python_path / script_path: the program run for each task.
        tasks: one :class:`Task` for a single job; for an array, one per index.
        array_text: ``--array``/``-J``/``-t`` text (``0-9%2``) for an array, else None.
        dependencies: jobs this one waits for.
        setup: shell lines run before the program (``module load cuda``), verbatim.
        comment: lines written as ``# hsm:`` comments (sweep id, tasks covered).
        extra: escape-hatch directive lines (``hpc.slurm.extra``...), written after hsm's
            own directives once the scheduler's dialect has checked them.
        sweep_id / sweep_dir: the sweep the job belongs to, its directory relative to
            where jobs run (or absolute).  When set, every task gets ``HSM_SWEEP_ID``,
            ``HSM_SWEEP_DIR``, ``HSM_TASK_INDEX`` and ``HSM_TASK_DIR`` in its environment,
            and its task directory with ``params.json`` is made before the program starts.
    """

    scheduler: str
    job_name: str
    walltime_seconds: int
    log_path: str
    python_path: str
    script_path: str
    tasks: tuple[Task, ...]
    resources: str = ""
    queue: str | None = None
    account: str | None = None
    array_text: str | None = None
    dependencies: tuple[Dependency, ...] = ()
    setup: tuple[str, ...] = ()
    comment: tuple[str, ...] = field(default=())
    extra: tuple[str, ...] = ()
    sweep_id: str | None = None
    sweep_dir: str | None = None

    @property
    def is_array(self) -> bool:
        """True when this spec renders an array job."""
        return self.array_text is not None


def sanitize_job_name(name: str, scheduler: str) -> str:
    """Make ``name`` acceptable to ``scheduler``: safe characters, a letter first, capped.

    Runs of other characters become ``_``; where the scheduler needs an alphabetic first
    character (PBS), a ``j`` is prepended when it is not.  The limits are the record's.

    >>> sanitize_job_name("sweep task/001", "pbspro")
    'sweep_task_001'
    >>> sanitize_job_name("1st run", "torque")
    'j1st_run'
    """
    from hsm.pure.schedulers import SCHEDULERS  # the registry imports jobspec's users

    record = SCHEDULERS[scheduler]
    cleaned = _UNSAFE_NAME.sub("_", name).strip("_") or "hsm_job"
    if record.job_name_needs_letter and not cleaned[0].isalpha():
        cleaned = "j" + cleaned
    return cleaned[: record.job_name_limit]


def parse_dependency(text: str) -> Result[Dependency, ConfigError]:
    """Parse ``afterok:123:456`` (or a bare ``123``, meaning afterok).

    >>> parse_dependency("afterany:12:13").unwrap()
    Dependency(kind='afterany', job_ids=('12', '13'))
    >>> parse_dependency("77").unwrap()
    Dependency(kind='afterok', job_ids=('77',))
    """
    head, _, rest = text.strip().partition(":")
    kind, ids = (head, rest.split(":")) if head in DEPENDENCY_KINDS else ("afterok", [head])
    if not rest and head in DEPENDENCY_KINDS:
        return Failure(ConfigError(f"dependency '{text}' names no job id; write {head}:JOBID"))
    if not all(_JOB_ID.fullmatch(job_id) for job_id in ids):
        return Failure(
            ConfigError(
                f"bad dependency '{text}': write JOBID or KIND:JOBID[:JOBID...] "
                f"with KIND one of {', '.join(DEPENDENCY_KINDS)}"
            )
        )
    return Success(Dependency(kind, tuple(ids)))


def check_directive_value(what: str, value: str) -> Result[str, ConfigError]:
    """Refuse a value that could break out of a ``#SBATCH``/``#PBS`` line.

    >>> check_directive_value("log path", "logs/a b.log")
    <Failure: log path 'logs/a b.log' contains whitespace; choose a path without spaces>
    """
    if not value:
        return Failure(ConfigError(f"{what} is empty"))
    if not value.isprintable():
        return Failure(ConfigError(f"{what} {value!r} contains a control character"))
    if any(ch.isspace() for ch in value):
        return Failure(
            ConfigError(f"{what} {value!r} contains whitespace; choose a path without spaces")
        )
    if any(ch in value for ch in "\"'#`$;\\"):
        return Failure(
            ConfigError(
                f"{what} {value!r} contains one of \" ' # ` $ ; \\ "
                "which cannot go on a directive line"
            )
        )
    return Success(value)


def check_argv(argv: Sequence[str]) -> Result[tuple[str, ...], ConfigError]:
    """Arguments may hold anything but NUL, which no program can receive."""
    for arg in argv:
        if "\x00" in arg:
            return Failure(ConfigError(f"argument {arg!r} contains a NUL byte"))
    return Success(tuple(argv))
