"""``hsm sweep run|render|submit|resubmit``: from a checked request to submitted jobs.

Strategy: :mod:`hsm.cli.sweep_inputs` / :mod:`hsm.cli.inputs` have read and checked
every input, and hand over one request; here the whole sweep
is planned (rendered in memory) before anything is written, and only then is the sweep
directory created.  If writing or submitting fails and no job went in, everything this
call created is removed, so a mistake never leaves a half-written sweep directory
behind.  A failure after some jobs went in keeps the directory: it is the record that
lets the same command resume without duplicates.  ``--wait`` is :mod:`hsm.cli.wait`.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from returns.io import IOResult
from returns.result import Result, Success

from hsm import api
from hsm.cli.feeding import feed_rest
from hsm.cli.output import Console, Reply, on_interrupt
from hsm.cli.requests import SubmitRequest, SweepRef, SweepRequest
from hsm.cli.views import submitted_reply, sweep_ref
from hsm.cli.wait import finish
from hsm.effects.feeder import Retry
from hsm.effects.sweeps import Submitted, in_new_sweep_dir, load_manifest
from hsm.pure.cli_text import ranges
from hsm.pure.errors import HSMFailure
from hsm.pure.layout import MANIFEST
from hsm.pure.manifest import Manifest
from hsm.pure.plan import PlannedJob, params_json
from hsm.pure.schedulers.base import Cancelled, CancelOutcome, hms
from hsm.pure.waves import progress

Planned = tuple[Manifest, tuple[PlannedJob, ...]]


def run(console: Console, request: SweepRequest) -> IOResult[Reply, HSMFailure]:
    """``hsm sweep run``: plan, check, write and submit (or only print, with ``--dry-run``)."""
    on_interrupt(f"nothing of sweep {request.sweep_id} was submitted")
    # Plan (and check a Hydra app's configs) once, before any write: every mistake
    # surfaces while nothing exists yet.  A dry run uses the same limit as a real run,
    # so it shows exactly what would be submitted.
    planned = (
        _array_limit(request)
        .bind_result(partial(_plan, request))
        .bind(partial(_checked, console, request))
    )
    if request.dry_run:
        return planned.bind(partial(_first_wave_io, request)).map(partial(_dry_run, request))
    return planned.bind(partial(_submit_and_finish, console, request))


def _first_wave_io(request: SweepRequest, planned: Planned) -> IOResult[Planned, HSMFailure]:
    from hsm.effects.feeder import room_now

    found = room_now(request.backend, request.options.max_queued)
    return found.bind_result(partial(_first_wave, planned))


def _submit_and_finish(
    console: Console, request: SweepRequest, planned: Planned
) -> IOResult[Reply, HSMFailure]:
    sweep = SweepRef(request.sweep_dir, request.backend)
    on_interrupt(
        f"sweep {request.sweep_id} may be only partly submitted; what is in keeps running. "
        f"Resume it (nothing is submitted twice): {_resume_command(request)}"
    )
    go = partial(_submit_then_finish, console, sweep, request, planned)
    if request.cancel_on_interrupt:
        return _cancelling_on_interrupt(sweep, request.sweep_id, go)
    return go()


def _submit_then_finish(
    console: Console, sweep: SweepRef, request: SweepRequest, planned: Planned
) -> IOResult[Reply, HSMFailure]:
    return (
        _submit_planned(sweep, request.options.max_queued, planned)
        .bind(
            partial(
                feed_rest,
                console,
                sweep,
                request.wait,
                request.options.max_queued,
                feed_interval=request.feed_interval,
                retry=Retry(request.retries, request.retry_on),
            )
        )
        .bind(partial(_after_submit, console, sweep, request.wait, "ran"))
    )


def _cancelling_on_interrupt(
    sweep: SweepRef, sweep_id: str, go: Callable[[], IOResult[Reply, HSMFailure]]
) -> IOResult[Reply, HSMFailure]:
    """``--cancel-on-interrupt``: on Ctrl-C (or SIGTERM / SIGHUP, which stop hsm as
    Ctrl-C does), cancel every job of the sweep that went in (through the sweep's lock
    and journal, as ``hsm cancel`` does), say so, and let the interrupt end the command."""
    try:
        return go()
    except KeyboardInterrupt:
        _cancel_all(sweep, sweep_id)
        raise


def _cancel_all(sweep: SweepRef, sweep_id: str) -> None:
    """Cancel the sweep's jobs; what Ctrl-C then reports says whether that worked."""
    if not (sweep.sweep_dir / MANIFEST).exists():
        on_interrupt(f"nothing of sweep {sweep_id} was submitted")
        return
    api.cancel(sweep.sweep_dir, sweep.backend).map(partial(_say_cancelled, sweep, sweep_id)).lash(
        partial(_say_not_cancelled, sweep, sweep_id)
    )


