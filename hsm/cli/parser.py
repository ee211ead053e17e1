"""The ``hsm`` command line as an ``argparse`` parser: flags, help texts, usage errors.

Strategy: this module imports only the standard library (and the exit-code table), so
``hsm --help`` answers without loading returns, cattrs, jinja2 or yaml.  It checks a
flag's *form* (a number is a number, a choice is one of its choices); what a value
*means* -- a walltime, a queue, a sweep file -- is checked once, in
:mod:`hsm.cli.inputs`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from hsm.cli.exits import EXIT_CODES, EXIT_TASKS_FAILED, EXIT_USAGE

JSON_HELP = """\
--json prints one JSON document on stdout (errors still go to stderr as text):
  sweep run/render/submit/resubmit: {"sweep_id", "sweep_dir", "scheduler", "mode",
    "tasks": N, "jobs": [{"key", "job_id", "tasks": [..]}], "submitted": [keys],
    "recovered": [keys], "submitted_tasks": N in so far}; with --wait also "status"
    (the monitor document);
    with --dry-run instead {"dry_run": true, ..., "waiting": N, "jobs": [{"key", "job_name",
    "script_file", "tasks", "indices", "submit_argv", "script"}]}
  monitor: {"sweep_id", "sweep_dir", "scheduler", "state", "stale", "warning",
    "counts": {state: n}, "submitted_tasks": N in so far, "tasks": [{"task", "params",
    "job_id", "state", "raw", "exit_code", "signal", "reason", "elapsed", "node",
    "max_mem", "log", "attempts"}]}
    (elapsed in seconds, max_mem in bytes, from the scheduler's accounting; null when
    it does not say)
    (also "varying": [keys], "constants": {key: value}, "started": epoch seconds or
    null; with --state only those tasks)
  results: {"sweep_id", "sweep_dir", "file", "varying", "rows": [{"task", "params",
    "state", "job_id", "exit_code", "elapsed", "elapsed_source", "metrics",
    "metrics_error", "attempts"}]}
  limits: {"user", "scheduler", "limits": [{"name", "value", "source", "binds"}],
    "configured", "problems", "max_queued", "queued"}
  sweep feed: {"sweep_dir", "feeder_pid"}; with --wait {"submitted", "tasks", "status"}
  logs: {"task", "log", "text"}
  sweep list: {"root", "sweeps": [{"sweep_dir", "sweep_id", "scheduler", "mode",
    "tasks", "created", "counts", "valid", "problem"}]}
  queue: {"user", "scheduler", "jobs": [{"job_id", "state", "raw", "exit_code",
    "signal", "reason"}]}
  cancel: {"cancelled": [job ids]}
  config show: {"files": [paths], "settings": [{"setting", "value", "source"}]}
States are queued, running, completed, failed, cancelled, unknown.
"""

MODES = ("array", "individual", "local")
# --system takes no argparse choices: the scheduler registry owns the list and checks it
# (with the config's other values), and importing it here would slow down `hsm --help`.
SYSTEM_HELP = "auto, or a scheduler such as slurm, pbs or local (see `hsm config show`)"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one ``hsm: error:`` line plus a hint.

    Abbreviated options are refused, so a typo such as ``--walltim`` is an error.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"hsm: error: {message}\nhint: see '{self.prog} --help'\n")
        sys.exit(EXIT_USAGE)


def _int_from(text: str, noun: str = "a whole number") -> int:
    """``text`` as an int, or argparse's error naming what was expected."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None


def _positive_int(text: str) -> int:
    value = _int_from(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"expected 0 < seconds <= 3600, got {text}")
    return value


def _common() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--hsm-config",
        metavar="FILE",
        help="hsm config file (default: ./hsm_config.yaml, "
        "./.hsm/config.yaml, then $XDG_CONFIG_HOME/hsm/config.yaml)",
    )
    common.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")
    noise = common.add_mutually_exclusive_group()
    noise.add_argument("-q", "--quiet", action="store_true", help="print only what matters")
    noise.add_argument(
        "-v", "--verbose", action="store_true", help="also say what hsm decided and why"
    )
    common.add_argument(
        "--debug", action="store_true", help="show a traceback for unexpected errors"
    )
    return common


