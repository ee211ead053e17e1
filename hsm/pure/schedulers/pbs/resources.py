"""PBS Pro / Torque resource strings: parse ``-l select=1:ncpus=4 -q gpu -m ae``; check extras.

Strategy: a PBS resource string is a list of ``name=value`` pieces -- bare, after ``-l``,
comma- or space-separated -- plus ``-q queue``, ``-A account`` and the allow-listed job
options of :data:`JOB_OPTIONS` (mail ``-m``/``-M``, rerun ``-r``, environment ``-v``/``-V``,
``-W`` attributes of :data:`W_ATTRIBUTES`).  Each piece becomes one directive line,
exactly as written.  The pieces hsm understands (``select``, Torque ``nodes``, ``mem``,
``place``) are checked against their grammar; other resources pass through untouched for
a PBS target.  Options hsm writes itself (:data:`SET_BY_HSM`) or that would stop it from
submitting or reading the log (:data:`BREAKS_HSM`) are refused with the reason; any other
option is pointed to the ``hpc.pbs.extra`` escape hatch (:func:`check_pbs_extra`).
Translation for a Slurm target is :mod:`hsm.pure.schedulers.pbs.translate`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.resources_model import (
    EXPORT_ITEM,
    MAIL_ADDRESS,
    Piece,
    ResourceRequest,
    positive_int,
    screen_directive_line,
)
from hsm.pure.schedulers.pbs.sizes import is_pbs_size

#: qsub options every hsm script sets itself (see ``job.sh.j2``), and where their value
#: comes from.  Refused in resources and in ``hpc.pbs.extra`` alike (a later ``#PBS``
#: line would silently win over hsm's).  Queue and account are taken from a resource
#: string (they win over the config), but not from an extra line.
SET_BY_HSM: dict[str, str] = {
    "N": "the job name <sweep id>_<job key>, by which hsm finds its jobs again",
    "o": "the log path, which hsm reads for log tails",
    "j": "log joining (-j oe), which keeps stderr in the log hsm reads",
    "J": "the array range",
    "t": "the array range",
    "q": "the queue, from --queue, hpc.pbs.queue or the resources",
    "A": "the account, from --account, hpc.pbs.account or the resources",
}

#: qsub options hsm does not set but that would stop it from submitting the job or
#: from reading its log.  Refused in resources and extra lines alike.
BREAKS_HSM: dict[str, str] = {
    "e": "hsm joins stderr into the -o log (-j oe), so PBS would ignore -e",
    "k": "-k keeps the log on the execution host, away from the -o path hsm reads",
    "z": "qsub would not print the job id hsm reads",
    "I": "hsm runs batch jobs, not interactive ones",
    "X": "hsm runs batch jobs, not interactive ones",
}

#: ``-W`` attributes hsm sets or that break it, with the reason.
W_REFUSED: dict[str, str] = {
    "depend": "hsm sets dependencies itself, from --after",
    "block": "qsub would not return until the job ends, but hsm submits and then polls",
    "interactive": "hsm runs batch jobs, not interactive ones",
}

#: ``-W`` attributes a resource string may carry (qsub(1B)), with their value's grammar.
W_ATTRIBUTES: dict[str, re.Pattern[str]] = {
    "group_list": re.compile(r"[A-Za-z0-9_.\-]+(@[A-Za-z0-9_.\-]+)?(,[A-Za-z0-9_.\-@]+)*"),
    "sandbox": re.compile(r"HOME|PRIVATE", re.IGNORECASE),
    "umask": re.compile(r"[0-7]{1,4}"),
    "stagein": re.compile(r"[A-Za-z0-9_.\-/@:,\[\]]+"),
    "stageout": re.compile(r"[A-Za-z0-9_.\-/@:,\[\]]+"),
    "run_count": re.compile(r"[0-9]+"),
    "release_nodes_on_stageout": re.compile(r"true|false", re.IGNORECASE),
    "tolerate_node_failures": re.compile(r"all|job_start|none"),
}

#: Job options a PBS resource string may carry besides -l/-q/-A: letter -> what it takes.
JOB_OPTIONS: dict[str, str] = {
    "m": "mail events: n, or letters from a (abort), b (begin), e (end), j (subjobs)",
    "M": "mail recipients: user[@host][,user[@host]...]",
    "r": "y or n: whether the job may be rerun",
    "v": "NAME[=value][,NAME[=value]...]: variables exported to the job",
    "V": "no value: export the whole submission environment",
    "W": f"attr=value with attr one of {', '.join(W_ATTRIBUTES)}",
}

#: PBS ``-m`` letters -> portable mail events (:data:`MAIL_EVENTS`).
MAIL_LETTERS = {"b": "begin", "e": "end", "a": "fail", "j": "array_tasks"}
_MAIL = re.compile(r"n|[abej]+", re.ASCII)

_SIZE_RESOURCES = frozenset({"mem", "vmem", "pmem", "pvmem"})
_INT_CHUNK_RESOURCES = frozenset({"ncpus", "mpiprocs", "ngpus", "ompthreads"})
_PLACE_WORDS = frozenset({"free", "pack", "scatter", "vscatter", "excl", "shared", "exclhost"})

_RESOURCE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)
_QUEUE = re.compile(r"[A-Za-z0-9_.\-]+(@[A-Za-z0-9_.\-]+)?", re.ASCII)
_ACCOUNT = re.compile(r"[A-Za-z0-9_.\-]+", re.ASCII)
_WORD = re.compile(r"[A-Za-z0-9_.\-\[\]]+", re.ASCII)
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


#: A ``select`` chunk: its count and its resources.
Chunk = tuple[int, dict[str, str]]


def is_pbs_mark(tokens: Sequence[str], k: int) -> bool:
    """Token ``k`` can only be PBS: a ``-l`` list, a bare ``name=value`` piece (not the
    value of the option before it), or a job option Slurm's sbatch does not have
    (``-V``, ``-v``, ``-M``, ``-r``, ``-m`` with mail letters, ``-W attr=value``).

    >>> is_pbs_mark(["select=1:ncpus=4"], 0), is_pbs_mark(["-A", "proj"], 0)
    (True, False)
    >>> is_pbs_mark(["-m", "ae"], 0), is_pbs_mark(["-m", "block"], 0)
    (True, False)
    >>> is_pbs_mark(["--export", "A=1"], 1)
    False
    """
    token = tokens[k]
    if not token.startswith("-"):
        before = tokens[k - 1] if k > 0 else ""
        is_value = before.startswith("-") and "=" not in before and before not in ("-V",)
        return "=" in token and not is_value
    letter = token[1:2]
    value = token[2:] or (tokens[k + 1] if k + 1 < len(tokens) else "")
    if letter == "m":
        return _MAIL.fullmatch(value) is not None
    if letter == "W":
        return "=" in value
    return letter in ("l", "V", "v", "M", "r")


def _err(message: str, path: str) -> Failure[ConfigError]:
    return Failure(ConfigError(message, path))


def parse_pbs(tokens: Sequence[str], path: str) -> Result[ResourceRequest, ConfigError]:
    """Read screened PBS tokens into a request with one directive line per piece.

    >>> r = parse_pbs(["-l", "select=1:ncpus=4", "-l", "place=free", "-q", "gpu"], "").unwrap()
    >>> r.lines, r.queue
    (('-l select=1:ncpus=4', '-l place=free'), 'gpu')
    >>> parse_pbs(["-m", "ae", "-Mme@example.org", "-V", "-W", "group_list=g"], "").unwrap().lines
    ('-m ae', '-M me@example.org', '-V', '-W group_list=g')
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
            refusal = _refusal(letter, token)
            if refusal:
                return _err(refusal, path)
            if letter == "V":
                if attached:
                    return _err(f"{token!r}: -V takes no value", path)
                pieces.append(Piece("-V", None, token, "-V"))
                continue
            value = attached
            if not attached:
                if i >= len(tokens) or tokens[i].startswith("-"):
                    return _err(f"{token!r} needs a value: write -{letter} VALUE", path)
                value = tokens[i]
                i += 1
            source = f"-{letter} {value}"
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
            if letter != "l":
                option = _job_option(letter, value, source, path)
                if isinstance(option, Failure):
                    return option
                pieces.append(option.unwrap())
                continue
            lists = [value]
        for resource_list in lists:
            for text in resource_list.split(","):
                piece = _parse_piece(text, resource_list, path)
                if isinstance(piece, Failure):
                    return piece
                pieces.append(piece.unwrap())
    # Resource names are case-insensitive; option letters are not (-m is not -M).
    names = [p.name if p.name.startswith("-") else p.name.lower() for p in pieces]
    for k, name in enumerate(names):
        if name in names[:k]:
            what = "option" if name.startswith("-") else "resource"
            return _err(f"{pieces[k].source!r} repeats {what} {name!r}; give it once", path)
    if "select" in names and "nodes" in names:
        return _err(
            "select= and nodes= cannot be combined; use select= (PBS Pro) or nodes= (Torque)", path
        )
    return Success(ResourceRequest("pbs", tuple(pieces), queue, account))


