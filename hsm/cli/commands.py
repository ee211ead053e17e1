"""``hsm`` commands that read state: monitor, queue, cancel, config show; shared helpers.

Strategy: each command gathers what it needs through :mod:`hsm.api` and returns a
``Result[Reply, HSMFailure]``; :mod:`hsm.cli.output` prints the reply or the failure.  The text
and JSON shapes come from :mod:`hsm.pure.cli_text`.  Imported only once a command runs,
so its imports (returns, cattrs, yaml...) never slow ``hsm --help``.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from returns.result import Failure, Result, Success

from hsm import api
from hsm.cli.output import Console, Reply
from hsm.effects.backend import Backend
from hsm.effects.results import result_of
from hsm.effects.sweeps import SweepReport
from hsm.pure.cli_text import (
    STATUS_HEADERS,
    config_value_data,
    counts_text,
    format_config_rows,
    format_table,
    paint,
    status_record,
    status_row,
)
from hsm.pure.config import Config
from hsm.pure.config_layers import ResolvedConfig, env_warnings, resolve_config
from hsm.pure.errors import ConfigError, HSMFailure
from hsm.pure.manifest import JobRecord, Manifest, count_states, current_jobs, sweep_state
from hsm.pure.plan import PlannedJob, task_log_path
from hsm.pure.states import JobState

#: Where ``hsm`` looks for its config file, first found wins (after ``--hsm-config``).
CONFIG_CANDIDATES = ("hsm_config.yaml", ".hsm/config.yaml")
DEFAULT_SWEEPS = Path("sweeps")
_JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\[\]-]*")


# -- configuration ------------------------------------------------------------------------


def config_file(explicit: str | None) -> Result[Path | None, HSMFailure]:
    """``--hsm-config`` (must exist), else the first of the usual places that exists."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            return Failure(ConfigError(f"config file {explicit} does not exist"))
        return Success(path)
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path("~/.config").expanduser())
    for candidate in (*map(Path, CONFIG_CANDIDATES), Path(xdg) / "hsm" / "config.yaml"):
        if candidate.is_file():
            return Success(candidate)
    return Success(None)


def load_yaml(path: Path, what: str) -> Result[Any, HSMFailure]:
    """Read a YAML file with ``yaml.safe_load``; any problem is a one-line ConfigError."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        return Failure(ConfigError(f"cannot read {what} {path}: {reason}"))
    try:
        return Success(yaml.safe_load(text))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        return Failure(ConfigError(f"{what} {path} is not valid YAML{where}: {problem}"))


@dataclass(frozen=True, slots=True)
class Settings:
    """The resolved configuration and the files it came from."""

    resolved: ResolvedConfig
    files: tuple[str, ...]

    @property
    def config(self) -> Config:
        """The effective config."""
        return self.resolved.config


def load_settings(
    args: argparse.Namespace,
    flags: Mapping[str, Any],
    extra: Sequence[tuple[str, Mapping[str, Any] | None]] = (),
    console: Console | None = None,
) -> Result[Settings, HSMFailure]:
    """Resolve flag > environment > files (config file, then ``extra``) > defaults."""
    found = config_file(getattr(args, "hsm_config", None))
    if isinstance(found, Failure):
        return Failure(found.failure())
    layers: list[tuple[str, Mapping[str, Any] | None]] = []
    path = found.unwrap()
    if path is not None:
        data = load_yaml(path, "config file")
        if isinstance(data, Failure):
            return Failure(data.failure())
        layers.append((str(path), data.unwrap()))
    layers.extend(extra)
    if console is not None:
        for warning in env_warnings(os.environ):
            console.warn(warning)
    resolved = resolve_config(Config(), layers, os.environ, flags)
    if isinstance(resolved, Failure):
        return Failure(resolved.failure())
    return Success(Settings(resolved.unwrap(), tuple(name for name, _ in layers)))


def choose_backend(settings: Settings) -> Result[Backend, HSMFailure]:
    """The configured (or detected) backend."""
    hpc = settings.config.hpc
    return result_of(api.detect_backend(hpc.system, max_array_size=hpc.max_array_size))


# -- sweep directories --------------------------------------------------------------------


def sweep_dir_of(args: argparse.Namespace) -> Result[Path, HSMFailure]:
    """``--sweep-dir``, else ``sweeps/<--sweep-id>``; one of them is required."""
    from hsm.pure.plan import check_sweep_id

    if getattr(args, "sweep_dir", None):
        return Success(Path(args.sweep_dir))
    sweep_id = getattr(args, "sweep_id", None)
    if not sweep_id:
        return Failure(ConfigError("name the sweep: --sweep-id ID (or --sweep-dir DIR)"))
    checked = check_sweep_id(sweep_id)
    if isinstance(checked, Failure):
        return Failure(checked.failure())
    return Success(DEFAULT_SWEEPS / sweep_id)


def _planned(job: JobRecord) -> PlannedJob:
    return PlannedJob(
        job.key, job.job_name, job.script_file, job.tasks, job.indices, job.log_path, "", job.sha256
    )


def log_file(manifest: Manifest, task: int, job_id: str) -> Path | None:
    """Where task ``task``'s log is (relative paths are under the manifest's workdir)."""
    job = current_jobs(manifest).get(task)
    if job is None:
        return None
    return Path(manifest.workdir) / task_log_path(_planned(job), manifest.scheduler, task)


def tail(path: Path, lines: int) -> list[str]:
    """The last ``lines`` lines of a log, or one line saying why there are none."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError as error:
        return [f"(no log: {error.strerror})"]
    return text.splitlines()[-lines:] or ["(the log is empty)"]


