"""``hsm sweep run|render|submit|resubmit``: from inputs to submitted jobs, and ``--wait``.

Strategy: every input is read and checked, and the whole sweep planned (rendered in
memory), before anything is written; only then is the sweep directory created.  If
writing or submitting fails and no job went in, everything this call created is
removed, so a mistake never leaves a half-written sweep directory behind.  A failure
after some jobs went in keeps the directory: it is the record that lets the same command
resume without duplicates.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from returns.result import Failure, Result, Success

from hsm import api
from hsm.cli.commands import DEFAULT_SWEEPS, sweep_dir_of, sweep_view
from hsm.cli.exits import EXIT_TASKS_FAILED
from hsm.cli.inputs import Inputs, gather
from hsm.cli.output import Console, Reply
from hsm.effects.backend import Backend
from hsm.effects.results import result_of
from hsm.effects.sweeps import Submitted, SweepReport
from hsm.pure.arrays import DEFAULT_ARRAY_LIMITS
from hsm.pure.cli_text import progress_bar, ranges
from hsm.pure.errors import CommandError, ConfigError, HSMFailure
from hsm.pure.manifest import Manifest, count_states
from hsm.pure.plan import PlannedJob
from hsm.pure.states import JobState


def _plan(
    inputs: Inputs, limit: int
) -> Result[tuple[Manifest, tuple[PlannedJob, ...]], HSMFailure]:
    planned = api.plan_sweep(
        inputs.options,
        inputs.backend.key,
        limit,
        inputs.sweep_id,
        inputs.sweep_dir,
        inputs.points,
        inputs.mode,
    )
    if isinstance(planned, Failure):
        return Failure(planned.failure())
    return Success(planned.unwrap())


def _default_limit(inputs: Inputs) -> int:
    if inputs.mode == "individual":
        return 1
    family = inputs.backend.key if inputs.backend.key in DEFAULT_ARRAY_LIMITS else "pbs"
    return inputs.options.max_array_size or DEFAULT_ARRAY_LIMITS[family]


def _created_root(path: Path) -> Path | None:
    """The outermost directory that creating ``path`` would create (None if it exists)."""
    if path.exists():
        return None
    top = path
    while not top.parent.exists():
        top = top.parent
    return top


def _make_dir(sweep_dir: Path) -> Result[None, HSMFailure]:
    try:
        sweep_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return Failure(
            ConfigError(
                f"cannot create sweep directory {sweep_dir}: "
                f"{error.strerror}; choose another --sweep-dir"
            )
        )
    return Success(None)


def _undo(created: Path | None, sweep_dir: Path, failure: HSMFailure) -> None:
    """Remove what this call created, unless a job may have gone in."""
    if created is None:
        return
    if isinstance(failure, CommandError) and failure.transient:
        return  # a timed-out submit may have reached the scheduler: keep the journal
    from hsm.effects.sweeps import journal_state

    state = result_of(journal_state(sweep_dir))
    if isinstance(state, Failure) or state.unwrap().submitted or state.unwrap().in_flight:
        return
    shutil.rmtree(created, ignore_errors=True)


def _dry_run(inputs: Inputs) -> Result[Reply, HSMFailure]:
    planned = _plan(inputs, _default_limit(inputs))
    if isinstance(planned, Failure):
        return Failure(planned.failure())
    manifest, jobs = planned.unwrap()
    from hsm.pure.schedulers import SCHEDULERS

    scheduler = SCHEDULERS.get(inputs.backend.key)
    records = []
    parts = [
        f"# dry run: sweep {inputs.sweep_id}, {len(manifest.params)} tasks as "
        f"{len(jobs)} {inputs.mode} job(s) for {inputs.backend.key}; nothing is "
        f"written or submitted",
        f"# sweep directory would be {inputs.sweep_dir}",
        f"# jobs run in {manifest.workdir}",
    ]
    for job in jobs:
        path = str(inputs.sweep_dir / job.script_file)
        argv = scheduler.submit_argv(path) if scheduler else ["<hsm local backend>", path]
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
        "sweep_id": inputs.sweep_id,
        "sweep_dir": str(inputs.sweep_dir),
        "scheduler": inputs.backend.key,
        "mode": inputs.mode,
        "tasks": len(manifest.params),
        "jobs": records,
    }
    return Success(Reply("\n".join(parts), data))


def _shell(argv: Sequence[str]) -> str:
    import shlex

    return " ".join(shlex.quote(arg) for arg in argv)


def _submitted_reply(sweep_dir: Path, manifest: Manifest, submitted: Submitted, what: str) -> Reply:
    jobs = [
        {"key": j.key, "job_id": submitted.job_ids.get(j.key), "tasks": list(j.tasks)}
        for j in manifest.jobs
    ]
    data = {
        "sweep_id": manifest.sweep_id,
        "sweep_dir": str(sweep_dir),
        "scheduler": manifest.scheduler,
        "mode": manifest.mode,
        "tasks": len(manifest.params),
        "jobs": jobs,
        "submitted": list(submitted.submitted),
        "recovered": list(submitted.recovered),
    }
    ids = [submitted.job_ids[k] for k in submitted.submitted]
    shown = " ".join(ids[:10]) + (" ..." if len(ids) > 10 else "")
    ref = (
        f"--sweep-id {manifest.sweep_id}"
        if sweep_dir == DEFAULT_SWEEPS / manifest.sweep_id
        else f"--sweep-dir {sweep_dir}"
    )
    lines = [
        f"{what} sweep {manifest.sweep_id}: {len(manifest.params)} tasks, "
        f"{len(ids)} job(s) submitted to {manifest.scheduler}"
        + (f" ({shown})" if ids else " (all were already in: nothing to do)")
    ]
    if submitted.recovered:
        lines.append(f"found {len(submitted.recovered)} job(s) submitted before a crash")
    lines.append(f"record: {sweep_dir}")
    lines.append(f"follow: hsm monitor {ref}")
    return Reply("\n".join(lines), data)


def follow(
    sweep_dir: Path, backend: Backend, interval: float, console: Console
) -> Result[SweepReport, HSMFailure]:
    """Poll until every task is final (or nothing runs and some stay unknown)."""
    tty = sys.stderr.isatty()
    last = ""
    idle_unknown = 0
    while True:
        polled = result_of(api.sweep_status(sweep_dir, backend))
        if isinstance(polled, Failure):
            return Failure(polled.failure())
        report = polled.unwrap()
        if report.stale:
            console.warn(report.warning)
        else:
            counts = count_states(report.statuses.values())
            line = progress_bar(counts, colour=tty and console.colour)
            if tty and not console.quiet:
                sys.stderr.write("\r\x1b[2K" + line)
                sys.stderr.flush()
            elif line != last:
                console.note(line)
            last = line
            states = {s.state for s in report.statuses.values()}
            if all(s.is_final for s in states):
                break
            if states & {JobState.QUEUED, JobState.RUNNING}:
                idle_unknown = 0
            else:
                idle_unknown += 1
                if idle_unknown >= 3:  # lost jobs will not come back: stop waiting
                    break
        time.sleep(interval)
    if tty and not console.quiet:
        sys.stderr.write("\n")
    return Success(report)


def _finish(
    reply: Reply, sweep_dir: Path, backend: Backend, args: argparse.Namespace, console: Console
) -> Result[Reply, HSMFailure]:
    """Print the submission, then with ``--wait`` follow it and report the outcome."""
    if not args.wait:
        return Success(reply)
    if not args.json:
        sys.stdout.write(reply.text + "\n")
        sys.stdout.flush()
    followed = follow(sweep_dir, backend, args.poll_interval, console)
    if isinstance(followed, Failure):
        return Failure(followed.failure())
    report = followed.unwrap()
    text, status = sweep_view(sweep_dir, report, 10, console.colour)
    ok = all(s.state is JobState.COMPLETED for s in report.statuses.values())
    data = {**reply.data, "status": status}
    return Success(Reply(text, data, 0 if ok else EXIT_TASKS_FAILED))


# -- commands -----------------------------------------------------------------------------


def run(args: argparse.Namespace) -> Result[Reply, HSMFailure]:
    """``hsm sweep run``: plan, write and submit (or only print, with ``--dry-run``)."""
    console = Console.of(args)
    gathered = gather(args, console)
    if isinstance(gathered, Failure):
        return Failure(gathered.failure())
    inputs = gathered.unwrap()
    if args.dry_run:
        return _dry_run(inputs)
    # Plan once, before any write: every mistake surfaces while nothing exists yet.
    planned = _plan(inputs, api.array_limit_for(inputs.options, inputs.backend, inputs.mode))
    if isinstance(planned, Failure):
        return Failure(planned.failure())
    manifest_planned, jobs = planned.unwrap()
    created = _created_root(inputs.sweep_dir)
    made = _make_dir(inputs.sweep_dir)
    if isinstance(made, Failure):
        return Failure(made.failure())
    outcome = result_of(
        api.submit_planned(manifest_planned, jobs, inputs.backend, sweep_dir=inputs.sweep_dir)
    )
    if isinstance(outcome, Failure):
        _undo(created, inputs.sweep_dir, outcome.failure())
        return Failure(outcome.failure())
    manifest = _manifest(inputs.sweep_dir)
    if isinstance(manifest, Failure):
        return Failure(manifest.failure())
    reply = _submitted_reply(inputs.sweep_dir, manifest.unwrap(), outcome.unwrap(), "ran")
    return _finish(reply, inputs.sweep_dir, inputs.backend, args, console)


def _manifest(sweep_dir: Path) -> Result[Manifest, HSMFailure]:
    from hsm.effects.sweeps import load_manifest

    return result_of(load_manifest(sweep_dir))


def render(args: argparse.Namespace) -> Result[Reply, HSMFailure]:
    """``hsm sweep render``: write the scripts and manifest, submit nothing."""
    console = Console.of(args)
    gathered = gather(args, console)
    if isinstance(gathered, Failure):
        return Failure(gathered.failure())
    inputs = gathered.unwrap()
    if (inputs.sweep_dir / "manifest.json").exists():
        return Failure(
            ConfigError(f"{inputs.sweep_dir} already holds a sweep; render into a new --sweep-dir")
        )
    planned = _plan(inputs, api.array_limit_for(inputs.options, inputs.backend, inputs.mode))
    if isinstance(planned, Failure):
        return Failure(planned.failure())
    manifest_planned, jobs = planned.unwrap()
    created = _created_root(inputs.sweep_dir)
    made = _make_dir(inputs.sweep_dir)
    if isinstance(made, Failure):
        return Failure(made.failure())
    written = result_of(api.write_planned(manifest_planned, jobs, sweep_dir=inputs.sweep_dir))
    if isinstance(written, Failure):
        _undo(created, inputs.sweep_dir, written.failure())
        return Failure(written.failure())
    manifest = written.unwrap()
    scripts = [str(inputs.sweep_dir / job.script_file) for job in manifest.jobs]
    data = {
        "sweep_id": manifest.sweep_id,
        "sweep_dir": str(inputs.sweep_dir),
        "scheduler": manifest.scheduler,
        "mode": manifest.mode,
        "tasks": len(manifest.params),
        "jobs": [
            {
                "key": j.key,
                "job_id": None,
                "tasks": list(j.tasks),
                "script": str(inputs.sweep_dir / j.script_file),
                "sha256": j.sha256,
            }
            for j in manifest.jobs
        ],
        "submitted": [],
        "recovered": [],
    }
    text = (
        f"rendered sweep {manifest.sweep_id}: {len(manifest.params)} tasks in "
        f"{len(scripts)} script(s) for {manifest.scheduler} under {inputs.sweep_dir}\n"
        f"submit exactly these files with: hsm sweep submit {inputs.sweep_dir}"
    )
    return Success(Reply(text, data))


def submit(args: argparse.Namespace) -> Result[Reply, HSMFailure]:
    """``hsm sweep submit DIR``: submit a rendered sweep after checking every hash."""
    console = Console.of(args)
    sweep_dir = Path(args.sweep_dir)
    backend = result_of(api.backend_for_sweep(sweep_dir))
    if isinstance(backend, Failure):
        return Failure(backend.failure())
    outcome = result_of(api.submit_rendered(sweep_dir, backend.unwrap()))
    if isinstance(outcome, Failure):
        return Failure(outcome.failure())
    manifest = _manifest(sweep_dir)
    if isinstance(manifest, Failure):
        return Failure(manifest.failure())
    reply = _submitted_reply(sweep_dir, manifest.unwrap(), outcome.unwrap(), "submitted")
    return _finish(reply, sweep_dir, backend.unwrap(), args, console)


def resubmit(args: argparse.Namespace) -> Result[Reply, HSMFailure]:
    """``hsm sweep resubmit``: failed, cancelled and unknown tasks as one compact array."""
    console = Console.of(args)
    found = sweep_dir_of(args)
    if isinstance(found, Failure):
        return Failure(found.failure())
    sweep_dir = found.unwrap()
    backend = result_of(api.backend_for_sweep(sweep_dir))
    if isinstance(backend, Failure):
        return Failure(backend.failure())
    outcome = result_of(api.resubmit(sweep_dir, backend.unwrap()))
    if isinstance(outcome, Failure):
        return Failure(outcome.failure())
    manifest = _manifest(sweep_dir)
    if isinstance(manifest, Failure):
        return Failure(manifest.failure())
    done = outcome.unwrap()
    tasks = sorted(t for j in manifest.unwrap().jobs if j.key in done.submitted for t in j.tasks)
    reply = _submitted_reply(sweep_dir, manifest.unwrap(), done, "resubmitted")
    text = (
        f"resubmitted {len(tasks)} task(s) ({ranges(tasks)}) of sweep {manifest.unwrap().sweep_id}"
        if tasks
        else "no failed, cancelled or unknown tasks: nothing to resubmit"
    )
    reply = Reply(
        text + "\n" + reply.text.split("\n", 1)[1], {**reply.data, "resubmitted_tasks": tasks}
    )
    return _finish(reply, sweep_dir, backend.unwrap(), args, console)
