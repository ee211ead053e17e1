"""What ``hsm`` prints and the exit code it returns: the one place that does either.

Strategy: a command returns an ``IOResult`` holding a :class:`Reply` or a failure value.
This module is the only one in the CLI that steps out of a ``returns`` container, and it
does so through the library's public API (``is_successful``, ``unwrap`` / ``failure``
and ``unsafe_perform_io``): in :func:`report`, which prints a reply as text or JSON or
turns a failure into one ``hsm: error:`` line (plus a ``hint:``) and an exit code from
:mod:`hsm.cli.exits`; in :func:`repeat`, the polling loop of ``--watch`` and ``--wait``;
and in :func:`settled`, the detached feeder's last line.  A Ctrl-C, a closed pipe and a
bug become text and an exit code here too, so no user mistake ever shows a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from returns.io import IOResult
from returns.pipeline import is_successful
from returns.unsafe import unsafe_perform_io

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
    the command already printed everything (a ``--watch`` loop); ``problems`` are lines
    for stderr (also with ``--json``), such as the ids a cancel could not reach.
    """

    text: str
    data: Any
    code: int = 0
    shown: bool = False
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Console:
    """How to talk to the user: the flags ``-q``, ``-v``, ``--json``, ``--debug``, and colour.

    Side output goes to stderr: notes (hidden by ``-q``), details (shown by ``-v``),
    warnings (once per distinct text).
    """

    quiet: bool = False
    verbose: bool = False
    colour: bool = False
    json: bool = False
    debug: bool = False
    warned: set[str] = field(default_factory=set)

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
    for line in reply.problems:
        sys.stderr.write(f"hsm: {line}\n")
    if reply.shown:
        return
    if as_json:
        sys.stdout.write(json.dumps(reply.data, indent=2, ensure_ascii=False) + "\n")
    elif reply.text:
        sys.stdout.write(reply.text.rstrip("\n") + "\n")
    sys.stdout.flush()


def frame(text: str, data: Any, console: Console) -> None:
    """One refresh of ``--watch``: a JSON line, or the text under a time stamp."""
    if console.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        clear = "\x1b[H\x1b[2J" if sys.stdout.isatty() else "\n"
        sys.stdout.write(f"{clear}[{time.strftime('%H:%M:%S')}] {text}\n")
    sys.stdout.flush()


T = TypeVar("T")


def repeat(
    step: Callable[[], IOResult[T | None, HSMFailure]], interval: float
) -> IOResult[T, HSMFailure]:
    """Run ``step`` every ``interval`` seconds until it returns a value or fails."""
    while True:
        polled = step()
        if not is_successful(polled):
            return IOResult.from_failure(unsafe_perform_io(polled.failure()))
        value = unsafe_perform_io(polled.unwrap())
        if value is not None:
            return IOResult.from_value(value)
        time.sleep(interval)


def settled(outcome: IOResult[str, str]) -> tuple[bool, str]:
    """A finished program's outcome out of its container: whether it succeeded, and the
    line it ends with either way (the detached feeder's, :mod:`hsm.cli.feeder_main`)."""
    if is_successful(outcome):
        return True, unsafe_perform_io(outcome.unwrap())
    return False, unsafe_perform_io(outcome.failure())


#: What an interrupt leaves behind and how to go on; commands update it as they progress.
_ON_INTERRUPT: ContextVar[str] = ContextVar(
    "on_interrupt", default="submitted jobs keep running (hsm monitor / hsm cancel)"
)


def on_interrupt(text: str) -> None:
    """Say what Ctrl-C from now on leaves behind, and the command that goes on from there."""
    _ON_INTERRUPT.set(text)


class _Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP: unwinds like Ctrl-C (locks released, the journal as it stands)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, _frame: object) -> None:
    raise _Stopped(signum)


#: Signals a batch system, ``timeout`` or a closed terminal send to stop a command.
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def report(command: Callable[[], IOResult[Reply, HSMFailure]], console: Console) -> int:
    """Run ``command``, print what it returns, and return the exit code.

    SIGTERM and SIGHUP stop it as Ctrl-C does, saying what keeps running and how to go
    on, with exit code 128 + the signal's number."""
    main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, _stop) for s in _STOP_SIGNALS} if main else {}
    try:
        return _report(command, console)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _report(command: Callable[[], IOResult[Reply, HSMFailure]], console: Console) -> int:
    try:
        outcome = command()
        if not is_successful(outcome):
            failure = unsafe_perform_io(outcome.failure())
            sys.stderr.write(error_text(failure))
            return exit_code(failure)
        reply = unsafe_perform_io(outcome.unwrap())
        show(reply, console.json)
        return reply.code
    except _Stopped as stopped:
        name = signal.Signals(stopped.signum).name
        sys.stderr.write(f"\nhsm: stopped by {name}; {_ON_INTERRUPT.get()}\n")
        return 128 + stopped.signum
    except KeyboardInterrupt:
        sys.stderr.write(f"\nhsm: interrupted; {_ON_INTERRUPT.get()}\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as error:  # a bug, not a user mistake: say so, briefly
        if console.debug:
            raise
        sys.stderr.write(
            f"hsm: internal error: {type(error).__name__}: {error}\n"
            "hint: run again with --debug for the traceback, and report it\n"
        )
        return EXIT_INTERNAL
