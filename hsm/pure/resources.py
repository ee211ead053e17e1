"""Resource strings -> scheduler directive lines, for Slurm, PBS Pro, Torque and local.

Strategy: users write resources in their own scheduler's dialect.  The text is screened
first (:func:`~hsm.pure.resources_model.screen_text`: one line, ASCII letters, digits,
spaces and ``_ . : + = @ % / , - [ ]`` only -- nothing can end a ``#SBATCH``/``#PBS``
line, start another, or look like shell), then the dialect is detected from its marks
(``--long`` options or Slurm-only short options vs ``-l`` and ``name=value`` pieces) and
handed to :mod:`hsm.pure.schedulers.slurm.resources` or :mod:`hsm.pure.schedulers.pbs.resources`.

For the user's own scheduler the pieces are kept as written, one directive line each
(Slurm normalised to ``--long=value``).  For the other scheduler they are translated
through a :class:`NodeShape` -- nodes, tasks per node, cpus per task, memory per node,
GPUs per node, exclusivity -- and anything outside it is a :class:`ConfigError` naming
the piece, never pasted into the script.  The queue/partition and account travel
separately in :class:`Directives` for the caller to render.

Translation table (``T`` tasks per node, ``C`` cpus per task, ``G`` GPUs per node)::

    Slurm                               PBS Pro                        Torque
    --nodes=N / -N N                    select=N (+ place=scatter      nodes=N
                                          when N > 1)
    --ntasks-per-node=T, -c C           ncpus=T*C:mpiprocs=T           ppn=T*C
    --ntasks=n (with --nodes=N)         as T = n/N (must divide)       as T = n/N
    --mem=M (per node)                  mem=M in the chunk             mem=N*M (per job)
    --mem-per-cpu=M                     mem=M*T*C in the chunk         mem=N*M*T*C
    --gres=gpu:G / --gpus-per-node=G    ngpus=G                        gpus=G
    --gpus=g (total)                    ngpus=g/N (must divide)        gpus=g/N
    --exclusive                         place=excl / scatter:excl      (error)
    --partition / -p                    queue                          queue
    --account / -A                      account                        account

    PBS -> Slurm: select=N:ncpus=X:mpiprocs=M -> --nodes=N --ntasks-per-node=M
    --cpus-per-task=X/M (M defaults to 1); Torque nodes=N:ppn=P -> --nodes=N
    --ntasks-per-node=P; chunk mem -> --mem; job-wide mem=S -> --mem=S/N (must divide);
    ngpus/gpus=G -> --gres=gpu:G; place=...:excl -> --exclusive; -q -> partition.

Sizes: PBS ``b kb mb gb tb pb`` (case-insensitive, ``b`` optional, bare = bytes), Slurm
``K M G T`` (bare = megabytes); both are powers of 1024.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.resources_model import (
    Dialect,
    NodeShape,
    Piece,
    ResourceRequest,
    screen_text,
)
from hsm.pure.schedulers.pbs.resources import parse_pbs, pbs_shape, render_pbspro, render_torque
from hsm.pure.schedulers.slurm.resources import parse_slurm, render_slurm, slurm_shape

__all__ = [
    "TARGETS",
    "Directives",
    "NodeShape",
    "Piece",
    "ResourceRequest",
    "parse_resources",
    "request_shape",
    "resource_directives",
]

#: Targets hsm renders resources for; ``pbs`` is an alias of ``pbspro``.
TARGETS: Final = ("slurm", "pbspro", "pbs", "torque", "local")

# Short options that mark a string as Slurm.  Letters PBS's qsub also has (-A, -q, and
# the ones both refuse: -o -e -J -t -W ...) leave the choice to the default dialect;
# -N counts only with a number (Slurm node count, not a PBS job name).
_SLURM_MARK_SHORT = frozenset("ncpGCwxLOs")
_LABELS = {"slurm": "Slurm", "pbspro": "PBS Pro", "torque": "Torque"}


@dataclass(frozen=True, slots=True)
class Directives:
    """What a resource string puts into a job script.

    Attributes:
        lines: what follows ``#SBATCH `` or ``#PBS ``, e.g. ``("--nodes=2", "--mem=32G")``
            or ``("-l select=1:ncpus=4:mem=16gb",)``.
        queue: partition/queue named in the resource string (the caller renders it).
        account: account named in the resource string (the caller renders it).
    """

    lines: tuple[str, ...] = ()
    queue: str | None = None
    account: str | None = None


def parse_resources(
    text: str,
    *,
    default_dialect: Dialect | None = None,
    path: str = "",
) -> Result[ResourceRequest, ConfigError]:
    """Screen a resource string, detect its dialect and parse it.

    Args:
        text: the user's resource string; blank (spaces only) means "no resources".
        default_dialect: used when the text carries no mark of either dialect (only
            ``-A``/``-q``, which both schedulers have); without it ``-q`` is an error
            because it names a queue on PBS but a QOS on Slurm.
        path: where the text came from (``$.hpc.default_resources``), for errors.

    >>> parse_resources("select=1:ncpus=4:mem=16gb").unwrap().lines
    ('-l select=1:ncpus=4:mem=16gb',)
    >>> parse_resources("-N 2 --mem 16G -p gpu").unwrap().lines
    ('--nodes=2', '--mem=16G')
    >>> parse_resources("   ").unwrap().dialect
    'empty'
    """
    screened = screen_text(text, path)
    if isinstance(screened, Failure):
        return screened
    tokens = [t for t in text.split(" ") if t]
    if not tokens:
        return Success(ResourceRequest("empty"))
    slurm_mark = next((t for k, t in enumerate(tokens) if _is_slurm_mark(tokens, k)), None)
    pbs_mark = next(
        (t for t in tokens if t.startswith("-l") or (not t.startswith("-") and "=" in t)), None
    )
    if slurm_mark and pbs_mark:
        return Failure(
            ConfigError(
                f"the resource string mixes Slurm options ({slurm_mark!r}) and PBS resources "
                f"({pbs_mark!r}); write it in one scheduler's syntax",
                path,
            )
        )
    dialect = "slurm" if slurm_mark else "pbs" if pbs_mark else default_dialect
    if dialect is None:
        if "-q" in (t[:2] for t in tokens):
            return Failure(
                ConfigError(
                    f"{text.strip()!r} is ambiguous: -q is the queue on PBS but the QOS on Slurm; "
                    "write --qos=... or --partition=... for Slurm, or -l name=value resources "
                    "for PBS",
                    path,
                )
            )
        dialect = "slurm"
    return parse_slurm(tokens, path) if dialect == "slurm" else parse_pbs(tokens, path)


def _is_slurm_mark(tokens: list[str], k: int) -> bool:
    token = tokens[k]
    if token.startswith("--") or (token[:1] == "-" and token[1:2] in _SLURM_MARK_SHORT):
        return True
    if token.startswith("-N"):
        value = token[2:] or (tokens[k + 1] if k + 1 < len(tokens) else "")
        return value[:1].isdigit()
    return False


def request_shape(
    request: ResourceRequest,
    target: str = "",
    *,
    path: str = "",
) -> Result[NodeShape, ConfigError]:
    """The portable :class:`NodeShape` of a request (what translation carries across).

    ``target`` only labels errors (``PBS Pro``/``Torque`` for a Slurm request).

    >>> request_shape(parse_resources("--nodes=2 --gres=gpu:1").unwrap()).unwrap().gpus_per_node
    1
    """
    if request.dialect == "slurm":
        return slurm_shape(request, _LABELS.get(target, "PBS"), path)
    if request.dialect == "pbs":
        return pbs_shape(request, path)
    return Success(NodeShape())


def resource_directives(
    text: str,
    target: str,
    *,
    path: str = "",
) -> Result[Directives, ConfigError]:
    """Directive lines, queue and account for ``target`` from a resource string.

    Args:
        text: the user's resource string, in either scheduler's dialect.
        target: ``slurm``, ``pbspro`` (alias ``pbs``), ``torque`` or ``local`` (which
            ignores resources, after checking them).
        path: where the text came from, for errors.

    >>> resource_directives("select=1:ncpus=4:mem=16gb", "pbspro").unwrap().lines
    ('-l select=1:ncpus=4:mem=16gb',)
    >>> resource_directives("select=1:ncpus=4:mem=16gb", "slurm").unwrap().lines
    ('--nodes=1', '--ntasks-per-node=1', '--cpus-per-task=4', '--mem=16G')
    >>> resource_directives("--nodes=2 --ntasks-per-node=8 --mem=32G -p gpu", "torque").unwrap()
    Directives(lines=('-l nodes=2:ppn=8', '-l mem=64gb'), queue='gpu', account=None)
    >>> print(resource_directives("--constraint=skylake", "pbspro").failure())
    '--constraint=skylake' has no PBS Pro equivalent hsm can translate; write the resources \
