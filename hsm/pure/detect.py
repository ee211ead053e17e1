"""Which scheduler to use: a pure decision from facts the effects layer probed.

Strategy: each scheduler folder declares a :class:`~hsm.pure.schedulers.base.Detection`
rule on its record; this module only walks the registry and names no scheduler or command.
The effects layer looks up :data:`PROBE_COMMANDS` on PATH, runs :func:`probe_argvs` (the
rules' version commands, each once: today every rule asks ``qstat --version``), resolves
the real path of :data:`PROBE_REALPATHS` and copies :data:`PROBE_ENV_VARS` into a
:class:`ProbeFacts`.
:func:`decide_scheduler` turns those facts (and the configured ``hpc.system``) into a
:class:`Detected` with a human reason, or a ConfigError that says what to set.

Auto-detection, in order:

1. A submit command on PATH that only one rule marks decides (``sbatch``), whatever else
   is there: a machine may carry another scheduler's commands as wrappers.
2. Otherwise the strongest evidence any rule claims: a line its version command printed,
   then an environment variable, then where a command really lives; ties go to the earlier rule
   (:data:`KNOWN_UNSUPPORTED` first, then the registry's order).  Evidence for an
   unsupported scheduler is refused, never taken for a supported one.
3. No rule's commands on PATH: the registry's record without batch commands (the local
   backend), unless a rule's variable says a cluster is meant to be here -- then an error,
   not a silent fallback to running on what is probably a login node.
4. Commands that several rules share and nothing told apart: an error naming the choices
   (a wrong guess means wrong array options), never a guess.

An explicit ``hpc.system`` is a registry key or a family name (a ``name`` several records
share); its submit command must be on PATH, and evidence about the commands it uses must
not contradict it.  A family with nothing to tell its members apart means its first member,
and the reason says so.  ``HSM_HPC_SYSTEM`` is *not* read here: it is one layer of
``hpc.system`` in :func:`hsm.pure.config_layers.resolve_config` (flag > environment > file),
whose result is passed as ``requested``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.schedulers import SCHEDULERS, SYSTEMS
from hsm.pure.schedulers.base import Detection, Scheduler

#: Seconds to allow each probe command (a hung qstat must not hang hsm).
PROBE_TIMEOUT = 10.0

_PATH = "$.hpc.system"
_SET_SYSTEM = "set hpc.system (or HSM_HPC_SYSTEM, or --system)"

#: Schedulers recognised only to be refused, so that their commands are never taken for a
#: supported one's (none at present: Grid Engine has its folder).  An entry stops applying
#: as soon as the registry has its key.
KNOWN_UNSUPPORTED: dict[str, Detection] = {}


@dataclass(frozen=True, slots=True)
class _Rule:
    """A detection rule with the record it identifies (None: a known unsupported one)."""

    key: str
    detection: Detection
    record: Scheduler | None

    @property
    def label(self) -> str:
        return self.detection.label or (self.record.label if self.record else self.key)

    @property
    def submit(self) -> str:
        return self.record.submit_command if self.record else ""

    @property
    def claims(self) -> frozenset[str]:
        """Every command its evidence speaks for: its own and those it wraps."""
        return frozenset(self.detection.marks) | frozenset(self.detection.wrappers)


def _rules() -> tuple[_Rule, ...]:
    """Every rule in evidence order: unsupported first (a tie must never let one pass for
    a supported scheduler), then the registry's order.  Read at call time."""
    unsupported = tuple(
        _Rule(key, rule, None) for key, rule in KNOWN_UNSUPPORTED.items() if key not in SCHEDULERS
    )
    supported = tuple(
        _Rule(s.key, s.detection, s) for s in SCHEDULERS.values() if s.detection is not None
    )
    return unsupported + supported


def probe_commands() -> tuple[str, ...]:
    """Every command some rule looks for on PATH (and those the probe runs or resolves),
    in rule order.

    >>> {"sbatch", "qsub", "qstat"} <= set(probe_commands())
    True
    """
    rules = _rules()
    names = [c for r in rules for c in (*r.detection.marks, *r.detection.tools)]
    names += [c for r in rules for c in r.detection.wrappers]
    names += [argv[0] for argv in _version_argvs(rules)]
    return tuple(dict.fromkeys([*names, *probe_realpaths()]))


