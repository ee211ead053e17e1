"""Resource strings -> scheduler directive lines, for every scheduler in the registry.

Strategy: users write resources in their own scheduler's dialect.  The text is screened
first (:func:`~hsm.pure.resources_model.screen_text`: one line, ASCII letters, digits,
spaces and ``_ . : + = @ % / , - [ ]`` only -- nothing can end a ``#SBATCH``/``#PBS``
line, start another, or look like shell), then the dialect is detected from its marks
(``--long`` options or Slurm-only short options vs ``-l`` and ``name=value`` pieces vs
``-pe``/``-P``/Grid Engine resource names) and handed to that scheduler folder's parser.
A token several dialects mark (``-l`` is PBS's and Grid Engine's, ``-pe`` reads as
Slurm's ``-p e``) narrows the choice without deciding it; what is left after every mark
is the string's dialect, the target's own first when several remain.

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
from hsm.pure.schedulers.base import ResourceDialect, Scheduler, TranslationTarget

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

    The dialect is the one every marked token allows (:func:`_candidates`); when several
    remain, the first that reads the string, ``default_dialect`` first.  When the marks
    allow none, the string mixes dialects -- unless one dialect reads it all as written.

    Args:
        text: the user's resource string; blank (spaces only) means "no resources".
        default_dialect: the target scheduler's dialect: used when the text carries no
            mark of any dialect (only ``-A``/``-q``, which all schedulers have), and
            tried first when several dialects could read it; without it ``-q`` is an
            error because it names a queue on PBS and Grid Engine but a QOS on Slurm.
        path: where the text came from (``$.hpc.default_resources``), for errors.

    >>> parse_resources("select=1:ncpus=4:mem=16gb").unwrap().lines
    ('-l select=1:ncpus=4:mem=16gb',)
    >>> parse_resources("-N 2 --mem 16G -p gpu").unwrap().lines
    ('--nodes=2', '--mem=16G')
    >>> parse_resources("   ").unwrap().dialect
    'empty'
    >>> parse_resources("-pe smp 4 -l h_vmem=1G").unwrap().dialect
    'sge'
    """
    screened = screen_text(text, path)
    if isinstance(screened, Failure):
        return screened
    tokens = [t for t in text.split(" ") if t]
    if not tokens:
        return Success(ResourceRequest("empty"))
    decided = _candidates(tokens, path)
    if isinstance(decided, Failure):
        # Marks that disagree do not refuse what a dialect reads as written: Grid
        # Engine's -l takes site complexes (-pe smp 4 -l gpu=1) that PBS also claims.
        read = _first_reading(tuple(DIALECTS.values()), tokens, default_dialect, path)
        return read if isinstance(read, Success) else decided
    candidates = decided.unwrap()
    if candidates:
        return _first_reading(candidates, tokens, default_dialect, path)
    name = default_dialect
    if name is None:
        if "-q" in (t[:2] for t in tokens):
            return Failure(
                ConfigError(
                    f"{text.strip()!r} is ambiguous: -q is the queue on PBS and Grid Engine but "
                    "the QOS on Slurm; write --qos=... or --partition=... for Slurm, or add "
                    "the resources in PBS or Grid Engine syntax (-l name=value)",
                    path,
                )
            )
        name = next(iter(DIALECTS))  # unmarked options read as the first dialect's
    return DIALECTS[name].parse(tokens, path)


@dataclass(frozen=True, slots=True)
class _Claim:
    """A marked token and every dialect whose marks say it can only be theirs."""

    token: str
    dialects: tuple[ResourceDialect, ...]

    @property
    def label(self) -> str:
        return " or ".join(d.label for d in self.dialects)


def _candidates(tokens: list[str], path: str) -> Result[tuple[ResourceDialect, ...], ConfigError]:
    """The dialects every marked token allows, in registry order (none: nothing marked).

    A mark says "this token can only be one of these dialects", so the string's dialect
    is one that every mark allows: ``-l`` is PBS's or Grid Engine's, ``-pe`` Slurm's or
    Grid Engine's, so ``-pe smp 4 -l h_vmem=1G`` is Grid Engine's.  When no dialect is
    left, the string mixes two: the error names a token of each.
    """
    claims = [
        _Claim(t, tuple(d for d in DIALECTS.values() if d.marks(tokens, k)))
        for k, t in enumerate(tokens)
    ]
    claims = [c for c in claims if c.dialects]
    allowed = list(DIALECTS.values())
    for k, claim in enumerate(claims):
        allowed = [d for d in allowed if d in claim.dialects]
        if not allowed:
            other = next(
                (c for c in claims[:k] if not set(c.dialects) & set(claim.dialects)), claims[0]
            )
            first, second = sorted((other, claim), key=_registry_order)
            return Failure(
                ConfigError(
                    f"the resource string mixes {first.label} ({first.token!r}) and "
                    f"{second.label} ({second.token!r}); write it in one scheduler's syntax",
                    path,
                )
            )
    return Success(tuple(allowed) if claims else ())


def _registry_order(claim: _Claim) -> int:
    return list(DIALECTS.values()).index(claim.dialects[0])


def _first_reading(
    candidates: tuple[ResourceDialect, ...],
    tokens: list[str],
    default_dialect: Dialect | None,
    path: str,
) -> Result[ResourceRequest, ConfigError]:
    """The first candidate's reading that succeeds, ``default_dialect`` (the target's own)
    tried first; if none does, the first one's error.

    Several candidates remain for a string like ``-pe smp 4`` (Slurm's ``-p e`` or Grid
    Engine's parallel environment): whichever can read it is what it is.
    """
    own = [d for d in candidates if d.name == default_dialect]
    readings = [d.parse(tokens, path) for d in (*own, *(d for d in candidates if d not in own))]
    return next((r for r in readings if isinstance(r, Success)), readings[0])


def request_shape(
    request: ResourceRequest,
    target: str = "",
    *,
    path: str = "",
) -> Result[NodeShape, ConfigError]:
    """The portable :class:`NodeShape` of a request (what translation carries across).

    ``target`` (a registry key) only shapes errors: they name it and say how to write
    resources for it.

    >>> request_shape(parse_resources("--nodes=2 --gres=gpu:1").unwrap()).unwrap().gpus_per_node
    1
    """
    dialect = DIALECTS.get(request.dialect)
    if dialect is None:
        return Success(NodeShape())
    return dialect.shape(request, _target(target), path)


def _target(key: str) -> TranslationTarget:
    """How translation messages speak of the scheduler ``key`` (a default for none)."""
    scheduler = SCHEDULERS.get(key)
    if scheduler is None or scheduler.dialect is None:
        return TranslationTarget()
    dialect = scheduler.dialect
    return TranslationTarget(scheduler.label, dialect.advice, dialect.lacks)


def resource_directives(
    text: str,
    target: str,
    *,
    path: str = "",
) -> Result[Directives, ConfigError]:
    """Directive lines, queue and account for ``target`` from a resource string.

    Args:
        text: the user's resource string, in any scheduler's dialect.
        target: a registry key (``slurm``, ``pbspro``, ``torque``, ``sge``...), ``pbs``
            for PBS Pro, or ``local`` (which ignores resources, after checking them).
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
