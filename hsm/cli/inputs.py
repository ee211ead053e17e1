"""Everything a command needs, gathered and checked once into a frozen request.

Strategy: flags, ``HSM_HPC_*`` variables, the config file and what is on disk are read
here (a new sweep's own inputs in :mod:`hsm.cli.sweep_inputs`), and every setting is
checked here -- once, naming the flag, variable or file a bad value came from -- before
a command writes or submits anything.  Each gatherer returns one record of
:mod:`hsm.cli.requests` (in a ``Result``/``IOResult``), built by a short ``bind`` chain of
named steps in the order a user would fix the mistakes; the command modules take that
record and never look at flags again.

Where each value is checked (each in one place):

- the form of a flag (a number, a choice): :mod:`hsm.cli.parser`;
- ``--hsm-config``, the config file's YAML, and every ``hpc`` setting's type whether it
  comes from a flag, a variable or a file: :func:`settings` (through
  :func:`hsm.pure.config_layers.resolve_config`);
- walltime, resources, partition, queue and account: :func:`check_settings`, which
  runs :func:`hsm.pure.job_settings.check_job_values` (the check the API runs when it
  plans a sweep) early and only adds where a bad value came from; setup lines, throttle,
  dependencies and extra lines are checked by the same function when the sweep is
  planned (:func:`hsm.api.sweep_settings`), once the scheduler is known;
- a new sweep's file, command-line axes, script, id and directory, and ``--mode local``
  against ``--system``: :mod:`hsm.cli.sweep_inputs`;
- ``--sweep-id`` / ``--sweep-dir`` of an existing sweep: :func:`sweep_dir_of`;
- job ids given to ``cancel``: :func:`cancel_request`;
- the reading commands' flags (``monitor``, ``results``, ``logs``, ``sweep list``):
  :mod:`hsm.cli.read_inputs`.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from returns.io import IOResult
from returns.pipeline import flow
from returns.pointfree import bind, map_
from returns.result import Failure, Result, Success

from hsm import api
from hsm.cli.output import Console
from hsm.cli.requests import (
    CancelRequest,
    JobsRef,
    QueueRequest,
    Settings,
    SubmitRequest,
    SweepRef,
)
from hsm.effects.backend import Backend
from hsm.pure import layout
from hsm.pure.config import Config, config_sections, section_settings
from hsm.pure.config_layers import ResolvedConfig, env_warnings, resolve_config
from hsm.pure.errors import ConfigError, HSMFailure
from hsm.pure.job_settings import JobValues, SettingError, check_job_values
from hsm.pure.plan import check_sweep_id

#: Where ``hsm`` looks for its config file, first found wins (after ``--hsm-config``).
CONFIG_CANDIDATES = ("hsm_config.yaml", ".hsm/config.yaml")
#: Where sweeps named only by ``--sweep-id`` live.
DEFAULT_SWEEPS = Path(layout.SWEEPS_ROOT)

# -- console --------------------------------------------------------------------------------


def console(args: argparse.Namespace) -> Console:
    """The console an invocation asked for (``-q``, ``-v``, ``--json``, ``NO_COLOR``)."""
    as_json = bool(getattr(args, "json", False))
    return Console(
        quiet=bool(getattr(args, "quiet", False)),
        verbose=bool(getattr(args, "verbose", False)),
        colour=sys.stdout.isatty() and "NO_COLOR" not in os.environ and not as_json,
        json=as_json,
        debug=bool(getattr(args, "debug", False)),
    )


# -- configuration --------------------------------------------------------------------------


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


def load_yaml(what: str, path: Path) -> Result[Any, HSMFailure]:
    """Read a YAML file (scalars typed as on the command line, see :mod:`hsm.pure.yaml12`);
    any problem is a one-line ConfigError."""
    from hsm.pure.yaml12 import load_yaml as parse_yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        return Failure(ConfigError(f"cannot read {what} {path}: {reason}"))
    return parse_yaml(text, f"{what} {path}")


Layer = tuple[str, Mapping[str, Any] | None]


def _file_layers(path: Path | None) -> Result[list[Layer], HSMFailure]:
    if path is None:
        return Success([])
    return load_yaml("config file", path).map(partial(_one_layer, str(path)))


def _one_layer(name: str, data: Mapping[str, Any] | None) -> list[Layer]:
    return [(name, data)]


def settings(
    args: argparse.Namespace,
    flags: Mapping[str, Any],
    extra: Sequence[Layer] = (),
    warn: Console | None = None,
) -> Result[Settings, HSMFailure]:
    """Resolve flag > environment > files (config file, then ``extra``) > defaults.

    ``warn`` (when given) is told about ``HSM_HPC_*`` variables hsm does not know.
    """
    return flow(
        config_file(getattr(args, "hsm_config", None)),
        bind(_file_layers),
        bind(partial(_resolve, flags, extra, warn)),
    )


def _resolve(
    flags: Mapping[str, Any], extra: Sequence[Layer], warn: Console | None, files: list[Layer]
) -> Result[Settings, HSMFailure]:
    layers = [*files, *extra]
    if warn is not None:
        for warning in env_warnings(os.environ):
            warn.warn(warning)
    return flow(
        resolve_config(Config(), layers, os.environ, flags),
        map_(partial(_settings_from, tuple(name for name, _ in layers))),
    )


def _settings_from(files: tuple[str, ...], resolved: ResolvedConfig) -> Settings:
    return Settings(resolved, files)


def check_settings(settings: Settings) -> Result[Settings, HSMFailure]:
    """Check what lands in scripts for any scheduler, naming where each value came from.

    The checks are :func:`hsm.pure.job_settings.check_job_values`'s (the same the API
    runs when it plans a sweep): the walltime and resources, then every config section's
    queue and account.  The scheduler is not chosen yet, so a value no scheduler could
    take (or one that tries to inject a directive) is refused everywhere, even where the
    local backend would ignore it.
    """
    hpc = settings.config.hpc
    checks: list[tuple[JobValues, Mapping[str, str]]] = [
        (
            JobValues(walltime=hpc.default_walltime, resources=hpc.default_resources),
            {"walltime": "hpc.default_walltime", "resources": "hpc.default_resources"},
        )
    ]
    for section in config_sections():
        queue, account = section_settings(hpc, section)
        checks.append(
            (
                JobValues(queue=queue, account=account, queue_name=section.queue_key),
                {
                    "queue": f"hpc.{section.name}.{section.queue_key}",
                    "account": f"hpc.{section.name}.account",
                },
            )
        )
    checked: Result[Settings, HSMFailure] = Success(settings)
    for values, leaves in checks:
        checked = checked.bind(partial(_checked_values, values, leaves))
    return checked


def _checked_values(
    values: JobValues, leaves: Mapping[str, str], settings: Settings
) -> Result[Settings, HSMFailure]:
    """``settings`` if ``values`` pass, else the error naming where the bad one came from."""
    return (
        check_job_values(values)
        .map(partial(_same, settings))
        .alt(partial(_named, settings, leaves))
    )


def _same(settings: Settings, _: object) -> Settings:
    return settings


def _named(settings: Settings, leaves: Mapping[str, str], bad: SettingError) -> HSMFailure:
    leaf = leaves[bad.field]
    return _naming_source(settings.resolved.sources.get(leaf), leaf, bad.error)


def _naming_source(source: str | None, leaf: str, error: ConfigError) -> HSMFailure:
    kind, _, name = (source or "default").partition(":")
    label = {
        "flag": f"option {name}",
        "env": f"environment variable {name}",
        "file": f"{name} ({leaf})",
    }.get(kind, leaf)
    return ConfigError(f"{label}: {error.message}")


def backend(settings: Settings) -> IOResult[Backend, HSMFailure]:
    """The configured (or detected) backend."""
    hpc = settings.config.hpc
    return api.detect_backend(hpc.system, max_array_size=hpc.max_array_size)


def _backend_of(warn: Console | None, args: argparse.Namespace) -> IOResult[Backend, HSMFailure]:
    """The backend ``--system`` (else the config, else detection) names."""
    return IOResult.from_result(settings(args, {"system": args.system}, warn=warn)).bind(backend)


# -- existing sweeps ------------------------------------------------------------------------


def sweep_dir_of(args: argparse.Namespace) -> Result[Path, HSMFailure]:
    """``--sweep-dir``, else ``sweeps/<--sweep-id>``; one of them is required."""
    if getattr(args, "sweep_dir", None):
        return Success(Path(args.sweep_dir))
    sweep_id = getattr(args, "sweep_id", None)
    if not sweep_id:
        return Failure(ConfigError("name the sweep: --sweep-id ID (or --sweep-dir DIR)"))
    return check_sweep_id(sweep_id).map(DEFAULT_SWEEPS.joinpath)


def sweep_ref(sweep_dir: Path) -> IOResult[SweepRef, HSMFailure]:
    """An existing sweep, with the backend its manifest names."""
    return api.backend_for_sweep(sweep_dir).map(partial(SweepRef, sweep_dir))


def _existing(args: argparse.Namespace) -> IOResult[SweepRef, HSMFailure]:
    return IOResult.from_result(sweep_dir_of(args)).bind(sweep_ref)


def submit_request(args: argparse.Namespace) -> IOResult[SubmitRequest, HSMFailure]:
    """``sweep submit DIR``: a rendered sweep."""
    return sweep_ref(Path(args.sweep_dir)).map(
        partial(SubmitRequest, wait=interval(args.wait, args))
    )


def resubmit_request(args: argparse.Namespace) -> IOResult[SubmitRequest, HSMFailure]:
    """``sweep resubmit --sweep-id ID``: a sweep whose failed tasks go in again."""
    return _existing(args).map(
        partial(
            SubmitRequest,
            wait=interval(args.wait, args),
            walltime=args.walltime,
            resources=args.resources,
        )
    )


def interval(flag: bool, args: argparse.Namespace) -> float | None:
    """``--poll-interval`` if ``flag`` (``--wait`` or ``--watch``) was given, else None."""
    return float(args.poll_interval) if flag else None


def queue_request(args: argparse.Namespace, warn: Console) -> IOResult[QueueRequest, HSMFailure]:
    """``queue``: the user's jobs on the configured (or detected) backend."""
    return _backend_of(warn, args).map(partial(_queue_request, interval(args.watch, args)))