def sweep_view(
    sweep_dir: Path, report: SweepReport, lines: int, colour: bool
) -> tuple[str, dict[str, Any]]:
    """The monitor's text and JSON document for one poll of a sweep."""
    manifest = report.manifest
    records = []
    for task, status in sorted(report.statuses.items()):
        log = log_file(manifest, task, status.job_id)
        records.append(
            status_record(task, manifest.params[task], status, None if log is None else str(log))
        )
    counts = count_states(report.statuses.values())
    overall = sweep_state(list(report.statuses.values())).value
    data = {
        "sweep_id": manifest.sweep_id,
        "sweep_dir": str(sweep_dir),
        "scheduler": manifest.scheduler,
        "mode": manifest.mode,
        "state": overall,
        "stale": report.stale,
        "warning": report.warning,
        "counts": counts,
        "tasks": records,
    }
    head = (
        f"sweep {manifest.sweep_id} ({manifest.scheduler}, {manifest.mode}): "
        f"{len(records)} tasks, {paint(overall, overall, colour)} -- "
        f"{counts_text(counts, colour)}"
    )
    parts = [head]
    if report.stale:
        parts.append(f"warning: {report.warning}")
    parts.append(format_table(STATUS_HEADERS, [status_row(r, colour) for r in records]))
    for record in records:
        if record["state"] not in (JobState.FAILED.value, JobState.CANCELLED.value):
            continue
        code = record["exit_code"]
        why = f"exit code {code}" if code else (record["raw"] or record["state"])
        parts.append(
            f"\n{record['state']} task {record['task']} (job {record['job_id']}, "
            f"{why}); log: {record['log']}"
        )
        if record["log"]:
            parts.extend(f"  | {line}" for line in tail(Path(record["log"]), lines))
    return "\n".join(parts), data


def _watch(
    show: Callable[[], Result[tuple[str, Any, bool], HSMFailure]], interval: float, as_json: bool
) -> Result[Reply, HSMFailure]:
    """Print ``show()`` every ``interval`` s until it says it is done (or Ctrl-C)."""
    import json

    clear = sys.stdout.isatty() and not as_json
    while True:
        shown = show()
        if isinstance(shown, Failure):
            return Failure(shown.failure())
        text, data, done = shown.unwrap()
        if as_json:
            sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        else:
            stamp = time.strftime("%H:%M:%S")
            sys.stdout.write(("\x1b[H\x1b[2J" if clear else "\n") + f"[{stamp}] {text}\n")
        sys.stdout.flush()
        if done:
            return Success(Reply("", None, shown=True))
        time.sleep(interval)


# -- commands -----------------------------------------------------------------------------


def monitor(args: argparse.Namespace) -> Result[Reply, HSMFailure]:
    """``hsm monitor``: counts, a task table, and the log tails of failed tasks."""
    console = Console.of(args)
    found = sweep_dir_of(args)
    if isinstance(found, Failure):
        return Failure(found.failure())
    sweep_dir = found.unwrap()
    backend = result_of(api.backend_for_sweep(sweep_dir))
    if isinstance(backend, Failure):
        return Failure(backend.failure())

    def show() -> Result[tuple[str, Any, bool], HSMFailure]:
        report = result_of(api.sweep_status(sweep_dir, backend.unwrap()))
        if isinstance(report, Failure):
            return Failure(report.failure())
        text, data = sweep_view(sweep_dir, report.unwrap(), args.lines, console.colour)
        done = all(s.state.is_final for s in report.unwrap().statuses.values())
        return Success((text, data, done))

    if args.watch:
        return _watch(show, args.poll_interval, args.json)
    once = show()
    if isinstance(once, Failure):
        return Failure(once.failure())
    text, data, _ = once.unwrap()
    if data["stale"]:
        console.warn(data["warning"])
    return Success(Reply(text, data))