def probe_realpaths() -> tuple[str, ...]:
    """Every command whose resolved path some rule reads, once each, in rule order."""
    return tuple(
        dict.fromkeys(r.detection.realpath_of for r in _rules() if r.detection.realpath_of)
    )


def _version_argvs(rules: tuple[_Rule, ...]) -> tuple[tuple[str, ...], ...]:
    """The rules' version commands, once each, in rule order."""
    return tuple(dict.fromkeys(r.detection.version_argv for r in rules if r.detection.version_argv))


def probe_env_vars() -> tuple[str, ...]:
    """Every environment variable some rule reads (nothing else is copied)."""
    return tuple(
        dict.fromkeys(
            v
            for r in _rules()
            for v in (*r.detection.env, *r.detection.env_hints, *r.detection.home_env)
        )
    )


#: Commands whose presence on PATH the effects layer reports in ``ProbeFacts.commands``.
PROBE_COMMANDS = probe_commands()
#: Environment variables copied into ``ProbeFacts.environ``.
PROBE_ENV_VARS = probe_env_vars()
#: Commands whose resolved path the effects layer reports in ``ProbeFacts.realpaths``.
PROBE_REALPATHS = probe_realpaths()


def probe_argvs(found: Collection[str] | None = None) -> tuple[tuple[str, ...], ...]:
    """The commands to run to fill ``ProbeFacts.versions``: the rules' version commands,
    each once (several rules may ask the same one).

    Args:
        found: the commands found on PATH; argvs whose program is missing are left out.
            ``None`` lists them all.

    >>> probe_argvs({"sbatch", "qstat"})
    (('qstat', '--version'),)
    >>> probe_argvs({"sbatch"})
    ()
    """
    return tuple(a for a in _version_argvs(_rules()) if found is None or a[0] in found)


@dataclass(frozen=True, slots=True)
class Answer:
    """What a version command printed (stdout then stderr) and its exit status."""

    output: str
    status: int


@dataclass(frozen=True, slots=True)
class ProbeFacts:
    """What the effects layer saw.

    Attributes:
        commands: which of :data:`PROBE_COMMANDS` are on PATH.
        versions: each of :func:`probe_argvs` that ran, and its answer (absent: not run).
        environ: the :data:`PROBE_ENV_VARS` that are set.
        realpaths: each of :data:`PROBE_REALPATHS` on PATH, with symlinks resolved.
    """

    commands: frozenset[str] = frozenset()
    versions: Mapping[tuple[str, ...], Answer] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=dict)
    realpaths: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Detected:
    """The decision: the registry key of the scheduler to use and why it was chosen."""

    key: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class VersionLine:
    """A classified version answer: the key of the rule whose line matched ("" if none)
    and that line (``evidence``)."""

    key: str = ""
    evidence: str = ""


def parse_version(argv: tuple[str, ...], text: str | None) -> VersionLine:
    """Classify what ``argv`` printed (stdout+stderr) by the ``version_lines`` of the rules
    that ask it.

    The exit status is not needed: each kind prints something unmistakable (Torque and
    PBS exit 0, Son of Grid Engine 1, Slurm's Perl wrapper 2).

    >>> argv = ("qstat", "--version")
    >>> parse_version(argv, "pbs_version = 22.05.11\\n")
    VersionLine(key='pbspro', evidence='pbs_version = 22.05.11')
    >>> parse_version(argv, "Segmentation fault")
    VersionLine(key='', evidence='')
    """
    rules = tuple(r for r in _rules() if r.detection.version_argv == argv)
    found = _line_of(text, rules)
    return VersionLine(found[0].key, found[1]) if found else VersionLine()


def _line_of(text: str | None, rules: tuple[_Rule, ...]) -> tuple[_Rule, str] | None:
    """The first line of ``text`` some rule's ``version_lines`` match, and that rule."""
    for line in (text or "").splitlines():
        for rule in rules:
            if any(p.search(line) for p in rule.detection.version_lines):
                return rule, line.strip()
    return None


