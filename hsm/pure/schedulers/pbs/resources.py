"""PBS Pro / Torque resources: parse ``-l select=1:ncpus=4 -q gpu`` and translate both ways.

Strategy: a PBS resource string is a list of ``name=value`` pieces -- bare, after ``-l``,
comma- or space-separated -- plus ``-q queue`` and ``-A account``.  Each piece becomes
one ``-l name=value`` line, exactly as written.  The pieces hsm understands (``select``,
Torque ``nodes``, ``mem``, ``place``) are checked against their grammar; other resources
pass through untouched for a PBS target.  For a Slurm target the pieces are reduced to a
:class:`~hsm.pure.resources_model.NodeShape`: one kind of ``select`` chunk (a chunk is a
node) or one Torque node spec, and job-wide ``mem`` (divided per node when exact).
Anything else is an error that says how to write it for Slurm.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.resources_model import (
    NodeShape,
    Piece,
    ResourceRequest,
    is_pbs_size,
    pbs_size_bytes,
    positive_int,
    render_pbs_size,
)

#: qsub options hsm writes itself; refusing them keeps the script's own settings in charge.
SET_BY_HSM = {
    "N": "the job name",
    "o": "the output path",
    "e": "the error path",
    "j": "log joining",
    "J": "the array range",
    "t": "the array range",
    "W": "job attributes (dependencies...)",
}
_SIZE_RESOURCES = frozenset({"mem", "vmem", "pmem", "pvmem"})
_INT_CHUNK_RESOURCES = frozenset({"ncpus", "mpiprocs", "ngpus", "ompthreads"})
_PLACE_WORDS = frozenset({"free", "pack", "scatter", "vscatter", "excl", "shared", "exclhost"})

_RESOURCE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)
_QUEUE = re.compile(r"[A-Za-z0-9_.\-]+(@[A-Za-z0-9_.\-]+)?", re.ASCII)
_ACCOUNT = re.compile(r"[A-Za-z0-9_.\-]+", re.ASCII)
_WORD = re.compile(r"[A-Za-z0-9_.\-\[\]]+", re.ASCII)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)

_HOW_SLURM = (
    "write Slurm options (e.g. --nodes=1 --cpus-per-task=4 --mem=16G) or set hpc.system=pbs"
)

Chunk = tuple[int, dict[str, str]]


def is_pbs_mark(tokens: Sequence[str], k: int) -> bool:
    """Token ``k`` can only be PBS: a ``-l`` list or a bare ``name=value`` piece.

    >>> is_pbs_mark(["select=1:ncpus=4"], 0), is_pbs_mark(["-A", "proj"], 0)
    (True, False)
    """
    token = tokens[k]
    return token.startswith("-l") or (not token.startswith("-") and "=" in token)


def pbs_shape_for(
    request: ResourceRequest, target: str, path: str
) -> Result[NodeShape, ConfigError]:
    """:func:`pbs_shape` with the dialect record's signature (the target label is unused:
    PBS's messages name Slurm, the only other dialect)."""
    return pbs_shape(request, path)


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


def _err(message: str, path: str) -> Failure[ConfigError]:
    return Failure(ConfigError(message, path))


def parse_pbs(tokens: Sequence[str], path: str) -> Result[ResourceRequest, ConfigError]:
    """Read screened PBS tokens into a request with one ``-l name=value`` line per piece.

    >>> r = parse_pbs(["-l", "select=1:ncpus=4", "-l", "place=free", "-q", "gpu"], "").unwrap()
    >>> r.lines, r.queue
    (('-l select=1:ncpus=4', '-l place=free'), 'gpu')
    """
    pieces: list[Piece] = []
    queue: str | None = None
    account: str | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.startswith("-"):
            lists = [token]
        else:
            letter, attached = token[1:2], token[2:]
            if letter in SET_BY_HSM:
                return _err(
                    f"{token!r} is not a resource option: hsm sets "
                    f"{SET_BY_HSM[letter]} itself; remove it",
                    path,
                )
            if letter not in ("l", "q", "A"):
                return _err(
                    f"{token!r} is not a PBS resource option; PBS resources take "
                    "-l name=value, -q queue and -A account",
                    path,
                )
            value = attached
            if not attached:
                if i >= len(tokens) or tokens[i].startswith("-"):
                    return _err(f"{token!r} needs a value: write -{letter} VALUE", path)
                value = tokens[i]
                i += 1
            if letter == "q":
                if queue is not None or not _QUEUE.fullmatch(value):
                    return _err(f"'-q {value}': give one queue name (queue or queue@server)", path)
                queue = value
                continue
            if letter == "A":
                if account is not None or not _ACCOUNT.fullmatch(value):
                    return _err(
                        f"'-A {value}': give one account name of letters, digits, '_', '.' and '-'",
                        path,
                    )
                account = value
                continue
            lists = [value]
        for resource_list in lists:
            for text in resource_list.split(","):
                piece = _parse_piece(text, resource_list, path)
                if isinstance(piece, Failure):
                    return piece
                pieces.append(piece.unwrap())
    names = [p.name.lower() for p in pieces]
    for k, name in enumerate(names):
        if name in names[:k]:
            return _err(f"{pieces[k].source!r} repeats resource {name!r}; give it once", path)
    if "select" in names and "nodes" in names:
        return _err(
            "select= and nodes= cannot be combined; use select= (PBS Pro) or nodes= (Torque)", path
        )
    return Success(ResourceRequest("pbs", tuple(pieces), queue, account))