def _refusal(letter: str, token: str) -> str:
    if letter in SET_BY_HSM and letter not in ("q", "A"):
        return (
            f"{token!r} is not a resource option: hsm sets -{letter} itself "
            f"({SET_BY_HSM[letter]}); remove it"
        )
    if letter in BREAKS_HSM:
        return f"{token!r} is refused: {BREAKS_HSM[letter]}"
    if letter not in ("l", "q", "A", *JOB_OPTIONS):
        return (
            f"{token!r} is not a PBS option hsm passes through; a PBS resource string "
            "takes -l name=value, -q queue, -A account, -m, -M, -r, -v, -V and "
            "-W attr=value; put other options in hpc.pbs.extra"
        )
    return ""


def _job_option(letter: str, value: str, source: str, path: str) -> Result[Piece, ConfigError]:
    """``-m ae``, ``-M me@x``, ``-r y``, ``-v A=1,B`` or ``-W attr=value`` as a checked piece."""
    name = f"-{letter}"
    if letter == "W":
        attr, eq, attr_value = value.partition("=")
        if attr in W_REFUSED:
            return _err(f"{source!r} is refused: {W_REFUSED[attr]}", path)
        grammar = W_ATTRIBUTES.get(attr)
        if grammar is None or not eq:
            return _err(
                f"{source!r}: hsm passes -W {', '.join(W_ATTRIBUTES)} through "
                "(one attr=value per -W); put other attributes in hpc.pbs.extra",
                path,
            )
        if not grammar.fullmatch(attr_value):
            return _err(f"{source!r}: {attr_value!r} is not a valid {attr} value", path)
        name = f"-W {attr}"
    elif not _option_value_ok(letter, value):
        extra = " (j only together with a, b or e)" if letter == "m" else ""
        return _err(f"{source!r}: -{letter} takes {JOB_OPTIONS[letter]}{extra}", path)
    return Success(Piece(name, value, source, f"-{letter} {value}"))