def _argv_text(argv: tuple[str, ...]) -> str:
    return " ".join(argv)


# --------------------------------------------------------------------------- evidence


@dataclass(frozen=True, slots=True)
class _Evidence:
    rule: _Rule
    why: str


def _evidence(facts: ProbeFacts, rules: tuple[_Rule, ...]) -> _Evidence | None:
    """The strongest claim any rule can make from the facts, or None."""
    for argv in _version_argvs(rules):
        answer = facts.versions.get(argv)
        asking = tuple(r for r in rules if r.detection.version_argv == argv)
        version = _line_of(answer.output if answer else None, asking)
        if answer is not None and version is not None:
            said = f"`{_argv_text(argv)}` printed {version[1]!r}, exit {answer.status}"
            return _Evidence(version[0], said)
    for rule in rules:
        for name in rule.detection.env:
            if facts.environ.get(name):
                return _Evidence(rule, f"{name} is set ({facts.environ[name]})")
    for rule in rules:
        command = rule.detection.realpath_of
        real = facts.realpaths.get(command, "")
        if real and any(hint in real.lower() for hint in rule.detection.realpath_hints):
            return _Evidence(rule, f"{command} resolves to {real}")
    return None


def _refuse_unsupported(evidence: _Evidence, rules: tuple[_Rule, ...]) -> ConfigError:
    families: dict[str, list[str]] = {}
    for rule in rules:
        if rule.record is not None:
            families.setdefault(rule.record.name, []).append(rule.label)
    drives = _joined(["/".join(labels) for labels in families.values()], " and ")
    return ConfigError(
        f"{evidence.rule.label} is not supported ({evidence.why}); hsm drives {drives}. "
        f"Set hpc.system to {_fallback()} to run the sweep on this machine",
        _PATH,
    )


def _joined(words: list[str], last: str) -> str:
    """``a, b and c`` (``last`` is the final separator).

    >>> _joined(["a"], " or "), _joined(["a", "b", "c"], " or ")
    ('a', 'a, b or c')
    """
    return words[-1] if len(words) < 2 else ", ".join(words[:-1]) + last + words[-1]


def _fallback() -> str:
    """The key of the record that needs no batch system (the registry always has one):
    what detection uses when no scheduler is here."""
    return next(s.key for s in SCHEDULERS.values() if s.commands is None)


# --------------------------------------------------------------------------- decisions


def decide_scheduler(facts: ProbeFacts, requested: str = "auto") -> Result[Detected, ConfigError]:
    """Decide the scheduler from probe facts and the configured ``hpc.system``.

    Args:
        facts: what the effects layer probed.
        requested: the resolved ``hpc.system``: ``auto``, a registry key or a family name
            (case-insensitive).

    Returns:
        The scheduler with the reason it was chosen, or a ConfigError saying what to set.

    >>> decide_scheduler(ProbeFacts(frozenset({"sbatch", "qsub", "qstat"}))).unwrap().key
    'slurm'
    >>> print(decide_scheduler(ProbeFacts()).unwrap().reason)  # doctest: +ELLIPSIS
    no scheduler commands (sbatch, qsub...) on PATH: running jobs on this machine
    """
    wanted = requested.strip().lower()
    if wanted == "auto":
        return _auto(facts, _rules())
    candidates = [s for s in SCHEDULERS.values() if s.key == wanted] or [
        s for s in SCHEDULERS.values() if s.name == wanted
    ]
    if not candidates:
        return Failure(
            ConfigError(
                f"unknown hpc.system {requested!r}; expected one of {', '.join(SYSTEMS)}", _PATH
            )
        )
    return _explicit(facts, wanted, candidates, _rules())


