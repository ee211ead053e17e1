"""Values and helpers shared by the resource-string parsers (:mod:`hsm.pure.resources`).

Strategy: a resource string is first screened character by character against a small
ASCII allow-list (so nothing can end its directive line, ``#SBATCH``, ``#PBS`` or
``#$``, or smuggle in a second directive), then split into pieces by the dialect module.
Each piece keeps the line it becomes on its own scheduler.  For a *different* scheduler,
the dialect module reduces the pieces to a :class:`NodeShape` -- the few quantities both
dialects can say exactly -- and renders that; a piece outside the shape is an error, never
pasted through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError

#: A resource dialect's name (see :class:`hsm.pure.schedulers.base.ResourceDialect`).
Dialect = str

#: Characters a resource string may contain (besides the space that separates pieces).
ALLOWED_PUNCTUATION = "_.:+=@%/,-[]"

# Characters with a dedicated explanation; anything else outside the allow-list gets
# the generic one.
_SHELL_META = {
    ";": "a semicolon",
    "`": "a backtick",
    "$": "a dollar sign",
    "|": "a pipe",
    "&": "an ampersand",
    "<": "a redirection",
    ">": "a redirection",
    "\\": "a backslash",
    "(": "a parenthesis",
    ")": "a parenthesis",
    "*": "a wildcard",
    "?": "a wildcard",
    "!": "an exclamation mark",
    "{": "a brace",
    "}": "a brace",
    "~": "a tilde",
}
_ALLOWED = re.compile(rf"[A-Za-z0-9 {re.escape(ALLOWED_PUNCTUATION)}]*", re.ASCII)

_KIB = 1024
#: Size units as powers of 1024, lower-cased (each dialect's size parser reads them).
SIZE_UNITS = {"": 1, "k": _KIB, "m": _KIB**2, "g": _KIB**3, "t": _KIB**4, "p": _KIB**5}


def exact_units(nbytes: int, units: str) -> tuple[int, str] | None:
    """``nbytes`` in the largest of ``units`` (letters of :data:`SIZE_UNITS` in either
    case, largest first) that holds it exactly, as (count, that letter); None if none does.

    >>> exact_units(1536 * 1024**2, "TGMK"), exact_units(100, "tgmk")
    ((1536, 'M'), None)
    """
    for unit in units:
        scale = SIZE_UNITS[unit.lower()]
        if nbytes % scale == 0:
            return nbytes // scale, unit
    return None


@dataclass(frozen=True, slots=True)
class Piece:
    """One resource setting as the user wrote it, with the directive line it becomes.

    Attributes:
        name: Slurm long option name without dashes (``nodes``) or PBS resource name
            (``select``).
        value: the value; None only for Slurm flags such as ``--exclusive``.
        source: the user's own spelling (``-N 2``), quoted in error messages.
        line: the directive line on the piece's own scheduler (``--nodes=2``,
            ``-l select=1:ncpus=4``).
    """

    name: str
    value: str | None
    source: str
    line: str


@dataclass(frozen=True, slots=True)
class ResourceRequest:
    """A parsed resource string.

    Attributes:
        dialect: ``slurm`` or ``pbs`` as detected, ``empty`` for a blank string.
        pieces: the resource settings in the user's order (queue/account excluded).
        queue: the Slurm partition / PBS queue named in the string, if any.
        account: the account named in the string, if any.
    """

    dialect: str
    pieces: tuple[Piece, ...] = ()
    queue: str | None = None
    account: str | None = None

    @property
    def lines(self) -> tuple[str, ...]:
        """Directive lines for the request's own scheduler."""
        return tuple(p.line for p in self.pieces)


#: Mail events both dialects can name, in the order hsm writes them (Slurm
#: ``--mail-type`` names lower-cased; PBS letters ``b e a j``).
MAIL_EVENTS = ("begin", "end", "fail", "array_tasks")


@dataclass(frozen=True, slots=True)
class JobFlags:
    """The job options both dialects can say exactly: mail, requeue, environment.

    None (or empty) means "not requested; scheduler default" -- and the defaults differ
    (PBS mails on abort and starts jobs without the submitter's environment; Slurm mails
    nothing and exports it), which is why hsm never adds what the user did not write.

    Attributes:
        mail_events: events from :data:`MAIL_EVENTS` that send mail; ``()`` means "no
            mail" (Slurm ``NONE``, PBS ``-m n``).
        mail_user: who gets it (Slurm ``--mail-user``, PBS ``-M``; PBS allows a list).
        requeue: whether the scheduler may run the job again after a node failure
            (Slurm ``--requeue``/``--no-requeue``, PBS ``-r y``/``-r n``).
        export_all: the job starts with the submitter's whole environment (Slurm
            ``--export=ALL``, PBS ``-V``).
        export_vars: ``NAME`` or ``NAME=value`` items exported to the job (Slurm
            ``--export=A,B=1``, PBS ``-v A,B=1``).
    """

    mail_events: tuple[str, ...] | None = None
    mail_user: str | None = None
    requeue: bool | None = None
    export_all: bool = False
    export_vars: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NodeShape:
    """What both dialects can say exactly: N identical nodes, each with the same share.

    A PBS ``select`` chunk counts as one node (hsm asks PBS for ``place=scatter`` when it
    translates more than one).  None means "not requested; scheduler default".

    Attributes:
        nodes: number of nodes (PBS chunks).
        tasks_per_node: processes per node (Slurm ``--ntasks-per-node``, PBS
            ``mpiprocs``, Torque ``ppn``).
        cpus_per_task: cores per process (Slurm ``--cpus-per-task``).
        mem_per_node: bytes of memory per node.
        gpus_per_node: GPUs per node.
        exclusive: whole nodes, shared with no other job.
        flags: the job options that travel with the shape (mail, requeue, environment).
    """

    nodes: int | None = None
    tasks_per_node: int | None = None
    cpus_per_task: int | None = None
    mem_per_node: int | None = None
    gpus_per_node: int | None = None
    exclusive: bool = False
    flags: JobFlags = JobFlags()

    @property
    def cpus_per_node(self) -> int | None:
        """Cores per node, or None when neither tasks nor cpus were requested."""
        if self.tasks_per_node is None and self.cpus_per_task is None:
            return None
        return (self.tasks_per_node or 1) * (self.cpus_per_task or 1)


