"""Slurm options <-> :class:`~hsm.pure.resources_model.NodeShape`: translation.

Strategy: a parsed Slurm request (:mod:`hsm.pure.schedulers.slurm.resources`) is reduced
to the shape and :class:`~hsm.pure.resources_model.JobFlags` every dialect can say
exactly -- nodes, tasks and cpus, memory, GPUs, exclusivity, mail, requeue, environment
-- when the target is another scheduler; any option outside them is refused with the
reason the target's dialect gives (its ``lacks``) and how to write for the target (its
``advice``), both from the :class:`~hsm.pure.schedulers.base.TranslationTarget`.  The
other way, a shape translated from PBS or Grid Engine is written as Slurm lines.
"""

from __future__ import annotations

import re

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.resources_model import (
    MAIL_EVENTS,
    JobFlags,
    NodeShape,
    Piece,
    ResourceRequest,
    positive_int,
)
from hsm.pure.schedulers.base import TranslationTarget
from hsm.pure.schedulers.slurm.resources import MAIL_TYPES
from hsm.pure.schedulers.slurm.sizes import render_slurm_size, slurm_size_bytes

#: Options another scheduler can receive (partition/account travel separately).
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

_SLURM_MAIL = {portable: name for name, portable in MAIL_TYPES.items() if portable in MAIL_EVENTS}

_GPU_SPEC = re.compile(r"(?:gpu:)?(?:([A-Za-z0-9_.\-]+):)?([0-9]+)", re.ASCII)


def _err(message: str, path: str) -> Failure[ConfigError]:
    return Failure(ConfigError(message, path))


# ---------------------------------------------------------------- Slurm -> shape


def slurm_shape(
    request: ResourceRequest, to: TranslationTarget, path: str
) -> Result[NodeShape, ConfigError]:
    """Reduce Slurm options to a :class:`NodeShape` for the scheduler ``to``.

    >>> from hsm.pure.schedulers.slurm.resources import parse_slurm
    >>> pbs = TranslationTarget("PBS Pro")
    >>> r = parse_slurm(["--nodes=2", "--ntasks-per-node=4", "-c", "2", "--mem=8G"], "")
    >>> slurm_shape(r.unwrap(), pbs, "").unwrap() == NodeShape(2, 4, 2, 8 * 1024**3)
    True
    >>> r = parse_slurm(["--mail-type=END,FAIL", "--requeue", "--export=ALL"], "")
    >>> slurm_shape(r.unwrap(), pbs, "").unwrap().flags
    JobFlags(mail_events=('end', 'fail'), mail_user=None, requeue=True, export_all=True, \
export_vars=())
    """
    target, how = to.label, f"{to.advice} or set hpc.system=slurm"
    opts: dict[str, Piece] = {}
    for piece in request.pieces:
        if piece.name not in TRANSLATABLE:
            why = to.lacks.get(piece.name)
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
    gpus = _slurm_gpus(opts, nodes, to, path)
    if isinstance(gpus, Failure):
        return gpus
    if "exclusive" in opts and opts["exclusive"].value is not None:
        return _err(
            f"{opts['exclusive'].source!r} has no {target} equivalent hsm can "
            f"translate; use --exclusive alone or {how}",
            path,
        )
    flags = _slurm_flags(opts, to, path)
    if isinstance(flags, Failure):
        return flags
    return Success(
        NodeShape(
            nodes, tasks, cpus, mem.unwrap(), gpus.unwrap(), "exclusive" in opts, flags.unwrap()
        )
    )


def _slurm_flags(
    opts: dict[str, Piece], to: TranslationTarget, path: str
) -> Result[JobFlags, ConfigError]:
    """Mail, requeue and export options as portable :class:`JobFlags`."""
    target = to.label
    events: tuple[str, ...] | None = None
    if "mail-type" in opts:
        piece = opts["mail-type"]
        portable = [MAIL_TYPES[n] for n in (piece.value or "").upper().split(",")]
        why = next((p for p in portable if p and p not in MAIL_EVENTS), "")
        if why:
            return _err(f"{piece.source!r} has no {target} equivalent: {why}", path)
        events = tuple(e for e in MAIL_EVENTS if e in portable)
        alone = to.lacks.get("mail-type=ARRAY_TASKS")
        if events == ("array_tasks",) and alone:
            return _err(f"{piece.source!r}: {alone}", path)
    requeue = True if "requeue" in opts else False if "no-requeue" in opts else None
    export_all = False
    export_vars: tuple[str, ...] = ()
    if "export" in opts:
        piece = opts["export"]
        items = (piece.value or "").split(",")
        if items[0] in ("NONE", "NIL"):
            why = to.lacks.get("export=NONE", "hsm cannot say it")
            return _err(
                f"{piece.source!r} has no {target} equivalent to write: {why}; remove it", path
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
    opts: dict[str, Piece], nodes: int | None, to: TranslationTarget, path: str
) -> Result[int | None, ConfigError]:
    target = to.label
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
            f"--gres=gpu:N is); {to.advice} or set hpc.system=slurm",
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
            f"{to.advice}, naming your site's GPU-type resource",
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
