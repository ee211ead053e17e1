"""Grid Engine resources: parse ``-l h_vmem=4G -pe smp 4 -q all.q -P proj`` and translate.

Strategy: a Grid Engine resource string is ``-l name=value[,name=value...]`` lists (also
bare ``name=value`` pieces), ``-pe NAME SLOTS``, ``-P project``, ``-q queue`` and ``-A
account``; each piece becomes one directive line (``-l h_vmem=4G``, ``-pe smp 4``, ``-P
proj``) kept as written for a Grid Engine target.  Options hsm writes itself (``-N``,
``-o``, ``-t``, ``-S``, ``-cwd``...) and the walltime (``h_rt``/``s_rt``, which has its
own setting) are refused by name, anything else as unknown.

Translation goes through :class:`~hsm.pure.resources_model.NodeShape` both ways, for one
node only:

    NodeShape (Slurm / PBS)              Grid Engine
    cores C per node (tasks x cpus)      -pe smp C  (C > 1; Choice: "smp" is the usual
                                                     name of a one-host $pe_slots PE; a
                                                     site without it refuses at qsub)
    memory M per node                    -l h_vmem=M/C  (h_vmem is per slot; must divide)
    nodes > 1, GPUs, exclusive           refused: Grid Engine expresses them through
                                         site-defined PEs and complexes only

and back: ``-pe NAME N`` is N cores on one node (the layout of ``$pe_slots`` PEs such as
``smp``; a slot range cannot be translated), ``h_vmem``/``s_vmem``/``mem_free``/
``virtual_free``/``h_data`` per slot times the slots is the memory per node; anything
else, and ``-P``, is an error naming the piece.  Sizes follow sge_types(5): ``K M G T``
are powers of 1024, ``k m g t`` of 1000, a bare number is bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.resources_model import (
    MAIL_EVENTS,
    JobFlags,
    NodeShape,
    Piece,
    ResourceRequest,
    exact_units,
    positive_int,
    screen_directive_line,
)
from hsm.pure.schedulers.base import TranslationTarget

#: qsub options hsm writes itself (or that would change how the job runs): refused.
SET_BY_HSM = {
    "N": "the job name",
    "o": "the output path",
    "e": "the error path",
    "j": "log joining",
    "t": "the array range",
    "tc": "the array throttle (--throttle)",
    "S": "the shell",
    "cwd": "the working directory",
    "wd": "the working directory",
    "hold_jid": "dependencies (--after)",
    "hold_jid_ad": "dependencies (--after)",
    "terse": "qsub's output",
    "sync": "qsub's output",
    "b": "how the script is run",
    "C": "the directive prefix",
    "V": "the job's environment",
    "v": "the job's environment",
}
#: Resources that set the walltime, which has its own setting.
WALLTIME_RESOURCES = frozenset({"h_rt", "s_rt"})
#: Per-slot memory requests hsm can translate (sge_conf(5)/queue_conf(5) limits and the
#: default complexes of `qconf -sc`).
MEMORY_RESOURCES = frozenset({"h_vmem", "s_vmem", "mem_free", "virtual_free", "h_data"})
#: Resource names no other dialect uses: a token naming one can only be Grid Engine.
# fmt: off
OWN_NAMES = MEMORY_RESOURCES | WALLTIME_RESOURCES | frozenset(
    {"s_data", "h_cpu", "s_cpu", "h_fsize", "s_fsize", "h_stack", "s_stack", "h_core",
     "s_core", "h_rss", "s_rss"}
)
# fmt: on

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)
_VALUE = re.compile(r"[A-Za-z0-9_.:+\-@/%\[\]]+", re.ASCII)
_PE_NAME = re.compile(r"[A-Za-z0-9_.\-]+", re.ASCII)
_SLOTS = re.compile(r"[0-9]+(?:-[0-9]*)?|-[0-9]+", re.ASCII)
_QUEUE_ONE = r"[A-Za-z0-9_.\-]+(?:@[A-Za-z0-9_.\-]+)?"
_QUEUE = re.compile(rf"{_QUEUE_ONE}(?:,{_QUEUE_ONE})*", re.ASCII)
_WORD = re.compile(r"[A-Za-z0-9_.\-]+", re.ASCII)
_SIZE = re.compile(r"([0-9]+)([kKmMgGtT]?)", re.ASCII)
_MULTIPLIERS = {"": 1, "k": 1000, "K": 1024, "m": 1000**2, "M": 1024**2,
                "g": 1000**3, "G": 1024**3, "t": 1000**4, "T": 1024**4}  # fmt: skip

_HOW = (
    "write Grid Engine resources (e.g. -pe smp 4 -l h_vmem=4G) or set hpc.system to the "
    "scheduler these options are for"
)


def _err(message: str, path: str) -> Failure[ConfigError]:
    return Failure(ConfigError(message, path))


def size_bytes(value: str) -> int | None:
    """Bytes in a Grid Engine memory specifier (``4G``, ``512M``, ``4g`` = 4e9, ``100``).

    >>> size_bytes("4G"), size_bytes("1k"), size_bytes("100"), size_bytes("4GB")
    (4294967296, 1000, 100, None)
    """
    match = _SIZE.fullmatch(value)
    if match is None:
        return None
    return int(match.group(1)) * _MULTIPLIERS[match.group(2)]


def render_size(nbytes: int) -> str:
    """The largest exact power-of-1024 unit: ``4G``, ``1536M``, ``100``.

    >>> render_size(4 * 1024**3), render_size(1536 * 1024**2), render_size(100)
    ('4G', '1536M', '100')
    """
    count, unit = exact_units(nbytes, "TGMK") or (nbytes, "")
    return f"{count}{unit}"


def _own_list(text: str) -> bool:
    return any(piece.partition("=")[0] in OWN_NAMES for piece in text.split(","))


def is_sge_mark(tokens: Sequence[str], k: int) -> bool:
    """Token ``k`` can only be Grid Engine: ``-pe``, ``-P``, or a resource list naming a
    Grid Engine limit (``h_vmem``, ``h_rt``, ``mem_free``...).

    >>> is_sge_mark(["-pe", "smp", "4"], 0), is_sge_mark(["-l", "h_vmem=4G"], 0)
    (True, True)
    >>> is_sge_mark(["-l", "select=1"], 0), is_sge_mark(["--mem=4G"], 0)
    (False, False)
    """
    token = tokens[k]
    if token in ("-pe", "-P"):
        return True
    if token == "-l":  # noqa: S105 -- an option, not a password
        return k + 1 < len(tokens) and _own_list(tokens[k + 1])
    return not token.startswith("-") and _own_list(token)


def parse_sge(tokens: Sequence[str], path: str) -> Result[ResourceRequest, ConfigError]:
    """Read screened Grid Engine tokens into a request, one directive line per piece.

    >>> r = parse_sge(["-l", "h_vmem=4G,mem_free=2G", "-pe", "smp", "4", "-q", "all.q"], "")
    >>> r.unwrap().lines, r.unwrap().queue
    (('-l h_vmem=4G', '-l mem_free=2G', '-pe smp 4'), 'all.q')
    """
    pieces: list[Piece] = []
    queue: str | None = None
    account: str | None = None
    i = 0

    def value_after(option: str) -> str | None:
        nonlocal i
        if i >= len(tokens) or tokens[i].startswith("-"):
            return None
        i += 1
        return tokens[i - 1]

    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.startswith("-"):
            listed = _resource_list(token, token, path)
            if isinstance(listed, Failure):
                return listed
            pieces.extend(listed.unwrap())
            continue
        option = token[1:]
        if option in SET_BY_HSM:
            return _err(
                f"{token!r} is not a resource option: hsm sets {SET_BY_HSM[option]} itself; "
                "remove it",
                path,
            )
        if option == "l":
            value = value_after(option)
            if value is None:
                return _err("'-l' needs a value: write -l name=value[,name=value]", path)
            listed = _resource_list(value, f"-l {value}", path)
            if isinstance(listed, Failure):
                return listed
            pieces.extend(listed.unwrap())
        elif option == "pe":
            name, slots = value_after(option), value_after(option)
            if name is None or slots is None:
                return _err("'-pe' needs a name and a slot count: write -pe smp 4", path)
            if not _PE_NAME.fullmatch(name) or not _SLOTS.fullmatch(slots):
                return _err(
                    f"'-pe {name} {slots}': write a parallel environment name and a slot "
                    "count or range, e.g. -pe smp 4",
                    path,
                )
            source = f"-pe {name} {slots}"
            pieces.append(Piece("pe", f"{name} {slots}", source, source))
        elif option == "P":
            project = value_after(option)
            if project is None or not _WORD.fullmatch(project):
                return _err("'-P' needs a project name: write -P myproject", path)
            source = f"-P {project}"
            pieces.append(Piece("project", project, source, source))
        elif option == "q":
            value = value_after(option)
            if queue is not None or value is None or not _QUEUE.fullmatch(value):
                return _err("'-q': give one queue list (queue, queue@host or a,b)", path)
            queue = value
        elif option == "A":
            value = value_after(option)
            if account is not None or value is None or not _WORD.fullmatch(value):
                return _err("'-A': give one account string of letters, digits, '_', '.', '-'", path)
            account = value
        else:
            return _err(
                f"{token!r} is not a Grid Engine resource option; Grid Engine resources take "
                "-l name=value, -pe NAME SLOTS, -P project, -q queue and -A account",
                path,
            )
    names = [p.name for p in pieces]
    for k, name in enumerate(names):
        if name in names[:k]:
            return _err(f"{pieces[k].source!r} repeats {name!r}; give it once", path)
    return Success(ResourceRequest("sge", tuple(pieces), queue, account))


def _resource_list(text: str, source: str, path: str) -> Result[list[Piece], ConfigError]:
    pieces: list[Piece] = []
    for item in text.split(","):
        name, eq, value = item.partition("=")
        if not eq or not _NAME.fullmatch(name) or not _VALUE.fullmatch(value):
            return _err(
                f"{source!r}: {item!r} is not a Grid Engine resource request; write "
                "name=value, e.g. -l h_vmem=4G",
                path,
            )
        if name in WALLTIME_RESOURCES:
            return _err(
                f"{item!r} sets the walltime, which has its own setting (--walltime or "
                "hpc.default_walltime); remove it from the resources",
                path,
            )
        if name in MEMORY_RESOURCES and size_bytes(value) is None:
            return _err(f"{item!r}: {name} must be a size such as 4G, 512M or 1024 (bytes)", path)
        pieces.append(Piece(name, value, item, f"-l {item}"))
    return Success(pieces)


# ------------------------------------------------------------ Grid Engine -> shape


def sge_shape(
    request: ResourceRequest, to: TranslationTarget, path: str
) -> Result[NodeShape, ConfigError]:
    """Reduce Grid Engine pieces to a one-node :class:`NodeShape` for the scheduler ``to``.

    >>> r = parse_sge(["-pe", "smp", "4", "-l", "h_vmem=2G"], "").unwrap()
    >>> shape = sge_shape(r, TranslationTarget("Slurm"), "").unwrap()
    >>> shape.nodes, shape.tasks_per_node, shape.cpus_per_task, shape.mem_per_node
    (1, 1, 4, 8589934592)
    """
    target, how = to.label, f"{to.advice} or set hpc.system=sge"
    slots: int | None = None
    memory: Piece | None = None
    for piece in request.pieces:
        if piece.name == "pe":
            _, _, count = (piece.value or "").partition(" ")
            slots = positive_int(count)
            if slots is None:
                return _err(
                    f"{piece.source!r}: a slot range cannot be translated to {target}; "
                    "give one number of slots",
                    path,
                )
        elif piece.name in MEMORY_RESOURCES:
            if memory is not None:
                return _err(
                    f"{memory.source!r} and {piece.source!r} both ask for memory; give one to "
                    f"translate it to {target}",
                    path,
                )
            memory = piece
        else:
            return _err(
                f"{piece.source!r} has no {target} equivalent hsm can translate; {how}", path
            )
    if slots is None and memory is None:
        return Success(NodeShape())
    per_slot = size_bytes(memory.value or "") if memory is not None else None
    return Success(
        NodeShape(
            nodes=1,
            tasks_per_node=1,
            cpus_per_task=slots,
            mem_per_node=None if per_slot is None else per_slot * (slots or 1),
        )
    )


# ------------------------------------------------------------ shape -> Grid Engine

#: How to write resources for Grid Engine (the dialect record's ``advice``).
ADVICE = (
    "write Grid Engine resources (e.g. -pe smp 4 -l h_vmem=4G; a site complex alone, such "
    "as -l gpu=1, goes in hpc.sge.extra)"
)

#: Why Grid Engine (as hsm writes its jobs) has no equivalent of some Slurm options (the
#: dialect record's ``lacks``); qsub(1) and sge_types(5) of 8.1.9.
LACKS: dict[str, str] = {
    "qos": "Grid Engine has no quality of service; pick a queue with -q",
    "constraint": "Grid Engine asks for host features as site-defined complexes "
    "(-l arch=..., `qconf -sc` lists them)",
    "prefer": "hsm writes no Grid Engine soft requests (-soft)",
    "signal": "hsm writes no s_rt, so no warning signal comes before h_rt ends",
    "reservation": "a Grid Engine advance reservation is -ar ID: put it in hpc.sge.extra",
    "comment": "Grid Engine's qsub sets no job comment",
    "nice": "Grid Engine priority (-p) is a different scale, not an adjustment",
    "mem-per-gpu": "Grid Engine has no standard GPU resource",
    "place=shared": "whether Grid Engine shares a host with other jobs is the queue's setting",
    "export=NONE": "Grid Engine jobs from hsm already start without your environment "
    "(only the SGE_O_* variables and your login profile)",
}


def render_sge(shape: NodeShape, path: str) -> Result[tuple[str, ...], ConfigError]:
    """Grid Engine directive lines for a shape translated from Slurm or PBS.

    >>> render_sge(NodeShape(1, 2, 2, 16 * 1024**3), "").unwrap()
    ('-pe smp 4', '-l h_vmem=4G')
    """
    if shape.nodes is not None and shape.nodes > 1:
        return _err(
            f"{shape.nodes} nodes cannot be translated to Grid Engine: it spreads a job over "
            "hosts through a site-defined parallel environment; write -pe <name> <slots> "
            "(`qconf -spl` lists them)",
            path,
        )
    if shape.gpus_per_node is not None:
        return _err(
            "GPUs cannot be translated to Grid Engine, which has no standard GPU resource; "
            "write your site's complex, e.g. -l gpu=1 (`qconf -sc` lists them)",
            path,
        )
    if shape.exclusive:
        return _err(
            "exclusive nodes cannot be translated to Grid Engine (its `exclusive` complex is "
            "optional); write -l exclusive=true if your site defines it",
            path,
        )
    lines: list[str] = []
    slots = shape.cpus_per_node or 1
    if slots > 1:
        lines.append(f"-pe smp {slots}")
    if shape.mem_per_node is not None:
        if shape.mem_per_node % slots:
            return _err(
                f"memory of {shape.mem_per_node} bytes per node does not split evenly over "
                f"{slots} slots (Grid Engine's h_vmem is per slot); give a memory that divides",
                path,
            )
        lines.append(f"-l h_vmem={render_size(shape.mem_per_node // slots)}")
    flags = _flag_lines(shape.flags, path)
    if isinstance(flags, Failure):
        return flags
    return Success((*lines, *flags.unwrap()))


#: qsub(1) -m letters for the portable mail events.  Choice: "fail" is ``a`` (aborted or
#: rescheduled), as PBS's translation does; ``e`` mails at every end, success or not.
_MAIL_LETTERS = {"begin": "b", "end": "e", "fail": "a"}


def _flag_lines(flags: JobFlags, path: str) -> Result[tuple[str, ...], ConfigError]:
    """``-m``, ``-M`` and ``-r`` lines for translated job options; what Grid Engine
    scripts from hsm cannot carry is refused, never dropped.

    >>> _flag_lines(JobFlags(("begin", "fail"), "me@example.org", False), "").unwrap()
    ('-m ba', '-M me@example.org', '-r n')
    >>> _flag_lines(JobFlags(()), "").unwrap()
    ('-m n',)
    """
    if flags.export_all or flags.export_vars:
        return _err(
            "exporting the submitter's environment (--export, -V, -v) cannot be translated "
            "to Grid Engine: hsm sets the job's environment itself (the job runs in a login "
            "shell with your profile); remove it",
            path,
        )
    if flags.mail_events is not None and "array_tasks" in flags.mail_events:
        return _err(
            "mail for each array task (ARRAY_TASKS, -m j) cannot be translated to Grid "
            "Engine, whose -m applies to every task as to a job; drop it",
            path,
        )
    lines: list[str] = []
    if flags.mail_events is not None:
        letters = "".join(_MAIL_LETTERS[e] for e in MAIL_EVENTS if e in flags.mail_events)
        lines.append(f"-m {letters or 'n'}")
    if flags.mail_user is not None:
        lines.append(f"-M {flags.mail_user}")
    if flags.requeue is not None:
        lines.append("-r y" if flags.requeue else "-r n")
    return Success(tuple(lines))


# ------------------------------------------------------------ hpc.sge.extra lines

#: Options an ``hpc.sge.extra`` line may not carry besides :data:`SET_BY_HSM`.
EXTRA_REFUSED = {
    "q": "sets the queue, which has its own setting (--queue, hpc.sge.queue or the resources)",
    "A": "sets the account, which has its own setting (--account, hpc.sge.account or the "
    "resources)",
    "clear": "would reset every directive hsm wrote before it",
    "@": "reads options from a file hsm cannot check",
}


def check_sge_extra(line: str, path: str) -> Result[str, ConfigError]:
    """Accept an ``hpc.sge.extra`` line unless it could break out of its ``#$`` line or
    sets what hsm sets (:data:`SET_BY_HSM`, the queue, the account, ``h_rt``/``s_rt``).

    qsub reads every option on a directive line, so every option-looking word is
    checked, and every comma-separated resource piece.

    >>> check_sge_extra("-P proj -l gpu=1", "").unwrap()
    '-P proj -l gpu=1'
    >>> print(check_sge_extra("-m ea -t 1-3", "").failure())
    extra directive '-m ea -t 1-3' sets -t, which hsm sets itself (the array range); remove it
    """
    screened = screen_directive_line(line, path)
    if isinstance(screened, Failure):
        return screened
    text = screened.unwrap()
    for word in text.split():
        option = word[1:] if word.startswith("-") else None
        if option in SET_BY_HSM:
            return _err(
                f"extra directive {text!r} sets {word}, which hsm sets itself "
                f"({SET_BY_HSM[option]}); remove it",
                path,
            )
        if option in EXTRA_REFUSED:
            return _err(f"extra directive {text!r} {EXTRA_REFUSED[option]}; remove it", path)
        if option is None and any(
            p.partition("=")[0] in WALLTIME_RESOURCES for p in word.split(",") if "=" in p
        ):
            return _err(
                f"extra directive {text!r} sets the walltime, which hsm sets itself (from "
                "--walltime or hpc.default_walltime); remove it",
                path,
            )
    return Success(text)
