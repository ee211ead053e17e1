"""From a Hydra multirun's job overrides to hsm tasks: arguments, parameters, sweep id.

Strategy: each Hydra job becomes one hsm task that runs the app itself, in run mode,
with the job's overrides and the multirun's Hydra settings, plus what makes its output
land where the multirun would have put it: the multirun's ``hydra.sweep.dir`` (already
resolved, so every task shares one folder however late it starts), the job's number,
and ``hydra.run.dir=${hydra.sweep.dir}/${hydra.sweep.subdir}`` -- so the task's own Hydra
resolves the subdir (``${hydra.job.num}`` or ``${hydra.job.override_dirname}``...) as the
basic launcher would.  Nothing here touches a file or a process.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from hsm.pure.overrides import render_value

SWEEP_DIR = "hydra.sweep.dir"
#: Where a task's Hydra writes its run: the multirun's folder for this job.
RUN_DIR = "hydra.run.dir=${hydra.sweep.dir}/${hydra.sweep.subdir}"
#: Each task runs the app once (in run mode), whatever the app's config says.
RUN_MODE = "hydra.mode=RUN"
#: Hydra overrides of the multirun that mean nothing to a task (the launcher, the
#: sweeper, the mode) or that the launcher sets itself (the sweep folder).
_NOT_FOR_TASKS = ("hydra/launcher", "hydra.launcher.", "hydra/sweeper", "hydra.sweeper.",
                  "hydra.mode", "hydra.sweep.dir", "hydra.job.num", "hydra.job.id",
                  "hydra.run.dir")  # fmt: skip
#: Launcher settings that say how the sweep is watched, not what it submits: changing
#: them must not name another sweep.
WATCH_SETTINGS = frozenset({"wait", "poll_interval", "check", "cancel_on_interrupt"})


def task_hydra_overrides(multirun_hydra_overrides: Sequence[str]) -> tuple[str, ...]:
    """The multirun's own ``hydra...`` overrides that every task keeps.

    >>> task_hydra_overrides(["hydra/launcher=hsm", "hydra.launcher.wait=true",
    ...                       "hydra.job.chdir=true", "hydra.sweep.dir=out"])
    ('hydra.job.chdir=true',)
    """
    return tuple(o for o in multirun_hydra_overrides if not _key(o).startswith(_NOT_FOR_TASKS))


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def task_argv(
    hydra_overrides: Sequence[str], job_overrides: Sequence[str], sweep_dir: str, number: int
) -> tuple[str, ...]:
    """Job ``number``'s arguments: the multirun's kept Hydra settings, the job's
    overrides as the sweeper wrote them, then where its output goes.

    >>> task_argv(["hydra.job.chdir=true"], ["lr=0.1"], "/w/multirun/d/t", 3)[1:]
    ('lr=0.1', 'hydra.sweep.dir=/w/multirun/d/t', 'hydra.job.num=3', 'hydra.job.id=3', \
'hydra.run.dir=${hydra.sweep.dir}/${hydra.sweep.subdir}', 'hydra.mode=RUN')
    """
    return (
        *hydra_overrides,
        *job_overrides,
        f"{SWEEP_DIR}={render_value(_literal(sweep_dir))}",
        f"hydra.job.num={number}",
        f"hydra.job.id={number}",
        RUN_DIR,
        RUN_MODE,
    )


def _literal(text: str) -> str:
    r"""``text`` escaped so OmegaConf reads no interpolation in it: each ``${`` gets a
    backslash, and the backslashes already before it are doubled.

    >>> print(_literal(r"/w/${x}/a\${y}"))
    /w/\${x}/a\\\${y}
    """
    return re.sub(r"(\\*)\$\{", lambda m: m.group(1) * 2 + "\\${", text)


def recorded_sweep_dir(argv: Sequence[str]) -> str | None:
    """The Hydra sweep folder a task was planned with (from its arguments), so a resumed
    multirun keeps writing where it started rather than into a new time-stamped folder.

    >>> recorded_sweep_dir(task_argv([], ["lr=0.1"], "/w/m/a b", 0))
    '/w/m/a b'
    """
    for arg in argv:
        if _key(arg) == SWEEP_DIR:
            (override,) = OverridesParser.create().parse_overrides([arg])
            # OmegaConf undoes what _literal escaped, as the task's Hydra does.
            return str(OmegaConf.create({"dir": override.value()}).dir)
    return None


def task_params(job_overrides: Sequence[str]) -> dict[str, Any]:
    """A job's parameters, typed as Hydra types them (what ``params.json``, ``hsm
    results`` and ``hsm monitor`` show); ``+seed`` is the parameter ``seed``.

    >>> task_params(["lr=1e-4", "model=mlp", "+seed=1", "db@pkg=x", "tags=[a,b]"])
    {'lr': 0.0001, 'model': 'mlp', 'seed': 1, 'db@pkg': 'x', 'tags': ['a', 'b']}
    """
    parsed = OverridesParser.create().parse_overrides(list(job_overrides))
    return {_key(o.input_line or ""): o.value() for o in parsed}


def sweep_inputs(
    *,
    cwd: str,
    script: str,
    config_name: str | None,
    hydra_overrides: Sequence[str],
    job_overrides: Sequence[Sequence[str]],
    initial_job_idx: int,
    sweep_folder: Mapping[str, Any],
    launcher: Mapping[str, Any],
) -> dict[str, Any]:
    """Everything that decides what a multirun submits, for its default sweep id
    (:func:`hsm.pure.sweep_id.default_sweep_id`).  ``sweep_folder`` is
    ``hydra.sweep`` *unresolved* (``multirun/${now:...}``): the same command run again
    later names the same sweep and resumes it."""
    return {
        "cwd": cwd,
        "script": script,
        "config_name": config_name,
        "hydra_overrides": list(hydra_overrides),
        "job_overrides": [list(o) for o in job_overrides],
        "initial_job_idx": initial_job_idx,
        "sweep_folder": dict(sweep_folder),
        "launcher": {k: v for k, v in launcher.items() if k not in WATCH_SETTINGS},
    }