def _job_sort(job_id: str) -> tuple[int, str]:
    head = job_id.split("_")[0].split(".")[0].split("[")[0]
    return (int(head) if head.isdigit() else 0, job_id)


def queue(args: argparse.Namespace) -> Result[Reply, HSMFailure]:
    """``hsm queue``: the user's jobs with normalised states."""
    console = Console.of(args)
    settings = load_settings(args, {"system": args.system}, console=console)
    if isinstance(settings, Failure):
        return Failure(settings.failure())
    backend = choose_backend(settings.unwrap())
    if isinstance(backend, Failure):
        return Failure(backend.failure())
    user = getpass.getuser()

    def show() -> Result[tuple[str, Any, bool], HSMFailure]:
        found = result_of(backend.unwrap().user_jobs(user))
        if isinstance(found, Failure):
            return Failure(found.failure())
        statuses = found.unwrap()
        jobs = [
            {
                "job_id": s.job_id or job_id,
                "state": s.state.value,
                "raw": s.raw,
                "exit_code": s.exit_code,
                "signal": s.signal,
                "reason": s.reason,
            }
            for job_id, s in sorted(statuses.items(), key=lambda kv: _job_sort(kv[0]))
        ]
        data = {"user": user, "scheduler": backend.unwrap().key, "jobs": jobs}
        counts = count_states(statuses.values())
        rows = [
            [
                s.job_id or job_id,
                paint(s.state.value, s.state.value, console.colour),
                s.raw,
                "" if s.exit_code is None else str(s.exit_code),
                s.reason,
            ]
            for job_id, s in sorted(statuses.items(), key=lambda kv: _job_sort(kv[0]))
        ]
        text = (
            f"{len(jobs)} jobs of {user} on {backend.unwrap().key}: "
            f"{counts_text(counts, console.colour)}"
        )
        if rows:
            text += "\n" + format_table(("JOB ID", "STATE", "RAW", "EXIT", "REASON"), rows)
        return Success((text, data, False))

    if args.watch:
        return _watch(show, args.poll_interval, args.json)
    once = show()
    if isinstance(once, Failure):
        return Failure(once.failure())
    text, data, _ = once.unwrap()
    return Success(Reply(text, data))


def cancel(args: argparse.Namespace) -> Result[Reply, HSMFailure]:
    """``hsm cancel --sweep-id ID`` or ``hsm cancel JOBID...``."""
    by_sweep = bool(args.sweep_id or args.sweep_dir)
    if by_sweep == bool(args.job_ids):
        return Failure(
            ConfigError(
                "give either --sweep-id ID (or --sweep-dir DIR) or job ids, not both or neither"
            )
        )
    if by_sweep:
        found = sweep_dir_of(args)
        if isinstance(found, Failure):
            return Failure(found.failure())
        backend = result_of(api.backend_for_sweep(found.unwrap()))
        if isinstance(backend, Failure):
            return Failure(backend.failure())
        done = result_of(api.cancel(found.unwrap(), backend.unwrap()))
        if isinstance(done, Failure):
            return Failure(done.failure())
        ids = list(done.unwrap())
    else:
        for job_id in args.job_ids:
            if _JOB_ID.fullmatch(job_id) is None:
                return Failure(
                    ConfigError(f"{job_id!r} is not a job id (like 123, 123_4 or 123[4].server)")
                )
        settings = load_settings(args, {"system": args.system})
        if isinstance(settings, Failure):
            return Failure(settings.failure())
        backend = choose_backend(settings.unwrap())
        if isinstance(backend, Failure):
            return Failure(backend.failure())
        cancelled = result_of(backend.unwrap().cancel(list(args.job_ids)))
        if isinstance(cancelled, Failure):
            return Failure(cancelled.failure())
        ids = list(args.job_ids)
    text = f"cancelled {len(ids)} job(s): {' '.join(ids)}" if ids else "nothing to cancel"
    return Success(Reply(text, {"cancelled": ids}))


def config_show(args: argparse.Namespace) -> Result[Reply, HSMFailure]:
    """``hsm config show``: every setting, its effective value and its source."""
    settings = load_settings(args, {}, console=Console.of(args))
    if isinstance(settings, Failure):
        return Failure(settings.failure())
    rows = settings.unwrap().resolved.rows()
    files = list(settings.unwrap().files)
    data = {
        "files": files,
        "settings": [
            {"setting": leaf, "value": config_value_data(value), "source": source}
            for leaf, value, source in rows
        ],
    }
    head = f"config file: {files[0]}" if files else "config file: none found"
    return Success(Reply(f"{head}\n{format_config_rows(rows)}", data))
