"""A batch scheduler as a :class:`~hsm.effects.backend.Backend`: pure argv and parsers
bound onto the command runner.

Strategy: every verb is "build argv (pure) -> run it (effect) -> parse (pure)".  Status
costs O(1) calls whatever the sweep size: one live query (squeue / qstat -f -t) for every
id, then one history query (sacct / qstat -x) for the ids that need it -- those absent
from the live answer, those it shows finished (history has the exit code) and array
parents (finished tasks leave the live queue while others wait).  Ids are chunked only
to stay under the OS command-line limit.  Submission is never retried blindly: after a
transient failure the job may still have been accepted, so hsm first looks for it by its
unique job name and only resubmits when it is not there.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from returns.io import IOFailure, IOResult, IOSuccess
from returns.result import Failure, Result, Success

from hsm.effects.runner import CompletedCommand, RetryPolicy, describe_argv, run, run_classified
from hsm.pure.errors import CommandError, HSMFailure, SubmissionError
from hsm.pure.schedulers.base import (
    Cancelled,
    CancelOutcome,
    Commands,
    FailureKind,
    Scheduler,
    Statuses,
    UserJobs,
    chunk_ids,
)
from hsm.pure.states import JobState, JobStatus


@dataclass(frozen=True)
class SchedulerBackend:
    """A batch scheduler (Slurm, PBS Pro, Torque, Grid Engine...), reached through its
    command-line tools, as its record describes them.

    Attributes:
        scheduler: the pure description (argv builders, parsers, state table).
        env: environment for the commands (None: inherit).
        policy: retry policy for transient failures.
        timeout: seconds one command may take.
        max_array_size: overrides what the scheduler reports, when set.
    """

    scheduler: Scheduler
    env: Mapping[str, str] | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 60.0
    max_array_size: int | None = None
    sleep: Callable[[float], None] = time.sleep

    @property
    def key(self) -> str:
        """Registry key of the scheduler."""
        return self.scheduler.key

    @property
    def commands(self) -> Commands:
        """The scheduler's command-line tools (a batch scheduler always has them)."""
        if self.scheduler.commands is None:
            raise TypeError(f"{self.scheduler.label} has no batch commands; use its own backend")
        return self.scheduler.commands

    def _run(
        self, argv: Sequence[str], cwd: Path | None = None
    ) -> Result[CompletedCommand, CommandError]:
        return run_classified(
            argv,
            classify=self.commands.classify_failure,
            policy=self.policy,
            timeout=self.timeout,
            env=self.env,
            cwd=str(cwd) if cwd else None,
            sleep=self.sleep,
        )

    def run_command(self, argv: Sequence[str]) -> Result[str, CommandError]:
        """Run one of the scheduler's query argvs (retrying transient errors); its stdout."""
        return self._run(argv).map(_stdout)

    # -- submission ------------------------------------------------------------------

    def submit(
        self,
        script: Path,
        *,
        cwd: Path,
        job_name: str,
        indices: Sequence[int] | None,
        log_path: str | None = None,
    ) -> IOResult[str, HSMFailure]:
        """Submit once; after a transient failure, look the job up by name before retrying.

        ``log_path`` is unused: the script's own directives name the log.
        """
        argv = self.commands.submit_argv(str(script))
        rng = random.Random()  # noqa: S311 -- jitter, not security
        last: CommandError | None = None
        for attempt in range(max(1, self.policy.attempts)):
            if attempt:
                found = self._find_by_name(job_name)
                if isinstance(found, Success) and found.unwrap():
                    return IOSuccess(found.unwrap()[0])
                self.sleep(self.policy.delay(attempt - 1, rng))
            done = run(argv, timeout=self.timeout, env=self.env, cwd=str(cwd))
            if isinstance(done, Success):
                parsed = self.commands.parse_submit_output(done.unwrap().stdout)
                if isinstance(parsed, Failure):
                    return IOFailure(
                        SubmissionError(
                            f"{self.commands.submit_command} accepted {script.name} but its "
                            f"output was not a job id ({parsed.failure()}); look for a job "
                            f"named {job_name} before resubmitting"
                        )
                    )
                return IOSuccess(parsed.unwrap())
            error = done.failure()
            text = f"{error.stderr}\n{error.message}"
            if error.transient or (
                error.returncode is not None
                and self.commands.classify_failure(text) is FailureKind.TRANSIENT
            ):
                last = error
                continue
            return IOFailure(
                SubmissionError(
                    f"{self.commands.submit_command} refused {script.name}",
                    scheduler_message=(error.stderr or error.message).strip()[-2000:],
                    hint=self.commands.submit_hint(error.stderr or error.message),
                    no_room=self.commands.no_room(text),
                )
            )
        assert last is not None
        return IOFailure(
            CommandError(
                f"{self.commands.submit_command} failed {self.policy.attempts} times with "
                f"transient errors; {job_name} was not submitted: {last.message}",
                argv=tuple(argv),
                returncode=last.returncode,
                stderr=last.stderr,
                transient=True,
            )
        )

    def find_by_name(self, job_name: str) -> IOResult[tuple[str, ...], CommandError]:
        """Ids of jobs named ``job_name`` in the queue or recent history."""
        return IOResult.from_result(self._find_by_name(job_name))

    def _find_by_name(self, job_name: str) -> Result[tuple[str, ...], CommandError]:
        ids: dict[str, None] = {}
        errors: list[CommandError] = []
        for argv in self.commands.name_query_argvs(job_name):
            done = self._run(argv)
            if isinstance(done, Failure):
                errors.append(done.failure())
                continue
            ids.update(dict.fromkeys(self.commands.parse_name_query(done.unwrap().stdout)))
        if errors and not ids and any(e.transient for e in errors):
            return Failure(errors[0])
        return Success(tuple(ids))

    # -- status ----------------------------------------------------------------------

    def poll(self, job_ids: Sequence[str]) -> IOResult[Statuses, CommandError]:
        """Live statuses, then history for what the live queue cannot settle."""
        return IOResult.from_result(self._poll(job_ids))

    def _poll(self, job_ids: Sequence[str]) -> Result[Statuses, CommandError]:
        ids = list(dict.fromkeys(job_ids))
        if not ids:
            return Success({})
        live = self._query(self.commands.status_argv, self.commands.parse_status_output, ids)
        if isinstance(live, Failure):
            return live
        statuses = live.unwrap()
        history_argv = self.commands.history_argv
        history_parse = self.commands.parse_history_output
        if history_argv is None or history_parse is None:
            return live
        wanted = [i for i in ids if _needs_history(i, statuses)]
        if not wanted:
            return live
        past = self._query(history_argv, history_parse, wanted)
        if isinstance(past, Failure):
            # Accounting may be off or slow; the live answer still stands, and ids missing
            # from it stay unknown rather than guessed.
            return past if past.failure().transient else live
        return Success(_merge(statuses, past.unwrap()))

    def _query(
        self,
        build: Callable[[Sequence[str]], list[str]],
        parse: Callable[[str], Result[Statuses, object]],
        ids: Sequence[str],
    ) -> Result[Statuses, CommandError]:
        found: Statuses = {}
        for chunk in chunk_ids(ids):
            argv = build(chunk)
            done = self._run(argv)
            if isinstance(done, Failure):
                return Failure(done.failure())
            parsed = parse(done.unwrap().stdout)
            if isinstance(parsed, Failure):
                return Failure(
                    CommandError(
                        f"could not read the output of {describe_argv(argv)}: {parsed.failure()}",
                        argv=tuple(argv),
                        transient=False,
                    )
                )
            found.update(parsed.unwrap())
        return Success(found)

    # -- the rest --------------------------------------------------------------------

    def cancel(self, job_ids: Sequence[str]) -> IOResult[Cancelled, CommandError]:
        """Cancel jobs, arrays or array tasks and say, per id, what the scheduler did.

        An id that had already finished or does not exist is an outcome, not a failure:
        the scheduler's exit status for it (PBS: 35, 153, 55) is read, not raised.  Only
        a command that failed without naming any id (or transiently) is a failure.
        """
        outcomes: Cancelled = {}
        for chunk in chunk_ids(list(dict.fromkeys(job_ids))):
            done = self._run(self.commands.cancel_argv(chunk))
            if isinstance(done, Success):
                result = done.unwrap()
                text = f"{result.stdout}\n{result.stderr}"
                outcomes.update(self.commands.parse_cancel_output(text, chunk))
                continue
            error = done.failure()
            said = self.commands.parse_cancel_output(f"{error.message}\n{error.stderr}", chunk)
            if error.transient or all(o is CancelOutcome.CANCELLED for o, _ in said.values()):
                return IOFailure(error)
            outcomes.update(said)
        return IOSuccess(self._settled(outcomes))

    def _settled(self, outcomes: Cancelled) -> Cancelled:
        """Ids the scheduler no longer knows, looked up once in history: a job that ended
        minutes ago has left the live queue (Slurm's ``MinJobAge``) and its cancel reads
        "invalid job id", but it had finished -- only an id history lacks too is unknown.
        A failed lookup changes nothing."""
        unknown = [i for i, (outcome, _) in outcomes.items() if outcome is CancelOutcome.UNKNOWN]
        if not unknown:
            return outcomes
        polled = self._poll(unknown)
        if isinstance(polled, Failure):
            return outcomes
        ended = _ended(unknown, polled.unwrap(), self.scheduler.split_task_id)
        return {
            job_id: (CancelOutcome.FINISHED, "") if job_id in ended else outcome
            for job_id, outcome in outcomes.items()
        }

    def user_jobs(self, user: str) -> IOResult[UserJobs, CommandError]:
        """One call listing ``user``'s jobs (ids and names), then one poll for their
        statuses."""
        done = self._run(self.commands.user_query_argv(user))
        if isinstance(done, Failure):
            return IOFailure(done.failure())
        names = self.commands.parse_user_query(done.unwrap().stdout)
        polled = self.poll(list(names))
        return polled.map(self._without_array_parents).map(partial(_user_jobs, names))

    def _without_array_parents(self, statuses: Statuses) -> Statuses:
        """Array tasks stand for their array: a parent listed beside them is not a job."""
        split = (self.scheduler.split_task_id(job_id) for job_id in statuses)
        parents = {found[0] for found in split if found is not None}
        return {job_id: s for job_id, s in statuses.items() if job_id not in parents}

    def array_limit(self) -> IOResult[int, CommandError]:
        """The configured override, else what the scheduler says, else its documented default."""
        if self.max_array_size is not None:
            return IOSuccess(self.max_array_size)
        done = self._run(self.commands.limit_argv)
        if isinstance(done, Success):
            limit = self.commands.parse_limit(done.unwrap().stdout)
            if limit is not None and limit > 0:
                return IOSuccess(limit)
        return IOSuccess(self.scheduler.default_array_limit)

    def task_id(self, job_id: str, index: int) -> str:
        """The scheduler's id for task ``index`` of array ``job_id``."""
        return self.scheduler.task_id(job_id, index)


