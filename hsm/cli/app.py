"""``hsm``'s ``main``: parse the flags, gather the request, run the command, report.

Strategy: only :mod:`hsm.cli.parser` (standard library) is imported at the top, so
``hsm --help`` starts fast; the rest -- and with it returns, cattrs, jinja2 and yaml --
is imported once a command runs.  Every command goes the same way, in one direction:
:mod:`hsm.cli.inputs` gathers and checks its request once, the command module turns the
request into a reply through the library, and :mod:`hsm.cli.output` prints the reply or
the failure and picks the exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from hsm.cli.exits import EXIT_INTERRUPTED
from hsm.cli.parser import parse

if TYPE_CHECKING:
    from returns.io import IOResult

    from hsm.cli.output import Console, Reply
    from hsm.pure.errors import HSMFailure


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hsm`` with ``argv`` (default: the process arguments); return the exit code."""
    try:
        args = parse(argv)
        from hsm.cli.inputs import console
        from hsm.cli.output import report

        told = console(args)
    except KeyboardInterrupt:
        # Ctrl-C while hsm loads, before the command starts (and before ``report`` can
        # say what an interrupt leaves): nothing has been done yet.
        sys.stderr.write("\nhsm: interrupted before anything was done\n")
        return EXIT_INTERRUPTED
    return report(partial(_command, args, told), told)


def _command(args: argparse.Namespace, console: Console) -> IOResult[Reply, HSMFailure]:
    """Gather the request ``args`` names, once, and hand it to its command."""
    from returns.io import IOResult

    match args.command, getattr(args, "action", None):
        case "sweep", "run":
            from hsm.cli.sweep import run
            from hsm.cli.sweep_inputs import sweep_request

            return sweep_request(args, console).bind(partial(run, console))
        case "sweep", "render":
            from hsm.cli.sweep import render
            from hsm.cli.sweep_inputs import render_request

            return render_request(args, console).bind(render)
        case "sweep", "submit":
            from hsm.cli.inputs import submit_request
            from hsm.cli.sweep import submit

            return submit_request(args).bind(partial(submit, console))
        case "sweep", "resubmit":
            from hsm.cli.inputs import resubmit_request
            from hsm.cli.sweep import resubmit

            return resubmit_request(args).bind(partial(resubmit, console))
        case "sweep", "feed":
            from hsm.cli.feeding import feed, feed_request

            return feed_request(args, console).bind(partial(feed, console))
        case "sweep", "list":
            from hsm.cli.read_inputs import sweep_list_request
            from hsm.cli.sweeps import sweep_list

            return sweep_list_request(args).bind(partial(sweep_list, console))
        case "monitor", _:
            from hsm.cli.monitor import monitor
            from hsm.cli.read_inputs import monitor_request

            return monitor_request(args).bind(partial(monitor, console))
        case "results", _:
            from hsm.cli.read_inputs import results_request
            from hsm.cli.results import results

            return results_request(args).bind(partial(results, console))
        case "logs", _:
            from hsm.cli.logs import logs
            from hsm.cli.read_inputs import logs_request

            return logs_request(args).bind(partial(logs, console))
        case "queue", _:
            from hsm.cli.inputs import queue_request
            from hsm.cli.queue import queue

            return queue_request(args, console).bind(partial(queue, console))
        case "cancel", _:
            from hsm.cli.cancel import cancel
            from hsm.cli.inputs import cancel_request

            return cancel_request(args).bind(cancel)
        case "limits", _:
            from hsm.cli.feeding import limits_request

            return limits_request(args, console)
        case "config", "show":
            from hsm.cli.config import config_show
            from hsm.cli.inputs import config_request

            return IOResult.from_result(config_request(args, console)).bind(config_show)
    raise ValueError(f"no command for {args.command} {getattr(args, 'action', '')}")
