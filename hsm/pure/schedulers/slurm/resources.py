"""Slurm resource options: parse ``--nodes=2 -p gpu --mem 16G`` and translate both ways.

Strategy: a literal table (:data:`OPTIONS`) is the allow-list of sbatch options a
resource string may carry -- resources, and the job options users need (mail, signal,
requeue, QOS, constraint, environment...) -- with the kind of value each takes.  Options
hsm writes itself (:data:`SET_BY_HSM`) and options that would stop hsm from submitting
or finding the job's log and program (:data:`BREAKS_HSM`) are refused with the reason;
anything else is refused as unknown and pointed to the ``hpc.slurm.extra`` escape hatch
(checked by :func:`check_slurm_extra`).  Each accepted option becomes one
``--long=value`` line, so the caller never sees short forms or the space-separated
spelling.  For a PBS target the options are reduced to a
:class:`~hsm.pure.resources_model.NodeShape` and its
:class:`~hsm.pure.resources_model.JobFlags`; options outside them (``--constraint``,
``--qos``...) are errors that say why and how to write the request for PBS instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.resources_model import (
    EXPORT_ITEM,
    MAIL_ADDRESS,
    MAIL_EVENTS,
    JobFlags,
    NodeShape,
    Piece,
    ResourceRequest,
    positive_int,
    render_slurm_size,
    screen_directive_line,
    slurm_size_bytes,
)

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

#: Options a PBS target can receive (partition/account travel separately).
TRANSLATABLE = frozenset(
    {
        "nodes",
        "ntasks",
        "ntasks-per-node",
        "cpus-per-task",
        "mem",
        "mem-per-cpu",
        "gres",
        "gpus",
        "gpus-per-node",
        "exclusive",
        "mail-type",
        "mail-user",
        "requeue",
        "no-requeue",
        "export",
    }
)

#: Why some options have no PBS translation (the message adds how to write it for PBS).
UNTRANSLATABLE_WHY: dict[str, str] = {
    "qos": "PBS has no quality of service; pick a queue with -q",
    "constraint": "PBS asks for node features as site-defined chunk resources",
    "prefer": "PBS has no soft node preferences",
    "signal": "PBS sends no warning signal before the walltime ends",
    "reservation": "a PBS reservation is a queue: use -q R<id>",
    "comment": "qsub sets no job comment",
    "nice": "PBS priority (-p) is a different scale, not an adjustment",
    "mem-per-gpu": "PBS chunks have no memory per GPU",
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
_SLURM_MAIL = {portable: name for name, portable in MAIL_TYPES.items() if portable in MAIL_EVENTS}

_NODES = re.compile(r"[0-9]+(-[0-9]+)?", re.ASCII)
_NAME = re.compile(r"[A-Za-z0-9_.\-]+(,[A-Za-z0-9_.\-]+)*", re.ASCII)
_GPU_SPEC = re.compile(r"(?:gpu:)?(?:([A-Za-z0-9_.\-]+):)?([0-9]+)", re.ASCII)
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


# ---------------------------------------------------------------- Slurm -> shape (for PBS)


def slurm_shape(request: ResourceRequest, target: str, path: str) -> Result[NodeShape, ConfigError]:
    """Reduce Slurm options to a :class:`NodeShape` for a PBS ``target`` (label for errors).

    >>> r = parse_slurm(["--nodes=2", "--ntasks-per-node=4", "-c", "2", "--mem=8G"], "")
    >>> slurm_shape(r.unwrap(), "PBS Pro", "").unwrap() == NodeShape(2, 4, 2, 8 * 1024**3)
    True
    >>> r = parse_slurm(["--mail-type=END,FAIL", "--requeue", "--export=ALL"], "")
    >>> slurm_shape(r.unwrap(), "PBS Pro", "").unwrap().flags
    JobFlags(mail_events=('end', 'fail'), mail_user=None, requeue=True, export_all=True, \
export_vars=())
    """
    how = (
        "write the resources in PBS syntax (e.g. select=1:ncpus=4:mem=16gb) or set hpc.system=slurm"
    )
    opts: dict[str, Piece] = {}
    for piece in request.pieces:
        if piece.name not in TRANSLATABLE:
            why = UNTRANSLATABLE_WHY.get(piece.name)
            return _err(
                f"{piece.source!r} has no {target} equivalent hsm can translate"
                + (f" ({why})" if why else "")
                + f"; {how}",
                path,
            )
        opts[piece.name] = piece

    def count(name: str) -> int | None:
        return positive_int(opts[name].value or "") if name in opts else None

    if "nodes" in opts and positive_int(opts["nodes"].value or "") is None:
        return _err(
            f"{opts['nodes'].source!r}: a node range cannot be translated to {target}; "
            "give one number of nodes",
            path,
        )
    nodes = count("nodes")
    tasks = count("ntasks-per-node")
    total_tasks = count("ntasks")
    if total_tasks is not None:
        source = opts["ntasks"].source
        if nodes is None:
            return _err(
                f"{source!r} without --nodes cannot be translated to {target} (Slurm "
                f"may spread the tasks over any number of nodes); write --nodes=1 "
                f"--ntasks-per-node={total_tasks} or give --nodes",
                path,
            )
        if tasks is None and total_tasks % nodes == 0:
            tasks = total_tasks // nodes
        elif tasks is None or tasks * nodes != total_tasks:
            return _err(
                f"{source!r} does not split evenly over {nodes} node(s); use "
                "--ntasks-per-node instead",
                path,
            )
    cpus = count("cpus-per-task")

    mem = _slurm_mem(opts, tasks, cpus, target, path)
    if isinstance(mem, Failure):
        return mem
    gpus = _slurm_gpus(opts, nodes, target, path)
    if isinstance(gpus, Failure):
        return gpus
    if "exclusive" in opts and opts["exclusive"].value is not None:
        return _err(
            f"{opts['exclusive'].source!r} has no {target} equivalent hsm can "
            f"translate; use --exclusive alone or {how}",
            path,
        )
    flags = _slurm_flags(opts, target, path)
    if isinstance(flags, Failure):
        return flags
    return Success(
        NodeShape(
            nodes, tasks, cpus, mem.unwrap(), gpus.unwrap(), "exclusive" in opts, flags.unwrap()
        )
    )


def _slurm_flags(opts: dict[str, Piece], target: str, path: str) -> Result[JobFlags, ConfigError]:
    """Mail, requeue and export options as portable :class:`JobFlags`."""
    events: tuple[str, ...] | None = None
    if "mail-type" in opts:
        piece = opts["mail-type"]
        portable = [MAIL_TYPES[n] for n in (piece.value or "").upper().split(",")]
        why = next((p for p in portable if p and p not in MAIL_EVENTS), "")
        if why:
            return _err(f"{piece.source!r} has no {target} equivalent: {why}", path)
        events = tuple(e for e in MAIL_EVENTS if e in portable)
        if events == ("array_tasks",):
            return _err(
                f"{piece.source!r}: PBS mails for array subjobs (-m j) only together with "
                "begin, end or abort mail; add BEGIN, END or FAIL",
                path,
            )
    requeue = True if "requeue" in opts else False if "no-requeue" in opts else None
    export_all = False
    export_vars: tuple[str, ...] = ()
    if "export" in opts:
        piece = opts["export"]
        items = (piece.value or "").split(",")
        if items[0] in ("NONE", "NIL"):
            return _err(
                f"{piece.source!r} has no {target} equivalent to write: PBS jobs already "
                "start without your environment (only the PBS_O_* variables); remove it",
                path,
            )
        export_all = items[0] == "ALL"
        export_vars = tuple(items[1:] if export_all else items)
    mail_user = opts["mail-user"].value if "mail-user" in opts else None
    return Success(JobFlags(events, mail_user, requeue, export_all, export_vars))


def _slurm_mem(
    opts: dict[str, Piece], tasks: int | None, cpus: int | None, target: str, path: str
) -> Result[int | None, ConfigError]:
    if "mem" in opts and "mem-per-cpu" in opts:
        return _err(
            f"{opts['mem'].source!r} and {opts['mem-per-cpu'].source!r} cannot be "
            "combined (Slurm refuses it too); give one of them",
            path,
        )
    if "mem" in opts:
        nbytes = slurm_size_bytes(opts["mem"].value or "")
        if not nbytes:
            return _err(
                f"{opts['mem'].source!r} (all of a node's memory) has no {target} "
                "equivalent; give a size such as --mem=32G",
                path,
            )
        return Success(nbytes)
    if "mem-per-cpu" in opts:
        per_cpu = slurm_size_bytes(opts["mem-per-cpu"].value or "")
        if not per_cpu:
            return _err(
                f"{opts['mem-per-cpu'].source!r} must be a positive size to be "
                f"translated to {target}",
                path,
            )
        return Success(per_cpu * (tasks or 1) * (cpus or 1))
    return Success(None)


def _slurm_gpus(
    opts: dict[str, Piece], nodes: int | None, target: str, path: str
) -> Result[int | None, ConfigError]:
    given = [opts[n] for n in ("gres", "gpus", "gpus-per-node") if n in opts]
    if not given:
        return Success(None)
    if len(given) > 1:
        return _err(
            f"{given[0].source!r} and {given[1].source!r} both ask for GPUs; give them once", path
        )
    piece = given[0]
    value = piece.value or ""
    if piece.name == "gres" and (value == "gpu" or value.startswith("gpu:")):
        value = value if value != "gpu" else "gpu:1"
    elif piece.name == "gres":
        return _err(
            f"{piece.source!r} has no {target} equivalent hsm can translate (only "
            "--gres=gpu:N is); write the resources in PBS syntax or set "
            "hpc.system=slurm",
            path,
        )
    match = _GPU_SPEC.fullmatch(value)
    if match is None or positive_int(match.group(2)) is None:
        return _err(
            f"{piece.source!r} is not a GPU count hsm can translate; write "
            "--gres=gpu:N or --gpus-per-node=N",
            path,
        )
    if match.group(1):
        return _err(
            f"{piece.source!r} names GPU type {match.group(1)!r}, which hsm cannot "
            f"translate to {target}; drop the type (--gres=gpu:{match.group(2)}) or "
            "write PBS resources with your site's GPU-type resource "
            f"(e.g. select=1:ngpus={match.group(2)}:<gpu_type_resource>=...)",
            path,
        )
    count = int(match.group(2))
    if piece.name != "gpus":
        return Success(count)
    if count % (nodes or 1):
        return _err(
            f"{piece.source!r} does not split evenly over {nodes} nodes; use --gpus-per-node", path
        )
    return Success(count // (nodes or 1))


# ---------------------------------------------------------------- shape -> Slurm lines


def refuse_pbs_server(queue: str, path: str) -> Result[str, ConfigError]:
    """A PBS ``queue@server`` has no Slurm equivalent.

    >>> print(refuse_pbs_server("q@srv", "").failure())
    queue 'q@srv' names a PBS server, which Slurm partitions cannot; give the partition name alone
    """
    if "@" in queue:
        return _err(
            f"queue {queue!r} names a PBS server, which Slurm partitions cannot; give the "
            "partition name alone",
            path,
        )
    return Success(queue)


def render_slurm(shape: NodeShape, path: str) -> Result[tuple[str, ...], ConfigError]:
    """Slurm option lines for a shape (PBS -> Slurm translation).

    >>> render_slurm(NodeShape(2, 4, 2, 8 * 1024**3, 1), "").unwrap()
    ('--nodes=2', '--ntasks-per-node=4', '--cpus-per-task=2', '--mem=8G', '--gres=gpu:1')
    """
    lines: list[str] = []
    if shape.nodes is not None:
        lines.append(f"--nodes={shape.nodes}")
    if shape.tasks_per_node is not None:
        lines.append(f"--ntasks-per-node={shape.tasks_per_node}")
    if shape.cpus_per_task is not None:
        lines.append(f"--cpus-per-task={shape.cpus_per_task}")
    if shape.mem_per_node is not None:
        mem = render_slurm_size(shape.mem_per_node)
        if mem is None:
            return _err(
                f"memory of {shape.mem_per_node} bytes per node is not a whole number "
                "of kilobytes, Slurm's smallest unit; write it in kb, mb or gb",
                path,
            )
        lines.append(f"--mem={mem}")
    if shape.gpus_per_node is not None:
        lines.append(f"--gres=gpu:{shape.gpus_per_node}")
    if shape.exclusive:
        lines.append("--exclusive")
    return Success((*lines, *_flag_lines(shape.flags)))


def _flag_lines(flags: JobFlags) -> tuple[str, ...]:
    """Mail, requeue and export lines for translated job options.

    >>> _flag_lines(JobFlags(("end", "fail"), "me@example.org", False, True, ("A=1",)))
    ('--mail-type=END,FAIL', '--mail-user=me@example.org', '--no-requeue', '--export=ALL,A=1')
    """
    lines: list[str] = []
    if flags.mail_events is not None:
        names = [_SLURM_MAIL[e] for e in flags.mail_events] or ["NONE"]
        lines.append(f"--mail-type={','.join(names)}")
    if flags.mail_user is not None:
        lines.append(f"--mail-user={flags.mail_user}")
    if flags.requeue is not None:
        lines.append("--requeue" if flags.requeue else "--no-requeue")
    if flags.export_all or flags.export_vars:
        items = (["ALL"] if flags.export_all else []) + list(flags.export_vars)
        lines.append(f"--export={','.join(items)}")
    return tuple(lines)


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