def _say_cancelled(sweep: SweepRef, sweep_id: str, outcomes: Cancelled) -> None:
    cancelled = sum(1 for outcome, _ in outcomes.values() if outcome is CancelOutcome.CANCELLED)
    finished = len(outcomes) - cancelled
    rest = f" ({finished} had already finished or could not be reached)" if finished else ""
    on_interrupt(
        f"cancelled {cancelled} job(s) of sweep {sweep_id}{rest}; see them: "
        f"hsm monitor {sweep_ref(sweep.sweep_dir, sweep_id)}"
    )


def _say_not_cancelled(
    sweep: SweepRef, sweep_id: str, failure: HSMFailure
) -> IOResult[None, HSMFailure]:
    on_interrupt(
        f"could not cancel the jobs of sweep {sweep_id} ({failure}); they keep running -- "
        f"cancel them with: hsm cancel {sweep_ref(sweep.sweep_dir, sweep_id)}"
    )
    return IOResult.from_value(None)


def _checked(
    console: Console | None, request: SweepRequest, planned: Planned
) -> IOResult[Planned, HSMFailure]:
    """A Hydra app's task configs composed with the app before anything is submitted
    (:mod:`hsm.effects.hydra_check`); other programs, and ``--no-check``, pass as they are."""
    if not (request.options.hydra and request.check):
        return IOResult.from_value(planned)
    from hsm.effects.hydra_check import check_hydra_tasks

    options = request.options
    manifest, _ = planned
    return check_hydra_tasks(
        options.python_path, options.script_path, manifest.argvs, options.project_dir
    ).map(partial(_composed, console, planned))


def _composed(console: Console | None, planned: Planned, checked: int) -> Planned:
    if console is not None:
        console.detail(f"composed {checked} task config(s) with the Hydra app: all compose")
    return planned


def render(request: SweepRequest) -> IOResult[Reply, HSMFailure]:
    """``hsm sweep render``: write the scripts and manifest, submit nothing."""
    return (
        _array_limit(request)
        .bind_result(partial(_plan, request))
        .bind(partial(_checked, None, request))
        .bind(partial(_write_planned, request.sweep_dir))
        .map(partial(_rendered, request.sweep_dir))
    )


def submit(console: Console, request: SubmitRequest) -> IOResult[Reply, HSMFailure]:
    """``hsm sweep submit DIR``: submit a rendered sweep after checking every hash."""
    sweep = request.sweep
    on_interrupt(
        f"{sweep.sweep_dir} may be only partly submitted; what is in keeps running. Resume it "
        f"(nothing is submitted twice): {_resume_command(None)}"
    )
    return (
        api.submit_rendered(sweep.sweep_dir, sweep.backend)
        .bind(partial(feed_rest, console, sweep, request.wait, None))
        .bind(partial(_after_submit, console, sweep, request.wait, "submitted"))
    )


def resubmit(console: Console, request: SubmitRequest) -> IOResult[Reply, HSMFailure]:
    """``hsm sweep resubmit``: failed, cancelled and unknown tasks as one compact array."""
    sweep = request.sweep
    on_interrupt(
        f"the resubmission of {sweep.sweep_dir} may be only partly in; what is in keeps "
        f"running. Finish it (nothing is submitted twice): hsm sweep submit {sweep.sweep_dir}"
    )
    changes = api.Changes(walltime=request.walltime, resources=request.resources)
    return (
        api.resubmit(sweep.sweep_dir, sweep.backend, changes=changes)
        .bind(partial(feed_rest, console, sweep, request.wait, None))
        .bind(partial(_after_resubmit, console, request))
    )


