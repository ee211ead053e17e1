"""``hsm``'s ``main``: parse the flags, run the command they name, report its outcome.

Strategy: only :mod:`hsm.cli.parser` (standard library) is imported at the top, so
``hsm --help`` starts fast; the command modules -- and with them returns, cattrs, jinja2
and yaml -- are imported once a command runs.  Dependencies flow one way: this module
-> command modules -> :mod:`hsm.cli.inputs` / :mod:`hsm.cli.output` -> the library.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from hsm.cli.parser import parse


def _command(args: argparse.Namespace) -> Callable[[argparse.Namespace], Any]:
    """The function that runs the command ``args`` names (its module imported now)."""
    if args.command == "sweep":
        from hsm.cli import sweep

        return {
            "run": sweep.run,
            "render": sweep.render,
            "submit": sweep.submit,
            "resubmit": sweep.resubmit,
        }[args.action]
    from hsm.cli import commands

    return {
        "monitor": commands.monitor,
        "queue": commands.queue,
        "cancel": commands.cancel,
        "config": commands.config_show,
    }[args.command]


def _run(args: argparse.Namespace) -> Any:
    return _command(args)(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hsm`` with ``argv`` (default: the process arguments); return the exit code."""
    args = parse(argv)
    from hsm.cli.output import report

    return report(
        partial(_run, args),
        as_json=bool(getattr(args, "json", False)),
        debug=bool(getattr(args, "debug", False)),
    )