def _parse_piece(text: str, resource_list: str, path: str) -> Result[Piece, ConfigError]:
    if not text:
        return _err(
            f"{resource_list!r} has an empty piece; separate resources with one comma or space",
            path,
        )
    name, eq, value = text.partition("=")
    if not eq or not _RESOURCE_NAME.fullmatch(name) or not value:
        return _err(
            f"{text!r} is not a PBS resource; write name=value, e.g. select=1:ncpus=4:mem=16gb",
            path,
        )
    key = name.lower()
    if key == "walltime":
        return _err(
            f"{text!r} sets the walltime, which has its own setting (--walltime or "
            "hpc.default_walltime); remove it from the resources",
            path,
        )
    problem = ""
    if key == "select":
        problem = _select_chunks(value)[1]
    elif key == "nodes":
        problem = _check_nodes(value)
    elif key in _SIZE_RESOURCES and not is_pbs_size(value):
        problem = "a size such as 16gb, 512mb or 1024 (bytes)"
    elif key == "place":
        problem = _check_place(value)
    if problem:
        return _err(f"{text!r}: {name} must be {problem}", path)
    return Success(Piece(name, value, text, f"-l {text}"))


def _select_chunks(value: str) -> tuple[list[Chunk], str]:
    """``2:ncpus=8+1:ncpus=4`` -> chunks, or an error phrase ("" when valid)."""
    bad = "[N:]name=value[:name=value...] chunks joined by '+', e.g. select=2:ncpus=8:mem=16gb"
    chunks: list[Chunk] = []
    for text in value.split("+"):
        parts = text.split(":")
        count = 1
        if _DIGITS.fullmatch(parts[0]):
            count = int(parts[0])
            parts = parts[1:]
            if count < 1:
                return [], "a positive chunk count: " + bad
        resources: dict[str, str] = {}
        for part in parts:
            key, eq, val = part.partition("=")
            if not eq or not val or not _RESOURCE_NAME.fullmatch(key) or key in resources:
                return [], bad
            if key in _INT_CHUNK_RESOURCES and not _DIGITS.fullmatch(val):
                return [], f"a whole number for {key} ({part!r}): " + bad
            if key in _SIZE_RESOURCES and not is_pbs_size(val):
                return [], f"a size such as 16gb for {key} ({part!r}): " + bad
            resources[key] = val
        chunks.append((count, resources))
    return chunks, ""


def _check_nodes(value: str) -> str:
    for spec in value.split("+"):
        first, *rest = spec.split(":")
        if not _WORD.fullmatch(first) or (first.isdigit() and int(first) < 1):
            return "N or a host name, then :ppn=P, :gpus=G or :property, e.g. nodes=2:ppn=8"
        for part in rest:
            key, eq, val = part.partition("=")
            if eq and (key not in ("ppn", "gpus", "mics") or positive_int(val) is None):
                return f"ppn/gpus with a positive number ({part!r}), e.g. nodes=2:ppn=8:gpus=1"
            if not eq and not _WORD.fullmatch(part):
                return f"a property name ({part!r}), e.g. nodes=2:ppn=8:bigmem"
    return ""


def _check_place(value: str) -> str:
    for part in value.split(":"):
        if part not in _PLACE_WORDS and not re.fullmatch(r"group=[A-Za-z0-9_]+", part):
            return "free, pack, scatter or vscatter, optionally :excl, :shared or :exclhost"
    return ""


