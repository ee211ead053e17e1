"""``hsm sweep list``: the sweeps under the sweep root, with their last known states.

Strategy: each sweep directory is read from its own files (``api.sweeps_under``): the
manifest and the status the last command cached, so listing asks no scheduler and a
damaged directory is a line that says so.  ``--refresh`` polls each valid sweep once.
"""

from __future__ import annotations

import time
from datetime import datetime
from functools import partial

from returns.io import IOResult, IOSuccess

from hsm import api
from hsm.cli.output import Console, Reply
from hsm.cli.requests import SweepListRequest
from hsm.effects.compose import each
from hsm.pure.catalog import SweepEntry, entries_table, entry_record
from hsm.pure.errors import HSMFailure


def sweep_list(console: Console, request: SweepListRequest) -> IOResult[Reply, HSMFailure]:
    """List the sweeps under ``request.root``, oldest first."""
    return (
        api.sweeps_under(request.root)
        .bind(partial(_refreshed, request))
        .map(partial(_reply, console, request))
    )


def _refreshed(
    request: SweepListRequest, found: tuple[SweepEntry, ...]
) -> IOResult[tuple[SweepEntry, ...], HSMFailure]:
    """With ``--refresh``, each entry with the counts of a fresh poll."""
    if not request.refresh:
        return IOSuccess(found)
    return each(found, api.refresh_entry).map(tuple)


def _when(created: float | None, fmt: str) -> str:
    return "" if created is None else time.strftime(fmt, time.localtime(created))


def _iso(created: float | None) -> str:
    if created is None:
        return ""
    return datetime.fromtimestamp(created).astimezone().isoformat(timespec="seconds")


def _reply(console: Console, request: SweepListRequest, found: tuple[SweepEntry, ...]) -> Reply:
    entries = found
    data = {
        "root": str(request.root),
        "sweeps": [entry_record(entry, _iso(entry.created)) for entry in entries],
    }
    if not entries:
        return Reply(f"no sweeps in {request.root}/", data)
    shown = [_when(entry.created, "%Y-%m-%d %H:%M") for entry in entries]
    text = entries_table(entries, shown, console.colour)
    if not request.refresh:
        text += "\n(states as last seen; --refresh asks the schedulers)"
    return Reply(text, data)