def _auto(facts: ProbeFacts, rules: tuple[_Rule, ...]) -> Result[Detected, ConfigError]:
    on_path = facts.commands
    supported = [r for r in rules if r.record is not None]
    evidence = _evidence(facts, rules)
    for rule in supported:
        if rule.submit in on_path and _owns_submit(rule, rules):
            return Success(Detected(rule.key, _sole_reason(rule, on_path, evidence)))
    if evidence is not None and evidence.rule.record is None:
        return Failure(_refuse_unsupported(evidence, rules))
    if not any(on_path & frozenset(r.detection.marks) for r in rules):
        return _nothing_found(facts, supported)
    if evidence is not None:
        found = _from_evidence(evidence, on_path)
        if found is not None:
            return found
    usable = [r for r in supported if r.submit in on_path]
    if not usable:
        rule = next(r for r in (*supported, *rules) if on_path & frozenset(r.detection.marks))
        return Failure(_submit_missing(rule, on_path))
    return Failure(_cannot_tell(facts, usable, rules))


def _owns_submit(rule: _Rule, rules: tuple[_Rule, ...]) -> bool:
    """No other rule marks or wraps this rule's submit command: on PATH, it decides."""
    return not any(rule.submit in other.claims for other in rules if other is not rule)


def _cannot_tell(facts: ProbeFacts, usable: list[_Rule], rules: tuple[_Rule, ...]) -> ConfigError:
    """Commands several rules share, and no evidence: name the choices, never guess."""
    first = usable[0]
    others = [r.label for r in usable[1:]] or [
        r.label for r in rules if r is not first and first.submit in r.claims
    ]
    argv = first.detection.version_argv
    answer = facts.versions.get(argv)
    said = (
        ""
        if not argv
        else f" (`{_argv_text(argv)}` was not run)"
        if answer is None
        else f" (`{_argv_text(argv)}` printed {answer.output.strip()[:200]!r})"
    )
    return ConfigError(
        f"{first.submit} is on PATH but hsm cannot tell {first.label} from "
        f"{_joined(others, ' or ')}{said}; set hpc.system to "
        f"{_joined([r.key for r in usable], ' or ')} (or {_fallback()})",
        _PATH,
    )


def _sole_reason(rule: _Rule, on_path: frozenset[str], evidence: _Evidence | None) -> str:
    reason = f"{rule.submit} is on PATH"
    if evidence is not None and evidence.rule is not rule:
        other = evidence.rule
        use = (
            f"; set hpc.system to {other.key} to use it"
            if other.record is not None and other.submit in on_path
            else ""
        )
        return f"{reason} ({other.label} is here too: {evidence.why}{use})"
    if on_path & frozenset(rule.detection.wrappers):
        return f"{reason} (its {'/'.join(rule.detection.wrappers)} are {_wrappers_label(rule)})"
    return reason


def _from_evidence(
    evidence: _Evidence, on_path: frozenset[str]
) -> Result[Detected, ConfigError] | None:
    """What the evidence decides, or None when it concerns commands that are not here."""
    rule = evidence.rule
    if rule.submit in on_path:
        return Success(
            Detected(rule.key, f"{rule.submit} is on PATH and {evidence.why}: {rule.label}")
        )
    if on_path & frozenset(rule.detection.marks):
        return Failure(_submit_missing(rule, on_path))
    if on_path & frozenset(rule.detection.wrappers):
        return Failure(
            ConfigError(
                f"{'/'.join(rule.detection.wrappers)} are {_wrappers_label(rule)} "
                f"({evidence.why}) but {rule.submit} is not on PATH; load {rule.label}'s "
                f"module or {_SET_SYSTEM}",
                _PATH,
            )
        )
    return None


def _wrappers_label(rule: _Rule) -> str:
    return rule.detection.wrappers_label or f"{rule.label}'s"


def _submit_missing(rule: _Rule, on_path: frozenset[str]) -> ConfigError:
    found = "/".join(c for c in rule.detection.marks if c in on_path)
    return ConfigError(
        f"{found} is on PATH but {rule.submit} is not; fix PATH or {_SET_SYSTEM}", _PATH
    )


def _nothing_found(facts: ProbeFacts, supported: list[_Rule]) -> Result[Detected, ConfigError]:
    env = facts.environ
    for rule in supported:
        for name in (*rule.detection.env, *rule.detection.env_hints):
            if env.get(name):
                return Failure(
                    ConfigError(
                        f"{name} is set ({env[name]}) but {rule.submit} is not on PATH; load "
                        f"the scheduler's module, or set hpc.system to {_fallback()} to "
                        "run on this machine",
                        _PATH,
                    )
                )
    commands = ", ".join(dict.fromkeys(r.submit for r in supported))
    return Success(
        Detected(
            _fallback(), f"no scheduler commands ({commands}) on PATH: running jobs on this machine"
        )
    )


