"""``hsm cancel``: a whole sweep (through its record), or jobs by id.

Strategy: a sweep is cancelled by the library, which knows every job hsm submitted for
it and journals the request; bare job ids go to the backend's cancel verb, journaled
first in the sweep under ``sweeps/`` that submitted them, if one did.
Either way the scheduler's answer is reported per id -- cancelled, had already finished,
no such job, refused -- and the exit code is non-zero when an id could not be cancelled
because it does not exist (2) or the scheduler refused (3).
"""

from __future__ import annotations

from returns.io import IOResult

from hsm import api
from hsm.cli.exits import EXIT_SCHEDULER, EXIT_USAGE
from hsm.cli.inputs import DEFAULT_SWEEPS
from hsm.cli.output import Reply
from hsm.cli.requests import CancelRequest, JobsRef
from hsm.pure.errors import HSMFailure
from hsm.pure.schedulers.base import Cancelled, CancelOutcome


def cancel(request: CancelRequest) -> IOResult[Reply, HSMFailure]:
    """Cancel what the request names; say what happened to each job id."""
    if isinstance(request, JobsRef):
        return api.cancel_jobs(request.job_ids, request.backend, DEFAULT_SWEEPS).map(_reply)
    return api.cancel(request.sweep_dir, request.backend).map(_reply)


def _reply(outcomes: Cancelled) -> Reply:
    by_outcome: dict[CancelOutcome, list[str]] = {outcome: [] for outcome in CancelOutcome}
    for job_id, (outcome, _) in outcomes.items():
        by_outcome[outcome].append(job_id)
    done = by_outcome[CancelOutcome.CANCELLED]
    finished = by_outcome[CancelOutcome.FINISHED]
    lines = [f"cancelled {len(done)} job(s): {_listed(done)}"] if done else []
    if finished:
        lines.append(f"had already finished: {_listed(finished)}")
    if not lines:
        lines.append("nothing to cancel")
    problems = tuple(
        f"{job_id}: {outcome.value}" + (f" ({said})" if said else "")
        for job_id, (outcome, said) in outcomes.items()
        if outcome in (CancelOutcome.UNKNOWN, CancelOutcome.REFUSED)
    )
    code = (
        EXIT_SCHEDULER
        if by_outcome[CancelOutcome.REFUSED]
        else EXIT_USAGE
        if by_outcome[CancelOutcome.UNKNOWN]
        else 0
    )
    data = {
        "cancelled": done,
        "finished": finished,
        "unknown": by_outcome[CancelOutcome.UNKNOWN],
        "refused": by_outcome[CancelOutcome.REFUSED],
        "outcomes": {job_id: outcome.value for job_id, (outcome, _) in outcomes.items()},
    }
    return Reply("\n".join(lines), data, code, problems=problems)


def _listed(job_ids: list[str], most: int = 20) -> str:
    """Ids, the first ``most`` of them, then how many more (a big finished sweep)."""
    if len(job_ids) <= most:
        return " ".join(job_ids)
    return f"{' '.join(job_ids[:most])} and {len(job_ids) - most} more"