def _resume_command(request: SweepRequest | None) -> str:
    """This very command, with ``--sweep-id`` pinned so it names the same sweep (or what
    the request says resumes it)."""
    if request is not None and request.resume_command is not None:
        return request.resume_command
    sweep_id = None if request is None else request.sweep_id
    argv = ["hsm", *sys.argv[1:]]
    if sweep_id is not None and "--sweep-id" not in argv and "--sweep-dir" not in argv:
        argv += ["--sweep-id", sweep_id]
    return shlex.join(argv)


# -- planning -------------------------------------------------------------------------------


def _plan(request: SweepRequest, limit: int) -> Result[Planned, HSMFailure]:
    return api.plan_sweep(
        request.options,
        request.backend.key,
        limit,
        request.sweep_id,
        request.sweep_dir,
        request.points,
        request.mode,
        argvs=request.argvs,
    )


def _array_limit(request: SweepRequest) -> IOResult[int, HSMFailure]:
    return api.array_limit_for(request.options, request.backend, request.mode)


def _first_wave(planned: Planned, found: tuple[int, int] | None) -> Result[Planned, HSMFailure]:
    """What a real run submits now: the whole plan, or -- when the user's submit limit
    leaves less room (``found``: the limit and its room) than the sweep needs -- the first
    wave (as the feeder plans it)."""
    from hsm.pure.waves import fed_manifest, plan_wave

    manifest, jobs = planned
    if found is None or sum(len(job.tasks) for job in jobs) <= found[1]:
        return Success(planned)
    fed = fed_manifest(manifest)
    limit = int(manifest.settings["array_limit"])
    params = [params_json(p) for p in manifest.params]
    return plan_wave(fed, found[1], limit, params).map(partial(_with_jobs, fed))


def _with_jobs(manifest: Manifest, jobs: tuple[PlannedJob, ...]) -> Planned:
    grown = replace(manifest, jobs=tuple(job.record() for job in jobs))
    return grown, jobs


def _dry_run(request: SweepRequest, planned: Planned) -> Reply:
    from hsm.pure.schedulers import SCHEDULERS

    manifest, jobs = planned
    key = request.backend.key
    sweep_dir = request.sweep_dir
    commands = SCHEDULERS[key].commands
    records = []
    parts = [
        f"# dry run: sweep {request.sweep_id}, {len(manifest.params)} tasks as "
        f"{len(jobs)} {request.mode} job(s) for {key}; nothing is written or submitted",
        f"# sweep directory would be {sweep_dir}",
        f"# jobs run in {manifest.workdir}",
    ]
    fed = progress(manifest, {job.key: "" for job in jobs})
    if fed.waiting:
        parts.append(
            f"# your submit limit leaves room for {fed.submitted} task(s) now (hsm limits): "
            f"these go in first, {fed.waiting} wait for queue room and a feeder submits them "
            "in waves"
        )
    for job in jobs:
        path = str(sweep_dir / job.script_file)
        argv = commands.submit_argv(path) if commands else ["<hsm local backend>", path]
        records.append(
            {
                "key": job.key,
                "job_name": job.job_name,
                "script_file": job.script_file,
                "tasks": list(job.tasks),
                "indices": None if job.indices is None else list(job.indices),
                "submit_argv": argv,
                "script": job.script,
            }
        )
        parts.append(
            f"\n# ---- {path} (tasks {ranges(job.tasks)}) ----\n"
            f"{job.script.rstrip()}\n# ---- submit with:\n$ {_shell(argv)}"
        )
    data = {
        "dry_run": True,
        "sweep_id": request.sweep_id,
        "sweep_dir": str(sweep_dir),
        "scheduler": key,
        "mode": request.mode,
        "tasks": len(manifest.params),
        "waiting": fed.waiting,
        "jobs": records,
    }
    return Reply("\n".join(parts), data)


def _shell(argv: Sequence[str]) -> str:
    import shlex

    return " ".join(shlex.quote(arg) for arg in argv)


# -- writing and submitting -----------------------------------------------------------------


def _submit_planned(
    sweep: SweepRef, max_queued: int | None, planned: Planned
) -> IOResult[Submitted, HSMFailure]:
    manifest, jobs = planned
    return in_new_sweep_dir(
        sweep.sweep_dir,
        partial(
            api.submit_planned,
            manifest,
            jobs,
            sweep.backend,
            sweep_dir=sweep.sweep_dir,
            max_queued=max_queued,
        ),
    )


