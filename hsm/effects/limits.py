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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from returns.io import IOResult, IOSuccess
from returns.result import Failure, Result

from hsm.effects.backend import Backend
from hsm.effects.scheduler_backend import SchedulerBackend
from hsm.pure.errors import CommandError, HSMFailure
from hsm.pure.schedulers.base import Commands, Limit, max_queued


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


def read_limits(
    backend: Backend, user: str, configured: int | None = None
) -> IOResult[FoundLimits, HSMFailure]:
    """Every submit limit the scheduler states for ``user``, plus ``configured``.

    Never fails: a command that cannot be asked adds its problem instead (see the module
    doc).  The commands run at the same time, each whatever the others say: Slurm's two
    ``sacctmgr`` calls wait on slurmdbd (about 0.35 s each on the CI cluster), and one
    wait is shorter than two on every submit."""
    if not isinstance(backend, SchedulerBackend):
        return IOSuccess(FoundLimits((), configured))
    commands = backend.commands
    argvs = commands.submit_limits_argvs(user)
    # Queries only: the worker threads start with a fresh context, so these commands do
    # not inherit the sweep lock's descriptors (hsm.effects.lock), which only a submit
    # needs.  Ctrl-C reaches this thread; the queries (in their own sessions) end first.
    with ThreadPoolExecutor(max_workers=max(1, len(argvs))) as pool:
        outputs = list(pool.map(backend.run_command, argvs))
    answers = _Answers()
    for argv, output in zip(argvs, outputs, strict=True):
        answers = _ask(answers, argv, output)
    return IOSuccess(_found(commands, user, configured, answers))


@dataclass(frozen=True, slots=True)
class _Answers:
    """The limit commands' outputs so far ("" for one that failed), and their problems."""

    texts: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def answered(self, text: str) -> _Answers:
        return _Answers((*self.texts, text), self.problems)

    def unanswered(self, argv: Sequence[str], error: CommandError) -> _Answers:
        return _Answers((*self.texts, ""), (*self.problems, f"{' '.join(argv)}: {error.message}"))


def _ask(answers: _Answers, argv: Sequence[str], output: Result[str, CommandError]) -> _Answers:
    """One limit command's answer; its failure is kept as a problem, never returned."""
    if isinstance(output, Failure):
        return answers.unanswered(argv, output.failure())
    return answers.answered(output.unwrap())


def _found(commands: Commands, user: str, configured: int | None, answers: _Answers) -> FoundLimits:
    limits = commands.parse_submit_limits(list(answers.texts), user)
    return FoundLimits(limits, configured, answers.problems)


def queued_count(backend: Backend, user: str) -> IOResult[int, CommandError]:
    """How many jobs ``user`` has queued or running (every array task counted): one call.
    0 when the backend cannot list them (the local backend has no limit)."""
    if not isinstance(backend, SchedulerBackend) or backend.commands.queued_argv is None:
        return IOSuccess(0)
    done = backend.run_command(backend.commands.queued_argv(user))
    return IOResult.from_result(done).map(backend.commands.parse_queued)


def can_count(backend: Backend) -> bool:
    """Whether the backend can count the user's queued jobs (a feeder needs it)."""
    return isinstance(backend, SchedulerBackend) and backend.commands.queued_argv is not None
