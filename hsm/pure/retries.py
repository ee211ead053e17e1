"""Which tasks a feeder runs again by itself (``--retries N``).

Strategy: a task's *attempts* are the submitted jobs that covered it (the first run and
every resubmission, each a generation of its own in the manifest).  A task whose newest
job failed is retried while it has had at most ``retries`` attempts beyond the first --
by default only when the scheduler's record says the infrastructure killed it (a node
failure, a boot failure, a preemption that was not requeued: see each scheduler's
``infrastructure_failure``); with ``retry_on="any"`` after any failure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError, HSMFailure
from hsm.pure.states import JobState, JobStatus

if TYPE_CHECKING:  # the CLI's parser reads RETRY_ON: keep this module light to import
    from hsm.pure.manifest import Manifest

#: ``--retry-on`` values: what failure a retry answers.
RETRY_ON = ("infrastructure", "any")


def check_retry_on(text: str) -> Result[str, HSMFailure]:
    """``--retry-on`` must name one of :data:`RETRY_ON`.

    >>> print(check_retry_on("sometimes").failure())
    --retry-on sometimes: expected infrastructure or any
    """
    if text in RETRY_ON:
        return Success(text)
    return Failure(ConfigError(f"--retry-on {text}: expected {' or '.join(RETRY_ON)}"))


def attempts(manifest: Manifest, job_ids: Mapping[str, str]) -> dict[int, int]:
    """Task -> how many submitted jobs ran (or run) it.

    >>> from hsm.pure.manifest import Manifest, SweepTask
    >>> from hsm.pure.plan import JobRecord
    >>> jobs = (JobRecord("array_0", "s_array_0", "x", (0, 1), (0, 1), "l", ""),
    ...         JobRecord("r1_array_0", "s_r1_array_0", "x", (1,), (1,), "l", ""),
    ...         JobRecord("r2_array_0", "s_r2_array_0", "x", (1,), (1,), "l", ""))
    >>> m = Manifest("s", "slurm", "array", "/", {}, (SweepTask(0, {}, ()),
    ...              SweepTask(1, {}, ())), jobs)
    >>> attempts(m, {"array_0": "7", "r1_array_0": "9"})
    {0: 1, 1: 2}
    """
    found: dict[int, int] = {}
    for job in manifest.jobs:
        if job.key in job_ids:
            for task in job.tasks:
                found[task] = found.get(task, 0) + 1
    return found


def tasks_to_retry(
    manifest: Manifest,
    job_ids: Mapping[str, str],
    statuses: Mapping[int, JobStatus],
    *,
    retries: int,
    retry_on: str,
    infrastructure: Callable[[JobStatus], bool],
) -> list[int]:
    """The failed tasks to run again now, in order."""
    if retries < 1:
        return []
    tried = attempts(manifest, job_ids)
    return [
        task
        for task, status in sorted(statuses.items())
        if status.state is JobState.FAILED
        and (retry_on == "any" or infrastructure(status))
        and tried.get(task, 0) <= retries
    ]