def screen_text(text: str, path: str) -> Result[str, ConfigError]:
    """Refuse any character that could end a directive line or means shell syntax.

    Returns the text unchanged when every character is an ASCII letter, digit, space or
    one of ``_ . : + = @ % / , - [ ]``.

    >>> screen_text("select=1:ncpus=4", "").unwrap()
    'select=1:ncpus=4'
    >>> print(screen_text("--mem=1G; rm -rf /", "").failure())  # doctest: +ELLIPSIS
    ';' (a semicolon) in '--mem=1G;' is not allowed in a resource string: shell syntax ...
    """
    if _ALLOWED.fullmatch(text):
        return Success(text)
    index = next(i for i, c in enumerate(text) if not _ALLOWED.fullmatch(c))
    char = text[index]
    piece = _piece_around(text, index)
    code = ord(char)
    if code < 32 or 127 <= code < 160:
        why = (
            f"control character U+{code:04X} in {piece!r} is not allowed in a resource "
            "string: it must be one line, with pieces separated by spaces or commas"
        )
    elif char == "#":
        why = (
            f"'#' in {piece!r} is not allowed in a resource string: inside a "
            "directive line it would end the directive or start a new one"
        )
    elif char in "\"'":
        why = (
            f"quote in {piece!r} is not allowed in a resource string: directives are "
            "not read by a shell, so write the value without quotes"
        )
    elif char in _SHELL_META:
        why = (
            f"{char!r} ({_SHELL_META[char]}) in {piece!r} is not allowed in a resource "
            "string: shell syntax has no place in scheduler resources"
        )
    else:
        why = (
            f"character {char!r} (U+{code:04X}) in {piece!r} is not allowed in a resource "
            f"string; use ASCII letters, digits, spaces and {' '.join(ALLOWED_PUNCTUATION)}"
        )
    return Failure(ConfigError(why, path))


def _piece_around(text: str, index: int) -> str:
    """The space-delimited run of text holding ``text[index]``."""
    start = text.rfind(" ", 0, index) + 1
    end = text.find(" ", index)
    return text[start:] if end == -1 else text[start:end]


def positive_int(value: str) -> int | None:
    """``int(value)`` for ASCII digits with a value of at least 1, else None."""
    if re.fullmatch(r"[0-9]+", value, re.ASCII) and int(value) > 0:
        return int(value)
    return None


#: One mail recipient: a user name or an address (``me``, ``me@example.org``).
MAIL_ADDRESS = re.compile(r"[A-Za-z0-9_.+\-]+(@[A-Za-z0-9_.\-]+)?", re.ASCII)
#: One exported variable, optionally with a value (``OMP_NUM_THREADS=4``).
EXPORT_ITEM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(=[^,]*)?", re.ASCII)


def screen_directive_line(line: str, path: str) -> Result[str, ConfigError]:
    """Refuse an escape-hatch directive line that could end its directive line.

    The line goes verbatim after the prefix, so only what ends a line (line breaks, NUL,
    any other control or invisible separator character) could start a new directive or
    a shell command; quotes and ``$`` stay comments to bash and are the scheduler's to read.

    >>> screen_directive_line("--qos=long", "").unwrap()
    '--qos=long'
    >>> print(screen_directive_line("--qos=x\\n#SBATCH --wrap=rm", "").failure())
    extra directive '--qos=x\\n#SBATCH --wrap=rm' must be one line: control character \
U+000A would end the directive and start another
    """
    bad = next((c for c in line if not c.isprintable()), None)
    if bad is not None:
        return Failure(
            ConfigError(
                f"extra directive {line!r} must be one line: control character "
                f"U+{ord(bad):04X} would end the directive and start another",
                path,
            )
        )
    stripped = line.strip()
    if stripped.startswith("#"):
        return Failure(
            ConfigError(
                f"extra directive {line!r}: write it without {stripped.split()[0]!r} "
                "(hsm adds the directive prefix)",
                path,
            )
        )
    if not stripped.startswith("-"):
        return Failure(
            ConfigError(
                f"extra directive {line!r} must start with an option (e.g. --qos=long or -m ae)",
                path,
            )
        )
    return Success(stripped)
