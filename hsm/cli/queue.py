"""``hsm queue``: the user's jobs in the scheduler, with normalised states.

Strategy: one ``user_jobs`` call on the chosen backend, shown as a table (or JSON) in
numeric job-id order (``9`` before ``10``, ``12_3`` before ``12_10``) with each job's
name where the scheduler lists it (not PBS's ``qselect``); ``--watch`` repeats it until
interrupted.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from returns.io import IOResult

from hsm.cli.output import Console, Reply, frame, repeat
from hsm.cli.requests import QueueRequest
from hsm.pure.cli_text import counts_text, format_table, job_id_key, paint
from hsm.pure.errors import HSMFailure
from hsm.pure.manifest import count_states
from hsm.pure.records import status_to_data
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.schedulers.base import UserJobs
from hsm.pure.states import JobStatus
from hsm.pure.summary import exit_text


def queue(console: Console, request: QueueRequest) -> IOResult[Reply, HSMFailure]:
    """Show the user's jobs once, or with ``--watch`` every few seconds."""
    if request.watch is not None:
        return repeat(partial(_refresh, console, request), request.watch)
    return _jobs(request).map(partial(_view, console, request))


def _jobs(request: QueueRequest) -> IOResult[UserJobs, HSMFailure]:
    return request.backend.user_jobs(request.user)


def _refresh(console: Console, request: QueueRequest) -> IOResult[Reply | None, HSMFailure]:
    return _jobs(request).map(partial(_frame, console, request))


def _frame(console: Console, request: QueueRequest, found: UserJobs) -> None:
    shown = _view(console, request, found)
    frame(shown.text, shown.data, console)


def _by_job_id(item: tuple[str, JobStatus]) -> tuple[tuple[int, int, str], ...]:
    return job_id_key(item[1].job_id or item[0])


#: What ``hsm queue --json`` gives of each status (the usage columns are the sweep
#: views'; the queue shows what the scheduler says of each job now).
_QUEUE_FIELDS = ("state", "raw", "exit_code", "signal", "reason")


def _queue_fields(status: JobStatus) -> dict[str, Any]:
    data = status_to_data(status)
    return {name: data[name] for name in _QUEUE_FIELDS}


def _view(console: Console, request: QueueRequest, found: UserJobs) -> Reply:
    statuses = found.statuses
    ordered = sorted(statuses.items(), key=_by_job_id)
    key = request.backend.key
    split = SCHEDULERS[key].split_task_id
    names = {job_id: found.name_of(s.job_id or job_id, split) for job_id, s in ordered}
    jobs: list[dict[str, Any]] = [
        {"job_id": s.job_id or job_id, "name": names[job_id], **_queue_fields(s)}
        for job_id, s in ordered
    ]
    rows = [
        [
            s.job_id or job_id,
            names[job_id],
            paint(s.state.value, s.state.value, console.colour),
            s.raw,
            exit_text(s),
            s.reason,
        ]
        for job_id, s in ordered
    ]
    counts = count_states(statuses.values())
    text = f"{len(jobs)} jobs of {request.user} on {key}: {counts_text(counts, console.colour)}"
    if rows:
        text += "\n" + format_table(("JOB ID", "NAME", "STATE", "RAW", "EXIT", "REASON"), rows)
    return Reply(text, {"user": request.user, "scheduler": key, "jobs": jobs})
