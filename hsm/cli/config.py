"""``hsm config show``: every setting, its effective value and where it came from, and
which scheduler ``hpc.system`` names on this machine (and why)."""

from __future__ import annotations

from functools import partial

from returns.io import IOResult

from hsm import api
from hsm.cli.output import Reply
from hsm.cli.requests import Settings
from hsm.pure.cli_text import config_value_data, format_config_rows
from hsm.pure.detect import Detected
from hsm.pure.errors import HSMFailure


def config_show(settings: Settings) -> IOResult[Reply, HSMFailure]:
    """The settings as a table (or JSON), headed by the config file that was read and
    followed by the scheduler detection's verdict."""
    system = str(settings.config.hpc.system)
    return (
        api.detect_scheduler(system)
        .map(partial(_reply, settings))
        .lash(partial(_undecided, settings))
    )


def _undecided(settings: Settings, failure: HSMFailure) -> IOResult[Reply, HSMFailure]:
    """Settings are worth showing even when detection fails: say why it did."""
    return IOResult.from_value(_reply(settings, None, failure.message))


def _reply(settings: Settings, found: Detected | None, problem: str = "") -> Reply:
    rows = settings.resolved.rows()
    files = list(settings.files)
    scheduler = (
        {"key": found.key, "reason": found.reason}
        if found is not None
        else {"key": None, "reason": problem}
    )
    data = {
        "files": files,
        "settings": [
            {"setting": leaf, "value": config_value_data(value), "source": source}
            for leaf, value, source in rows
        ],
        "scheduler": scheduler,
    }
    head = f"config file: {files[0]}" if files else "config file: none found"
    verdict = (
        f"scheduler: {found.key} ({found.reason})"
        if found is not None
        else f"scheduler: none ({problem})"
    )
    return Reply(f"{head}\n{format_config_rows(rows)}\n{verdict}", data)
