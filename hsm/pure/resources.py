"""Resource strings -> scheduler directive lines, for Slurm, PBS Pro, Torque and local.

Strategy: users write resources in their own scheduler's dialect.  The text is screened
first (:func:`~hsm.pure.resources_model.screen_text`: one line, ASCII letters, digits,
spaces and ``_ . : + = @ % / , - [ ]`` only -- nothing can end a ``#SBATCH``/``#PBS``
line, start another, or look like shell), then the dialect is detected from its marks
(``--long`` options or Slurm-only short options vs ``-l`` and ``name=value`` pieces) and
handed to :mod:`hsm.pure.schedulers.slurm.resources` or :mod:`hsm.pure.schedulers.pbs.resources`.

For the user's own scheduler the pieces are kept as written, one directive line each
(Slurm normalised to ``--long=value``): resources, and the allow-listed job options each
dialect module documents (mail, requeue/rerun, environment, QOS, constraint, signal...).
Options hsm writes itself (job name, log path, array, dependencies, walltime) or that
would stop it from submitting or reading the log are refused with the reason; other
options are refused and pointed to the escape hatch, :func:`extra_directives`
(``hpc.slurm.extra`` / ``hpc.pbs.extra``: verbatim lines, checked by the dialect).  For
the other scheduler the pieces are translated through a :class:`NodeShape` -- nodes,
tasks per node, cpus per task, memory per node, GPUs per node, exclusivity, and the
:class:`JobFlags` both can say -- and anything outside it is a :class:`ConfigError`
naming the piece and why, never pasted into the script and never dropped.  The
queue/partition and account travel separately in :class:`Directives` for the caller to
render.

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
    --mail-type=BEGIN,END,FAIL          -m abe (NONE: -m n;            -m abe
      (ARRAY_TASKS: j)                    ARRAY_TASKS: j)                (ARRAY_TASKS: error)
    --mail-user=U                       -M U                           -M U
    --requeue / --no-requeue            -r y / -r n                    -r y / -r n
    --export=ALL[,A=1,B]                -V [-v A=1,B]                  -V [-v A=1,B]
    --export=A=1,B                      -v A=1,B                       -v A=1,B
    --partition / -p                    queue                          queue
    --account / -A                      account                        account

    PBS -> Slurm: select=N:ncpus=X:mpiprocs=M -> --nodes=N --ntasks-per-node=M
    --cpus-per-task=X/M (M defaults to 1); Torque nodes=N:ppn=P -> --nodes=N
    --ntasks-per-node=P; chunk mem -> --mem; job-wide mem=S -> --mem=S/N (must divide);
    ngpus/gpus=G -> --gres=gpu:G; place=...:excl -> --exclusive; place=scatter (and
    free/pack with one chunk) is what --nodes=N says; -m/-M/-r/-V/-v as above (back);
    -q -> partition.

    Refused across (each with its reason): Slurm --qos, --constraint, --signal,
    --reservation, --comment, --nice, --mail-type=ALL/REQUEUE/TIME_LIMIT..., --export=NONE,
    GPU types, node ranges and lists; PBS -W attributes, place=free/pack over several
    chunks, vscatter, shared, group=, place without select=, -M lists, custom resources.

Sizes: PBS ``b kb mb gb tb pb`` (case-insensitive, ``b`` optional, bare = bytes), Slurm
``K M G T`` (bare = megabytes); both are powers of 1024.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.resources_model import (
    Dialect,
    JobFlags,
    NodeShape,
    Piece,
    ResourceRequest,
    screen_directive_line,
    screen_text,
)
from hsm.pure.schedulers import DIALECTS, SCHEDULERS, scheduler_for
from hsm.pure.schedulers.base import ResourceDialect, Scheduler

__all__ = [
    "Directives",
    "JobFlags",
    "NodeShape",
    "Piece",
    "ResourceRequest",
    "extra_directives",
    "parse_resources",
    "request_shape",
    "resource_directives",
]


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
    marked = [
        (dialect, token) for dialect in DIALECTS.values() for token in _first_mark(dialect, tokens)
    ]
    if len(marked) > 1:
        (first, first_token), (second, second_token) = marked[:2]
        return Failure(
            ConfigError(
                f"the resource string mixes {first.label} ({first_token!r}) and "
                f"{second.label} ({second_token!r}); write it in one scheduler's syntax",
                path,
            )
        )
    name = marked[0][0].name if marked else default_dialect
    if name is None:
        if "-q" in (t[:2] for t in tokens):
            return Failure(
                ConfigError(
                    f"{text.strip()!r} is ambiguous: -q is the queue on PBS but the QOS on Slurm; "
                    "write --qos=... or --partition=... for Slurm, or -l name=value resources "
                    "for PBS",
                    path,
                )
            )
        name = next(iter(DIALECTS))  # unmarked options read as the first dialect's
    return DIALECTS[name].parse(tokens, path)


def _first_mark(dialect: ResourceDialect, tokens: list[str]) -> list[str]:
    """The first token only ``dialect`` would write, as a list of zero or one."""
    return [t for k, t in enumerate(tokens) if dialect.marks(tokens, k)][:1]


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
    dialect = DIALECTS.get(request.dialect)
    if dialect is None:
        return Success(NodeShape())
    label = SCHEDULERS[target].label if target in SCHEDULERS else "the other scheduler"
    return dialect.shape(request, label, path)


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
    >>> print(resource_directives("--qos=long", "pbspro").failure())
    '--qos=long' has no PBS Pro equivalent hsm can translate (PBS has no quality of service; \
pick a queue with -q); write the resources in PBS syntax (e.g. select=1:ncpus=4:mem=16gb) or \
set hpc.system=slurm
    """
    found = scheduler_for(target)
    if isinstance(found, Failure):
        return Failure(ConfigError(found.failure().message, path))
    scheduler = found.unwrap()
    own = scheduler.dialect
    # A scheduler without a dialect only checks the text, so any reading will do.
    default = own.name if own else next(iter(DIALECTS))
    parsed = parse_resources(text, default_dialect=default, path=path)
    if isinstance(parsed, Failure):
        return parsed
    request = parsed.unwrap()
    if own is None or request.dialect == "empty":
        return Success(Directives())
    if request.dialect == own.name:
        return Success(Directives(request.lines, request.queue, request.account))
    return _translate(request, scheduler, path)


