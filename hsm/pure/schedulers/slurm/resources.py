"""Slurm resource options: parse ``--nodes=2 -p gpu --mem 16G``; check extra directive lines.

Strategy: a literal table (:data:`OPTIONS`) is the allow-list of sbatch options a
resource string may carry -- resources, and the job options users need (mail, signal,
requeue, QOS, constraint, environment...) -- with the kind of value each takes.  Options
hsm writes itself (:data:`SET_BY_HSM`) and options that would stop hsm from submitting
or finding the job's log and program (:data:`BREAKS_HSM`) are refused with the reason;
anything else is refused as unknown and pointed to the ``hpc.slurm.extra`` escape hatch
(checked by :func:`check_slurm_extra`).  Each accepted option becomes one
``--long=value`` line, so the caller never sees short forms or the space-separated
spelling.  Translation for a PBS target is :mod:`hsm.pure.schedulers.slurm.translate`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.resources_model import (
    EXPORT_ITEM,
    MAIL_ADDRESS,
    Piece,
    ResourceRequest,
    positive_int,
    screen_directive_line,
)
from hsm.pure.schedulers.slurm.sizes import slurm_size_bytes

# Value kinds: count (positive integer), nodes (count or MIN-MAX), size (Slurm memory),
# text (anything the screen let through), flag (no value), exclusive (flag or =user|mcs|topo),
# nice (flag or =N), mail (--mail-type events), address (one mail recipient), signal
# ([R|B:]SIG[@seconds]), export (ALL, NONE, NIL or [ALL,]NAME[=value],...).
OPTIONS: dict[str, str] = {
    "nodes": "nodes",
    "ntasks": "count",
    "ntasks-per-node": "count",
    "cpus-per-task": "count",
    "mem": "size",
    "mem-per-cpu": "size",
    "mem-per-gpu": "size",
    "gres": "text",
    "gpus": "text",
    "gpus-per-node": "text",
    "gpus-per-task": "text",
    "gpus-per-socket": "text",
    "cpus-per-gpu": "count",
    "partition": "text",
    "account": "text",
    "qos": "text",
    "constraint": "text",
    "prefer": "text",
    "exclusive": "exclusive",
    "nodelist": "text",
    "exclude": "text",
    "reservation": "text",
    "licenses": "text",
    "tmp": "size",
    "ntasks-per-socket": "count",
    "ntasks-per-core": "count",
    "sockets-per-node": "count",
    "cores-per-socket": "count",
    "threads-per-core": "count",
    "mincpus": "count",
    "hint": "text",
    "gres-flags": "text",
    "distribution": "text",
    "mem-bind": "text",
    "cpu-bind": "text",
    "gpu-bind": "text",
    "core-spec": "count",
    "thread-spec": "count",
    "switches": "text",
    "network": "text",
    "tres-per-task": "text",
    "contiguous": "flag",
    "overcommit": "flag",
    "oversubscribe": "flag",
    "spread-job": "flag",
    "use-min-nodes": "flag",
    # job options (not resources) users need to get through; see the README's table
    "mail-type": "mail",
    "mail-user": "address",
    "signal": "signal",
    "requeue": "flag",
    "no-requeue": "flag",
    "export": "export",
    "comment": "text",
    "nice": "nice",
}

SHORT: dict[str, str] = {
    "N": "nodes",
    "n": "ntasks",
    "c": "cpus-per-task",
    "p": "partition",
    "A": "account",
    "G": "gpus",
    "C": "constraint",
    "q": "qos",
    "w": "nodelist",
    "x": "exclude",
    "L": "licenses",
    "m": "distribution",
    "S": "core-spec",
    "O": "overcommit",
    "s": "oversubscribe",
    # refused below, listed so the error names the long option
    "t": "time",
    "o": "output",
    "e": "error",
    "a": "array",
    "J": "job-name",
    "d": "dependency",
    "D": "chdir",
    "i": "input",
    "W": "wait",
    "H": "hold",
}

WALLTIME_OPTIONS = frozenset({"time", "time-min"})

#: Options every hsm script sets itself (see ``job.sh.j2``), and where their value comes
#: from.  Refused in resources and in ``hpc.slurm.extra`` alike (a later ``#SBATCH``
#: line would silently win over hsm's).  Partition and account are taken from a
#: resource string (they win over the config), but not from an extra line.
SET_BY_HSM: dict[str, str] = {
    "job-name": "the job name <sweep id>_<job key>, by which hsm finds its jobs again",
    "output": "the log path, which hsm reads for log tails",
    "array": "the array range",
    "dependency": "dependencies, from --after",
    "time": "the walltime, from --walltime or hpc.default_walltime",
    "partition": "the partition, from --partition, hpc.slurm.partition or the resources",
    "account": "the account, from --account, hpc.slurm.account or the resources",
}

#: Options hsm does not set but that would stop it from submitting the job, or from
#: finding the job's log and program.  Refused in resources and extra lines alike.
BREAKS_HSM: dict[str, str] = {
    "wrap": "hsm writes the batch script itself, and --wrap would replace it",
    "chdir": (
        "the --output log path and the program path in hsm's script are relative to "
        "the directory hsm submits from, so --chdir would lose both"
    ),
    "wait": "sbatch would not return until the job ends, but hsm submits and then polls",
    "test-only": "sbatch would only test the script and submit nothing",
}

#: Refused in resources only, with the reason; allowed in ``hpc.slurm.extra`` for
#: whoever accepts the consequence.
RESOURCES_ONLY_REFUSED: dict[str, str] = {
    "error": (
        "hsm keeps stderr in the --output log, which it reads for the log tails of "
        "failed tasks, and --error would split tracebacks away from it; if you accept "
        "that, put --error in hpc.slurm.extra"
    ),
}

#: Slurm ``--mail-type`` events (sbatch(1)) -> the portable event, or why PBS has none.
MAIL_TYPES: dict[str, str] = {
    "BEGIN": "begin",
    "END": "end",
    "FAIL": "fail",
    "ARRAY_TASKS": "array_tasks",
    "NONE": "",
    "ALL": (
        "ALL also mails on REQUEUE, INVALID_DEPEND and STAGE_OUT, which PBS cannot; "
        "write --mail-type=BEGIN,END,FAIL (PBS -m abe)"
    ),
    "REQUEUE": "PBS sends no mail when a job is requeued",
    "INVALID_DEPEND": "PBS sends no mail for a broken dependency",
    "STAGE_OUT": "PBS sends no mail for burst-buffer stage-out",
    "TIME_LIMIT": "PBS sends no mail as the walltime nears",
    "TIME_LIMIT_90": "PBS sends no mail as the walltime nears",
    "TIME_LIMIT_80": "PBS sends no mail as the walltime nears",
    "TIME_LIMIT_50": "PBS sends no mail as the walltime nears",
}
_NODES = re.compile(r"[0-9]+(-[0-9]+)?", re.ASCII)
_NAME = re.compile(r"[A-Za-z0-9_.\-]+(,[A-Za-z0-9_.\-]+)*", re.ASCII)
_SIGNAL = re.compile(r"(?:[RB]{1,2}:)?[A-Za-z0-9]+(?:@[0-9]+)?", re.ASCII)
_RESOURCE_HINT = (
    "use resource options such as --nodes, --ntasks-per-node, --cpus-per-task, --mem, "
    "--gres, --gpus-per-node, --partition, --account, --constraint, --qos or --exclusive, "
    "or put the line in hpc.slurm.extra"
)


# Short options that mark a string as Slurm.  Letters PBS's qsub also has (-A, -q, and
# the ones both refuse: -o -e -J -t -W ...) leave the choice to the default dialect;
# -N counts only with a number (Slurm node count, not a PBS job name).
_MARK_SHORT = frozenset("ncpGCwxLOs")


def is_slurm_mark(tokens: Sequence[str], k: int) -> bool:
    """Token ``k`` can only be Slurm (``--long`` options, Slurm-only letters, ``-N 2``).

    >>> is_slurm_mark(["-N", "2"], 0), is_slurm_mark(["-N", "job"], 0)
    (True, False)
    """
    token = tokens[k]
    if token.startswith("--") or (token[:1] == "-" and token[1:2] in _MARK_SHORT):
        return True
    if token.startswith("-N"):
        value = token[2:] or (tokens[k + 1] if k + 1 < len(tokens) else "")
        return value[:1].isdigit()
    return False


def _err(message: str, path: str) -> Failure[ConfigError]:
    return Failure(ConfigError(message, path))


def parse_slurm(tokens: Sequence[str], path: str) -> Result[ResourceRequest, ConfigError]:
    """Read screened Slurm tokens into a request with one ``--long=value`` line each.

    >>> r = parse_slurm(["-N", "2", "--mem", "16G", "-pgpu", "--exclusive"], "").unwrap()
    >>> r.lines, r.queue
    (('--nodes=2', '--mem=16G', '--exclusive'), 'gpu')
    """
    pieces: list[Piece] = []
    seen: dict[str, str] = {}
    queue: str | None = None
    account: str | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        head = _split_option(token, path)
        if isinstance(head, Failure):
            return head
        name, attached = head.unwrap()
        refusal = _refusal(name, token)
        if refusal:
            return _err(refusal, path)
        kind = OPTIONS[name]
        source = token
        value = attached
        if kind in ("flag", "exclusive", "nice"):
            if kind == "flag" and attached is not None:
                return _err(f"{token!r}: --{name} is a flag and takes no value", path)
        elif attached is None:
            if i < len(tokens) and not tokens[i].startswith("-"):
                value = tokens[i]
                source = f"{token} {value}"
                i += 1
            else:
                return _err(f"{token!r} needs a value: write --{name}=VALUE", path)
        problem = _check_value(name, kind, value, source)
        if problem:
            return _err(problem, path)
        if name in seen:
            return _err(f"{source!r} repeats {seen[name]!r}; give each option once", path)
        opposite = {"requeue": "no-requeue", "no-requeue": "requeue"}.get(name, "")
        if opposite in seen:
            return _err(f"{source!r} contradicts {seen[opposite]!r}; give one of them", path)
        seen[name] = source
        if name == "partition":
            queue = value
        elif name == "account":
            account = value
        else:
            line = f"--{name}" if value is None else f"--{name}={value}"
            pieces.append(Piece(name, value, source, line))
    return Success(ResourceRequest("slurm", tuple(pieces), queue, account))


def _split_option(token: str, path: str) -> Result[tuple[str, str | None], ConfigError]:
    """``--mem=1G`` -> ("mem", "1G"); ``-N2`` -> ("nodes", "2"); ``--exclusive`` -> (.., None)."""
    if token.startswith("--"):
        name, eq, value = token[2:].partition("=")
        if not name:
            return _err(f"{token!r} is not a Slurm option; {_RESOURCE_HINT}", path)
        return Success((name, value if eq else None))
    if token.startswith("-") and len(token) > 1:
        letter, rest = token[1], token[2:]
        if letter not in SHORT:
            return _err(
                f"{token!r} is not a Slurm resource option hsm knows; {_RESOURCE_HINT}", path
            )
        if rest.startswith("="):
            return _err(
                f"{token!r}: write a short option's value after a space "
                f"(-{letter} value) or use --{SHORT[letter]}=value",
                path,
            )
        return Success((SHORT[letter], rest or None))
    return _err(
        f"{token!r} is not a Slurm option: every piece of a Slurm resource string "
        "must be an option such as --nodes=2 or -p gpu",
        path,
    )


def _refusal(name: str, token: str) -> str:
    if name in WALLTIME_OPTIONS:
        return (
            f"{token!r} sets the walltime, which has its own setting (--walltime or "
            "hpc.default_walltime); remove it from the resources"
        )
    if name in SET_BY_HSM and name not in OPTIONS:
        return (
            f"{token!r} is not a resource option: hsm sets --{name} itself "
            f"({SET_BY_HSM[name]}); remove it"
        )
    why = BREAKS_HSM.get(name) or RESOURCES_ONLY_REFUSED.get(name)
    if why:
        return f"{token!r} is refused: {why}"
    if name not in OPTIONS:
        return f"{token!r} is not a Slurm resource option hsm knows; {_RESOURCE_HINT}"
    return ""


def _check_value(name: str, kind: str, value: str | None, source: str) -> str:
    """An error sentence for a bad value, or "" when it is fine."""
    if kind == "flag":
        return ""
    if kind == "exclusive":
        ok = value in (None, "user", "mcs", "topo")
        return "" if ok else f"{source!r}: --exclusive takes no value or one of user, mcs, topo"
    if kind == "nice":
        ok = value is None or (value.isdigit() and value.isascii())
        return "" if ok else f"{source!r}: --nice takes no value or a whole number of 0 or more"
    if not value:
        return f"{source!r} has an empty value"
    if kind == "mail":
        return _check_mail_types(value, source)
    if kind == "address" and not MAIL_ADDRESS.fullmatch(value):
        return (
            f"{source!r}: --mail-user takes one user name or mail address "
            "(Slurm has no list of recipients)"
        )
    if kind == "signal" and not _SIGNAL.fullmatch(value):
        return f"{source!r}: --signal must be [R:|B:]SIGNAL[@SECONDS], e.g. B:USR1@300"
    if kind == "export":
        return _check_export(value, source)
    if kind == "count" and positive_int(value) is None:
        return f"{source!r}: --{name} must be a positive whole number"
    if kind == "nodes" and not (
        _NODES.fullmatch(value) and all(positive_int(n) for n in value.split("-"))
    ):
        return f"{source!r}: --nodes must be a positive number or a MIN-MAX range"
    if kind == "size" and slurm_size_bytes(value) is None:
        return (
            f"{source!r}: --{name} must be a size such as 16G, 512M or 4096 "
            "(default unit megabytes; units K, M, G, T)"
        )
    if name in ("partition", "account") and not _NAME.fullmatch(value):
        return f"{source!r}: --{name} must be a name of letters, digits, '_', '.' and '-'"
    if value[0] in "=-":
        return f"{source!r}: the value must not start with {value[0]!r}"
    return ""


def _check_mail_types(value: str, source: str) -> str:
    names = value.upper().split(",")
    unknown = [n for n in names if n not in MAIL_TYPES]
    if unknown:
        return (
            f"{source!r}: {unknown[0]!r} is not a --mail-type; use "
            f"{', '.join(MAIL_TYPES)} (comma-separated)"
        )
    if "NONE" in names and len(names) > 1:
        return f"{source!r}: NONE cannot be combined with other mail types"
    return ""


def _check_export(value: str, source: str) -> str:
    items = value.split(",")
    if items[0] in ("NONE", "NIL"):
        return "" if len(items) == 1 else f"{source!r}: --export={items[0]} stands alone"
    named = items[1:] if items[0] == "ALL" else items
    if not all(EXPORT_ITEM.fullmatch(item) for item in named):
        return (
            f"{source!r}: --export takes ALL, NONE, NIL or [ALL,]NAME[=value],... with "
            "variable names of letters, digits and '_'"
        )
    return ""


# ---------------------------------------------------------------- hpc.slurm.extra lines

#: Short options hsm refuses in an extra line, by the long name they stand for.
_EXTRA_SHORT = {
    "J": "job-name",
    "o": "output",
    "a": "array",
    "d": "dependency",
    "t": "time",
    "p": "partition",
    "A": "account",
    "D": "chdir",
    "W": "wait",
}
# sbatch short options that take no argument: ``-HJx`` is ``-H -J x``.
_SHORT_FLAGS = frozenset("hHIkOQsuvVW")


def check_slurm_extra(line: str, path: str) -> Result[str, ConfigError]:
    """Accept an ``hpc.slurm.extra`` line unless it could break out of its ``#SBATCH``
    line or sets what hsm sets (:data:`SET_BY_HSM`) or needs (:data:`BREAKS_HSM`).

    sbatch reads every option on a directive line and any unambiguous prefix of a long
    option (``--out`` is ``--output``), so every option-looking word is checked, and a
    prefix of a refused option is refused too.

    >>> check_slurm_extra("--mail-type=END,FAIL --mail-user=me@example.org", "").unwrap()
    '--mail-type=END,FAIL --mail-user=me@example.org'
    >>> print(check_slurm_extra("--out=x.log", "").failure())
    extra directive '--out=x.log' sets --output, which hsm sets itself (the log path, which \
hsm reads for log tails); remove it
    """
    screened = screen_directive_line(line, path)
    if isinstance(screened, Failure):
        return screened
    text = screened.unwrap()
    for word in text.split():
        name = _extra_option(word)
        if name is None:
            return _err(
                f"extra directive {text!r}: write short options one by one ({word!r} "
                "bundles several) or use their --long form",
                path,
            )
        if name in SET_BY_HSM:
            return _err(
                f"extra directive {text!r} sets --{name}, which hsm sets itself "
                f"({SET_BY_HSM[name]}); remove it",
                path,
            )
        if name in BREAKS_HSM:
            return _err(f"extra directive {text!r} is refused: {BREAKS_HSM[name]}", path)
    return Success(text)


def _extra_option(word: str) -> str | None:
    """The refused option ``word`` sets, "" for any other word, None for a bundle."""
    refused = (*SET_BY_HSM, *BREAKS_HSM)
    if word.startswith("--"):
        given = word[2:].partition("=")[0]
        return next((n for n in refused if given and n.startswith(given)), "")
    if word.startswith("-") and len(word) > 1:
        letter = word[1]
        if letter in _EXTRA_SHORT:
            return _EXTRA_SHORT[letter]
        if letter in _SHORT_FLAGS and len(word) > 2:
            return None
    return ""
