"""Run one argv and report what happened as a value.

Strategy: ``_execute`` is the only place a process starts.  The child always gets a new
session (its own process group) and stdin from /dev/null; we wait with a deadline and,
on timeout, SIGKILL the whole group so a hung wrapper's children (ssh, munge helpers, a
``sleep``) cannot linger holding our pipes.  ``_execute`` returns a plain
``CompletedCommand`` for *any* exit status and a ``CommandError`` only when the command
could not start or did not answer.  ``run`` turns a status outside ``ok_codes`` into a
failure.  ``run_classified`` asks a scheduler module's pure ``classify_failure`` what a
non-zero exit means and retries only transient failures, with bounded, jittered
exponential backoff.  ``sleep`` and ``rng`` are parameters so the retry loop is tested
instantly and deterministically.

The runner is the shell's innermost verb: only other effects call it (never the API), so
it answers a plain ``Result`` that they compose with ordinary control flow; the verbs
the API calls (a backend's, the probe's) answer ``IOResult``.
"""

from __future__ import annotations

import contextlib
import os
import random
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass

from returns.result import Failure, Result, Success

from hsm.effects.lock import held_lock_fds
from hsm.pure.errors import CommandError
from hsm.pure.schedulers.base import FailureKind

Cwd = str | os.PathLike[str] | None

_QUOTE_CHARS = 80  # a squeue over 10,000 ids must not flood the message
_TAIL_LINES = 5
_TAIL_LINE_CHARS = 300
_KEEP_STDERR_CHARS = 20_000  # CommandError.stderr keeps the end of a huge stderr
_REAP_SECONDS = 5.0  # after SIGKILL to the group, how long to wait for pipes to close


@dataclass(frozen=True, slots=True)
class CompletedCommand:
    """A command that ran to its end, whatever its exit status.

    Attributes:
        argv: what ran.
        returncode: its exit status; ``-N`` when killed by signal ``N``.
        stdout: its output, decoded as UTF-8 with undecodable bytes replaced.
        stderr: its error output, decoded the same way.
        seconds: wall-clock duration.
    """

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently ``run_classified`` retries a transient failure.

    Attributes:
        attempts: total tries, the first included (at least 1).
        first_delay: seconds before the second try, before jitter.
        max_delay: cap on any one delay, before jitter.
        jitter: each delay is scaled by a uniform factor in ``[1 - jitter, 1 + jitter]``
            so many clients polling one controller do not retry in lockstep.
    """

    attempts: int = 4
    first_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.25

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"RetryPolicy.attempts must be at least 1, not {self.attempts}")
        if self.first_delay < 0 or self.max_delay < 0:
            raise ValueError("RetryPolicy delays must not be negative")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"RetryPolicy.jitter must be within [0, 1], not {self.jitter}")

    def delay(self, retry: int, rng: random.Random) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first retry).

        >>> RetryPolicy(jitter=0.0).delay(2, random.Random(0))
        2.0
        >>> RetryPolicy(jitter=0.0).delay(10, random.Random(0))
        8.0
        """
        base = min(self.max_delay, self.first_delay * 2.0 ** min(retry, 64))
        return base * (1.0 + self.jitter * rng.uniform(-1.0, 1.0))


DEFAULT_RETRY = RetryPolicy()


def run(
    argv: Sequence[str],
    *,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
    cwd: Cwd = None,
    ok_codes: Container[int] = (0,),
) -> Result[CompletedCommand, CommandError]:
    """Run ``argv`` (no shell) and succeed if its exit status is in ``ok_codes``.

    Args:
        argv: the program and its arguments; never passed through a shell.
        timeout: seconds to wait before killing the command's whole process group.
        env: the complete environment of the child; ``None`` inherits ours.
        cwd: working directory of the child; ``None`` keeps ours.
        ok_codes: exit statuses that count as success.

    Returns:
        ``Success(CompletedCommand)``, or ``Failure(CommandError)`` when the command
        was not found, could not be started, timed out (``transient=True``) or exited with
        a status outside ``ok_codes`` (``transient=False``: classifying a scheduler's
        complaint is ``run_classified``'s job).
    """
    outcome = _execute(argv, timeout, env, cwd)
    if isinstance(outcome, CommandError):
        return Failure(outcome)
    if outcome.returncode in ok_codes:
        return Success(outcome)
    return Failure(_exit_error(outcome, transient=False))


