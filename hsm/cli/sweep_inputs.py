"""The request of ``sweep run`` / ``sweep render``: a new sweep, read and checked in full.

Strategy: the sweep file, the command-line axes, the settings (through
:func:`hsm.cli.inputs.settings` and :func:`hsm.cli.inputs.check_settings`), the script,
the sweep id and directory, and the backend are resolved and checked here, in the order
a user would fix them, before :mod:`hsm.cli.sweep` writes or submits anything.  Nothing
is created: a failed check leaves the project as it was.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from returns.io import IOResult
from returns.pipeline import flow
from returns.pointfree import bind, map_
from returns.result import Failure, Result, Success

from hsm import api
from hsm.cli.inputs import DEFAULT_SWEEPS, backend, check_settings, interval, load_yaml, settings
from hsm.cli.output import Console
from hsm.cli.requests import Settings, SweepRequest
from hsm.effects.backend import Backend
from hsm.pure.errors import ConfigError, HSMFailure
from hsm.pure.layout import LOCK, LOGS, MANIFEST, SCRIPTS
from hsm.pure.plan import check_sweep_id
from hsm.pure.retries import check_retry_on
from hsm.pure.sweep import Sweep, SweepSpec, expand_sweep
from hsm.pure.sweep_id import default_sweep_id
from hsm.pure.sweepfile import (
    SweepFile,
    apply_axes,
    file_sweep_spec,
    parse_shorthand,
    parse_sweep_file,
)


@dataclass(frozen=True, slots=True)
class _Source:
    """The sweep file (if any) and what it defines together with the command-line axes."""

    file: SweepFile
    path: Path | None
    points: Sweep


@dataclass(frozen=True, slots=True)
class _Checked:
    """A new sweep with every input checked; only the backend is still to be chosen."""

    source: _Source
    settings: Settings
    script: Path
    sweep_id: str
    sweep_dir: Path


def sweep_request(args: argparse.Namespace, warn: Console) -> IOResult[SweepRequest, HSMFailure]:
    """Read and check every input of ``sweep run`` / ``sweep render``; touch nothing.

    In this order: the flags that set config leaves, the sweep file and the command-line
    axes, the settings, the script, the sweep id, the sweep directory, the backend.
    """
    checked = _setting_flags(args).bind(partial(_read_sweep, args, warn))
    return IOResult.from_result(checked).bind(partial(_with_backend, args, warn))


def render_request(args: argparse.Namespace, warn: Console) -> IOResult[SweepRequest, HSMFailure]:
    """``sweep render``: as :func:`sweep_request`, into a directory holding no sweep yet."""
    return sweep_request(args, warn).bind_result(_not_a_sweep_yet)


def _not_a_sweep_yet(request: SweepRequest) -> Result[SweepRequest, HSMFailure]:
    if (request.sweep_dir / MANIFEST).exists():
        return Failure(
            ConfigError(f"{request.sweep_dir} already holds a sweep; render into a new --sweep-dir")
        )
    return Success(request)


def _setting_flags(args: argparse.Namespace) -> Result[dict[str, Any], HSMFailure]:
    """The flags that set config leaves (see :data:`hsm.pure.config_layers.FLAGS`), once
    ``--retry-on`` is known good."""
    if getattr(args, "cancel_on_interrupt", False) and not getattr(args, "wait", False):
        return Failure(
            ConfigError(
                "--cancel-on-interrupt goes with --wait: without --wait hsm returns as soon "
                "as the jobs are in (cancel them with hsm cancel --sweep-id ID)"
            )
        )
    retry_on = str(getattr(args, "retry_on", "infrastructure"))
    return check_retry_on(retry_on).bind(partial(_flag_leaves, args))


def _flag_leaves(args: argparse.Namespace, _: str) -> Result[dict[str, Any], HSMFailure]:
    system = args.system
    if args.mode == "local":
        if system not in (None, "local"):
            return Failure(
                ConfigError(
                    f"--mode local runs on this machine; it cannot go with --system {system}"
                )
            )
        system = "local"
    return Success(
        {
            "walltime": args.walltime,
            "resources": args.resources,
            "system": system,
            "python": args.python,
            "partition": args.partition,
            "queue": args.queue,
            "account": args.account,
            "max-array-size": args.max_array_size,
            "max-queued": getattr(args, "max_queued", None),
            "retries": getattr(args, "retries", None),
        }
    )


def _read_sweep(
    args: argparse.Namespace, warn: Console, flags: dict[str, Any]
) -> Result[_Checked, HSMFailure]:
    return flow(
        _sweep_source(args),
        bind(partial(_check_sweep, args, warn, flags)),
    )


def _sweep_source(args: argparse.Namespace) -> Result[_Source, HSMFailure]:
    return flow(
        _sweep_file(args.config),
        bind(partial(_with_axes, args.overrides)),
    )


def _sweep_file(path_text: str | None) -> Result[tuple[SweepFile, Path | None], HSMFailure]:
    if path_text is None:
        return Success((SweepFile(), None))
    path = Path(path_text)
    if not path.is_file():
        return Failure(ConfigError(f"sweep file {path_text} does not exist"))
    return flow(
        load_yaml("sweep file", path),
        bind(partial(_parse_sweep_file, path)),
    )


def _parse_sweep_file(path: Path, data: Any) -> Result[tuple[SweepFile, Path | None], HSMFailure]:
    return parse_sweep_file(data, str(path)).map(partial(_with_path, path))


def _with_path(path: Path, file: SweepFile) -> tuple[SweepFile, Path | None]:
    return file, path


def _with_axes(
    overrides: Sequence[str], loaded: tuple[SweepFile, Path | None]
) -> Result[_Source, HSMFailure]:
    file, path = loaded
    return flow(
        _file_spec(file.sweep, path),
        bind(partial(_with_command_line, overrides)),
        map_(expand_sweep),
        map_(partial(_Source, file, path)),
    )


def _file_spec(sweep: Mapping[str, Any], path: Path | None) -> Result[SweepSpec, HSMFailure]:
    return file_sweep_spec(sweep).alt(partial(_in_file, path))


def _with_command_line(overrides: Sequence[str], spec: SweepSpec) -> Result[SweepSpec, HSMFailure]:
    """The command-line axes applied; their errors name the argument, not the file."""
    return parse_shorthand(overrides).bind(partial(apply_axes, spec))


def _in_file(path: Path | None, error: ConfigError) -> HSMFailure:
    where = f"{path}: " if path is not None else ""
    return ConfigError(where + error.message, error.path)


def _check_sweep(
    args: argparse.Namespace, warn: Console, flags: dict[str, Any], source: _Source
) -> Result[_Checked, HSMFailure]:
    hpc_layer = (
        []
        if source.path is None or source.file.hpc is None
        else [(str(source.path), {"hpc": source.file.hpc})]
    )
    return flow(
        settings(args, flags, hpc_layer, warn),
        bind(check_settings),
        bind(partial(_place, args, source)),
    )


def _place(
    args: argparse.Namespace, source: _Source, checked: Settings
) -> Result[_Checked, HSMFailure]:
    """The script, the sweep id and the sweep directory."""
    return flow(
        _script(args.script, source),
        bind(partial(_named, args, source, checked)),
    )


def _named(
    args: argparse.Namespace, source: _Source, checked: Settings, script: Path
) -> Result[_Checked, HSMFailure]:
    inputs = _inputs(args, source, checked, script)
    sweep_id = args.sweep_id or default_sweep_id(script.stem, inputs)
    return flow(
        check_sweep_id(sweep_id),
        bind(partial(new_sweep_dir, args.sweep_dir)),
        map_(partial(_Checked, source, checked, script, sweep_id)),
    )


def _script(flag: str | None, source: _Source) -> Result[Path, HSMFailure]:
    if flag:
        script = Path(flag)
    elif source.file.script and source.path is not None:
        script = source.path.parent / source.file.script
    else:
        return Failure(
            ConfigError("no program to run: give --script PATH or 'script:' in the sweep file")
        )
    if not script.is_file():
        return Failure(ConfigError(f"script {script} does not exist"))
    return Success(script)


def _inputs(
    args: argparse.Namespace, source: _Source, checked: Settings, script: Path
) -> dict[str, Any]:
    """Everything that decides what a sweep submits (not how it is watched): the same
    command, run again in the same place, names the same sweep -- so it resumes an
    interrupted submission instead of submitting everything twice."""
    return {
        "cwd": str(Path.cwd().resolve()),
        "script": str(script.resolve()),
        "sweep_file": repr(source.file),
        "axes": list(getattr(args, "overrides", None) or ()),
        "settings": repr(checked.config),
        "mode": getattr(args, "mode", None),
        "throttle": getattr(args, "throttle", None),
        "after": list(getattr(args, "after", None) or ()),
        "max_array_size": getattr(args, "max_array_size", None),
        "hydra": getattr(args, "hydra", False),
    }


def new_sweep_dir(flag: str | None, sweep_id: str) -> Result[Path, HSMFailure]:
    """The sweep dir (``flag``, else ``sweeps/<sweep_id>``) must be new, empty, or an hsm
    sweep (resumed); its parent writable."""
    sweep_dir = Path(flag) if flag else DEFAULT_SWEEPS / sweep_id
    if ".." in sweep_dir.parts:
        return Failure(
            ConfigError(f"sweep directory {sweep_dir} contains '..'; give the path without it")
        )
    if sweep_dir.exists():
        if not sweep_dir.is_dir():
            return Failure(
                ConfigError(
                    f"sweep directory {sweep_dir} exists and is not a "
                    "directory; choose another --sweep-dir"
                )
            )
        # What hsm writes before the manifest (a lock, scripts, logs) is an interrupted
        # render of this sweep, to be finished, not someone else's content.
        others = (p for p in sweep_dir.iterdir() if p.name not in (LOCK, SCRIPTS, LOGS))
        if any(others) and not (sweep_dir / MANIFEST).exists():
            return Failure(
                ConfigError(
                    f"{sweep_dir} already exists and is not an hsm sweep directory; choose an "
                    "empty or new --sweep-dir"
                )
            )
        return Success(sweep_dir)
    parent = sweep_dir.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return Failure(
            ConfigError(
                f"cannot create sweep directory {sweep_dir}: {parent} is not a writable "
                "directory; choose another --sweep-dir"
            )
        )
    return Success(sweep_dir)


def _with_backend(
    args: argparse.Namespace, warn: Console, checked: _Checked
) -> IOResult[SweepRequest, HSMFailure]:
    return backend(checked.settings).map(partial(_sweep_request, args, warn, checked))


def _sweep_request(
    args: argparse.Namespace, warn: Console, checked: _Checked, chosen: Backend
) -> SweepRequest:
    warn.detail(f"scheduler: {chosen.key}")
    return SweepRequest(
        options=_options(checked, chosen.key, args),
        points=checked.source.points,
        mode="individual" if args.mode == "individual" else "array",
        sweep_id=checked.sweep_id,
        sweep_dir=checked.sweep_dir,
        backend=chosen,
        dry_run=bool(getattr(args, "dry_run", False)),
        wait=interval(getattr(args, "wait", False), args),
        check=not getattr(args, "no_check", False),
        cancel_on_interrupt=bool(getattr(args, "cancel_on_interrupt", False)),
        feed_interval=float(getattr(args, "feed_interval", 30.0)),
        retries=checked.settings.config.hpc.retries,
        retry_on=str(getattr(args, "retry_on", "infrastructure")),
    )


def _options(checked: _Checked, backend_key: str, args: argparse.Namespace) -> api.JobOptions:
    return job_options(
        checked.settings,
        backend_key,
        checked.script,
        Path.cwd(),
        throttle=args.throttle,
        dependencies=tuple(args.after),
        hydra=bool(getattr(args, "hydra", False)) or checked.source.file.hydra,
    )


def job_options(
    settings: Settings,
    backend_key: str,
    script: Path,
    project_dir: Path,
    *,
    throttle: int | None,
    dependencies: tuple[str, ...],
    hydra: bool,
) -> api.JobOptions:
    """How every job of a new sweep runs: the resolved settings (the queue, account and
    extra lines of the chosen scheduler's section), the script as jobs see it from
    ``project_dir``, and what the command gave itself."""
    from hsm.pure.config import section_extra, section_settings
    from hsm.pure.schedulers import SCHEDULERS

    hpc = settings.config.hpc
    section = SCHEDULERS[backend_key].config_section
    queue, account = section_settings(hpc, section)
    return api.JobOptions(
        walltime=hpc.default_walltime,
        resources=hpc.default_resources,
        python_path=hpc.python_interpreter,
        script_path=_script_text(script, project_dir.resolve()),
        project_dir=project_dir,
        queue=queue,
        account=account,
        setup=hpc.setup,
        max_array_size=hpc.max_array_size,
        throttle=throttle,
        dependencies=dependencies,
        extra=section_extra(hpc, section),
        hydra=hydra,
        max_queued=hpc.max_queued,
    )


def _script_text(script: Path, project: Path) -> str:
    """The script as jobs see it: relative to where they run, if it lies below it."""
    resolved = script.resolve()
    try:
        return str(resolved.relative_to(project))
    except ValueError:
        return str(resolved)
