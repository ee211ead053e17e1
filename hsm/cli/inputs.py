"""Inputs of ``hsm sweep run`` / ``hsm sweep render``: read and check all, touch nothing.

Strategy: the sweep file, the command-line sweep axes, the config layers (flag >
environment > config file and sweep file's ``hpc`` section > defaults), the script, the
sweep id and directory, and the backend are all resolved and checked here, naming where
a bad value came from, before :mod:`hsm.cli.sweep` writes or submits anything.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from returns.result import Failure, Result, Success

from hsm import api
from hsm.cli.commands import (
    DEFAULT_SWEEPS,
    Settings,
    choose_backend,
    load_settings,
    load_yaml,
)
from hsm.cli.output import Console
from hsm.effects.backend import Backend
from hsm.pure.errors import ConfigError, HSMFailure
from hsm.pure.plan import check_sweep_id
from hsm.pure.sweep import Sweep, expand_sweep, parse_sweep_spec
from hsm.pure.sweepfile import SweepFile, merge_shorthand, parse_shorthand, parse_sweep_file

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything ``sweep run`` / ``sweep render`` checked before touching anything."""

    settings: Settings
    options: api.JobOptions
    points: Sweep
    mode: str
    sweep_id: str
    sweep_dir: Path
    backend: Backend


def _sweep_file(path_text: str | None) -> Result[tuple[SweepFile, Path | None], HSMFailure]:
    if path_text is None:
        return Success((SweepFile(), None))
    path = Path(path_text)
    if not path.is_file():
        return Failure(ConfigError(f"sweep file {path_text} does not exist"))
    data = load_yaml(path, "sweep file")
    if isinstance(data, Failure):
        return Failure(data.failure())
    parsed = parse_sweep_file(data.unwrap(), str(path))
    if isinstance(parsed, Failure):
        return Failure(parsed.failure())
    return Success((parsed.unwrap(), path))


def _script(
    args: argparse.Namespace, spec: SweepFile, source: Path | None
) -> Result[Path, HSMFailure]:
    if args.script:
        script = Path(args.script)
    elif spec.script and source is not None:
        script = source.parent / spec.script
    else:
        return Failure(
            ConfigError("no program to run: give --script PATH or 'script:' in the sweep file")
        )
    if not script.is_file():
        return Failure(ConfigError(f"script {script} does not exist"))
    return Success(script)


def _script_text(script: Path, project: Path) -> str:
    """The script as jobs see it: relative to where they run, if it lies below it."""
    resolved = script.resolve()
    try:
        return str(resolved.relative_to(project))
    except ValueError:
        return str(resolved)


def _default_id(script: Path) -> str:
    stem = _ID_UNSAFE.sub("_", script.stem).strip("_.-") or "sweep"
    now = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    base = f"{stem[:40]}_{now}"
    taken = 1
    sweep_id = base
    while (DEFAULT_SWEEPS / sweep_id).exists():
        taken += 1
        sweep_id = f"{base}-{taken}"
    return sweep_id


def _check_dir(sweep_dir: Path) -> Result[Path, HSMFailure]:
    """The sweep dir must be new, empty, or an hsm sweep (resumed); its parent writable."""
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
        if any(sweep_dir.iterdir()) and not (sweep_dir / "manifest.json").exists():
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


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    system = args.system
    if args.mode == "local":
        if system not in (None, "local"):
            return {
                "error": f"--mode local runs on this machine; it cannot go with --system {system}"
            }
        system = "local"
    return {
        "walltime": args.walltime,
        "resources": args.resources,
        "system": system,
        "python": args.python,
        "partition": args.partition,
        "queue": args.queue,
        "account": args.account,
        "max-array-size": args.max_array_size,
    }


def _options(
    settings: Settings, backend_key: str, script: str, args: argparse.Namespace
) -> api.JobOptions:
    hpc = settings.config.hpc
    slurm = backend_key == "slurm"
    return api.JobOptions(
        walltime=hpc.default_walltime,
        resources=hpc.default_resources,
        python_path=hpc.python_interpreter,
        script_path=script,
        project_dir=Path.cwd(),
        queue=hpc.slurm.partition if slurm else hpc.pbs.queue,
        account=hpc.slurm.account if slurm else hpc.pbs.account,
        setup=hpc.setup,
        max_array_size=hpc.max_array_size,
        throttle=args.throttle,
        dependencies=tuple(args.after),
    )


