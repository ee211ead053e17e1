"""Ask the scheduler how many jobs the user may queue, and how many they have.

Strategy: the scheduler's record names the argvs (``submit_limits_argvs``,
``queued_argv``) and parses their output; this module only runs them.  Reading the
limits costs a few calls and is done when a sweep is submitted or a feeder starts; a
feeder's poll only counts the queue (one call).  A command that fails states nothing
(its problem is kept, to show in ``hsm limits``): hsm then knows no limit and submits
as it always has, a refusal for a limit still being "no room yet".
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass

from returns.io import IOFailure, IOResult, IOSuccess
from returns.result import Failure, Success

from hsm.effects.backend import Backend
from hsm.effects.scheduler_backend import SchedulerBackend
from hsm.pure.errors import CommandError
from hsm.pure.schedulers.base import Limit, max_queued


def current_user() -> str:
    """The user the scheduler sees (the effective uid's name, not ``$USER``)."""
    return pwd.getpwuid(os.geteuid()).pw_name


@dataclass(frozen=True, slots=True)
class FoundLimits:
    """The user's submit limits as hsm found them.

    Attributes:
        limits: what the scheduler states (binding or not), with where from.
        configured: ``hpc.max_queued`` (None: not set).
        problems: the commands that could not be asked, with why.
    """

    limits: tuple[Limit, ...] = ()
    configured: int | None = None
    problems: tuple[str, ...] = ()

    @property
    def max_queued(self) -> int | None:
        """The strictest binding limit, ``hpc.max_queued`` included (None: no limit known)."""
        values = [v for v in (max_queued(self.limits), self.configured) if v is not None]
        return min(values, default=None)


def read_limits(backend: Backend, user: str, configured: int | None = None) -> FoundLimits:
    """Every submit limit the scheduler states for ``user``, plus ``configured``."""
    if not isinstance(backend, SchedulerBackend):
        return FoundLimits((), configured)
    commands = backend.commands
    texts: list[str] = []
    problems: list[str] = []
    for argv in commands.submit_limits_argvs(user):
        done = backend.run_command(argv)
        if isinstance(done, Success):
            texts.append(done.unwrap())
        else:
            texts.append("")
            problems.append(f"{' '.join(argv)}: {done.failure().message}")
    return FoundLimits(commands.parse_submit_limits(texts, user), configured, tuple(problems))


def queued_count(backend: Backend, user: str) -> IOResult[int, CommandError]:
    """How many jobs ``user`` has queued or running (every array task counted): one call.
    0 when the backend cannot list them (the local backend has no limit)."""
    if not isinstance(backend, SchedulerBackend) or backend.commands.queued_argv is None:
        return IOSuccess(0)
    done = backend.run_command(backend.commands.queued_argv(user))
    if isinstance(done, Failure):
        return IOFailure(done.failure())
    return IOSuccess(backend.commands.parse_queued(done.unwrap()))


def can_count(backend: Backend) -> bool:
    """Whether the backend can count the user's queued jobs (a feeder needs it)."""
    return isinstance(backend, SchedulerBackend) and backend.commands.queued_argv is not None
