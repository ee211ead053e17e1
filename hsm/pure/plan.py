"""Plan a sweep: which jobs to submit, which tasks each covers, and their scripts.

Strategy: a sweep's tasks are numbered ``0..N-1`` in expansion order.  Individual mode
makes one job per task (key ``task_007``); array mode asks the array planner for chunks
under the scheduler's limit (key ``array_000``, ``array_001``...).  Every job gets a
scheduler job name ``<sweep id>_<key>`` -- unique per sweep, which is how a crashed
submission finds a job whose submit call was in flight -- a script file name, a log path
and the rendered script with its sha256.  Nothing here touches the disk: the effects
layer writes what this returns.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import partial
from typing import Any

from returns.result import Failure, Result, Success

from hsm.pure import layout
from hsm.pure.arrays import ArrayChunk, plan_array_chunks
from hsm.pure.errors import ConfigError
from hsm.pure.jobspec import Dependency, JobSpec, Task, check_directive_value, sanitize_job_name
from hsm.pure.render import render_script
from hsm.pure.schedulers import SCHEDULERS, scheduler_for

MODES = ("array", "individual")
_SWEEP_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True, slots=True)
class SweepSettings:
    """Everything about a sweep's jobs except the tasks themselves.

    Attributes:
        sweep_id: names the sweep; part of every job name (see :func:`check_sweep_id`).
        scheduler: a key of the scheduler registry (``slurm``, ``pbspro``, ``sge``...).
        mode: ``array`` or ``individual``.
        log_dir: where logs go, relative to the directory jobs run in.
        array_limit: every array index stays below this.
        key_prefix: prepended to job keys, so a resubmission (``r1_``) never reuses one.
        sweep_dir: the sweep directory relative to where jobs run (or absolute); when set,
            each task gets its own directory and the ``HSM_*`` environment.
        job_name: the exact job name of a one-task individual sweep (the seed's
            ``submit_single_job``); other sweeps name jobs ``<sweep id>_<key>``.
        extra: escape-hatch directive lines (``hpc.slurm.extra``...), checked when each
            script is rendered.
    """

    sweep_id: str
    scheduler: str
    mode: str
    walltime_seconds: int
    python_path: str
    script_path: str
    log_dir: str
    array_limit: int
    resources: str = ""
    queue: str | None = None
    account: str | None = None
    setup: tuple[str, ...] = ()
    throttle: int | None = None
    dependencies: tuple[Dependency, ...] = ()
    key_prefix: str = ""
    job_name: str | None = None
    extra: tuple[str, ...] = ()
    sweep_dir: str | None = None


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job of the sweep: what the manifest keeps of it, from planning to submission.

    Attributes:
        key: unique within the sweep (``task_007``, ``array_000``, ``r1_array_000``).
        job_name: the scheduler job name, ``<sweep id>_<key>``.
        script_file: the script's path relative to the sweep directory
            (:func:`hsm.pure.layout.script_file`).
        tasks: the global task numbers it runs.
        indices: array indices parallel to ``tasks``; None for an individual job.
        log_path: the scheduler's output path (may hold the array-index pattern).
        sha256: hex digest of the rendered script.
        job_id: the scheduler's id once submitted, else None.
        changes: the settings this job was planned with where they differ from the
            sweep's own (a resubmission with a longer walltime: ``{"walltime_seconds":
            28800}``); None when it was planned with the sweep's settings.
    """

    key: str
    job_name: str
    script_file: str
    tasks: tuple[int, ...]
    indices: tuple[int, ...] | None
    log_path: str
    sha256: str
    # keyword-only so that PlannedJob can add its script as a positional field
    job_id: str | None = field(default=None, kw_only=True)
    changes: Mapping[str, Any] | None = field(default=None, kw_only=True)


@dataclass(frozen=True, slots=True)
class PlannedJob(JobRecord):
    """A job of the sweep together with its rendered script text (before it is written).

    The same record as :class:`JobRecord` (a ``PlannedJob`` is one); the manifest keeps
    the record without the text (:meth:`record`), the script file keeps the text.
    """

    script: str

    def record(self) -> JobRecord:
        """The job without its script text, as the manifest keeps it."""
        return JobRecord(**{f.name: getattr(self, f.name) for f in fields(JobRecord)})


def key_number(key: str, prefix: str) -> int:
    """The number a job key's ``prefix`` carries (a wave's ``w12_``, a resubmission's
    ``r1_``), 0 for a key without it.

    >>> [key_number(key, "w") for key in ("w12_array_003", "array_000", "r1_task_004")]
    [12, 0, 0]
    """
    head = key.split("_", 1)[0]
    digits = head[len(prefix) :]
    return int(digits) if head.startswith(prefix) and digits.isdigit() else 0