def _job_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=V1,V2",
        help="sweep axes in Hydra's syntax: lr=0.1,0.01 'seed=range(3)' 'model=choice(a,b)' "
        "'model.name=glob(c*)' (each replaces the sweep file's axis of that key, or adds one)",
    )
    parser.add_argument(
        "--config",
        "-c",
        metavar="SWEEP_YAML",
        help="sweep file: script, grid, paired, combinations, hpc",
    )
    parser.add_argument(
        "--script", metavar="PATH", help="the program to run (overrides the sweep file's script)"
    )
    parser.add_argument(
        "--hydra",
        action="store_true",
        help="the program is a Hydra app: each task's Hydra output goes to its own task "
        "directory (as `hydra: true` in the sweep file); task configs are composed with "
        "the app before anything is submitted",
    )
    parser.add_argument(
        "--no-check",
        action="store_true",
        help="for a Hydra app, skip composing the tasks' configs before submitting",
    )
    parser.add_argument(
        "--mode",
        choices=MODES,
        default=None,
        help="array (default), individual jobs, or local (= --system local)",
    )
    parser.add_argument(
        "--system",
        default=None,
        metavar="SYSTEM",
        help=f"{SYSTEM_HELP}; default: hpc.system, else auto-detect",
    )
    parser.add_argument("--walltime", help="time limit, e.g. 04:00:00")
    parser.add_argument(
        "--resources",
        help="scheduler resources, e.g. select=1:ncpus=4 or --mem=16G "
        "(the next word is the value, even if it starts with -)",
    )
    parser.add_argument("--python", help="interpreter that runs the script")
    parser.add_argument("--partition", help="Slurm partition")
    parser.add_argument("--queue", help="PBS or Grid Engine queue")
    parser.add_argument("--account", help="account to charge")
    parser.add_argument(
        "--sweep-id",
        help="name of the sweep (default: <script>_<12 hex digits of the inputs>, so the "
        "same command resumes the same sweep)",
    )
    parser.add_argument("--sweep-dir", help="where the record goes (default: sweeps/<id>)")
    parser.add_argument(
        "--max-array-size",
        type=_positive_int,
        metavar="N",
        help="split arrays so every index stays below N",
    )
    parser.add_argument(
        "--throttle",
        type=_positive_int,
        metavar="N",
        help="run at most N tasks of an array at once",
    )
    _max_queued_flag(parser)
    parser.add_argument(
        "--after",
        action="append",
        default=[],
        metavar="JOBID",
        help="start after JOBID succeeds (KIND:JOBID for after, afterok, "
        "afternotok, afterany); repeatable",
    )


def _feed_interval_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--feed-interval",
        type=_seconds,
        default=30.0,
        metavar="SECONDS",
        help="seconds between a detached feeder's polls of the queue (default 30)",
    )


def _retry_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--retries",
        type=_count,
        metavar="N",
        help="run a task again, up to N times, when the infrastructure killed it (Slurm "
        "NODE_FAIL, BOOT_FAIL, PREEMPTED; PBS JOB_EXEC failures other than limit kills; "
        "Grid Engine host failures before the program started); "
        "each attempt is a new generation; a feeder watches the sweep until the end "
        "(default: hpc.retries, else 0)",
    )
    parser.add_argument(
        "--retry-on",
        default="infrastructure",
        metavar="WHAT",
        help="what --retries answers: infrastructure (the default: failures of nodes, boots "
        "and preemptions) or any (every failure)",
    )


def _count(text: str) -> int:
    value = _int_from(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def _max_queued_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-queued",
        type=_positive_int,
        metavar="N",
        help="you may have at most N jobs queued (each array task counts), when the "
        "scheduler does not say or you want fewer; a sweep that does not fit is fed in "
        "waves (default: hpc.max_queued, else the scheduler's limits: see hsm limits)",
    )


