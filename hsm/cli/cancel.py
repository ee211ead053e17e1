"""``hsm cancel``: a whole sweep (through its record), or jobs by id.

Strategy: a sweep is cancelled by the library, which knows its current jobs and holds
the sweep's lock; bare job ids go straight to the backend's cancel verb.
"""

from __future__ import annotations

from functools import partial

from returns.io import IOResult

from hsm import api
from hsm.cli.output import Reply
from hsm.cli.requests import CancelRequest, JobsRef
from hsm.pure.errors import HSMFailure


def cancel(request: CancelRequest) -> IOResult[Reply, HSMFailure]:
    """Cancel what the request names; say which job ids were cancelled."""
    if isinstance(request, JobsRef):
        cancelled = request.backend.cancel(list(request.job_ids))
        return cancelled.map(partial(_reply, list(request.job_ids)))
    return api.cancel(request.sweep_dir, request.backend).map(_cancelled)


def _reply(ids: list[str], _: None) -> Reply:
    return _cancelled(ids)


def _cancelled(ids: list[str]) -> Reply:
    text = f"cancelled {len(ids)} job(s): {' '.join(ids)}" if ids else "nothing to cancel"
    return Reply(text, {"cancelled": ids})
