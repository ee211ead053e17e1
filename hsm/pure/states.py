"""Normalised job states.

Strategy: every scheduler module owns a literal ``STATES`` table from its own codes to a
:class:`JobState`; this module only defines the six states, the record that keeps what
the scheduler actually said (:class:`JobStatus`), and the roll-up of an array's tasks.

Policy (DESIGN.md): waiting of any kind is ``queued``; executing or finishing is
``running``; finished with exit 0 is ``completed``; finished any other way that is not a
cancellation is ``failed``; deleted by a user or admin is ``cancelled``; a job no source
knows about is ``unknown`` -- never ``completed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple


class JobState(StrEnum):
    """The six normalised states (values are the seed's strings)."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        """True for states a job never leaves (completed, failed, cancelled)."""
        return self in FINAL_STATES


FINAL_STATES = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED})


class JobStatus(NamedTuple):
    """What hsm knows about one job or array task (immutable; a NamedTuple because
    parsers build one per line of scheduler output, and it is three times cheaper to make
    than a frozen dataclass).

    Attributes:
        job_id: the scheduler's id (``123``, ``123_4``, ``123[4].server``).
        state: the normalised state.
        raw: the scheduler's own state code, verbatim (``PENDING``, ``CANCELLED by 0``, ``Q``).
        exit_code: the program's exit code when the scheduler reported one.
        signal: the signal that ended the job, when reported.
        reason: the scheduler's reason or comment (``Resources``, ``TimeLimit``), if any.
        source: which query produced this (``squeue``, ``sacct``, ``qstat``, ``local``).
        elapsed: seconds the job has run (so far, or in all), when the scheduler measured
            it (Slurm Elapsed, PBS ``resources_used.walltime``, Grid Engine
            ``ru_wallclock``, the local backend's start and end times).
        node: the host(s) it ran on, as the scheduler names them ("" when unknown).
        max_mem: its peak memory in bytes, when the scheduler measured one (Slurm
            MaxRSS of the batch step, PBS ``resources_used.mem``, Grid Engine
            ``maxvmem``); None when unknown -- never 0 for "not measured".

    The three usage fields are facts about the same job as the state, from the same
    answer, so they live here rather than in a second record that would have to be
    matched to this one by id in every poll, cache and view.
    """

    job_id: str
    state: JobState
    raw: str = ""
    exit_code: int | None = None
    signal: int | None = None
    reason: str = ""
    source: str = ""
    elapsed: float | None = None
    node: str = ""
    max_mem: int | None = None


def rollup_states(states: Iterable[JobState]) -> JobState:
    """The state of an array job from the states of its tasks.

    Any task running, or some finished while others still wait (the array has begun, PBS
    state ``B``) → running; all waiting → queued; otherwise an unknown task makes the
    whole unknown; all finished → failed if any failed, else cancelled if any cancelled,
    else completed.  No tasks → unknown.

    >>> rollup_states([JobState.COMPLETED, JobState.RUNNING])
    <JobState.RUNNING: 'running'>
    >>> rollup_states([JobState.COMPLETED, JobState.QUEUED])
    <JobState.RUNNING: 'running'>
    >>> rollup_states([JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED])
    <JobState.FAILED: 'failed'>
    >>> rollup_states([])
    <JobState.UNKNOWN: 'unknown'>
    """
    seen = set(states)
    if JobState.RUNNING in seen:
        return JobState.RUNNING
    if JobState.QUEUED in seen:
        return JobState.RUNNING if seen & FINAL_STATES else JobState.QUEUED
    for state in (JobState.UNKNOWN, JobState.FAILED, JobState.CANCELLED, JobState.COMPLETED):
        if state in seen:
            return state
    return JobState.UNKNOWN