def params_json(params: Mapping[str, Any]) -> str:
    """A task's parameters as the JSON its ``params.json`` holds (values typed).

    >>> params_json({"lr": 0.0001, "model": {"name": "mlp"}})
    '{"lr": 0.0001, "model": {"name": "mlp"}}'
    """
    return json.dumps(params, ensure_ascii=False, default=str)


def check_sweep_id(sweep_id: str) -> Result[str, ConfigError]:
    """A sweep id is 1-64 letters, digits, ``_``, ``.``, ``-`` and starts with a letter or digit.

    It names a directory and every job, so nothing that could traverse paths or break a
    directive is allowed.

    >>> check_sweep_id("lr_search-2").unwrap()
    'lr_search-2'
    >>> print(check_sweep_id("../etc").failure())
    sweep id '../etc' must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit
    """
    if _SWEEP_ID.fullmatch(sweep_id) is None:
        return Failure(
            ConfigError(
                f"sweep id {sweep_id!r} must be 1-64 letters, digits, '_', '.' or '-', "
                "starting with a letter or digit"
            )
        )
    return Success(sweep_id)


def task_log_path(job: JobRecord, scheduler: str, task: int) -> str:
    """Where the log of ``task`` (one of ``job.tasks``) ends up.

    >>> job = JobRecord("array_000", "s_array_000", layout.script_file("array_000"),
    ...                 (5, 6), (0, 1), "logs/array_000_%a.log", "")
    >>> task_log_path(job, "slurm", 6)
    'logs/array_000_1.log'
    """
    if job.indices is None:
        return job.log_path
    index = job.indices[job.tasks.index(task)]
    return SCHEDULERS[scheduler].task_log_name(job.log_path, index)


def plan_jobs(
    settings: SweepSettings,
    argvs: Sequence[tuple[str, ...]],
    tasks: Sequence[int] | None = None,
    params_json: Sequence[str] | None = None,
) -> Result[tuple[PlannedJob, ...], ConfigError]:
    """Plan and render the jobs that run ``tasks`` (default: all of ``argvs``).

    Args:
        settings: the sweep's job settings.
        argvs: every task's program arguments, indexed by global task number.
        tasks: the task numbers to run now (a resubmission passes the failed ones).
        params_json: every task's parameters as JSON (written to its ``params.json``).
    """
    checked = _check_settings(settings)
    if isinstance(checked, Failure):
        return checked
    wanted = list(range(len(argvs))) if tasks is None else sorted(set(tasks))
    if not wanted:
        return Failure(ConfigError("the sweep has no tasks to submit"))
    if wanted[0] < 0 or wanted[-1] >= len(argvs):
        return Failure(ConfigError(f"task numbers must lie in 0..{len(argvs) - 1}"))
    width = max(3, len(str(len(argvs) - 1)))
    if params_json is None:  # without parameters there is no params.json to give tasks
        settings = replace(settings, sweep_dir=None)
    task_of = partial(_task, argvs, params_json)
    if settings.mode == "individual":
        return _collect(_individual(settings, task_of, task, width) for task in wanted)
    record = SCHEDULERS[settings.scheduler]
    chunks = plan_array_chunks(
        wanted,
        settings.array_limit,
        settings.throttle,
        dense=record.dense_arrays,
        base=record.index_base,
    )
    if isinstance(chunks, Failure):
        return Failure(ConfigError(chunks.failure().message))
    all_chunks = chunks.unwrap()
    chunk_width = max(3, len(str(len(all_chunks) - 1)))
    # A chunk too small to be an array on this scheduler (PBS Pro refuses a one-subjob
    # array) is submitted as plain jobs; every other chunk keeps its number.
    smallest = record.min_array_tasks
    return _collect(
        job
        for number, chunk in enumerate(all_chunks)
        for job in (
            [_array(settings, task_of, number, chunk, chunk_width)]
            if len(chunk.tasks) >= smallest
            else [_individual(settings, task_of, task, width) for task in chunk.tasks]
        )
    )


