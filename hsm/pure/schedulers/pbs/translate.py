"""PBS resources <-> :class:`~hsm.pure.resources_model.NodeShape`: translation.

Strategy: a parsed PBS request (:mod:`hsm.pure.schedulers.pbs.resources`) is reduced to
the shape and :class:`~hsm.pure.resources_model.JobFlags` every dialect can say exactly
when the target is another scheduler: one kind of ``select`` chunk (a chunk is a node)
or one Torque node spec, job-wide ``mem`` (divided per node when exact), placement that
says nothing ``--nodes`` does not, and the mail, rerun and environment options.
Anything else is refused with the reason, naming the target and how to write for it
(the :class:`~hsm.pure.schedulers.base.TranslationTarget`).  The other way, a shape
translated from Slurm or Grid Engine is written as PBS Pro ``select``/``place`` or
Torque ``nodes``/``mem`` lines; :data:`LACKS` says why PBS has no equivalent of some
Slurm options.
"""

from __future__ import annotations

from dataclasses import replace

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
from hsm.pure.schedulers.pbs.resources import MAIL_LETTERS, select_chunks
from hsm.pure.schedulers.pbs.sizes import pbs_size_bytes, render_pbs_size

#: How to write resources for PBS (the dialect record's ``advice``).
ADVICE = "write the resources in PBS syntax (e.g. select=1:ncpus=4:mem=16gb)"

#: Why PBS has no equivalent of some Slurm options (the dialect record's ``lacks``).
LACKS: dict[str, str] = {
    "qos": "PBS has no quality of service; pick a queue with -q",
    "constraint": "PBS asks for node features as site-defined chunk resources",
    "prefer": "PBS has no soft node preferences",
    "signal": "PBS sends no warning signal before the walltime ends",
    "reservation": "a PBS reservation is a queue: use -q R<id>",
    "comment": "qsub sets no job comment",
    "nice": "PBS priority (-p) is a different scale, not an adjustment",
    "mem-per-gpu": "PBS chunks have no memory per GPU",
    "export=NONE": "PBS jobs already start without your environment (only the PBS_O_* variables)",
    "mail-type=ARRAY_TASKS": "PBS mails for array subjobs (-m j) only together with begin, "
    "end or abort mail; add BEGIN, END or FAIL",
}

_PBS_MAIL = {event: letter for letter, event in MAIL_LETTERS.items()}


def _err(message: str, path: str) -> Failure[ConfigError]:
    return Failure(ConfigError(message, path))


def render_pbspro_lines(shape: NodeShape, path: str) -> Result[tuple[str, ...], ConfigError]:
    """:func:`render_pbspro` with the record's signature (every shape fits PBS Pro)."""
    return Success(render_pbspro(shape))


def refuse_partition_list(queue: str, path: str) -> Result[str, ConfigError]:
    """A Slurm partition list (``a,b``) has no PBS equivalent.

    >>> print(refuse_partition_list("a,b", "").failure())
    partition list 'a,b' has no PBS equivalent; give one queue
    """
    if "," in queue:
        return _err(f"partition list {queue!r} has no PBS equivalent; give one queue", path)
    return Success(queue)


# ---------------------------------------------------------------- PBS -> shape


