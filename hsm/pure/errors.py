"""The closed set of failure values hsm returns.

Every failure is a frozen value carrying a message a user can act on.  The pure core
and the effects layer return them inside ``Result``/``IOResult``; the facade
(:mod:`hsm.hpc`) raises them as :class:`hsm.hpc.HSMError` subclasses and the CLI turns
them into one line on stderr and an exit code.  Nothing here is an ``Exception``: an
error is data until the very edge.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HSMFailure:
    """Base of every failure value: ``message`` says what is wrong and how to fix it."""

    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class ConfigError(HSMFailure):
    """A user input (sweep file, config file, flag, environment) is wrong.

    ``path`` names where, in ``$.hpc.default_walltime`` style, when known.
    """

    path: str = ""

    def __str__(self) -> str:
        return f"{self.message} @ {self.path}" if self.path else self.message


@dataclass(frozen=True, slots=True)
class ParseError(HSMFailure):
    """Scheduler output could not be read; ``line`` quotes the offending text."""

    line: str = ""

    def __str__(self) -> str:
        return f"{self.message}: {self.line!r}" if self.line else self.message


@dataclass(frozen=True, slots=True)
class CommandError(HSMFailure):
    """Running a scheduler command failed.

    ``transient`` is true when trying again later may work (controller timeouts,
    munge errors, a command timeout); false when the scheduler refused for good.
    """

    argv: tuple[str, ...] = ()
    returncode: int | None = None
    stderr: str = ""
    transient: bool = False


@dataclass(frozen=True, slots=True)
class SubmissionError(HSMFailure):
    """The scheduler refused a job; ``scheduler_message`` is its own words, ``hint`` what to do.

    ``no_room``: the refusal was a submit limit (as many jobs queued as allowed): the job
    can go in once others leave the queue, so a sweep waits rather than fails.
    """

    scheduler_message: str = ""
    hint: str = ""
    no_room: bool = False

    def __str__(self) -> str:
        parts = [self.message]
        if self.scheduler_message:
            parts.append(f"scheduler said: {self.scheduler_message.strip()}")
        if self.hint:
            parts.append(f"hint: {self.hint}")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class StateError(HSMFailure):
    """The sweep directory (manifest, journal, rendered files) is missing or inconsistent."""

    path: str = ""
