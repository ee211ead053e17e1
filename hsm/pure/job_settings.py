"""The settings that land in job scripts, and the one check of each.

Strategy: every rule about a value a user gives for a script -- walltime, resources,
queue/partition and account, setup lines, throttle, dependencies, extra directive
lines -- lives in :func:`check_job_values` and nowhere else; each value is read by
exactly one function (:func:`hsm.pure.walltime.parse_walltime`,
:func:`hsm.pure.resources.parse_resources` or :func:`~hsm.pure.resources.resource_directives`,
:func:`hsm.pure.jobspec.check_directive_value`, :func:`hsm.pure.jobspec.parse_dependency`,
:func:`hsm.pure.resources.extra_directives`).  A failure is a :class:`SettingError`: the
field's stable name (one of :data:`FIELDS`) and the :class:`ConfigError` the user sees,
its message the same whoever asked.  Callers add only where the value came from:

- :func:`hsm.api.sweep_settings` (every sweep planned through the API, the CLI, the
  facade and the Hydra launcher), with the scheduler known;
- :func:`hsm.api.resubmit` (``--walltime`` of a resubmission, named as that option);
- :func:`hsm.cli.inputs.check_settings`, before the scheduler is chosen (walltime,
  resources, every config section's queue and account), naming the flag, variable or
  file each came from;
- :func:`hsm.pure.render.render_script`, for a spec's queue, account and setup lines and
  the queue or account a resource string names.

Rules that depend on what a scheduler can do with a valid value (dependency kinds,
``--throttle`` on the local backend, the array limit) are the planner's
(:func:`hsm.pure.plan.plan_jobs`).
"""

from __future__ import annotations

from dataclasses import dataclass

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.jobspec import Dependency, check_directive_value, parse_dependency
from hsm.pure.resources import extra_directives, parse_resources, resource_directives
from hsm.pure.schedulers import scheduler_for
from hsm.pure.walltime import parse_walltime

__all__ = [
    "FIELDS",
    "CheckedValues",
    "JobValues",
    "SettingError",
    "check_job_values",
    "checked_extra",
]

#: The stable names a :class:`SettingError` gives the failing field, in checking order.
FIELDS = (
    "scheduler",
    "walltime",
    "resources",
    "queue",
    "account",
    "setup",
    "throttle",
    "dependencies",
    "extra",
)


@dataclass(frozen=True, slots=True)
class JobValues:
    """Values as the user wrote them; None (or empty) leaves a field unchecked.

    Attributes:
        walltime: any form :func:`hsm.pure.walltime.parse_walltime` reads.
        resources: a resource string in any scheduler's dialect.
        queue / account: partition-or-queue and account, as they go on a directive line.
        setup: shell lines run before the program; each must be one line.
        throttle: at most this many tasks of an array run at once.
        dependencies: ``afterok:123`` style texts.
        extra: escape-hatch directive lines (checked only when the scheduler is known).
        queue_name: what messages call the queue (a Slurm config section's ``partition``).
    """

    walltime: str | None = None
    resources: str | None = None
    queue: str | None = None
    account: str | None = None
    setup: tuple[str, ...] = ()
    throttle: int | None = None
    dependencies: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    queue_name: str = "queue"


@dataclass(frozen=True, slots=True)
class CheckedValues:
    """What the checks read: the walltime in seconds (None if not given), the dependencies."""

    walltime_seconds: int | None = None
    dependencies: tuple[Dependency, ...] = ()


@dataclass(frozen=True, slots=True)
class SettingError:
    """The failing field's stable name (one of :data:`FIELDS`) and what is wrong with it."""

    field: str
    error: ConfigError


def _bad(field: str, error: ConfigError) -> Failure[SettingError]:
    return Failure(SettingError(field, error))


def check_job_values(
    values: JobValues, scheduler: str | None = None
) -> Result[CheckedValues, SettingError]:
    """Check every value given, in :data:`FIELDS` order, and stop at the first bad one.

    With ``scheduler`` (a registry key) resources must translate for it and extra lines
    must suit it; without, resources must be readable by some scheduler and extra lines
    are left for when the scheduler is known.

    >>> check_job_values(JobValues(walltime="90", dependencies=("7",))).unwrap()
    CheckedValues(walltime_seconds=5400, dependencies=(Dependency(kind='afterok', job_ids=('7',)),))
    >>> bad = check_job_values(JobValues(queue="a b", queue_name="partition")).failure()
    >>> bad.field, bad.error.message
    ('queue', "partition 'a b' contains whitespace; choose a path without spaces")
    """
    if scheduler is not None:
        found = scheduler_for(scheduler)
        if isinstance(found, Failure):
            return _bad("scheduler", found.failure())
    walltime: int | None = None
    if values.walltime is not None:
        parsed = parse_walltime(values.walltime)
        if isinstance(parsed, Failure):
            return _bad("walltime", parsed.failure())
        walltime = parsed.unwrap()
    if values.resources is not None:
        read = _resources(values.resources, scheduler)
        if isinstance(read, Failure):
            return _bad("resources", read.failure())
    for field, what, value in (
        ("queue", values.queue_name, values.queue),
        ("account", "account", values.account),
    ):
        if value is not None:
            checked = check_directive_value(what, value)
            if isinstance(checked, Failure):
                return _bad(field, checked.failure())
    for line in values.setup:
        if "\n" in line or "\r" in line or "\x00" in line:
            return _bad("setup", ConfigError(f"setup line {line!r} must be a single line"))
    if values.throttle is not None and values.throttle < 1:
        return _bad("throttle", ConfigError(f"throttle must be at least 1, got {values.throttle}"))
    dependencies: list[Dependency] = []
    for text in values.dependencies:
        dependency = parse_dependency(text)
        if isinstance(dependency, Failure):
            return _bad("dependencies", dependency.failure())
        dependencies.append(dependency.unwrap())
    if scheduler is not None and values.extra:
        extra = checked_extra(values.extra, scheduler)
        if isinstance(extra, Failure):
            return _bad("extra", extra.failure())
    return Success(CheckedValues(walltime, tuple(dependencies)))


def _resources(text: str, scheduler: str | None) -> Result[object, ConfigError]:
    """Readable by some scheduler; with ``scheduler``, translatable for it too."""
    if scheduler is None:
        return parse_resources(text).map(_nothing)
    return resource_directives(text, scheduler).map(_nothing)


def checked_extra(lines: tuple[str, ...], scheduler: str) -> Result[tuple[str, ...], ConfigError]:
    """Extra directive lines as written for ``scheduler`` (none for one without
    directives), errors naming its config section's list (``$.hpc.slurm.extra[0]``)."""
    found = scheduler_for(scheduler)
    if isinstance(found, Failure):
        return Failure(found.failure())
    section = found.unwrap().config_section
    path = f"$.hpc.{section.name}.extra" if section else ""
    return extra_directives(lines, scheduler, path=path)


def _nothing(_: object) -> None:
    return None