def _option_value_ok(letter: str, value: str) -> bool:
    if letter == "m":
        return _MAIL.fullmatch(value) is not None and value.strip("j") != ""
    if letter == "M":
        return all(MAIL_ADDRESS.fullmatch(address) for address in value.split(","))
    if letter == "r":
        return value in ("y", "n")
    return all(EXPORT_ITEM.fullmatch(item) for item in value.split(","))  # -v


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
        problem = select_chunks(value)[1]
    elif key == "nodes":
        problem = _check_nodes(value)
    elif key in _SIZE_RESOURCES and not is_pbs_size(value):
        problem = "a size such as 16gb, 512mb or 1024 (bytes)"
    elif key == "place":
        problem = _check_place(value)
    if problem:
        return _err(f"{text!r}: {name} must be {problem}", path)
    return Success(Piece(name, value, text, f"-l {text}"))


def select_chunks(value: str) -> tuple[list[Chunk], str]:
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


# ---------------------------------------------------------------- hpc.pbs.extra lines

# qsub options that take no argument: ``-Vz`` is ``-V -z``.
_SHORT_FLAGS = frozenset("fhIVXxz")


def check_pbs_extra(line: str, path: str) -> Result[str, ConfigError]:
    """Accept an ``hpc.pbs.extra`` line unless it could break out of its ``#PBS`` line
    or sets what hsm sets (:data:`SET_BY_HSM`, ``-l walltime``, ``-W depend``) or needs
    (:data:`BREAKS_HSM`, ``-W block``).

    qsub reads every option on a directive line, so every option-looking word is
    checked, and every comma-separated ``-l``/``-W`` piece.

    >>> check_pbs_extra("-W umask=022", "").unwrap()
    '-W umask=022'
    >>> print(check_pbs_extra("-l mem=1gb,walltime=1:00:00", "").failure())
    extra directive '-l mem=1gb,walltime=1:00:00' sets the walltime, which hsm sets itself \
(from --walltime or hpc.default_walltime); remove it
    """
    screened = screen_directive_line(line, path)
    if isinstance(screened, Failure):
        return screened
    text = screened.unwrap()
    for word in text.split():
        refusal = _extra_refusal(word)
        if refusal:
            return _err(f"extra directive {text!r} {refusal}", path)
    return Success(text)


def _extra_refusal(word: str) -> str:
    """Why ``word`` of an extra line is refused, or ""."""
    if word.startswith("-") and len(word) > 1:
        letter = word[1]
        if letter in SET_BY_HSM:
            return f"sets -{letter}, which hsm sets itself ({SET_BY_HSM[letter]}); remove it"
        if letter in BREAKS_HSM:
            return f"is refused: {BREAKS_HSM[letter]}"
        if letter in _SHORT_FLAGS and len(word) > 2:
            return (
                f"bundles several options in {word!r}; write them one by one so hsm can check each"
            )
        word = word[2:]
    for piece in word.split(","):
        name = piece.partition("=")[0].lower()
        if piece.partition("=")[1] and name == "walltime":
            return (
                "sets the walltime, which hsm sets itself (from --walltime or "
                "hpc.default_walltime); remove it"
            )
        if piece.partition("=")[1] and name in W_REFUSED:
            return f"is refused: {W_REFUSED[name]}"
    return ""
