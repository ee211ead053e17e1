"""Slurm resource options: parse ``--nodes=2 -p gpu --mem 16G`` and translate both ways.

Strategy: a literal table lists every sbatch option hsm accepts in a resource string and
the kind of value it takes; options hsm sets itself (``--output``, ``--array``...) and
the walltime (which has its own setting) are refused by name, anything else as unknown.
Each accepted option becomes one ``--long=value`` line, so the caller never sees short
forms or the space-separated spelling.  For a PBS target the options are reduced to a
:class:`~hsm.pure.resources_model.NodeShape`; options outside it (``--constraint``,
``--qos``...) are errors that say how to write the request for PBS instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.resources_model import (
    NodeShape,
    Piece,
    ResourceRequest,
    positive_int,
    render_slurm_size,
    slurm_size_bytes,
)

# Value kinds: count (positive integer), nodes (count or MIN-MAX), size (Slurm memory),
# text (anything the screen let through), flag (no value), exclusive (flag or =user|mcs|topo).
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
SET_BY_HSM = frozenset(
    {
        "wrap",
        "output",
        "error",
        "array",
        "job-name",
        "dependency",
        "chdir",
        "export",
        "export-file",
        "input",
        "open-mode",
        "parsable",
        "wait",
        "test-only",
        "hold",
    }
)

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
    }
)

_NODES = re.compile(r"[0-9]+(-[0-9]+)?", re.ASCII)
_NAME = re.compile(r"[A-Za-z0-9_.\-]+(,[A-Za-z0-9_.\-]+)*", re.ASCII)
_GPU_SPEC = re.compile(r"(?:gpu:)?(?:([A-Za-z0-9_.\-]+):)?([0-9]+)", re.ASCII)
_RESOURCE_HINT = (
    "use resource options such as --nodes, --ntasks-per-node, --cpus-per-task, --mem, "
    "--gres, --gpus-per-node, --partition, --account, --constraint, --qos or --exclusive"
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
        if kind in ("flag", "exclusive"):
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
    if name in SET_BY_HSM:
        return f"{token!r} is not a resource option: hsm sets --{name} itself; remove it"
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
    if not value:
        return f"{source!r} has an empty value"
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


# ---------------------------------------------------------------- Slurm -> shape (for PBS)


def slurm_shape(request: ResourceRequest, target: str, path: str) -> Result[NodeShape, ConfigError]:
    """Reduce Slurm options to a :class:`NodeShape` for a PBS ``target`` (label for errors).

    >>> r = parse_slurm(["--nodes=2", "--ntasks-per-node=4", "-c", "2", "--mem=8G"], "")
    >>> slurm_shape(r.unwrap(), "PBS Pro", "").unwrap()
    NodeShape(nodes=2, tasks_per_node=4, cpus_per_task=2, mem_per_node=8589934592, \
gpus_per_node=None, exclusive=False)
    """
    how = (
        "write the resources in PBS syntax (e.g. select=1:ncpus=4:mem=16gb) or set hpc.system=slurm"
    )
    opts: dict[str, Piece] = {}
    for piece in request.pieces:
        if piece.name not in TRANSLATABLE:
            return _err(
                f"{piece.source!r} has no {target} equivalent hsm can translate; {how}", path
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
    return Success(NodeShape(nodes, tasks, cpus, mem.unwrap(), gpus.unwrap(), "exclusive" in opts))


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
    return Success(tuple(lines))