def _check_settings(settings: SweepSettings) -> Result[None, ConfigError]:
    if settings.mode not in MODES:
        return Failure(
            ConfigError(f"mode must be one of {', '.join(MODES)}, got {settings.mode!r}")
        )
    sweep_id = check_sweep_id(settings.sweep_id)
    if isinstance(sweep_id, Failure):
        return Failure(sweep_id.failure())
    log_dir = check_directive_value("log directory", settings.log_dir)
    if isinstance(log_dir, Failure):
        return Failure(log_dir.failure())
    found = scheduler_for(settings.scheduler)
    if isinstance(found, Failure):
        return Failure(found.failure())
    scheduler = found.unwrap()
    refused = [d for d in settings.dependencies if d.kind not in scheduler.dependency_kinds]
    if refused:
        after = f"{refused[0].kind}:{':'.join(refused[0].job_ids)}"
        return Failure(
            ConfigError(
                f"--after {after} cannot be honoured on {scheduler.label}: "
                f"{scheduler.dependency_note}"
            )
        )
    if settings.throttle is not None and not scheduler.throttle:
        return Failure(
            ConfigError(
                f"--throttle applies to batch scheduler arrays; the {scheduler.label} backend "
                "already runs at most one task per CPU at a time"
            )
        )
    if settings.array_limit < 1:
        return Failure(
            ConfigError(f"max array size must be at least 1, got {settings.array_limit}")
        )
    return Success(None)


def _collect(
    results: Iterable[Result[PlannedJob, ConfigError]],
) -> Result[tuple[PlannedJob, ...], ConfigError]:
    jobs: list[PlannedJob] = []
    for result in results:
        if isinstance(result, Failure):
            return Failure(result.failure())
        jobs.append(result.unwrap())
    return Success(tuple(jobs))


def _spec(
    settings: SweepSettings,
    key: str,
    log_path: str,
    tasks: tuple[Task, ...],
    array_text: str | None,
    comment: tuple[str, ...],
) -> JobSpec:
    name = settings.job_name or f"{settings.sweep_id}_{key}"
    return JobSpec(
        scheduler=settings.scheduler,
        job_name=sanitize_job_name(name, settings.scheduler),
        walltime_seconds=settings.walltime_seconds,
        log_path=log_path,
        python_path=settings.python_path,
        script_path=settings.script_path,
        tasks=tasks,
        resources=settings.resources,
        queue=settings.queue,
        account=settings.account,
        array_text=array_text,
        dependencies=settings.dependencies,
        setup=settings.setup,
        sweep_id=settings.sweep_id if settings.sweep_dir is not None else None,
        sweep_dir=settings.sweep_dir,
        comment=comment,
        extra=settings.extra,
    )


def _finish(
    spec: JobSpec, key: str, tasks: tuple[int, ...], indices: tuple[int, ...] | None
) -> Result[PlannedJob, ConfigError]:
    rendered = render_script(spec)
    if isinstance(rendered, Failure):
        return Failure(rendered.failure())
    text = rendered.unwrap()
    return Success(
        PlannedJob(
            key=key,
            job_name=spec.job_name,
            script_file=layout.script_file(key),
            tasks=tasks,
            indices=indices,
            log_path=spec.log_path,
            script=text,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        )
    )


def _task(
    argvs: Sequence[tuple[str, ...]],
    params_json: Sequence[str] | None,
    index: int | None,
    task: int,
) -> Task:
    """Task ``task`` at array ``index``, with its number and parameters when known."""
    if params_json is None:
        return Task(index, argvs[task])
    return Task(index, argvs[task], task, params_json[task])


def _individual(
    settings: SweepSettings, task_of: Callable[[int | None, int], Task], task: int, width: int
) -> Result[PlannedJob, ConfigError]:
    key = f"{settings.key_prefix}task_{task:0{width}d}"
    spec = _spec(
        settings,
        key,
        f"{settings.log_dir}/{layout.job_log_name(key)}",
        (task_of(None, task),),
        None,
        (f"sweep {settings.sweep_id}, task {task}",),
    )
    return _finish(spec, key, (task,), None)


def _array_log_path(settings: SweepSettings, key: str) -> str:
    return f"{settings.log_dir}/{SCHEDULERS[settings.scheduler].array_log_name(key)}"


def _array(
    settings: SweepSettings,
    task_of: Callable[[int | None, int], Task],
    number: int,
    chunk: ArrayChunk,
    width: int,
) -> Result[PlannedJob, ConfigError]:
    key = f"{settings.key_prefix}array_{number:0{width}d}"
    tasks = tuple(
        task_of(index, task) for index, task in zip(chunk.indices, chunk.tasks, strict=True)
    )
    offset = chunk.offset
    covers = (
        f"offset {offset}"
        if offset is not None
        else "index -> task "
        + ",".join(f"{i}:{t}" for i, t in zip(chunk.indices, chunk.tasks, strict=True))
    )
    comment = (f"sweep {settings.sweep_id}, array {number}, {len(tasks)} tasks, {covers}",)
    spec = _spec(settings, key, _array_log_path(settings, key), tasks, chunk.array_text, comment)
    return _finish(spec, key, chunk.tasks, chunk.indices)