def _source_label(source: str, leaf: str) -> str:
    kind, _, name = source.partition(":")
    return {
        "flag": f"option {name}",
        "env": f"environment variable {name}",
        "file": f"{name} ({leaf})",
    }.get(kind, leaf)


def check_settings(settings: Settings) -> Result[None, HSMFailure]:
    """Check what lands in scripts for any scheduler, naming where each value came from.

    The local backend ignores resources and queues, but a value no scheduler could take
    (or one that tries to inject a directive) is refused everywhere.
    """
    from hsm.pure.jobspec import check_directive_value
    from hsm.pure.resources import parse_resources
    from hsm.pure.walltime import parse_walltime

    hpc = settings.config.hpc
    sources = settings.resolved.sources
    checks: list[tuple[str, Result[Any, ConfigError]]] = [
        ("hpc.default_walltime", parse_walltime(hpc.default_walltime)),
        ("hpc.default_resources", parse_resources(hpc.default_resources)),
    ]
    for leaf, value in (
        ("hpc.slurm.partition", hpc.slurm.partition),
        ("hpc.slurm.account", hpc.slurm.account),
        ("hpc.pbs.queue", hpc.pbs.queue),
        ("hpc.pbs.account", hpc.pbs.account),
    ):
        if value is not None:
            checks.append((leaf, check_directive_value(leaf.rsplit(".", 1)[1], value)))
    for leaf, checked in checks:
        if isinstance(checked, Failure):
            label = _source_label(sources.get(leaf, "default"), leaf)
            return Failure(ConfigError(f"{label}: {checked.failure().message}"))
    return Success(None)


def gather(args: argparse.Namespace, console: Console) -> Result[Inputs, HSMFailure]:
    """Read and check every input of ``sweep run`` / ``sweep render``; touch nothing."""
    flags = _flags(args)
    if "error" in flags:
        return Failure(ConfigError(str(flags["error"])))
    loaded = _sweep_file(args.config)
    if isinstance(loaded, Failure):
        return Failure(loaded.failure())
    spec_file, source = loaded.unwrap()
    axes = parse_shorthand(args.overrides)
    if isinstance(axes, Failure):
        return Failure(axes.failure())
    spec = parse_sweep_spec(merge_shorthand(spec_file.sweep, axes.unwrap()))
    if isinstance(spec, Failure):
        where = f"{source}: " if source is not None else ""
        return Failure(ConfigError(where + spec.failure().message, spec.failure().path))
    extra = (
        [] if source is None or spec_file.hpc is None else [(str(source), {"hpc": spec_file.hpc})]
    )
    settings = load_settings(args, flags, extra, console)
    if isinstance(settings, Failure):
        return Failure(settings.failure())
    valid = check_settings(settings.unwrap())
    if isinstance(valid, Failure):
        return Failure(valid.failure())
    script = _script(args, spec_file, source)
    if isinstance(script, Failure):
        return Failure(script.failure())
    sweep_id = args.sweep_id or _default_id(script.unwrap())
    checked = check_sweep_id(sweep_id)
    if isinstance(checked, Failure):
        return Failure(checked.failure())
    sweep_dir = _check_dir(Path(args.sweep_dir) if args.sweep_dir else DEFAULT_SWEEPS / sweep_id)
    if isinstance(sweep_dir, Failure):
        return Failure(sweep_dir.failure())
    backend = choose_backend(settings.unwrap())
    if isinstance(backend, Failure):
        return Failure(backend.failure())
    console.detail(f"scheduler: {backend.unwrap().key}")
    options = _options(
        settings.unwrap(),
        backend.unwrap().key,
        _script_text(script.unwrap(), Path.cwd().resolve()),
        args,
    )
    mode = "individual" if args.mode == "individual" else "array"
    return Success(
        Inputs(
            settings.unwrap(),
            options,
            expand_sweep(spec.unwrap()),
            mode,
            sweep_id,
            sweep_dir.unwrap(),
            backend.unwrap(),
        )
    )