def _stdout(done: CompletedCommand) -> str:
    return done.stdout


def _user_jobs(names: Mapping[str, str], statuses: Statuses) -> UserJobs:
    return UserJobs(statuses, names)


def _needs_history(job_id: str, live: Statuses) -> bool:
    status = live.get(job_id)
    if status is not None:
        # History has the exit code of a finished job, and may read a job whose live
        # entry could not be read (unknown).
        return status.state.is_final or status.state is JobState.UNKNOWN
    # No entry under the id itself: a job that left the queue, or an array parent whose
    # tasks are listed under their own ids (finished tasks may be gone) -- ask history.
    return True


def _merge(live: Statuses, past: Statuses) -> Statuses:
    """Live answers win, except that history's final state (with its exit code) beats a
    live final state, and history fills in whatever the live queue no longer shows --
    with a final state only.

    Accounting lags the live queue: just after a pending array task was cancelled alone,
    ``sacct`` can still print the whole array as pending (``8_[0-9] PENDING``) while
    ``squeue --states=all`` no longer lists task 3.  A job the live queue does not know
    cannot be waiting or running, so history's non-final word for it is dropped and the
    task reads as not found (``unknown``), never as ``queued``.

    >>> from hsm.pure.states import JobState, JobStatus
    >>> live = {"8_0": JobStatus("8_0", JobState.QUEUED, "PENDING")}
    >>> past = {i: JobStatus(i, JobState.QUEUED, "PENDING") for i in ("8_0", "8_3")}
    >>> sorted(_merge(live, past))
    ['8_0']
    """
    merged: Statuses = {
        job_id: status for job_id, status in past.items() if job_id in live or status.state.is_final
    }
    for job_id, status in live.items():
        old: JobStatus | None = past.get(job_id)
        if old is not None and (
            (status.state.is_final and old.state.is_final) or status.state is JobState.UNKNOWN
        ):
            continue
        merged[job_id] = status
    return merged


def _ended(
    job_ids: Sequence[str],
    statuses: Statuses,
    split: Callable[[str], tuple[str, int] | None],
) -> set[str]:
    """Those of ``job_ids`` that ``statuses`` show finished: a job or task by its own
    status, an array by all of its tasks."""
    tasks: dict[str, list[JobState]] = {}
    for job_id, status in statuses.items():
        parts = split(job_id)
        if parts is not None:
            tasks.setdefault(parts[0], []).append(status.state)
    ended = set()
    for job_id in job_ids:
        own = statuses.get(job_id)
        states = [own.state] if own is not None else tasks.get(job_id, [])
        if states and all(state.is_final for state in states):
            ended.add(job_id)
    return ended