def _wait_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait",
        action="store_true",
        help=f"follow the sweep until every task finished; exit "
        f"{EXIT_TASKS_FAILED} if any did not complete",
    )
    parser.add_argument(
        "--poll-interval",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help="seconds between polls with --wait/--watch (default 5)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole ``hsm`` command line."""
    common = _common()
    top = _Parser(
        prog="hsm",
        description="HPC Sweep Manager: run a parameter sweep as Slurm, PBS/Torque, Grid "
        "Engine or local jobs, follow it, and keep an auditable record.",
        epilog=EXIT_CODES + "\n" + JSON_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version="%(prog)s 0.1.0")
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(parent: Any, name: str, text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = parent.add_parser(
            name,
            help=text,
            description=text,
            parents=[common],
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return parser

    sweep = commands.add_parser(
        "sweep",
        help="run, render, submit or resubmit a sweep",
        description="Run, render, submit or resubmit a sweep.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sweeps = sweep.add_subparsers(dest="action", metavar="ACTION", required=True)
    run = add(sweeps, "run", "plan, write and submit a sweep (resumes if run again)")
    _job_flags(run)
    _retry_flags(run)
    _feed_interval_flag(run)
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="print the scripts and submit commands; write and submit nothing",
    )
    _wait_flags(run)
    run.add_argument(
        "--cancel-on-interrupt",
        action="store_true",
        help="with --wait, Ctrl-C cancels the sweep's jobs (default: they keep running)",
    )
    render = add(sweeps, "render", "write the scripts and manifest only, for audit")
    _job_flags(render)
    submit = add(sweeps, "submit", "submit a rendered sweep after checking every hash")
    submit.add_argument("sweep_dir", metavar="DIR")
    _wait_flags(submit)
    again = add(sweeps, "resubmit", "submit the failed, cancelled and unknown tasks again")
    _sweep_ref(again)
    again.add_argument(
        "--failed",
        action="store_true",
        help="resubmit failed, cancelled and unknown tasks (the default)",
    )
    again.add_argument(
        "--walltime",
        help="a new time limit for the resubmitted tasks, e.g. 08:00:00 after a TIMEOUT "
        "(default: as their last submission)",
    )
    again.add_argument(
        "--resources",
        help="new scheduler resources replacing the sweep's, e.g. --mem=32G after an "
        "OUT_OF_MEMORY (the next word is the value, even if it starts with -)",
    )
    _wait_flags(again)
    feeding = add(
        sweeps,
        "feed",
        "go on submitting a sweep's tasks that wait for queue room (after its feeder was "
        "killed or the machine rebooted); a detached feeder unless --wait",
    )
    _sweep_ref(feeding)
    _max_queued_flag(feeding)
    _retry_flags(feeding)
    _feed_interval_flag(feeding)
    _wait_flags(feeding)
    listing = add(sweeps, "list", "the sweeps under the sweep root, with their last known states")
    listing.add_argument(
        "--sweep-root",
        metavar="DIR",
        help="where the sweeps are (default: sweeps)",
    )
    listing.add_argument(
        "--refresh",
        action="store_true",
        help="ask each sweep's scheduler now (default: the last states a command saw)",
    )

    monitor = add(
        commands,
        "monitor",
        "states of a sweep's tasks, with logs of failures (a summary for a big sweep)",
    )
    monitor.add_argument(
        "--mode",
        choices=("hpc", "local"),
        default="hpc",
        help="accepted for the seed's CLI; the sweep's manifest decides",
    )
    _sweep_ref(monitor)
    monitor.add_argument("--watch", action="store_true", help="refresh until interrupted")
    monitor.add_argument("--poll-interval", type=_seconds, default=5.0, metavar="SECONDS")
    monitor.add_argument(
        "--lines",
        type=_positive_int,
        default=None,
        metavar="N",
        help="log lines shown per failed task (default 10 in the table, 3 in the summary)",
    )
    _state_flag(monitor, "show only tasks in these states (and list them all)")
    monitor.add_argument(
        "--all",
        action="store_true",
        help="every task's row and every failure's log, even for a big sweep "
        "(which otherwise shows a summary); rows show ELAPSED, NODE and MAXMEM where the "
        "scheduler reports them",
    )

    results = add(
        commands, "results", "each task's parameters, state and the metrics it left, sorted"
    )
    _sweep_ref(results)
    results.add_argument(
        "--file",
        default="metrics.json",
        metavar="NAME",
        help="the JSON object file each task writes in $HSM_TASK_DIR (default metrics.json)",
    )
    results.add_argument(
        "--sort",
        metavar="COLUMN",
        help="order by a metric or parameter, ascending (-COLUMN: descending); "
        "tasks without it come last",
    )
    results.add_argument("--desc", action="store_true", help="sort descending")
    results.add_argument("--top", type=_positive_int, metavar="N", help="only the first N rows")
    _state_flag(results, "only tasks in these states")
    results.add_argument("--csv", action="store_true", help="print CSV for scripts")

    logs = add(commands, "logs", "one task's log (-f: follow it until the task ends)")
    _sweep_ref(logs)
    logs.add_argument("task", type=_task_number, metavar="TASK", help="the task number")
    logs.add_argument(
        "-n", "--lines", type=_positive_int, metavar="N", help="only the last N lines"
    )
    logs.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="keep printing what the task writes until it has finished (Ctrl-C stops)",
    )
    logs.add_argument(
        "--poll-interval",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help="with -f: seconds between asks of the sweep's state (default 5)",
    )

    queue = add(commands, "queue", "your jobs in the scheduler, with normalised states")
    queue.add_argument("--system", default=None, metavar="SYSTEM", help=SYSTEM_HELP)
    queue.add_argument("--watch", action="store_true", help="refresh until interrupted")
    queue.add_argument("--poll-interval", type=_seconds, default=5.0, metavar="SECONDS")

    cancel = add(commands, "cancel", "cancel a sweep or jobs by id")
    cancel.add_argument("job_ids", nargs="*", metavar="JOBID")
    cancel.add_argument("--sweep-id")
    cancel.add_argument("--sweep-dir")
    cancel.add_argument(
        "--system",
        default=None,
        metavar="SYSTEM",
        help=f"scheduler for bare job ids: {SYSTEM_HELP}; default: config, else detect",
    )

    limits = add(
        commands,
        "limits",
        "how many jobs you may queue (the scheduler's submit limits and hpc.max_queued, "
        "with where each came from) and how many you have queued",
    )
    limits.add_argument("--system", default=None, metavar="SYSTEM", help=SYSTEM_HELP)
    _max_queued_flag(limits)

    config = commands.add_parser(
        "config",
        help="show the effective configuration",
        description="Show the effective configuration.",
    )
    configs = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    add(configs, "show", "every setting, its value and where it came from")
    return top


def _state_flag(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument(
        "--state",
        action="append",
        default=[],
        metavar="STATE",
        help=f"{text}: queued, running, completed, failed, cancelled, unknown "
        "(repeatable, or a comma list)",
    )


def _task_number(text: str) -> int:
    value = _int_from(text, "a task number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a task number (0 or more), got {value}")
    return value


def _sweep_ref(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sweep-id", help="the sweep (its record is sweeps/<id>)")
    parser.add_argument("--sweep-dir", help="the sweep directory (default: sweeps/<id>)")


#: Options whose value is free text that may start with ``-`` (Slurm's ``--mem=16G``).
FREE_TEXT = ("--resources",)
#: Options whose value may start with ``-`` to mean "descending" (``--sort -acc``).
SIGNED = ("--sort",)


def join_free_text(argv: Sequence[str]) -> list[str]:
    """``--resources VALUE`` -> ``--resources=VALUE`` whatever VALUE looks like (and
    ``--sort -COLUMN`` -> ``--sort=-COLUMN``).

    argparse takes a word starting with ``-`` for an option, so ``--resources --mem=200M``
    would fail with "expected one argument"; joined, the value reaches the resource
    parser, which judges it.  Words after ``--`` are left alone.

    >>> join_free_text(["sweep", "run", "--resources", "--mem=2G", "lr=1"])
    ['sweep', 'run', '--resources=--mem=2G', 'lr=1']
    >>> join_free_text(["--", "--resources", "-x"])
    ['--', '--resources', '-x']
    >>> join_free_text(["results", "--sort", "-acc"])
    ['results', '--sort=-acc']
    """
    joined: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            joined.append(word)
            joined.extend(words)
        elif word in FREE_TEXT or word in SIGNED:
            value = next(words, None)
            joined.append(word if value is None else f"{word}={value}")
        else:
            joined.append(word)
    return joined


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``argv`` (default: the process arguments); a usage error exits with code 2."""
    parser = build_parser()
    args, extra = parser.parse_known_args(join_free_text(sys.argv[1:] if argv is None else argv))
    if extra and getattr(args, "overrides", None) is not None:
        # sweep axes may come after options too (argparse stops at the first option)
        args.overrides += [e for e in extra if not e.startswith("-")]
        extra = [e for e in extra if e.startswith("-")]
    if extra:
        leaf = _leaf(parser, args)
        leaf.error(f"unrecognized arguments: {' '.join(extra)}{_did_you_mean(leaf, extra)}")
    return args


def _leaf(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The (sub)parser of the command ``args`` names, whose help lists its options."""
    for dest in ("command", "action"):
        subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        name = getattr(args, dest, None)
        if not subparsers or name not in subparsers[0].choices:
            break
        parser = subparsers[0].choices[name]
    return parser


def _did_you_mean(parser: argparse.ArgumentParser, extra: Sequence[str]) -> str:
    """`` (did you mean --dry-run?)`` for an option close to one the command has."""
    import difflib

    known = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
    for word in extra:
        close = difflib.get_close_matches(word.split("=", 1)[0], known, n=1, cutoff=0.75)
        if close:
            return f" (did you mean {close[0]}?)"
    return ""