in PBS syntax (e.g. select=1:ncpus=4:mem=16gb) or set hpc.system=slurm
    """
    if target not in TARGETS:
        return Failure(
            ConfigError(
                f"unknown scheduler target {target!r}; expected one of {', '.join(TARGETS)}", path
            )
        )
    target = "pbspro" if target == "pbs" else target
    own: Dialect = "slurm" if target == "slurm" else "pbs"
    parsed = parse_resources(text, default_dialect=own, path=path)
    if isinstance(parsed, Failure):
        return parsed
    request = parsed.unwrap()
    if target == "local" or request.dialect == "empty":
        return Success(Directives())
    if request.dialect == own:
        return Success(Directives(request.lines, request.queue, request.account))
    return _translate(request, target, path)


def _translate(request: ResourceRequest, target: str, path: str) -> Result[Directives, ConfigError]:
    queue = request.queue
    if queue is not None and target == "slurm" and "@" in queue:
        return Failure(
            ConfigError(
                f"queue {queue!r} names a PBS server, which Slurm partitions cannot; give the "
                "partition name alone",
                path,
            )
        )
    if queue is not None and target != "slurm" and "," in queue:
        return Failure(
            ConfigError(f"partition list {queue!r} has no PBS equivalent; give one queue", path)
        )
    shape = request_shape(request, target, path=path)
    if isinstance(shape, Failure):
        return shape
    lines: Result[tuple[str, ...], ConfigError]
    if target == "slurm":
        lines = render_slurm(shape.unwrap(), path)
    elif target == "torque":
        lines = render_torque(shape.unwrap(), path)
    else:
        lines = Success(render_pbspro(shape.unwrap()))
    return lines.map(lambda ls: Directives(ls, queue, request.account))
