"""What ``hsm`` prints and the exit code it returns: the one place that does either.

Strategy: a command returns a ``Result`` holding a :class:`Reply` or a failure value.
:func:`report` is where that container is left (by pattern matching, the library's
public API): a reply is printed as text or JSON, a failure becomes one ``hsm: error:``
line (plus a ``hint:``) on stderr and an exit code from :mod:`hsm.cli.exits`.  A Ctrl-C,
a closed pipe and a bug are turned into text and an exit code here too, so no user
mistake ever shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from returns.result import Failure, Result, Success

from hsm.cli.exits import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SCHEDULER,
    EXIT_SWEEP_STATE,
    EXIT_USAGE,
)
from hsm.pure.cli_text import one_line
from hsm.pure.errors import (
    CommandError,
    ConfigError,
    HSMFailure,
    ParseError,
    StateError,
    SubmissionError,
)


@dataclass(frozen=True, slots=True)
class Reply:
    """What a successful command shows: ``text`` for people, ``data`` for ``--json``.

    ``code`` is the exit code (non-zero when ``--wait`` saw tasks fail); ``shown`` means
    the command already printed everything (a ``--watch`` loop).
    """

    text: str
    data: Any
    code: int = 0
    shown: bool = False


@dataclass(frozen=True, slots=True)
class Console:
    """Side output on stderr: notes (hidden by ``-q``), details (shown by ``-v``)."""

    quiet: bool = False
    verbose: bool = False
    colour: bool = False
    warned: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, args: argparse.Namespace) -> Console:
        """The console an invocation asked for."""
        colour = (
            sys.stdout.isatty()
            and "NO_COLOR" not in os.environ
            and not getattr(args, "json", False)
        )
        return cls(
            bool(getattr(args, "quiet", False)), bool(getattr(args, "verbose", False)), colour
        )

    def note(self, text: str) -> None:
        """Progress and hints (not with ``-q``)."""
        if not self.quiet:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()

    def detail(self, text: str) -> None:
        """What hsm decided and why (only with ``-v``)."""
        if self.verbose:
            sys.stderr.write(text + "\n")

    def warn(self, text: str) -> None:
        """A warning, once per distinct text."""
        if text not in self.warned:
            self.warned.add(text)
            sys.stderr.write(f"hsm: warning: {text}\n")


def exit_code(failure: HSMFailure) -> int:
    """The exit code for a failure value (see :data:`hsm.cli.exits.EXIT_CODES`)."""
    match failure:
        case ConfigError():
            return EXIT_USAGE
        case CommandError() | SubmissionError() | ParseError():
            return EXIT_SCHEDULER
        case StateError():
            return EXIT_SWEEP_STATE
        case _:
            return EXIT_INTERNAL


def error_text(failure: HSMFailure) -> str:
    """The ``hsm: error:`` line (and a ``hint:`` line when there is one) for a failure."""
    if isinstance(failure, SubmissionError):
        text = failure.message
        if failure.scheduler_message:
            text += f"; scheduler said: {failure.scheduler_message}"
        hint = f"\nhint: {one_line(failure.hint)}" if failure.hint else ""
        return f"hsm: error: {one_line(text)}{hint}\n"
    return f"hsm: error: {one_line(str(failure))}\n"


def show(reply: Reply, as_json: bool) -> None:
    """Print a reply on stdout (nothing if the command already printed it)."""
    if reply.shown:
        return
    if as_json:
        sys.stdout.write(json.dumps(reply.data, indent=2, ensure_ascii=False) + "\n")
    elif reply.text:
        sys.stdout.write(reply.text.rstrip("\n") + "\n")
    sys.stdout.flush()


def report(command: Callable[[], Result[Reply, HSMFailure]], *, as_json: bool, debug: bool) -> int:
    """Run ``command``, print what it returns, and return the exit code."""
    try:
        match command():
            case Success(reply):
                show(reply, as_json)
                return int(reply.code)
            case Failure(failure):
                sys.stderr.write(error_text(failure))
                return exit_code(failure)
            case other:  # pragma: no cover - a command returned something else: a bug
                raise TypeError(f"a command returned {other!r}, not a Result")
    except KeyboardInterrupt:
        sys.stderr.write(
            "\nhsm: interrupted; submitted jobs keep running (hsm monitor / hsm cancel)\n"
        )
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # a bug, not a user mistake: say so, briefly
        if debug:
            raise
        sys.stderr.write(
            f"hsm: internal error: {type(error).__name__}: {error}\n"
            "hint: run again with --debug for the traceback, and report it\n"
        )
        return EXIT_INTERNAL