def run_classified(
    argv: Sequence[str],
    *,
    classify: Callable[[str], FailureKind],
    policy: RetryPolicy = DEFAULT_RETRY,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
    cwd: Cwd = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> Result[CompletedCommand, CommandError]:
    """Run a scheduler command, retrying what ``classify`` calls transient.

    A non-zero exit is classified from ``stderr`` then ``stdout``:

    * ``TRANSIENT`` (and a timeout): wait ``policy.delay(k)`` and try again, up to
      ``policy.attempts`` tries in all; then fail with ``transient=True``.
    * ``UNKNOWN_JOB``: succeed with the ``CompletedCommand`` (its non-zero ``returncode``
      kept) so a status parser sees what the scheduler did print.
    * ``PERMANENT``: fail at once with ``transient=False``.

    A command that is missing or cannot be started fails at once.  Retrying a submission
    after an ambiguous failure may submit twice; pass ``RetryPolicy(attempts=1)`` for
    ``sbatch``/``qsub`` and let the journal settle what happened.

    Args:
        argv: the program and its arguments.
        classify: the scheduler module's pure ``classify_failure``.
        policy: attempts and backoff.
        timeout: seconds each attempt may take.
        env: the child's complete environment; ``None`` inherits ours.
        cwd: the child's working directory; ``None`` keeps ours.
        sleep: how to wait between attempts (tests pass a recorder).
        rng: source of jitter (tests pass a seeded one).

    Returns:
        The completed command, or the ``CommandError`` that ended the attempts.
    """
    jitter_rng = rng if rng is not None else random.Random()  # noqa: S311 (jitter, not crypto)
    spent = 0.0
    last = CommandError("no attempt was made", argv=tuple(argv))
    for attempt in range(policy.attempts):
        if attempt:
            pause = policy.delay(attempt - 1, jitter_rng)
            sleep(pause)
            spent += pause
        outcome = _execute(argv, timeout, env, cwd)
        if isinstance(outcome, CommandError):
            if not outcome.transient:
                return Failure(outcome)
            spent += timeout
            last = outcome
            continue
        spent += outcome.seconds
        if outcome.returncode == 0:
            return Success(outcome)
        kind = classify(f"{outcome.stderr}\n{outcome.stdout}")
        if kind is FailureKind.UNKNOWN_JOB:
            return Success(outcome)
        last = _exit_error(outcome, transient=kind is FailureKind.TRANSIENT)
        if kind is FailureKind.PERMANENT:
            return Failure(last)
    return Failure(_exhausted(last, policy.attempts, spent))


def describe_argv(argv: Sequence[str], limit: int = _QUOTE_CHARS) -> str:
    """Quote a command briefly for a message, shell-style, cut at ``limit`` characters.

    >>> describe_argv(["squeue", "--jobs", "1,2", "--format", "%i %T"])
    "squeue --jobs 1,2 --format '%i %T'"
    >>> describe_argv(["echo", "x" * 100], limit=12)
    'echo xxxxxx…'
    """
    text = shlex.join(argv)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the one place a process starts ---------------------------------------------------


def _execute(
    argv: Sequence[str], timeout: float, env: Mapping[str, str] | None, cwd: Cwd
) -> CompletedCommand | CommandError:
    if isinstance(argv, str):
        raise TypeError("argv must be a sequence of arguments, not one string")
    args = tuple(argv)
    if not args:
        raise ValueError("argv must name a program")
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,  # own process group: a timeout kills all of it
            # The sweep's lock lives as long as the command: an sbatch orphaned by
            # kill -9 of hsm keeps the next writer waiting until it has submitted.
            pass_fds=held_lock_fds(),
            encoding="utf-8",
            errors="replace",
        )
    except OSError as exc:
        return _start_error(args, cwd, exc)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _, stderr = _kill_group(proc)
        return _timeout_error(args, timeout, stderr)
    except BaseException:
        _kill_group(proc)  # Ctrl-C while waiting: leave no orphans behind
        raise
    return CompletedCommand(args, proc.returncode, stdout, stderr, time.monotonic() - started)


