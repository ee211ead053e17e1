"""The record every scheduler module fills in, and helpers they share.

Strategy: a scheduler is a bundle of pure functions -- argv builders next to the parsers
of what those argv print -- plus a literal state table.  The effects layer runs the argv
and feeds the text back to the parsers; nothing here runs anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from returns.result import Result

from hsm.pure.errors import ParseError
from hsm.pure.states import JobState, JobStatus

#: A parsed status/history answer: job id (or array task id) -> status.
Statuses = dict[str, JobStatus]


class FailureKind(StrEnum):
    """How to treat a scheduler command that exited non-zero (see ``classify_failure``)."""

    TRANSIENT = "transient"  # try again later: controller/munge/socket timeouts
    UNKNOWN_JOB = "unknown_job"  # the job left the queue: not an error for a status query
    PERMANENT = "permanent"  # the scheduler refused for good: report it


@dataclass(frozen=True, slots=True)
class Scheduler:
    """The pure functions and facts that define one scheduler.

    Attributes:
        name: ``slurm``, ``pbs`` or ``local`` (what the seed calls ``scheduler_name``).
        flavour: ``pro`` or ``torque`` for PBS, ``""`` otherwise.
        submit_command / status_command: the seed's properties (``sbatch``, ``squeue``...).
        array_index_var: the environment variable carrying an array task's index.
        submit_argv: script path -> argv that submits it.
        parse_submit_output: stdout of that argv -> the new job id.
        status_argv: job ids -> argv asking the live queue about them (one call).
        parse_status_output: its stdout -> statuses of the jobs it mentions.
        history_argv: job ids -> argv asking accounting/history, or None if none exists.
        parse_history_output: its stdout -> statuses.
        cancel_argv: job ids -> argv cancelling them.
        classify_failure: stderr/stdout of a failed command -> how to treat it.
        submit_hint: a refused submission's message -> what the user can do about it.
        task_id: (array job id, index) -> the id of that array task.
        name_query_argvs: job name -> argvs listing the ids of jobs with that name (live
            queue and history), used to find a job whose submit call was in flight when
            hsm crashed.
        parse_name_query: stdout of one of those argvs -> the job ids it lists.
        user_query_argv: user name -> argv listing that user's job ids (read with
            ``parse_name_query``), for ``hsm queue``.
        limit_argv: argv printing the scheduler's configuration.
        parse_limit: its stdout -> the array limit (indices stay below it), if stated.
        default_array_limit: the documented default when the limit cannot be read.
        states: the literal table of every documented state code.
    """

    name: str
    flavour: str
    submit_command: str
    status_command: str
    array_index_var: str
    submit_argv: Callable[[str], list[str]]
    parse_submit_output: Callable[[str], Result[str, ParseError]]
    status_argv: Callable[[Sequence[str]], list[str]]
    parse_status_output: Callable[[str], Result[Statuses, ParseError]]
    history_argv: Callable[[Sequence[str]], list[str]] | None
    parse_history_output: Callable[[str], Result[Statuses, ParseError]] | None
    cancel_argv: Callable[[Sequence[str]], list[str]]
    classify_failure: Callable[[str], FailureKind]
    submit_hint: Callable[[str], str]
    task_id: Callable[[str, int], str]
    name_query_argvs: Callable[[str], list[list[str]]]
    parse_name_query: Callable[[str], tuple[str, ...]]
    user_query_argv: Callable[[str], list[str]]
    limit_argv: tuple[str, ...]
    parse_limit: Callable[[str], int | None]
    default_array_limit: int
    states: Mapping[str, JobState]

    @property
    def key(self) -> str:
        """Registry key: ``slurm``, ``pbspro``, ``torque`` or ``local``."""
        return {"pro": "pbspro", "torque": "torque"}.get(self.flavour, self.name)


def chunk_ids(ids: Sequence[str], max_chars: int = 100_000) -> Iterator[tuple[str, ...]]:
    """Split ids into groups whose comma-joined text stays under ``max_chars``.

    Used only to stay below the OS command-line limit: a poll is still one call per
    ~100 kB of ids (about 10,000 ids), i.e. O(1) calls for a sweep.

    >>> [len(c) for c in chunk_ids([str(i) for i in range(10)], max_chars=8)]
    [4, 4, 2]
    """
    group: list[str] = []
    size = 0
    for job_id in ids:
        extra = len(job_id) + (1 if group else 0)
        if group and size + extra > max_chars:
            yield tuple(group)
            group, size = [], 0
            extra = len(job_id)
        group.append(job_id)
        size += extra
    if group:
        yield tuple(group)