def _write_planned(sweep_dir: Path, planned: Planned) -> IOResult[Manifest, HSMFailure]:
    manifest, jobs = planned
    return in_new_sweep_dir(
        sweep_dir, partial(api.write_planned, manifest, jobs, sweep_dir=sweep_dir)
    )


# -- replies --------------------------------------------------------------------------------


def _after_submit(
    console: Console, sweep: SweepRef, wait: float | None, what: str, submitted: Submitted
) -> IOResult[Reply, HSMFailure]:
    return (
        load_manifest(sweep.sweep_dir)
        .map(partial(_submitted, sweep.sweep_dir, submitted, what))
        .bind(partial(finish, console, sweep, wait))
    )


def _submitted(sweep_dir: Path, submitted: Submitted, what: str, manifest: Manifest) -> Reply:
    ref = sweep_ref(sweep_dir, manifest.sweep_id)
    on_interrupt(
        f"every job of sweep {manifest.sweep_id} is submitted and keeps running; "
        f"follow: hsm monitor {ref}; cancel: hsm cancel {ref}"
    )
    return submitted_reply(sweep_dir, manifest, submitted, what)


def _after_resubmit(
    console: Console, request: SubmitRequest, done: Submitted
) -> IOResult[Reply, HSMFailure]:
    sweep = request.sweep
    return (
        load_manifest(sweep.sweep_dir)
        .map(partial(_resubmitted, sweep.sweep_dir, done))
        .bind(partial(finish, console, sweep, request.wait))
    )


def _resubmitted(sweep_dir: Path, done: Submitted, manifest: Manifest) -> Reply:
    new = [j for j in manifest.jobs if j.key in done.submitted]
    tasks = sorted(t for j in new for t in j.tasks)
    changes: dict[str, Any] = {}
    for job in new:
        changes = dict(job.changes or {})
    reply = submitted_reply(sweep_dir, manifest, done, "resubmitted")
    text = (
        f"resubmitted {len(tasks)} task(s) ({ranges(tasks)}) of sweep {manifest.sweep_id}"
        + (f" with {_changes_text(changes)}" if changes else "")
        if tasks
        else "no failed, cancelled or unknown tasks: nothing to resubmit"
    )
    waiting = sorted(t for j in manifest.jobs if j.key not in done.job_ids for t in j.tasks)
    if done.no_room and waiting:
        text = (
            f"the resubmission of {len(waiting)} task(s) ({ranges(waiting)}) of sweep "
            f"{manifest.sweep_id} waits for queue room: a feeder submits it"
            + (f"; resubmitted {len(tasks)} task(s) ({ranges(tasks)})" if tasks else "")
        )
    return Reply(
        text + "\n" + reply.text.split("\n", 1)[1],
        {**reply.data, "resubmitted_tasks": tasks, "changes": changes},
    )


def _changes_text(changes: Mapping[str, Any]) -> str:
    """``walltime 8:00:00, resources --mem=32G`` for a resubmission's changes."""
    parts = []
    if "walltime_seconds" in changes:
        parts.append(f"walltime {hms(int(changes['walltime_seconds']))}")
    if "resources" in changes:
        parts.append(f"resources {changes['resources'] or '(none)'}")
    return ", ".join(parts)


def _rendered(sweep_dir: Path, manifest: Manifest) -> Reply:
    scripts = [str(sweep_dir / job.script_file) for job in manifest.jobs]
    data = {
        "sweep_id": manifest.sweep_id,
        "sweep_dir": str(sweep_dir),
        "scheduler": manifest.scheduler,
        "mode": manifest.mode,
        "tasks": len(manifest.params),
        "jobs": [
            {
                "key": j.key,
                "job_id": None,
                "tasks": list(j.tasks),
                "script": str(sweep_dir / j.script_file),
                "sha256": j.sha256,
            }
            for j in manifest.jobs
        ],
        "submitted": [],
        "recovered": [],
    }
    text = (
        f"rendered sweep {manifest.sweep_id}: {len(manifest.params)} tasks in "
        f"{len(scripts)} script(s) for {manifest.scheduler} under {sweep_dir}\n"
        f"submit exactly these files with: hsm sweep submit {sweep_dir}"
    )
    return Reply(text, data)
