"""Render a :class:`~hsm.pure.jobspec.JobSpec` into a job script.

Strategy: one strict jinja2 Environment (``StrictUndefined``, ``keep_trailing_newline``,
no autoescape, ``trim_blocks``) with two shell-quoting filters; one template per
scheduler (in its folder, named by its record) plus a shared body.  The template context
is built from the spec and the scheduler's record alone -- walltime and resource
directives are computed here in the target's form -- so the same spec renders
byte-identical text anywhere: no clock, host, user or dict-order input.  Loading the
package's own templates is the one read the pure core is allowed.
"""

from __future__ import annotations

from functools import cache, lru_cache

import jinja2
from returns.result import Failure, Result, Success

from hsm.pure import layout
from hsm.pure.errors import ConfigError
from hsm.pure.job_settings import JobValues, check_job_values, checked_extra
from hsm.pure.jobspec import JobSpec, check_argv, check_directive_value
from hsm.pure.quoting import sh_arg, sh_word
from hsm.pure.resources import Directives, resource_directives
from hsm.pure.schedulers import scheduler_for


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        # Each scheduler folder holds its template; the shared body sits beside them.
        loader=jinja2.PackageLoader("hsm", "pure/schedulers"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 -- shell scripts, not HTML; values are shell-quoted
        # The templates ship in the package: read once, never looked at again (no stat of
        # each template file on every render).
        auto_reload=False,
    )
    env.filters["sh_arg"] = sh_arg
    env.filters["sh_word"] = sh_word
    return env


@lru_cache(maxsize=64)
def _resource_directives(resources: str, scheduler: str) -> Result[Directives, ConfigError]:
    """:func:`resource_directives`, once per resource string and scheduler: a sweep's
    scripts share one string, which need not be parsed again for each of them (the
    answer is an immutable value)."""
    return resource_directives(resources, scheduler)


def render_script(spec: JobSpec) -> Result[str, ConfigError]:
    """Render ``spec`` for its scheduler, or say which input is wrong.

    Every array index must be distinct, every argument free of NUL, and the job name and
    log path safe on a directive line; the settings that land in the script (setup lines,
    the queue and account it names, extra lines) pass
    :func:`hsm.pure.job_settings.check_job_values`'s rules.
    """
    found_scheduler = scheduler_for(spec.scheduler)
    if isinstance(found_scheduler, Failure):
        return found_scheduler
    scheduler = found_scheduler.unwrap()
    checked = _check_spec(spec)
    if isinstance(checked, Failure):
        return checked
    directives = _resource_directives(spec.resources, spec.scheduler)
    if isinstance(directives, Failure):
        return directives
    found = directives.unwrap()
    # A partition/queue or account written inside the resource string is the more
    # specific choice, so it wins over the config file's hpc.slurm/hpc.pbs values.
    queue = found.queue or spec.queue
    account = found.account or spec.account
    chosen = check_job_values(JobValues(queue=queue, account=account, setup=spec.setup))
    if isinstance(chosen, Failure):
        return Failure(chosen.failure().error)
    extra = checked_extra(spec.extra, spec.scheduler)
    if isinstance(extra, Failure):
        return extra
    text = (
        _environment()
        .get_template(scheduler.template)
        .render(
            spec=spec,
            walltime=scheduler.render_walltime(spec.walltime_seconds),
            directives=found.lines,
            extra=extra.unwrap(),
            queue=queue,
            account=account,
            array_flag=scheduler.array_flag,
            index_var=scheduler.index_var,
            launcher=scheduler.launcher(spec.walltime_seconds),
            sweep_dir=_sweep_dir_expression(spec.sweep_dir),
            tasks_dir=layout.TASKS,
        )
    )
    return Success(text)


def _sweep_dir_expression(sweep_dir: str | None) -> str | None:
    """The shell expression of the sweep directory at run time: a path relative to where
    the job runs is joined to ``$PWD`` there, so no machine's path is baked in.

    >>> _sweep_dir_expression("sweeps/lr"), _sweep_dir_expression("/data/my sweep")
    ('"$PWD"/sweeps/lr', "'/data/my sweep'")
    """
    if sweep_dir is None:
        return None
    return sh_word(sweep_dir) if sweep_dir.startswith("/") else f'"$PWD"/{sh_word(sweep_dir)}'


def _check_spec(spec: JobSpec) -> Result[None, ConfigError]:
    if not spec.tasks:
        return Failure(ConfigError(f"job '{spec.job_name}' has no tasks"))
    if not spec.is_array and len(spec.tasks) != 1:
        return Failure(ConfigError(f"job '{spec.job_name}' has several tasks but no array"))
    indices = [task.index for task in spec.tasks]
    if spec.is_array and (None in indices or len(set(indices)) != len(indices)):
        return Failure(ConfigError(f"array job '{spec.job_name}' has missing or repeated indices"))
    if spec.walltime_seconds < 1:
        return Failure(ConfigError(f"walltime must be positive, got {spec.walltime_seconds}s"))
    for what, value in (
        ("job name", spec.job_name),
        ("log path", spec.log_path),
    ):
        result = check_directive_value(what, value)
        if isinstance(result, Failure):
            return Failure(result.failure())
    for task in spec.tasks:
        argv = check_argv(task.argv)
        if isinstance(argv, Failure):
            return Failure(argv.failure())
    for what, value in (
        ("python interpreter", spec.python_path),
        ("script path", spec.script_path),
    ):
        if not value or "\x00" in value:
            return Failure(ConfigError(f"{what} {value!r} is empty or contains a NUL byte"))
    return Success(None)