def pbs_shape(
    request: ResourceRequest, to: TranslationTarget, path: str
) -> Result[NodeShape, ConfigError]:
    """Reduce PBS pieces to a :class:`NodeShape` for the scheduler ``to``.

    >>> from hsm.pure.schedulers.pbs.resources import parse_pbs
    >>> slurm = TranslationTarget("Slurm")
    >>> r = parse_pbs(["select=2:ncpus=8:mpiprocs=4:mem=32gb:ngpus=1"], "").unwrap()
    >>> pbs_shape(r, slurm, "").unwrap() == NodeShape(2, 4, 2, 32 * 1024**3, 1)
    True
    >>> pbs_shape(parse_pbs(["-m", "ae", "-r", "n", "-V"], "").unwrap(), slurm, "").unwrap().flags
    JobFlags(mail_events=('end', 'fail'), mail_user=None, requeue=False, export_all=True, \
export_vars=())
    """
    target, how = to.label, f"{to.advice} or set hpc.system=pbs"
    by_name: dict[str, Piece] = {}
    for piece in request.pieces:
        key = piece.name if piece.name.startswith("-") else piece.name.lower()
        if key not in ("select", "nodes", "mem", "place", *_FLAG_OPTIONS):
            return _err(
                f"{piece.source!r} has no {target} equivalent hsm can translate; {how}", path
            )
        by_name[key] = piece
    flags = _pbs_flags(by_name)
    one_recipient = to.lacks.get("mail-user-list")
    if "," in (flags.mail_user or "") and one_recipient:
        return _err(
            f"{by_name['-M'].source!r} has no {target} equivalent hsm can translate "
            f"({one_recipient}); give one recipient",
            path,
        )
    shape = NodeShape()
    if "select" in by_name:
        result = _select_shape(by_name["select"], to, path)
    elif "nodes" in by_name:
        result = _nodes_shape(by_name["nodes"], to, path)
    else:
        result = Success(shape)
    if isinstance(result, Failure):
        return result
    shape = result.unwrap()
    if "mem" in by_name:
        piece = by_name["mem"]
        if shape.mem_per_node is not None:
            return _err(
                f"{piece.source!r} repeats the memory already given in select=; give it once", path
            )
        total = pbs_size_bytes(piece.value or "")
        nodes = shape.nodes or 1
        if total is None:
            return _err(
                f"{piece.source!r}: word units cannot be translated; write bytes (e.g. mem=16gb)",
                path,
            )
        if total % nodes:
            return _err(
                f"{piece.source!r} is memory for the whole job and does not split "
                f"evenly over {nodes} nodes; give a mem= that divides evenly or {how}",
                path,
            )
        shape = replace(shape, mem_per_node=total // nodes)
    shape = replace(shape, flags=flags)
    if "place" in by_name:
        chunks = "select" in by_name or "nodes" in by_name
        return _place_shape(by_name["place"], shape, chunks, to, path)
    return Success(shape)


# Options with a translation (JobFlags); -W attributes have none.
_FLAG_OPTIONS = ("-m", "-M", "-r", "-V", "-v")


def _pbs_flags(by_name: dict[str, Piece]) -> JobFlags:
    """Mail, rerun and environment options as portable :class:`JobFlags`."""

    def value(name: str) -> str | None:
        return by_name[name].value if name in by_name else None

    mail = value("-m")
    events = None if mail is None else tuple(e for e in MAIL_EVENTS if _PBS_MAIL[e] in mail)
    rerun = value("-r")
    exported = value("-v")
    return JobFlags(
        mail_events=events,
        mail_user=value("-M"),
        requeue=None if rerun is None else rerun == "y",
        export_all="-V" in by_name,
        export_vars=tuple(exported.split(",")) if exported else (),
    )


def _select_shape(piece: Piece, to: TranslationTarget, path: str) -> Result[NodeShape, ConfigError]:
    target, how = to.label, f"{to.advice} or set hpc.system=pbs"
    chunks, _ = select_chunks(piece.value or "")
    if len(chunks) > 1:
        return _err(
            f"{piece.source!r} asks for different kinds of chunk ('+'), which {target} "
            f"cannot express in one job; use one chunk type or {how}",
            path,
        )
    count, res = chunks[0]
    for key, val in res.items():
        if key not in ("ncpus", "mpiprocs", "ompthreads", "mem", "ngpus"):
            return _err(
                f"'{key}={val}' in {piece.source!r} has no {target} equivalent hsm can "
                f"translate; {how}",
                path,
            )
    ncpus = positive_int(res["ncpus"]) if "ncpus" in res else None
    procs = positive_int(res["mpiprocs"]) if "mpiprocs" in res else None
    if ("ncpus" in res and ncpus is None) or ("mpiprocs" in res and procs is None):
        return _err(
            f"{piece.source!r}: ncpus and mpiprocs must be at least 1 to be translated to {target}",
            path,
        )
    tasks = cpus = None
    if ncpus is not None:
        tasks = procs or 1
        if ncpus % tasks:
            return _err(
                f"{piece.source!r}: ncpus={ncpus} is not a multiple of "
                f"mpiprocs={tasks}, so it cannot become cores per task for {target}",
                path,
            )
        cpus = ncpus // tasks
    elif procs is not None:
        return _err(
            f"{piece.source!r}: give ncpus= with mpiprocs= so hsm can translate the cores per node",
            path,
        )
    if "ompthreads" in res and int(res["ompthreads"]) != cpus:
        return _err(
            f"{piece.source!r}: ompthreads must equal ncpus/mpiprocs to be translated "
            f"to {target}'s cores per task; drop it or fix it",
            path,
        )
    mem = None
    if "mem" in res:
        mem = pbs_size_bytes(res["mem"])
        if mem is None:
            return _err(
                f"{piece.source!r}: word units cannot be translated; write bytes (e.g. mem=16gb)",
                path,
            )
    gpus = int(res["ngpus"]) if "ngpus" in res and int(res["ngpus"]) > 0 else None
    return Success(NodeShape(count, tasks, cpus, mem, gpus))


def _nodes_shape(piece: Piece, to: TranslationTarget, path: str) -> Result[NodeShape, ConfigError]:
    target, how = to.label, f"{to.advice} or set hpc.system=pbs"
    value = piece.value or ""
    if "+" in value:
        return _err(
            f"{piece.source!r} joins different node specs ('+'), which {target} cannot "
            f"express in one job; use one spec (nodes=N:ppn=P) or {how}",
            path,
        )
    first, *rest = value.split(":")
    nodes = positive_int(first)
    if nodes is None:
        return _err(
            f"{piece.source!r} names host {first!r}; hsm translates only a node count "
            f"(nodes=N:ppn=P); {how}",
            path,
        )
    tasks = gpus = None
    for part in rest:
        key, _, val = part.partition("=")
        if key == "ppn":
            tasks = positive_int(val)
        elif key == "gpus":
            gpus = positive_int(val)
        else:
            return _err(
                f"{part!r} in {piece.source!r} has no {target} equivalent hsm can translate; {how}",
                path,
            )
    return Success(NodeShape(nodes, tasks, None, None, gpus))


def _place_shape(
    piece: Piece, shape: NodeShape, chunks: bool, to: TranslationTarget, path: str
) -> Result[NodeShape, ConfigError]:
    """Placement as a node count can say it: one node per chunk (``--nodes=N``), and
    whole nodes (``--exclusive``).

    ``scatter`` -- and ``free`` or ``pack`` for a single chunk -- is what ``--nodes=N``
    already means, so it is kept by the node count; anything nodes cannot say is
    refused, and so is a placement that would leave no trace in the translation.
    """
    target, how = to.label, f"{to.advice} or set hpc.system=pbs"
    words = (piece.value or "").split(":")
    nodes = shape.nodes or 1
    why = ""
    if any(w.startswith("group=") for w in words):
        why = f"{target} cannot group chunks by a host resource"
    elif "vscatter" in words:
        why = f"a vnode is not a node, and {target} places tasks on nodes"
    elif "pack" in words and nodes > 1:
        why = "it puts all chunks on one host, which --nodes cannot say; use select=1:..."
    elif "free" in words and nodes > 1:
        why = (
            "it lets PBS put several chunks on one host, which --nodes cannot say; "
            "use place=scatter for one chunk per node"
        )
    elif "shared" in words:
        why = to.lacks.get("place=shared", f"hsm cannot ask {target} for shared nodes")
    exclusive = bool({"excl", "exclhost"} & set(words))
    if not why and not chunks and not exclusive:
        why = (
            f"without select= or nodes= there is one chunk, which is one {target} node "
            "already; drop it or give select=N"
        )
    if why:
        return _err(
            f"{piece.source!r} has no {target} equivalent hsm can translate ({why}); {how}",
            path,
        )
    return Success(replace(shape, exclusive=exclusive))


# ---------------------------------------------------------------- shape -> PBS lines


def render_pbspro(shape: NodeShape) -> tuple[str, ...]:
    """PBS Pro lines for a shape: ``select=N:ncpus=T*C:mpiprocs=T:mem=..:ngpus=G``.

    More than one node adds ``place=scatter`` so that each chunk is a node, as in Slurm.

    >>> render_pbspro(NodeShape(2, 4, 2, 32 * 1024**3, 1))
    ('-l select=2:ncpus=8:mpiprocs=4:mem=32gb:ngpus=1', '-l place=scatter')
    """
    lines: list[str] = []
    cpus = shape.cpus_per_node
    if any(v is not None for v in (shape.nodes, cpus, shape.mem_per_node, shape.gpus_per_node)):
        chunk = [str(shape.nodes or 1)]
        if cpus is not None:
            chunk += [f"ncpus={cpus}", f"mpiprocs={shape.tasks_per_node or 1}"]
        if shape.mem_per_node is not None:
            chunk.append(f"mem={render_pbs_size(shape.mem_per_node)}")
        if shape.gpus_per_node is not None:
            chunk.append(f"ngpus={shape.gpus_per_node}")
        lines.append("-l select=" + ":".join(chunk))
    if (shape.nodes or 1) > 1:
        lines.append("-l place=scatter:excl" if shape.exclusive else "-l place=scatter")
    elif shape.exclusive:
        lines.append("-l place=excl")
    return (*lines, *_flag_lines(shape.flags))


def _flag_lines(flags: JobFlags) -> tuple[str, ...]:
    """``-m``, ``-M``, ``-r``, ``-V`` and ``-v`` lines for translated job options.

    >>> _flag_lines(JobFlags(("end", "fail"), "me@example.org", True, True, ("A=1",)))
    ('-m ae', '-M me@example.org', '-r y', '-V', '-v A=1')
    """
    lines: list[str] = []
    if flags.mail_events is not None:
        letters = "".join(k for k in "abej" if MAIL_LETTERS[k] in flags.mail_events)
        lines.append(f"-m {letters or 'n'}")
    if flags.mail_user is not None:
        lines.append(f"-M {flags.mail_user}")
    if flags.requeue is not None:
        lines.append("-r y" if flags.requeue else "-r n")
    if flags.export_all:
        lines.append("-V")
    if flags.export_vars:
        lines.append(f"-v {','.join(flags.export_vars)}")
    return tuple(lines)


def render_torque(shape: NodeShape, path: str) -> Result[tuple[str, ...], ConfigError]:
    """Torque lines for a shape: ``nodes=N:ppn=T*C[:gpus=G]`` and job-wide ``mem=``.

    >>> render_torque(NodeShape(2, 4, 2, 16 * 1024**3, 1), "").unwrap()
    ('-l nodes=2:ppn=8:gpus=1', '-l mem=32gb')
    """
    if shape.exclusive:
        return _err(
            "'--exclusive' has no Torque equivalent hsm can translate; request whole "
            "nodes with nodes=N:ppn=<cores per node> in PBS syntax",
            path,
        )
    lines: list[str] = []
    cpus = shape.cpus_per_node
    if any(v is not None for v in (shape.nodes, cpus, shape.gpus_per_node)):
        spec = f"nodes={shape.nodes or 1}"
        if cpus is not None:
            spec += f":ppn={cpus}"
        if shape.gpus_per_node is not None:
            spec += f":gpus={shape.gpus_per_node}"
        lines.append(f"-l {spec}")
    if shape.mem_per_node is not None:
        lines.append(f"-l mem={render_pbs_size(shape.mem_per_node * (shape.nodes or 1))}")
    if shape.flags.mail_events is not None and "array_tasks" in shape.flags.mail_events:
        return _err(
            "--mail-type ARRAY_TASKS has no Torque equivalent hsm can translate (Torque "
            "mails for the array, not for each subjob); drop ARRAY_TASKS",
            path,
        )
    return Success((*lines, *_flag_lines(shape.flags)))
