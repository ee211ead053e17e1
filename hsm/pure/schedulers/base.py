"""The record every scheduler folder fills in, and helpers they share.

Strategy: a scheduler is one folder under ``hsm/pure/schedulers/`` that builds one
:class:`Scheduler` record: the facts of its job scripts (template, array directive, index
variable, log-path pattern, name limits, walltime style, resource dialect, array limits)
and, for a batch system, its :class:`Commands` -- argv builders next to the parsers of what
those argv print, plus a literal state table.  Code outside the folders asks the record
(found through the registry in :mod:`hsm.pure.schedulers`) and never branches on a
scheduler's name.  Nothing here runs anything: the effects layer runs the argv and feeds
the text back to the parsers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple, NewType

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError, ParseError
from hsm.pure.jobspec import DEPENDENCY_KINDS
from hsm.pure.resources_model import NodeShape, ResourceRequest, screen_directive_line
from hsm.pure.states import JobState, JobStatus

#: A parsed status/history answer: job id (or array task id) -> status.
Statuses = dict[str, JobStatus]

#: ``hpc.<section>.extra``: directive lines written verbatim after hsm's own (each one
#: line of text, checked by :mod:`hsm.pure.config`'s converter).
DirectiveLines = NewType("DirectiveLines", tuple[str, ...])


class FailureKind(StrEnum):
    """How to treat a scheduler command that exited non-zero (see ``classify_failure``)."""

    TRANSIENT = "transient"  # try again later: controller/munge/socket timeouts
    UNKNOWN_JOB = "unknown_job"  # the job left the queue: not an error for a status query
    PERMANENT = "permanent"  # the scheduler refused for good: report it


class CancelOutcome(StrEnum):
    """What the scheduler did with one id ``hsm cancel`` gave it."""

    CANCELLED = "cancelled"
    FINISHED = "had already finished"
    UNKNOWN = "no such job"
    REFUSED = "refused"


#: A cancel answer: job id -> what happened to it, with the scheduler's words if refused.
Cancelled = dict[str, tuple[CancelOutcome, str]]


class UserJobs(NamedTuple):
    """A user's jobs as ``hsm queue`` shows them: the statuses (by job or array-task id)
    and the names the scheduler listed, by base id (a plain job's, an array's parent's);
    a job the listing gave no name has none here."""

    statuses: Statuses
    names: Mapping[str, str]

    def name_of(self, job_id: str, split_task_id: Callable[[str], tuple[str, int] | None]) -> str:
        """The name of a job or array task ("" when unknown)."""
        parent = split_task_id(job_id)
        return self.names.get(job_id) or (self.names.get(parent[0], "") if parent else "")


@dataclass(frozen=True, slots=True)
class Limit:
    """One submit limit the scheduler states for the user.

    Attributes:
        name: the scheduler's own name for it (``MaxSubmitJobsPerUser``, ``max_queued``).
        value: how many jobs (each array task counts as one).
        source: where it was read (``QOS hsmcap (sacctmgr show qos)``).
        binds: it caps the jobs *this user* may have queued, so it bounds the room a
            feeder may fill; a cluster-wide or account-wide cap (``MaxJobCount``) is
            reported but does not bind (hsm cannot count other users' jobs cheaply).
    """

    name: str
    value: int
    source: str
    binds: bool = True


def max_queued(limits: Sequence[Limit]) -> int | None:
    """The smallest binding limit, or None when none binds.

    >>> max_queued([Limit("a", 50, "x"), Limit("b", 20, "y"), Limit("c", 5, "z", False)])
    20
    """
    return min((limit.value for limit in limits if limit.binds), default=None)


def _never_no_room(text: str) -> bool:
    return False


def _no_limit_argvs(user: str) -> list[list[str]]:
    return []


def _no_limits(texts: Sequence[str], user: str) -> tuple[Limit, ...]:
    return ()


def count_lines(text: str) -> int:
    """Non-blank lines: one per job or array task a queue listing printed.

    >>> count_lines("1\\r\\n2_3\\n\\n")
    2
    """
    return sum(1 for line in text.splitlines() if line.strip())


@dataclass(frozen=True, slots=True)
class Commands:
    """A batch scheduler's command-line tools as pure argv builders and parsers.

    Attributes:
        submit_command / status_command: the seed's properties (``sbatch``, ``squeue``...).
        submit_argv: script path -> argv that submits it.
        parse_submit_output: stdout of that argv -> the new job id.
        status_argv: job ids -> argv asking the live queue about them (one call).
        parse_status_output: its stdout -> statuses of the jobs it mentions.
        history_argv: job ids -> argv asking accounting/history, or None if none exists.
        parse_history_output: its stdout -> statuses.
        cancel_argv: job ids -> argv cancelling them.
        parse_cancel_output: ``(stdout + stderr, ids asked)`` -> what happened to each id;
            an id the text does not mention was cancelled.
        classify_failure: stderr/stdout of a failed command -> how to treat it.
        submit_hint: a refused submission's message -> what the user can do about it.
        name_query_argvs: job name -> argvs listing the ids of jobs with that name (live
            queue and history), used to find a job whose submit call was in flight when
            hsm crashed.
        parse_name_query: stdout of one of those argvs -> the job ids it lists.
        user_query_argv: user name -> argv listing that user's jobs, for ``hsm queue``.
        parse_user_query: its stdout -> each listed job's base id (a plain job's id, an
            array's parent id) and its name ("" where the listing gives none).
        limit_argv: argv printing the scheduler's configuration.
        parse_limit: its stdout -> the array limit (indices stay below it), if stated.
        no_room: a refused submission's message -> True when the refusal is a submit
            limit (the user has as many jobs queued as allowed): "no room yet", worth
            trying again once jobs leave the queue, never a failure of the sweep.
        submit_limits_argvs: user -> argvs whose outputs state the user's submit limits.
        parse_submit_limits: ``(their stdouts in order, user)`` -> the limits found.
        queued_argv: user -> argv listing, one line each, the jobs (every array task
            counted) the user has queued or running: what the limits count; None when
            the scheduler cannot list them.
        parse_queued: its stdout -> how many there are.
    """

    submit_command: str
    status_command: str
    submit_argv: Callable[[str], list[str]]
    parse_submit_output: Callable[[str], Result[str, ParseError]]
    status_argv: Callable[[Sequence[str]], list[str]]
    parse_status_output: Callable[[str], Result[Statuses, ParseError]]
    history_argv: Callable[[Sequence[str]], list[str]] | None
    parse_history_output: Callable[[str], Result[Statuses, ParseError]] | None
    cancel_argv: Callable[[Sequence[str]], list[str]]
    parse_cancel_output: Callable[[str, Sequence[str]], Cancelled]
    classify_failure: Callable[[str], FailureKind]
    submit_hint: Callable[[str], str]
    name_query_argvs: Callable[[str], list[list[str]]]
    parse_name_query: Callable[[str], tuple[str, ...]]
    user_query_argv: Callable[[str], list[str]]
    parse_user_query: Callable[[str], dict[str, str]]
    limit_argv: tuple[str, ...]
    parse_limit: Callable[[str], int | None]
    no_room: Callable[[str], bool] = _never_no_room
    submit_limits_argvs: Callable[[str], list[list[str]]] = _no_limit_argvs
    parse_submit_limits: Callable[[Sequence[str], str], tuple[Limit, ...]] = _no_limits
    queued_argv: Callable[[str], list[str]] | None = None
    parse_queued: Callable[[str], int] = count_lines


@dataclass(frozen=True, slots=True)
class TranslationTarget:
    """The scheduler a request is translated for, as translation messages speak of it.

    Built by the resources hub from the target's record, so that a source dialect's
    refusals name the real target and say how to write for it.

    Attributes:
        label: the target scheduler's label (``PBS Pro``, ``Grid Engine``).
        advice: how to write resources for it instead (its dialect's ``advice``).
        lacks: its dialect's ``lacks``: why it has no equivalent of another dialect's
            option, by that option's name.
    """

    label: str = "the other scheduler"
    advice: str = "write the resources in the target scheduler's own syntax"
    lacks: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class ResourceDialect:
    """How one family of schedulers writes resources (``--mem=4G`` vs ``-l mem=4gb``).

    Attributes:
        name: the dialect's name, stored in :class:`ResourceRequest.dialect`.
        label: how messages name what is written in it (``Slurm options``).
        marks: ``(tokens, k)`` -> True when token ``k`` can only be this dialect.
        parse: screened tokens and the config path -> a request in this dialect.
        shape: ``(request, target, path)`` -> the portable :class:`NodeShape`, or a
            refusal naming the :class:`TranslationTarget`.
        check_extra: ``(line, path)`` -> an escape-hatch directive line (``hpc.<section>
            .extra``) accepted as written, or refused when it could break out of its
            directive line or sets what hsm sets itself.
        advice: how to write resources in this dialect, for refusals of translations to
            it (``write Slurm options (e.g. --nodes=1 ...)``).
        lacks: another dialect's option (or case) name -> why this dialect has no
            equivalent (``qos`` -> ``PBS has no quality of service...``); the source
            dialect's translation reads it from the :class:`TranslationTarget`.
    """

    name: str
    label: str
    marks: Callable[[Sequence[str], int], bool]
    parse: Callable[[Sequence[str], str], Result[ResourceRequest, ConfigError]]
    shape: Callable[[ResourceRequest, TranslationTarget, str], Result[NodeShape, ConfigError]]
    check_extra: Callable[[str, str], Result[str, ConfigError]] = screen_directive_line
    advice: str = "write the resources in the target scheduler's own syntax"
    lacks: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class ConfigSection:
    """The scheduler's section of the config file (``hpc.slurm``, ``hpc.pbs``).

    Built in the scheduler's folder; :mod:`hsm.pure.config` adds one field per section
    listed in the registry's ``CONFIG_SECTIONS`` to its ``hpc`` structure, and
    :mod:`hsm.pure.config_layers` derives the section's flags and variables from it.

    Attributes:
        name: the key under ``hpc``.
        options: the section's frozen attrs class: its fields are the section's keys, with
            their defaults (``None`` for the queue and ``account``, ``DirectiveLines(())``
            for ``extra``); it has a ``queue_key`` field, ``account`` and ``extra``.
        queue_key: what the section calls the queue (``partition`` on Slurm).
        flags: the generic CLI flag (without dashes) -> the key of this section it sets
            (``{"partition": "partition", "account": "account"}``); the environment
            variable ``HSM_HPC_<FLAG>`` sets it too.  Sections sharing a flag are all set.
    """

    name: str
    options: type[Any]
    queue_key: str
    flags: Mapping[str, str] = field(hash=False)


@dataclass(frozen=True, slots=True)
class Detection:
    """What tells that this scheduler is the one on a machine (read by :mod:`hsm.pure.detect`).

    Evidence comes in three strengths and the strongest found for any scheduler wins: a
    line of what its ``version_argv`` printed, then an environment variable, then where
    its ``realpath_of`` command really lives.  Rules that name the same command share
    one run of it.

    Attributes:
        marks: commands whose presence on PATH means this scheduler is meant to be here;
            the record's submit command is one of them.  A submit command that no other
            rule marks or wraps decides on its own, before any evidence (``sbatch``).
        tools: its other commands; the probe looks for them too, they decide nothing.
        version_argv: a command the probe runs (``("qstat", "--version")``) when its
            program is on PATH; a line of its stdout+stderr matching one of
            ``version_lines`` proves this scheduler.
        version_lines: see ``version_argv``.
        env: environment variables whose being set proves it (``PBS_EXEC``).
        env_hints: variables that only say it is meant to be here (``SLURM_CONF``): set,
            like ``env``, with none of its commands on PATH, detection refuses rather than
            quietly running jobs on what is probably a login node.
        home_env: variables naming its install prefix, whose ``bin/`` holds its commands.
        realpath_of: a command whose path the probe resolves (symlinks followed).
        realpath_hints: substrings of that resolved path (lower-cased) that prove it.
        wrappers: another family's commands it may install (Slurm's ``qsub``/``qstat``);
            its evidence claims them.
        wrappers_label: how messages name those (``Slurm's Torque-compatibility wrappers``).
        label: how detection messages name it when that says more than the record's label
            (``PBS Pro/OpenPBS``).
    """

    marks: tuple[str, ...]
    tools: tuple[str, ...] = ()
    version_argv: tuple[str, ...] = ()
    version_lines: tuple[re.Pattern[str], ...] = ()
    env: tuple[str, ...] = ()
    env_hints: tuple[str, ...] = ()
    home_env: tuple[str, ...] = ()
    realpath_of: str = ""
    realpath_hints: tuple[str, ...] = ()
    wrappers: tuple[str, ...] = ()
    wrappers_label: str = ""
    label: str = ""


def _no_queue_rule(queue: str, path: str) -> Result[str, ConfigError]:
    return Success(queue)


def _no_launcher(walltime_seconds: int) -> str:
    return ""


def _starts_eventually(reason: str) -> bool:
    return False


def _no_infrastructure_failure(status: JobStatus) -> bool:
    return False


def check_job_ids(
    scheduler: Scheduler, job_ids: Sequence[str]
) -> Result[tuple[str, ...], ConfigError]:
    """Every id has the form of one of ``scheduler``'s job ids, or a message naming the
    first that does not.

    >>> from hsm.pure.schedulers import SLURM
    >>> print(check_job_ids(SLURM, ["12", "abc"]).failure())
    'abc' is not a Slurm job id (like 123, 123_4)
    """
    for job_id in job_ids:
        if not scheduler.is_job_id(job_id):
            return Failure(
                ConfigError(
                    f"{job_id!r} is not a {scheduler.label} job id (like "
                    f"{scheduler.job_id_examples})"
                )
            )
    return Success(tuple(job_ids))


@dataclass(frozen=True, slots=True)
class Scheduler:
    """Everything hsm knows about one scheduler; built once, in the scheduler's folder.

    Attributes:
        key: registry key and ``hpc.system`` value (``slurm``, ``pbspro``, ``torque``...).
        name: the seed's ``scheduler_name`` (``pbs`` for both PBS flavours).
        label: how messages and tables name it (``PBS Pro``).
        template: the jinja2 template, relative to ``hsm/pure/schedulers``.
        array_flag: the option that makes an array (``--array=``, ``-J ``, ``-t ``).
        index_var: the environment variable carrying an array task's index.
        array_log_name: job key -> the array's log file name with the scheduler's
            index pattern (``array_000_%a.log``).
        task_log_name: ``(array log name, index)`` -> the file one task's log lands in.
        job_name_limit: longest accepted job name.
        job_name_needs_letter: the job name must start with a letter.
        render_walltime: seconds -> the walltime directive's value.
        dialect: the scheduler's own resource dialect; None: resources are checked, then
            ignored (the local backend).
        render_resources: a translated :class:`NodeShape` -> directive lines.
        check_queue: a queue/partition translated from another dialect -> accepted or
            refused with the reason.
        default_array_limit: array indices stay below this when the real limit is unknown.
        dense_arrays: array indices must be a plain range (no list of indices).
        min_array_tasks: fewer tasks than this are submitted as plain jobs.
        dependency_kinds: the ``--after`` kinds (``afterok``...) the scheduler can honour;
            none: it has no job dependencies.
        dependency_note: why it cannot honour the other kinds, for the refusal.
        throttle: whether ``--throttle`` can be honoured.
        launcher: walltime seconds -> a prefix for the program's command line.
        config_section: the scheduler's section of the config file, if it has one.
        task_id: ``(array job id, index)`` -> the id of that array task.
        split_task_id: the inverse: an array task's id -> (array job id, index), or None
            for any other id.
        is_job_id: text -> True when it has the form of one of this scheduler's job ids
            (a job, an array, or an array task); ``job_id_examples`` says what they look
            like, for messages.
        never_starts: a queued job's reason -> True when the scheduler says it can never
            start (waiting for it would be waiting forever).
        states: the literal table of every documented state code.
        finished_note: how a finished job's code becomes completed, failed or cancelled
            when the table alone does not say (the exit status decides), for the
            README's state table (:mod:`hsm.pure.state_table`).
        commands: the batch system's tools; None for the local backend, which runs
            scripts itself (:mod:`hsm.effects.local`).
        detection: what tells auto-detection this scheduler is here; None: it is never
            auto-detected (the local backend is what detection falls back to), only
            chosen by ``hpc.system``.
        infrastructure_failure: a final status -> True when the job died of the
            infrastructure (a node or the system failed, it was preempted and not
            requeued), not of its own doing: ``--retries`` runs such a task again.
        index_base: the first array index the scheduler accepts (Grid Engine's ``-t``
            starts at 1); a chunk of ``limit`` tasks gets indices ``index_base ..
            index_base + limit - 1``.
    """

    key: str
    name: str
    label: str
    template: str
    array_flag: str
    index_var: str
    array_log_name: Callable[[str], str]
    task_log_name: Callable[[str, int], str]
    job_name_limit: int
    job_name_needs_letter: bool
    render_walltime: Callable[[int], str]
    dialect: ResourceDialect | None
    render_resources: Callable[[NodeShape, str], Result[tuple[str, ...], ConfigError]] | None
    default_array_limit: int
    task_id: Callable[[str, int], str]
    split_task_id: Callable[[str], tuple[str, int] | None]
    is_job_id: Callable[[str], bool]
    job_id_examples: str
    states: Mapping[str, JobState]
    commands: Commands | None
    finished_note: str = ""
    check_queue: Callable[[str, str], Result[str, ConfigError]] = _no_queue_rule
    dense_arrays: bool = False
    min_array_tasks: int = 1
    dependency_kinds: tuple[str, ...] = DEPENDENCY_KINDS
    dependency_note: str = ""
    throttle: bool = True
    launcher: Callable[[int], str] = _no_launcher
    never_starts: Callable[[str], bool] = _starts_eventually
    config_section: ConfigSection | None = None
    detection: Detection | None = None
    index_base: int = 0
    infrastructure_failure: Callable[[JobStatus], bool] = _no_infrastructure_failure

    @property
    def submit_command(self) -> str:
        """The command that submits a job (``bash`` for the local backend)."""
        return self.commands.submit_command if self.commands else "bash"

    @property
    def status_command(self) -> str:
        """The command that lists jobs (``ps`` for the local backend)."""
        return self.commands.status_command if self.commands else "ps"


def hms(seconds: int) -> str:
    """``HH:MM:SS`` with hours possibly above 24 (the common walltime form).

    >>> hms(100 * 3600 + 1)
    '100:00:01'
    """
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours:02d}:{mins:02d}:{secs:02d}"


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