# ---------------------------------------------------------------- PBS -> shape (for Slurm)


def pbs_shape(request: ResourceRequest, path: str) -> Result[NodeShape, ConfigError]:
    """Reduce PBS pieces to a :class:`NodeShape` for a Slurm target.

    >>> r = parse_pbs(["select=2:ncpus=8:mpiprocs=4:mem=32gb:ngpus=1"], "").unwrap()
    >>> pbs_shape(r, "").unwrap()
    NodeShape(nodes=2, tasks_per_node=4, cpus_per_task=2, mem_per_node=34359738368, \
gpus_per_node=1, exclusive=False)
    """
    by_name: dict[str, Piece] = {}
    for piece in request.pieces:
        if piece.name.lower() not in ("select", "nodes", "mem", "place"):
            return _err(
                f"{piece.source!r} has no Slurm equivalent hsm can translate; {_HOW_SLURM}", path
            )
        by_name[piece.name.lower()] = piece
    shape = NodeShape()
    if "select" in by_name:
        result = _select_shape(by_name["select"], path)
    elif "nodes" in by_name:
        result = _nodes_shape(by_name["nodes"], path)
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
                f"evenly over {nodes} nodes; write --mem per node in Slurm options or "
                "a mem= that divides evenly",
                path,
            )
        shape = replace(shape, mem_per_node=total // nodes)
    if "place" in by_name:
        return _place_shape(by_name["place"], shape, path)
    return Success(shape)


def _select_shape(piece: Piece, path: str) -> Result[NodeShape, ConfigError]:
    chunks, _ = _select_chunks(piece.value or "")
    if len(chunks) > 1:
        return _err(
            f"{piece.source!r} asks for different kinds of chunk ('+'), which Slurm "
            "cannot express in one job; use one chunk type or write Slurm options",
            path,
        )
    count, res = chunks[0]
    for key, val in res.items():
        if key not in ("ncpus", "mpiprocs", "ompthreads", "mem", "ngpus"):
            return _err(
                f"'{key}={val}' in {piece.source!r} has no Slurm equivalent hsm can "
                f"translate; {_HOW_SLURM}",
                path,
            )
    ncpus = positive_int(res["ncpus"]) if "ncpus" in res else None
    procs = positive_int(res["mpiprocs"]) if "mpiprocs" in res else None
    if ("ncpus" in res and ncpus is None) or ("mpiprocs" in res and procs is None):
        return _err(
            f"{piece.source!r}: ncpus and mpiprocs must be at least 1 to be translated to Slurm",
            path,
        )
    tasks = cpus = None
    if ncpus is not None:
        tasks = procs or 1
        if ncpus % tasks:
            return _err(
                f"{piece.source!r}: ncpus={ncpus} is not a multiple of "
                f"mpiprocs={tasks}, so it cannot become --cpus-per-task",
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
            "to --cpus-per-task; drop it or fix it",
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


def _nodes_shape(piece: Piece, path: str) -> Result[NodeShape, ConfigError]:
    value = piece.value or ""
    if "+" in value:
        return _err(
            f"{piece.source!r} joins different node specs ('+'), which Slurm cannot "
            "express in one job; use one spec (nodes=N:ppn=P) or write Slurm options",
            path,
        )
    first, *rest = value.split(":")
    nodes = positive_int(first)
    if nodes is None:
        return _err(
            f"{piece.source!r} names host {first!r}; hsm translates only a node count "
            "(nodes=N:ppn=P); write Slurm options (--nodelist=...) or set "
            "hpc.system=pbs",
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
                f"{part!r} in {piece.source!r} has no Slurm equivalent hsm can "
                f"translate; {_HOW_SLURM}",
                path,
            )
    return Success(NodeShape(nodes, tasks, None, None, gpus))


def _place_shape(piece: Piece, shape: NodeShape, path: str) -> Result[NodeShape, ConfigError]:
    words = (piece.value or "").split(":")
    if any(w.startswith("group=") for w in words):
        return _err(
            f"{piece.source!r} has no Slurm equivalent hsm can translate; {_HOW_SLURM}", path
        )
    if "pack" in words and (shape.nodes or 1) > 1:
        return _err(
            f"{piece.source!r} puts all chunks on one host, which hsm cannot translate "
            "to Slurm nodes; use select=1:... or write Slurm options",
            path,
        )
    return Success(replace(shape, exclusive=bool({"excl", "exclhost"} & set(words))))


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
    return Success(tuple(lines))
