"""hsm's workflows as ``Result``-typed functions: plan, submit, poll, cancel, resubmit.

This is the functional user's entry point and what both the seed-style facade
(:mod:`hsm.hpc`, which raises) and the CLI (which prints) call.  Pure planning returns a
``Result``; anything that touches the scheduler or the disk returns an ``IOResult``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from returns.io import IOFailure, IOResult, IOSuccess
from returns.result import Failure, Result, Success

from hsm.effects.backend import Backend
from hsm.effects.lock import with_sweep_lock
from hsm.effects.sweeps import (
    Submitted,
    SweepReport,
    TaskView,
    cancel_sweep,
    load_manifest,
    poll_sweep,
    resubmit_tasks,
    submit_jobs,
    write_sweep,
)
from hsm.effects.sweeps import task_views as _task_views
from hsm.pure import layout
from hsm.pure.catalog import SweepEntry
from hsm.pure.detect import Detected
from hsm.pure.errors import ConfigError, HSMFailure, StateError
from hsm.pure.job_settings import JobValues, check_job_values
from hsm.pure.manifest import Manifest, number_tasks
from hsm.pure.overrides import render_overrides
from hsm.pure.plan import PlannedJob, SweepSettings, check_sweep_id, params_json, plan_jobs
from hsm.pure.results import METRICS_FILE, ResultRow, check_metrics_file, result_row
from hsm.pure.schedulers.base import Cancelled
from hsm.pure.states import JobState

if TYPE_CHECKING:
    from hsm.effects.feeder import FeedStep

#: States a resubmission picks up by default.
RESUBMIT_STATES = frozenset({JobState.FAILED, JobState.CANCELLED, JobState.UNKNOWN})


@dataclass(frozen=True)
class JobOptions:
    """How every job of a sweep runs (the seed's constructor arguments and config).

    Attributes:
        walltime: ``HH:MM:SS`` and the other forms :func:`hsm.pure.walltime.parse_walltime`
            accepts.
        resources: in the scheduler's own dialect (translated when written for the other).
        python_path / script_path: the program run for each task.
        project_dir: where jobs run (submission happens from here).
        queue / account: partition-or-queue and account.
        setup: shell lines run before the program (``module load ...``).
        max_array_size: overrides the scheduler's limit.
        max_queued: how many jobs you may have queued, when the scheduler does not say
            or you want fewer (``hpc.max_queued``): a sweep that does not fit is fed.
        throttle: at most this many tasks of an array run at once.
        dependencies: ``afterok:123`` style texts.
        extra: escape-hatch directive lines (``hpc.slurm.extra`` / ``hpc.pbs.extra``).
        hydra: the program is a Hydra app: every task also gets :data:`HYDRA_RUN_DIR`, so
            its Hydra output lands in its own task directory and tasks never collide.
    """

    walltime: str = "04:00:00"
    resources: str = ""
    python_path: str = "python"
    script_path: str = "train.py"
    project_dir: Path = field(default_factory=lambda: Path("."))
    queue: str | None = None
    account: str | None = None
    setup: tuple[str, ...] = ()
    max_array_size: int | None = None
    throttle: int | None = None
    dependencies: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    hydra: bool = False
    max_queued: int | None = None


def make_backend(
    key: str,
    *,
    max_array_size: int | None = None,
    environ: Mapping[str, str] | None = None,
    max_parallel: int | None = None,
) -> Backend:
    """The backend for a registry key (``slurm``, ``pbspro``, ``torque``, ``sge``, ``local``)."""
    from hsm.pure.schedulers import SCHEDULERS

    scheduler = SCHEDULERS[key]
    if scheduler.commands is None:  # no batch system: hsm runs the scripts itself
        from hsm.effects.local import LocalBackend
        from hsm.effects.local_spool import default_spool

        return LocalBackend(
            default_spool(os.environ if environ is None else environ), max_parallel=max_parallel
        )
    from hsm.effects.scheduler_backend import SchedulerBackend

    return SchedulerBackend(scheduler, env=environ, max_array_size=max_array_size)


def detect_backend(
    system: str = "auto",
    *,
    max_array_size: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> IOResult[Backend, HSMFailure]:
    """Probe the machine and pick the backend (``system`` may force one)."""
    return detect_scheduler(system, environ=environ).map(
        lambda found: make_backend(found.key, max_array_size=max_array_size, environ=environ)
    )


def detect_scheduler(
    system: str = "auto", *, environ: Mapping[str, str] | None = None
) -> IOResult[Detected, HSMFailure]:
    """Which scheduler ``system`` means on this machine, and why (``hsm config show``)."""
    from hsm.effects.probe import probe
    from hsm.pure.detect import decide_scheduler

    return probe(environ).bind_result(lambda facts: decide_scheduler(facts, system))


def _log_dir(sweep_dir: Path, project_dir: Path) -> str:
    return _from_workdir(sweep_dir / layout.LOGS, project_dir)


def _from_workdir(path: Path, project_dir: Path) -> str:
    """``path`` relative to where jobs run when it is inside it (scripts stay the same on
    every machine), else absolute."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(project_dir.resolve()))
    except ValueError:
        return str(resolved)


def sweep_settings(
    options: JobOptions, scheduler: str, mode: str, sweep_id: str, sweep_dir: Path, array_limit: int
) -> Result[SweepSettings, ConfigError]:
    """Check the options (:func:`hsm.pure.job_settings.check_job_values`, for
    ``scheduler``) and turn them into the planner's settings."""
    checked = check_job_values(_job_values(options), scheduler)
    if isinstance(checked, Failure):
        return Failure(checked.failure().error)
    values = checked.unwrap()
    walltime = values.walltime_seconds
    assert walltime is not None  # given, so read or refused
    return Success(
        SweepSettings(
            sweep_id=sweep_id,
            scheduler=scheduler,
            mode=mode,
            walltime_seconds=walltime,
            python_path=options.python_path,
            script_path=options.script_path,
            log_dir=_log_dir(sweep_dir, options.project_dir),
            sweep_dir=_from_workdir(sweep_dir, options.project_dir),
            resources=options.resources,
            queue=options.queue,
            account=options.account,
            setup=tuple(options.setup),
            array_limit=array_limit,
            throttle=options.throttle,
            dependencies=values.dependencies,
            extra=tuple(options.extra),
        )
    )


def _job_values(options: JobOptions) -> JobValues:
    """The options that land in job scripts, as written."""
    return JobValues(
        walltime=options.walltime,
        resources=options.resources,
        queue=options.queue,
        account=options.account,
        setup=tuple(options.setup),
        throttle=options.throttle,
        dependencies=tuple(options.dependencies),
        extra=tuple(options.extra),
    )


#: What a Hydra app gets (with ``hydra=True``) to write its run into the task directory;
#: Hydra resolves the interpolation when the task starts, so scripts stay the same
#: everywhere.
HYDRA_RUN_DIR = "hydra.run.dir=${oc.env:HSM_TASK_DIR}"


def render_argvs(
    params: Sequence[Mapping[str, Any]], *, hydra: bool = False
) -> Result[list[tuple[str, ...]], ConfigError]:
    """Every combination as Hydra-style override arguments (plus :data:`HYDRA_RUN_DIR`
    for a Hydra app)."""
    argvs: list[tuple[str, ...]] = []
    for number, combination in enumerate(params):
        rendered = render_overrides(combination)
        if isinstance(rendered, Failure):
            error = rendered.failure()
            return Failure(ConfigError(f"combination {number}: {error.message}", error.path))
        argvs.append((*rendered.unwrap(), HYDRA_RUN_DIR) if hydra else rendered.unwrap())
    return Success(argvs)


def plan_sweep(
    options: JobOptions,
    scheduler: str,
    array_limit: int,
    sweep_id: str,
    sweep_dir: Path,
    params: Sequence[Mapping[str, Any]],
    mode: str,
    job_name: str | None = None,
    argvs: Sequence[tuple[str, ...]] | None = None,
) -> Result[tuple[Manifest, tuple[PlannedJob, ...]], ConfigError]:
    """Everything a submission will write, computed without touching anything.

    ``job_name`` names the job of a one-task individual sweep exactly (the seed's
    ``submit_single_job``).  ``argvs`` (one per entry of ``params``) are the programs'
    arguments when a caller already has them ready (the Hydra launcher passes Hydra's
    own override strings); by default each task's arguments are rendered from its
    params (:func:`render_argvs`).
    """
    checked = check_sweep_id(sweep_id)
    if isinstance(checked, Failure):
        return Failure(checked.failure())
    settings = sweep_settings(options, scheduler, mode, sweep_id, sweep_dir, array_limit)
    if isinstance(settings, Failure):
        return Failure(settings.failure())
    if argvs is not None and len(argvs) != len(params):
        return Failure(ConfigError(f"{len(argvs)} argument lists for {len(params)} tasks"))
    rendered = render_argvs(params, hydra=options.hydra) if argvs is None else Success(list(argvs))
    if isinstance(rendered, Failure):
        return Failure(rendered.failure())
    ready = rendered.unwrap()
    chosen = replace(settings.unwrap(), job_name=job_name)
    jobs = plan_jobs(chosen, ready, params_json=[params_json(p) for p in params])
    if isinstance(jobs, Failure):
        return Failure(jobs.failure())
    data = asdict(chosen)
    manifest = Manifest(
        sweep_id=sweep_id,
        scheduler=scheduler,
        mode=mode,
        workdir=str(options.project_dir.resolve()),
        settings=data,
        tasks=number_tasks(params, ready),
        jobs=tuple(j.record() for j in jobs.unwrap()),
    )
    return Success((manifest, jobs.unwrap()))


def submit_sweep(
    options: JobOptions,
    backend: Backend,
    params: Sequence[Mapping[str, Any]],
    *,
    mode: str,
    sweep_dir: Path,
    sweep_id: str,
    job_name: str | None = None,
) -> IOResult[Submitted, HSMFailure]:
    """Plan, write and submit a sweep; running it again resumes without duplicates.

    A script that does not exist is refused before anything is written: every task would
    fail on it.
    """
    planned = array_limit_for(options, backend, mode).bind_result(
        lambda limit: plan_sweep(
            options, backend.key, limit, sweep_id, sweep_dir, params, mode, job_name
        )
    )
    return planned.bind(
        lambda plan: _missing_script(options).bind(
            lambda _: submit_planned(
                *plan, backend, sweep_dir=sweep_dir, max_queued=options.max_queued
            )
        )
    )


def _missing_script(options: JobOptions) -> IOResult[None, HSMFailure]:
    """A script that does not exist is refused: every task would fail on it."""
    script = Path(options.script_path)
    where = script if script.is_absolute() else options.project_dir / script
    if where.is_file():
        return IOSuccess(None)
    return IOFailure(
        ConfigError(
            f"script {options.script_path} does not exist (looked for {where}); give "
            "script_path relative to project_dir, or an absolute path"
        )
    )


def array_limit_for(options: JobOptions, backend: Backend, mode: str) -> IOResult[int, HSMFailure]:
    """The array limit a sweep is planned with: 1 for individual jobs, else the user's
    ``max_array_size``, else what the backend reports."""
    if mode == "individual":
        return IOSuccess(1)
    if options.max_array_size is not None:
        return IOSuccess(options.max_array_size)
    return backend_array_limit(backend)


def backend_array_limit(backend: Backend) -> IOResult[int, HSMFailure]:
    """What the backend reports, else its scheduler's documented default (a limit that
    cannot be read is no reason to refuse a sweep)."""
    from hsm.pure.schedulers import SCHEDULERS

    default = SCHEDULERS[backend.key].default_array_limit
    return backend.array_limit().lash(lambda _: IOSuccess(default))


def submit_planned(
    manifest: Manifest,
    jobs: Sequence[PlannedJob],
    backend: Backend,
    *,
    sweep_dir: Path,
    max_queued: int | None = None,
) -> IOResult[Submitted, HSMFailure]:
    """Write an already planned sweep (see :func:`plan_sweep`) and submit it, holding the
    sweep's lock (one writer per sweep).

    A sweep bigger than the room the user's submit limit leaves (the scheduler's, or
    ``max_queued``) is fed: what fits goes in now and ``Submitted.waiting`` tasks wait
    for :func:`feed` (see :mod:`hsm.effects.feeder`); so does the rest of a sweep whose
    submission a limit refused.
    """
    from hsm.effects.feeder import write_and_feed

    return with_sweep_lock(
        sweep_dir, partial(write_and_feed, manifest, jobs, backend, sweep_dir, max_queued)
    )


def feed(
    sweep_dir: Path,
    backend: Backend,
    *,
    max_queued: int | None = None,
    interval: float = 30.0,
    on_step: Callable[[FeedStep], None] | None = None,
    retries: int = 0,
    retry_on: str = "infrastructure",
) -> IOResult[FeedStep, HSMFailure]:
    """Submit a fed sweep's waiting tasks as queue room frees up, in the foreground,
    until every task is in (or ``hsm cancel`` stops it); resumable at any moment.

    With ``retries``, also run again (as new generations) tasks that failed because the
    infrastructure killed them -- or after any failure, with ``retry_on="any"`` -- up to
    ``retries`` times each, until every task has finished for good.
    """
    from hsm.effects.feeder import Retry, effective_limit, journal_feed
    from hsm.effects.feeder import feed as feed_loop

    started = with_sweep_lock(sweep_dir, partial(journal_feed, sweep_dir, "feed_start"))
    loop = partial(
        feed_loop,
        sweep_dir,
        backend,
        interval=interval,
        on_step=on_step,
        retry=Retry(retries, retry_on),
    )
    return started.bind(lambda _: effective_limit(backend, max_queued)).bind(loop)


def sweep_status(sweep_dir: Path, backend: Backend) -> IOResult[SweepReport, HSMFailure]:
    """Every task's status (see :func:`hsm.effects.sweeps.poll_sweep`)."""
    return poll_sweep(sweep_dir, backend)


def task_views(report: SweepReport) -> tuple[TaskView, ...]:
    """What ``hsm monitor`` shows of each task: params, status (job id, state) and log
    path, by task number (see :func:`hsm.effects.sweeps.task_views`)."""
    return _task_views(report)


def cancel(
    sweep_dir: Path, backend: Backend, tasks: Sequence[int] | None = None
) -> IOResult[Cancelled, HSMFailure]:
    """Cancel a sweep, or some of its tasks; say per job id what the scheduler did.

    Cancelling the whole sweep first stops its feeder (see :mod:`hsm.effects.feeder`)
    and journals that the feeding stopped, so nothing is submitted after the cancel.
    Holds the sweep's lock, so no submission of the same sweep runs meanwhile."""
    from hsm.effects.feeder_process import stop_feeder

    if tasks is None:
        stop_feeder(sweep_dir)
    return with_sweep_lock(sweep_dir, partial(_cancel, sweep_dir, backend, tasks))


def _cancel(
    sweep_dir: Path, backend: Backend, tasks: Sequence[int] | None
) -> IOResult[Cancelled, HSMFailure]:
    from hsm.effects.feeder import journal_feed

    if tasks is None:
        stopped = journal_feed(sweep_dir, "feed_stop")
        return stopped.bind(lambda _: cancel_sweep(sweep_dir, backend, tasks))
    return cancel_sweep(sweep_dir, backend, tasks)


def cancel_jobs(
    job_ids: Sequence[str], backend: Backend, sweep_root: Path = Path(layout.SWEEPS_ROOT)
) -> IOResult[Cancelled, HSMFailure]:
    """Cancel jobs by id; say per id what the scheduler did.

    An id that a sweep under ``sweep_root`` submitted (a job, an array, or one of its
    tasks) is first journaled in that sweep, holding its lock, as :func:`cancel` does:
    Slurm keeps no record of a pending array task cancelled alone, and the journal is
    how ``monitor`` still shows it ``cancelled`` rather than lost.
    """
    from hsm.effects.compose import each
    from hsm.effects.reading import sweep_dirs
    from hsm.effects.sweeps import sweeps_holding

    # A root that cannot be listed holds no sweep hsm could journal the cancel in.
    dirs: IOResult[list[Path], HSMFailure] = sweep_dirs(sweep_root).lash(lambda _: IOSuccess([]))
    return (
        dirs.bind(partial(sweeps_holding, job_ids, backend))
        .bind(partial(each, step=_journal_cancel_locked))
        .bind(lambda _: backend.cancel(job_ids))
    )


def _journal_cancel_locked(held: tuple[Path, tuple[str, ...]]) -> IOResult[None, HSMFailure]:
    from hsm.effects.sweeps import journal_cancel

    sweep_dir, ids = held
    return with_sweep_lock(sweep_dir, partial(journal_cancel, sweep_dir, ids))


@dataclass(frozen=True, slots=True)
class Changes:
    """What a resubmission changes for its generation; None keeps what the last one had.

    Attributes:
        walltime: a new time limit (any form :func:`hsm.pure.walltime.parse_walltime`
            reads), e.g. after a ``TIMEOUT``.
        resources: a new resource string replacing the old one (translated for the
            scheduler or refused with a reason, as for a first run), e.g. more memory
            after an ``OUT_OF_MEMORY``.
    """

    walltime: str | None = None
    resources: str | None = None


def resubmit(
    sweep_dir: Path,
    backend: Backend,
    states: frozenset[JobState] = RESUBMIT_STATES,
    *,
    settle_seconds: float = 5.0,
    changes: Changes = Changes(),
) -> IOResult[Submitted, HSMFailure]:
    """Submit the tasks in ``states`` again, as one compact array per array-limit chunk,
    holding the sweep's lock.

    Each resubmission is a new generation (``r1_``, ``r2_``...) planned with the sweep's
    settings, the changes of the newest generation that had some, then ``changes``; its
    jobs record what differs (``JobRecord.changes``).  A bad value fails before anything
    is polled, planned or submitted.

    A task that just finished can be missing from both the queue and accounting for a few
    seconds (sacct lags), so when some tasks look ``unknown`` the sweep is polled once more
    after ``settle_seconds`` and only tasks still unknown then are resubmitted.
    """
    checked = _checked_changes(changes)
    if isinstance(checked, Failure):
        return IOFailure(checked.failure())
    return with_sweep_lock(
        sweep_dir,
        partial(_resubmit, sweep_dir, backend, states, settle_seconds, checked.unwrap()),
    )


def _checked_changes(changes: Changes) -> Result[dict[str, Any], ConfigError]:
    """The planner's settings that ``changes`` sets (the walltime checked by
    :func:`hsm.pure.job_settings.check_job_values`, as for ``sweep run``, its error
    naming ``--walltime``; resources are checked by the planner, which translates them
    for the sweep's scheduler)."""
    found: dict[str, Any] = {}
    if changes.walltime is not None:
        checked = check_job_values(JobValues(walltime=changes.walltime))
        if isinstance(checked, Failure):
            return Failure(ConfigError(checked.failure().error.message, "--walltime"))
        found["walltime_seconds"] = checked.unwrap().walltime_seconds
    if changes.resources is not None:
        found["resources"] = changes.resources
    return Success(found)


def _resubmit(
    sweep_dir: Path,
    backend: Backend,
    states: frozenset[JobState],
    settle_seconds: float,
    changes: Mapping[str, Any],
) -> IOResult[Submitted, HSMFailure]:
    return IOResult.do(
        sent
        for manifest in load_manifest(sweep_dir, sealed=True)
        for _ in _all_jobs_in(sweep_dir, manifest)
        for report in _settled_poll(sweep_dir, backend, settle_seconds)
        for sent in _resubmit_states(sweep_dir, backend, report, states, changes)
    )


def _all_jobs_in(sweep_dir: Path, manifest: Manifest) -> IOResult[None, HSMFailure]:
    """Refuse while some job has no recorded id: never submitted, or in flight at a crash.

    Resubmitting their tasks would risk a second live job per task; resuming them (which
    looks up in-flight submissions by name) is the one safe way forward.
    """
    from hsm.effects.sweeps import journal_state

    return journal_state(sweep_dir).bind(
        lambda state: _refuse_unsubmitted(
            sweep_dir,
            [j.key for j in manifest.jobs if j.key not in {**manifest.job_ids, **state.submitted}],
        )
    )


def _refuse_unsubmitted(sweep_dir: Path, keys: list[str]) -> IOResult[None, HSMFailure]:
    if not keys:
        return IOSuccess(None)
    return IOFailure(
        StateError(
            f"{len(keys)} job(s) of this sweep were never submitted or were interrupted "
            f"mid-submit ({', '.join(keys[:3])}{' ...' if len(keys) > 3 else ''}); "
            f"resume them first: hsm sweep submit {sweep_dir}",
            str(sweep_dir),
        )
    )


def _settled_poll(
    sweep_dir: Path, backend: Backend, settle_seconds: float
) -> IOResult[SweepReport, HSMFailure]:
    """A fresh poll; polled once more after ``settle_seconds`` when some task was not
    found anywhere (a task that just finished can be missing from both the queue and
    accounting for a few seconds)."""
    return _poll_for_resubmit(sweep_dir, backend).bind(
        partial(_settle, sweep_dir, backend, settle_seconds)
    )


def _settle(
    sweep_dir: Path, backend: Backend, settle_seconds: float, report: SweepReport
) -> IOResult[SweepReport, HSMFailure]:
    if settle_seconds > 0 and any(
        s.state is JobState.UNKNOWN and s.raw == "NOT_FOUND" for s in report.statuses.values()
    ):
        time.sleep(settle_seconds)
        return _poll_for_resubmit(sweep_dir, backend)
    return IOSuccess(report)


def _poll_for_resubmit(sweep_dir: Path, backend: Backend) -> IOResult[SweepReport, HSMFailure]:
    return poll_sweep(sweep_dir, backend).bind(partial(_fresh, sweep_dir))


def _fresh(sweep_dir: Path, report: SweepReport) -> IOResult[SweepReport, HSMFailure]:
    """Only a poll the scheduler answered: last known states are no ground to resubmit."""
    if report.stale:
        return IOFailure(StateError(f"cannot resubmit: {report.warning}", str(sweep_dir)))
    return IOSuccess(report)


def _resubmit_states(
    sweep_dir: Path,
    backend: Backend,
    report: SweepReport,
    states: frozenset[JobState],
    changes: Mapping[str, Any],
) -> IOResult[Submitted, HSMFailure]:
    tasks = sorted(t for t, s in report.statuses.items() if s.state in states)
    if not tasks:
        return IOSuccess(Submitted(dict(report.job_ids), (), ()))
    # Arrays no larger than the submit limit, so that each fits the queue once it drains.
    from hsm.effects.feeder import effective_limit

    return IOResult.do(
        sent
        for limit in backend_array_limit(backend)
        for cap in effective_limit(backend, None)
        for sent in resubmit_tasks(
            sweep_dir,
            backend,
            report.manifest,
            report.job_ids,
            tasks,
            changes,
            array_limit=_capped(limit, cap),
        )
    )


def _capped(limit: int, cap: int | None) -> int:
    return limit if cap is None else max(1, min(limit, cap))


def render_sweep(
    options: JobOptions,
    scheduler: str,
    array_limit: int,
    params: Sequence[Mapping[str, Any]],
    *,
    mode: str,
    sweep_dir: Path,
    sweep_id: str,
) -> IOResult[Manifest, HSMFailure]:
    """Write the scripts and manifest of a sweep without submitting (for audit)."""
    planned = plan_sweep(options, scheduler, array_limit, sweep_id, sweep_dir, params, mode)
    if isinstance(planned, Failure):
        return IOFailure(planned.failure())
    manifest, jobs = planned.unwrap()
    return write_planned(manifest, jobs, sweep_dir=sweep_dir)


def write_planned(
    manifest: Manifest, jobs: Sequence[PlannedJob], *, sweep_dir: Path
) -> IOResult[Manifest, HSMFailure]:
    """Write an already planned sweep's scripts and manifest, submitting nothing."""
    return with_sweep_lock(sweep_dir, partial(write_sweep, sweep_dir, manifest, jobs))


def submit_rendered(sweep_dir: Path, backend: Backend) -> IOResult[Submitted, HSMFailure]:
    """Submit exactly the files a :func:`render_sweep` wrote, after checking every hash
    and the manifest's seal, holding the sweep's lock."""
    return with_sweep_lock(sweep_dir, partial(_submit_rendered, sweep_dir, backend))


def _submit_rendered(sweep_dir: Path, backend: Backend) -> IOResult[Submitted, HSMFailure]:
    return load_manifest(sweep_dir, sealed=True).bind(partial(_submit_loaded, sweep_dir, backend))


def _submit_loaded(
    sweep_dir: Path, backend: Backend, manifest: Manifest
) -> IOResult[Submitted, HSMFailure]:
    if manifest.scheduler != backend.key:
        return IOFailure(
            StateError(
                f"{sweep_dir} was rendered for {manifest.scheduler}, not {backend.key}; render "
                f"it again for this scheduler",
                str(sweep_dir),
            )
        )
    return submit_jobs(sweep_dir, manifest, backend, Path(manifest.workdir))


def backend_for_sweep(
    sweep_dir: Path, *, environ: Mapping[str, str] | None = None
) -> IOResult[Backend, HSMFailure]:
    """The backend a sweep was submitted to, as its manifest records."""
    return load_manifest(sweep_dir).map(partial(_recorded_backend, environ))


def _recorded_backend(environ: Mapping[str, str] | None, manifest: Manifest) -> Backend:
    limit = manifest.settings.get("array_limit")
    return make_backend(
        manifest.scheduler, environ=environ, max_array_size=int(limit) if limit else None
    )


# -- reading a sweep: results, logs, the sweeps under a root ------------------------------


def results(
    sweep_dir: Path, backend: Backend, file: str = METRICS_FILE
) -> IOResult[tuple[ResultRow, ...], HSMFailure]:
    """Every task's parameters, state, exit code and the metrics it left, by task number.

    One poll of the sweep (as :func:`sweep_status`; the last known states when the
    scheduler is away), then ``<sweep_dir>/tasks/<task>/<file>`` of each task: a JSON
    object, flattened to dotted keys.  A task without the file has ``metrics=None``; one
    whose file is not a JSON object has ``metrics_error`` saying so.  Sort and pick with
    :func:`hsm.pure.results.sort_rows`.
    """
    return sweep_status(sweep_dir, backend).bind(partial(results_of, sweep_dir, file=file))


def results_of(
    sweep_dir: Path, report: SweepReport, *, file: str = METRICS_FILE
) -> IOResult[tuple[ResultRow, ...], HSMFailure]:
    """:func:`results` for a poll already made (``report``)."""
    from hsm.effects.reading import task_metrics
    from hsm.pure.retries import attempts

    checked = check_metrics_file(file)
    if isinstance(checked, Failure):
        return IOFailure(checked.failure())
    tasks = report.manifest.tasks
    metrics = task_metrics(sweep_dir, report.statuses, file)
    tried = attempts(report.manifest, report.job_ids)
    return IOSuccess(
        tuple(
            result_row(task, tasks[task].params, status, metrics.get(task), tried.get(task, 0))
            for task, status in sorted(report.statuses.items())
        )
    )


def task_log(sweep_dir: Path, task: int) -> IOResult[Path, HSMFailure]:
    """Where task ``task``'s log is (its newest job's), whether or not it exists yet."""
    return load_manifest(sweep_dir).bind_result(partial(_task_log_of, task))


def _task_log_of(task: int, manifest: Manifest) -> Result[Path, HSMFailure]:
    from hsm.pure.manifest import current_jobs
    from hsm.pure.plan import task_log_path

    if not 0 <= task < len(manifest.tasks):
        return Failure(
            ConfigError(
                f"sweep {manifest.sweep_id} has tasks 0 to {len(manifest.tasks) - 1}, not {task}"
            )
        )
    job = current_jobs(manifest).get(task)
    if job is None:
        return Failure(StateError(f"no job of sweep {manifest.sweep_id} runs task {task}"))
    return Success(Path(manifest.workdir) / task_log_path(job, manifest.scheduler, task))


def sweeps_under(root: Path) -> IOResult[tuple[SweepEntry, ...], HSMFailure]:
    """The sweep directories under ``root`` (``sweeps/``), oldest first, each with the
    counts of its last cached status; asks no scheduler (see :func:`refresh_entry`).

    A directory that is not a valid sweep is an entry whose ``problem`` says why.
    """
    from hsm.effects.compose import each
    from hsm.effects.reading import sweep_dirs

    return (
        sweep_dirs(root)
        .bind(partial(each, step=_entry))
        .map(lambda entries: tuple(sorted(entries, key=_created_key)))
    )


def _created_key(entry: SweepEntry) -> tuple[float, str]:
    return (entry.created or 0.0, entry.sweep_dir)


def _entry(sweep_dir: Path) -> IOResult[SweepEntry, HSMFailure]:
    from hsm.effects.reading import sweep_created

    return (
        load_manifest(sweep_dir)
        .map(partial(_entry_of, sweep_dir))
        .lash(
            lambda error: IOSuccess(
                SweepEntry(
                    str(sweep_dir), created=sweep_created(sweep_dir, None), problem=error.message
                )
            )
        )
    )


def _entry_of(sweep_dir: Path, manifest: Manifest) -> SweepEntry:
    from hsm.effects.reading import cached_statuses, sweep_created
    from hsm.pure.manifest import count_states

    cached = cached_statuses(sweep_dir)
    return SweepEntry(
        str(sweep_dir),
        manifest.sweep_id,
        manifest.scheduler,
        manifest.mode,
        len(manifest.tasks),
        sweep_created(sweep_dir, manifest),
        None if cached is None else count_states(cached.values()),
    )


def refresh_entry(entry: SweepEntry) -> IOResult[SweepEntry, HSMFailure]:
    """The entry with counts from a fresh poll of its scheduler (``sweep list
    --refresh``); a poll that fails leaves the cached counts and says why."""
    if entry.problem:
        return IOSuccess(entry)
    sweep_dir = Path(entry.sweep_dir)
    return (
        backend_for_sweep(sweep_dir)
        .bind(partial(sweep_status, sweep_dir))
        .map(partial(_refreshed, entry))
        .lash(lambda error: IOSuccess(replace(entry, problem=f"could not poll: {error.message}")))
    )


def _refreshed(entry: SweepEntry, report: SweepReport) -> SweepEntry:
    from hsm.pure.manifest import count_states

    counts = count_states(report.statuses.values())
    return replace(entry, counts=counts, problem=report.warning if report.stale else "")
