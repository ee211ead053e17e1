"""``hsm config show``: every setting, its effective value and where it came from."""

from __future__ import annotations

from hsm.cli.output import Reply
from hsm.cli.requests import Settings
from hsm.pure.cli_text import config_value_data, format_config_rows


def config_show(settings: Settings) -> Reply:
    """The settings as a table (or JSON), headed by the config file that was read."""
    rows = settings.resolved.rows()
    files = list(settings.files)
    data = {
        "files": files,
        "settings": [
            {"setting": leaf, "value": config_value_data(value), "source": source}
            for leaf, value, source in rows
        ],
    }
    head = f"config file: {files[0]}" if files else "config file: none found"
    return Reply(f"{head}\n{format_config_rows(rows)}", data)