def _translate(
    request: ResourceRequest, scheduler: Scheduler, path: str
) -> Result[Directives, ConfigError]:
    queue = request.queue
    if queue is not None:
        checked = scheduler.check_queue(queue, path)
        if isinstance(checked, Failure):
            return Failure(checked.failure())
    shape = request_shape(request, scheduler.key, path=path)
    if isinstance(shape, Failure):
        return shape
    if scheduler.render_resources is None:
        return Success(Directives())
    lines = scheduler.render_resources(shape.unwrap(), path)
    return lines.map(lambda ls: Directives(ls, queue, request.account))


def extra_directives(
    lines: Sequence[str],
    target: str,
    *,
    path: str = "",
) -> Result[tuple[str, ...], ConfigError]:
    """The escape hatch: ``hpc.slurm.extra`` / ``hpc.pbs.extra`` lines, checked for ``target``.

    Each line is written verbatim after hsm's own directives (``#SBATCH <line>``).  It
    must be one line starting with an option, and must not set what hsm sets itself
    (job name, log path, array, dependencies, walltime, queue/partition, account) or
    what would stop hsm from submitting or reading the log; the scheduler's dialect says
    which those are.  A scheduler without a dialect (local) takes no directives, so its
    extra lines are checked for line breaks only and then left out.

    Args:
        lines: the configured lines, without the ``#SBATCH ``/``#PBS `` prefix.
        target: registry key of the scheduler the script is for.
        path: where the lines came from (``$.hpc.slurm.extra``); each error names its
            line's index.

    >>> extra_directives(["--qos=long", " --signal=B:USR1@300 "], "slurm").unwrap()
    ('--qos=long', '--signal=B:USR1@300')
    >>> print(extra_directives(["-m ae", "-N name"], "pbspro", path="$.x").failure().message)
    extra directive '-N name' sets -N, which hsm sets itself (the job name <sweep id>_<job \
key>, by which hsm finds its jobs again); remove it
    """
    found = scheduler_for(target)
    if isinstance(found, Failure):
        return Failure(ConfigError(found.failure().message, path))
    dialect = found.unwrap().dialect
    check = dialect.check_extra if dialect is not None else screen_directive_line
    checked: list[str] = []
    for index, line in enumerate(lines):
        result = check(line, f"{path}[{index}]")
        if isinstance(result, Failure):
            return result
        checked.append(result.unwrap())
    return Success(tuple(checked) if dialect is not None else ())