def _kill_group(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """SIGKILL the child's process group, reap the child, return what it had printed."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        stdout, stderr = proc.communicate(timeout=_REAP_SECONDS)
    except subprocess.TimeoutExpired:
        # A grandchild escaped the group (setsid) and still holds our pipes: stop reading.
        proc.kill()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        proc.wait()
        return "", ""
    return stdout or "", stderr or ""


# -- messages -------------------------------------------------------------------------


def _start_error(args: tuple[str, ...], cwd: Cwd, exc: OSError) -> CommandError:
    program = args[0]
    if (
        isinstance(exc, FileNotFoundError | NotADirectoryError)
        and cwd is not None
        and (exc.filename in (cwd, os.fspath(cwd)) or not os.path.isdir(cwd))
    ):
        message = (
            f"cannot run `{describe_argv(args)}`: its working directory {os.fspath(cwd)} "
            "does not exist or is not a directory"
        )
    elif isinstance(exc, FileNotFoundError) and os.sep not in program:
        message = (
            f"`{program}` was not found on PATH; hint: run hsm on a machine where the "
            "scheduler's commands are installed (usually a login node), load them with "
            "`module load` if your site uses modules, or add their directory to PATH"
        )
    elif isinstance(exc, FileNotFoundError):
        message = (
            f"`{program}` does not exist; hint: check the path, or give the bare command "
            "name to search PATH"
        )
    elif isinstance(exc, PermissionError):
        message = (
            f"`{program}` could not be run: permission denied; hint: check that it is an "
            f'executable file you may run (`ls -l "$(command -v {shlex.quote(program)})"`)'
        )
    else:
        reason = (exc.strerror or str(exc)).lower()
        message = f"`{describe_argv(args)}` could not be started: {reason}"
    return CommandError(message, argv=args, returncode=None, stderr="", transient=False)


def _timeout_error(args: tuple[str, ...], timeout: float, stderr: str) -> CommandError:
    message = f"`{describe_argv(args)}` did not answer within {timeout:g} s"
    tail = _tail(stderr)
    if tail:
        message += f"; it had said: {tail}"
    return CommandError(message, argv=args, returncode=None, stderr=_keep(stderr), transient=True)


def _exit_error(done: CompletedCommand, *, transient: bool) -> CommandError:
    if done.returncode < 0:
        try:
            how = f"was killed by {signal.Signals(-done.returncode).name}"
        except ValueError:
            how = f"was killed by signal {-done.returncode}"
    else:
        how = f"exited with status {done.returncode}"
    said = _tail(done.stderr) or _tail(done.stdout)
    message = f"`{describe_argv(done.argv)}` {how}" + (
        f": {said}" if said else " and printed nothing"
    )
    return CommandError(
        message,
        argv=done.argv,
        returncode=done.returncode,
        stderr=_keep(done.stderr),
        transient=transient,
    )


def _exhausted(last: CommandError, attempts: int, spent: float) -> CommandError:
    if last.returncode is None:
        said = "it did not answer in time"
        tail = _tail(last.stderr)
        if tail:
            said += f" ({tail})"
    else:
        said = f"the scheduler last said: {_tail(last.stderr) or 'nothing'}"
    tries = "once" if attempts == 1 else f"{attempts} times"
    message = (
        f"`{describe_argv(last.argv)}` failed {tries} over {spent:.1f} s with a transient "
        f"error; {said}; hint: the scheduler may be restarting or overloaded, try again "
        "in a few minutes"
    )
    return CommandError(
        message,
        argv=last.argv,
        returncode=last.returncode,
        stderr=last.stderr,
        transient=True,
    )


def _tail(text: str) -> str:
    """The last few non-blank lines, each cut short, joined into one line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][-_TAIL_LINES:]
    return " | ".join(
        line if len(line) <= _TAIL_LINE_CHARS else line[: _TAIL_LINE_CHARS - 1] + "…"
        for line in lines
    )


def _keep(stderr: str) -> str:
    return stderr if len(stderr) <= _KEEP_STDERR_CHARS else "…" + stderr[-_KEEP_STDERR_CHARS:]