def _queue_request(watch: float | None, backend: Backend) -> QueueRequest:
    return QueueRequest(backend, getpass.getuser(), watch)


def cancel_request(args: argparse.Namespace) -> IOResult[CancelRequest, HSMFailure]:
    """``cancel --sweep-id ID`` or ``cancel JOBID...`` (exactly one of them)."""
    by_sweep = bool(args.sweep_id or args.sweep_dir)
    if by_sweep == bool(args.job_ids):
        return IOResult.from_failure(
            ConfigError(
                "give either --sweep-id ID (or --sweep-dir DIR) or job ids, not both or neither"
            )
        )
    if by_sweep:
        return _existing(args)
    return _backend_of(None, args).bind(partial(_jobs_ref, tuple(args.job_ids)))


def _jobs_ref(job_ids: tuple[str, ...], backend: Backend) -> IOResult[JobsRef, HSMFailure]:
    """The ids, once each has the form of the chosen scheduler's job ids."""
    from hsm.pure.schedulers import SCHEDULERS
    from hsm.pure.schedulers.base import check_job_ids

    checked = check_job_ids(SCHEDULERS[backend.key], job_ids)
    return IOResult.from_result(checked.map(partial(JobsRef, backend)).alt(_as_failure))


def _as_failure(error: ConfigError) -> HSMFailure:
    return error


def config_request(args: argparse.Namespace, warn: Console) -> Result[Settings, HSMFailure]:
    """``config show``: the settings as resolved, unchecked beyond their types."""
    return settings(args, {}, warn=warn)