def _explicit(
    facts: ProbeFacts, wanted: str, candidates: list[Scheduler], rules: tuple[_Rule, ...]
) -> Result[Detected, ConfigError]:
    """``hpc.system`` named a key (one candidate) or a family (its members, in order)."""
    first = candidates[0]
    if first.commands is None:
        return Success(Detected(first.key, f"hpc.system is {wanted!r}"))
    submit = first.submit_command
    if submit not in facts.commands:
        return Failure(_explicit_missing(facts, wanted, candidates, rules))
    evidence = _evidence(facts, rules)
    # Evidence matters only when it speaks about the commands asked for: a real PBS qstat
    # does not contradict hpc.system: slurm.
    if evidence is not None and evidence.rule.claims & _marks_of(candidates):
        refused = _contradicted(evidence, wanted, candidates, rules)
        if refused is not None:
            return Failure(refused)
        if len(candidates) > 1:
            return Success(
                Detected(evidence.rule.key, f"hpc.system is {wanted!r} and {evidence.why}")
            )
    elif len(candidates) > 1:
        labels = [s.label for s in candidates]
        return Success(
            Detected(
                first.key,
                f"hpc.system is {wanted!r} and {submit} is on PATH; nothing told "
                f"{_joined(labels[:-1], ', ')} from {labels[-1]}, so assuming {_label(first)} "
                f"(set hpc.system to {_joined([s.key for s in candidates[1:]], ' or ')} if not)",
            )
        )
    return Success(Detected(first.key, f"hpc.system is {wanted!r} and {submit} is on PATH"))


def _contradicted(
    evidence: _Evidence, wanted: str, candidates: list[Scheduler], rules: tuple[_Rule, ...]
) -> ConfigError | None:
    """Why the evidence rules out every candidate, or None when it names one of them."""
    rule = evidence.rule
    if rule.record is None:
        return _refuse_unsupported(evidence, rules)
    if rule.key in {s.key for s in candidates}:
        return None
    if not frozenset(rule.detection.marks) & _marks_of(candidates):
        # It speaks about them only as wrappers it installs.
        return ConfigError(
            f"hpc.system is {wanted!r} but {'/'.join(rule.detection.wrappers)} here are "
            f"{_wrappers_label(rule)} ({evidence.why}); set hpc.system to {rule.key} or auto",
            _PATH,
        )
    name = rule.record.name
    choices = [rule.key] + ([name] if name not in (rule.key, wanted) else [])
    return ConfigError(
        f"hpc.system is {wanted!r} but {evidence.why}, which is {rule.key}; "
        f"set hpc.system to {' or '.join(choices)}",
        _PATH,
    )


def _marks_of(candidates: list[Scheduler]) -> frozenset[str]:
    """The commands that mark the candidates (a record without a rule: its submit command)."""
    return frozenset(
        c for s in candidates for c in (s.detection.marks if s.detection else (s.submit_command,))
    )


def _label(record: Scheduler) -> str:
    return (record.detection.label if record.detection else "") or record.label


def _explicit_missing(
    facts: ProbeFacts, wanted: str, candidates: list[Scheduler], rules: tuple[_Rule, ...]
) -> ConfigError:
    submit = candidates[0].submit_command
    homes = [v for r in rules if r.submit == submit for v in r.detection.home_env]
    home = next((v for v in homes if facts.environ.get(v)), None)
    where = f" ({home} is {facts.environ[home]}: add its bin/ to PATH)" if home else ""
    whose = f"{candidates[0].label}'s" if len(candidates) == 1 else "the scheduler's"
    return ConfigError(
        f"hpc.system is {wanted!r} but {submit} was not found on PATH{where}; load {whose} "
        f"module or set hpc.system to auto or {_fallback()}",
        _PATH,
    )
