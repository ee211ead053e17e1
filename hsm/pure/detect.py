"""Which scheduler to use: a pure decision from facts the effects layer probed.

Strategy: the effects layer looks up :data:`PROBE_COMMANDS` on PATH, runs
:func:`probe_argvs` (only ``qstat --version``), resolves ``qsub``'s real path and copies
:data:`PROBE_ENV_VARS` from the environment into a :class:`ProbeFacts`.
:func:`decide_scheduler` turns those facts (and the configured ``hpc.system``) into a
:class:`Detected` with a human reason, or a ConfigError that says what to set.

Evidence, strongest first:

1. ``sbatch`` on PATH means Slurm, even when ``qsub``/``qstat`` exist too: Slurm's
   Torque-compatibility package installs Perl ``qsub``/``qstat`` next to ``sbatch``
   (their ``qstat --version`` exits 2 with ``Unknown option: version``).
2. What ``qstat --version`` prints (:func:`parse_qstat_version`): ``SGE 8.1.9`` is Grid
   Engine (not supported -- never mistaken for PBS), ``Version: 6.1.2`` is Torque,
   ``pbs_version = 22.05.11`` is PBS Pro / OpenPBS.
3. Environment variables: ``SGE_ROOT``/``SGE_CELL`` mean Grid Engine, ``PBS_EXEC``
   (from ``/etc/pbs.conf``) means PBS Pro / OpenPBS.
4. Where ``qsub`` really lives (``.../gridengine/...``, ``.../torque/...``,
   ``/opt/pbs/...``, ``.../slurm...``).

Decisions:

- ``auto`` never guesses a PBS flavour: when ``qsub`` exists but nothing above tells
  PBS Pro from Torque, it is an error asking for ``hpc.system: pbspro`` or ``torque``
  (a wrong guess means wrong array flags, ``-J`` vs ``-t``).  An explicit ``pbs`` does
  fall back to PBS Pro / OpenPBS, saying so in the reason.
- A cluster variable without its commands (``PBS_EXEC``, ``SLURM_CONF`` or ``SGE_ROOT``
  set, no ``qsub``/``sbatch``) is an error, not a silent fallback to running locally
  on what is probably a login node.  ``hpc.system: local`` is always accepted.
- An explicit request is checked against the facts: its submit command must be on PATH,
  and an explicit PBS flavour must not contradict what ``qstat --version`` says.
- ``HSM_HPC_SYSTEM`` is *not* read here: it is one layer of ``hpc.system`` in
  :func:`hsm.pure.config_layers.resolve_config` (flag > environment > file), whose result is
  passed as ``requested``.  Reading it again here would let the environment beat a flag.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.schedulers import SYSTEMS

#: Commands whose presence on PATH the effects layer reports in ``ProbeFacts.commands``.
PROBE_COMMANDS = ("sbatch", "squeue", "sacct", "scontrol", "qsub", "qstat", "qmgr", "pbsnodes")
#: Environment variables copied into ``ProbeFacts.environ`` (nothing else is needed).
PROBE_ENV_VARS = (
    "SGE_ROOT",
    "SGE_CELL",
    "PBS_EXEC",
    "PBS_HOME",
    "PBS_SERVER",
    "PBS_CONF_FILE",
    "SLURM_CONF",
)
#: Seconds to allow each probe command (a hung qstat must not hang hsm).
PROBE_TIMEOUT = 10.0

_PATH = "$.hpc.system"
_SET_SYSTEM = "set hpc.system (or HSM_HPC_SYSTEM, or --system)"


def probe_argvs(found: Collection[str] | None = None) -> tuple[tuple[str, ...], ...]:
    """The commands to run to fill ``qstat_version``/``qstat_version_rc``.

    Args:
        found: the commands found on PATH; argvs whose program is missing are left out.
            ``None`` lists them all.

    >>> probe_argvs({"sbatch", "qstat"})
    (('qstat', '--version'),)
    >>> probe_argvs({"sbatch"})
    ()
    """
    argvs = (("qstat", "--version"),)
    return tuple(argv for argv in argvs if found is None or argv[0] in found)


@dataclass(frozen=True, slots=True)
class ProbeFacts:
    """What the effects layer saw.

    Attributes:
        commands: which of :data:`PROBE_COMMANDS` are on PATH.
        qstat_version: combined stdout+stderr of ``qstat --version`` (None if not run).
        qstat_version_rc: its exit status (None if not run).
        environ: the :data:`PROBE_ENV_VARS` that are set.
        qsub_realpath: ``qsub`` with symlinks resolved (None if absent).
    """

    commands: frozenset[str] = frozenset()
    qstat_version: str | None = None
    qstat_version_rc: int | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    qsub_realpath: str | None = None


@dataclass(frozen=True, slots=True)
class Detected:
    """The decision: ``name`` is slurm|pbs|local, ``flavour`` is ""|pro|torque."""

    name: str
    flavour: str = ""
    reason: str = ""

    @property
    def key(self) -> str:
        """Registry key: ``slurm``, ``pbspro``, ``torque`` or ``local``.

        >>> Detected("pbs", "torque").key, Detected("slurm").key
        ('torque', 'slurm')
        """
        return {"pro": "pbspro", "torque": "torque"}.get(self.flavour, self.name)


class QstatKind(StrEnum):
    """What kind of ``qstat`` answered ``qstat --version``."""

    SLURM_WRAPPER = "slurm-wrapper"
    SGE = "sge"
    TORQUE = "torque"
    PBSPRO = "pbspro"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class QstatVersion:
    """A classified ``qstat --version``: its kind and the line that told (``evidence``)."""

    kind: QstatKind
    evidence: str = ""


# (kind, pattern) in the order tried; each matches one line of the output.
_QSTAT_PATTERNS: tuple[tuple[QstatKind, re.Pattern[str]], ...] = (
    (QstatKind.SLURM_WRAPPER, re.compile(r"Unknown option:\s*version", re.IGNORECASE)),
    (QstatKind.SGE, re.compile(r"^\s*(?:SGE|UGE|OGS/GE|GE|Univa Grid Engine)\s+\d")),
    (QstatKind.TORQUE, re.compile(r"^\s*Version:\s*\d+(?:\.\d+)*\s*$")),
    (QstatKind.PBSPRO, re.compile(r"^\s*pbs_version\s*=\s*\d+(?:\.\d+)*\s*$")),
)


def parse_qstat_version(text: str | None) -> QstatVersion:
    """Classify the combined output of ``qstat --version``.

    The exit status is not needed: each kind prints something unmistakable (Torque and
    PBS exit 0, Son of Grid Engine 1, Slurm's Perl wrapper 2).

    >>> parse_qstat_version("pbs_version = 22.05.11\\n")
    QstatVersion(kind=<QstatKind.PBSPRO: 'pbspro'>, evidence='pbs_version = 22.05.11')
    >>> parse_qstat_version("SGE 8.1.9\\nusage: qstat [options]").kind.value
    'sge'
    >>> parse_qstat_version("Segmentation fault").kind.value
    'unknown'
    """
    for line in (text or "").splitlines():
        for kind, pattern in _QSTAT_PATTERNS:
            if pattern.search(line):
                return QstatVersion(kind, line.strip())
    return QstatVersion(QstatKind.UNKNOWN)


def decide_scheduler(facts: ProbeFacts, requested: str = "auto") -> Result[Detected, ConfigError]:
    """Decide the scheduler from probe facts and the configured ``hpc.system``.

    Args:
        facts: what the effects layer probed.
        requested: the resolved ``hpc.system``: one of ``auto``, ``local``, ``slurm``,
            ``pbs``, ``pbspro``, ``torque`` (case-insensitive).

    Returns:
        The scheduler with the reason it was chosen, or a ConfigError saying what to set.

    >>> decide_scheduler(ProbeFacts(frozenset({"sbatch", "qsub", "qstat"}))).unwrap().key
    'slurm'
    >>> decide_scheduler(ProbeFacts()).unwrap().reason
    'no scheduler commands (sbatch, qsub) on PATH: running jobs on this machine'
    """
    wanted = requested.strip().lower()
    if wanted not in SYSTEMS:
        return Failure(
            ConfigError(
                f"unknown hpc.system {requested!r}; expected one of {', '.join(SYSTEMS)}", _PATH
            )
        )
    if wanted == "local":
        return Success(Detected("local", "", "hpc.system is 'local'"))
    if wanted == "slurm":
        return _explicit_slurm(facts)
    version = parse_qstat_version(facts.qstat_version)
    if wanted == "auto":
        return _auto(facts, version)
    return _explicit_pbs(facts, wanted, version)


# --------------------------------------------------------------------------- evidence


def _qstat_said(facts: ProbeFacts, version: QstatVersion) -> str:
    rc = "" if facts.qstat_version_rc is None else f", exit {facts.qstat_version_rc}"
    return f"`qstat --version` printed {version.evidence!r}{rc}"


def _pbs_family(facts: ProbeFacts, version: QstatVersion) -> tuple[str, str] | None:
    """What the PBS-style commands are: (``sge``|``slurm-wrapper``|``torque``|``pro``, why).

    None when nothing tells.
    """
    env = facts.environ
    real = (facts.qsub_realpath or "").lower()
    if version.kind is QstatKind.SLURM_WRAPPER:
        return "slurm-wrapper", _qstat_said(facts, version)
    if version.kind is QstatKind.SGE:
        return "sge", _qstat_said(facts, version)
    if version.kind is QstatKind.TORQUE:
        return "torque", _qstat_said(facts, version)
    if version.kind is QstatKind.PBSPRO:
        return "pro", _qstat_said(facts, version)
    for name in ("SGE_ROOT", "SGE_CELL"):
        if env.get(name):
            return "sge", f"{name} is set ({env[name]})"
    if env.get("PBS_EXEC"):
        return "pro", f"PBS_EXEC is set ({env['PBS_EXEC']})"
    hints = (
        ("gridengine", "sge"),
        ("/sge", "sge"),
        ("slurm", "slurm-wrapper"),
        ("torque", "torque"),
        ("/opt/pbs/", "pro"),
        ("openpbs", "pro"),
        ("pbspro", "pro"),
    )
    for needle, family in hints:
        if needle in real:
            return family, f"qsub resolves to {facts.qsub_realpath}"
    return None


def _grid_engine(why: str) -> ConfigError:
    return ConfigError(
        f"Grid Engine is not supported ({why}); hsm drives Slurm and PBS Pro/OpenPBS/Torque. "
        "Set hpc.system to local to run the sweep on this machine",
        _PATH,
    )


# --------------------------------------------------------------------------- decisions


def _explicit_slurm(facts: ProbeFacts) -> Result[Detected, ConfigError]:
    if "sbatch" not in facts.commands:
        return Failure(
            ConfigError(
                "hpc.system is 'slurm' but sbatch was not found on PATH; load Slurm's module "
                "or set hpc.system to auto or local",
                _PATH,
            )
        )
    return Success(Detected("slurm", "", "hpc.system is 'slurm' and sbatch is on PATH"))


def _explicit_pbs(
    facts: ProbeFacts, wanted: str, version: QstatVersion
) -> Result[Detected, ConfigError]:
    if "qsub" not in facts.commands:
        pbs_exec = facts.environ.get("PBS_EXEC", "")
        where = f" (PBS_EXEC is {pbs_exec}: add its bin/ to PATH)" if pbs_exec else ""
        return Failure(
            ConfigError(f"hpc.system is {wanted!r} but qsub was not found on PATH{where}", _PATH)
        )
    family = _pbs_family(facts, version)
    if family is not None and family[0] == "sge":
        return Failure(_grid_engine(family[1]))
    if family is not None and family[0] == "slurm-wrapper":
        return Failure(
            ConfigError(
                f"hpc.system is {wanted!r} but qsub here is Slurm's Torque-compatibility "
                f"wrapper ({family[1]}); set hpc.system to slurm or auto",
                _PATH,
            )
        )
    seen = family[0] if family is not None else None
    if wanted == "pbs":
        if seen is None:
            return Success(
                Detected(
                    "pbs",
                    "pro",
                    "hpc.system is 'pbs' and qsub is on PATH; nothing told PBS Pro from "
                    "Torque, so assuming PBS Pro/OpenPBS (set hpc.system to torque if not)",
                )
            )
        return Success(Detected("pbs", seen, f"hpc.system is 'pbs' and {_family_why(family)}"))
    flavour = "pro" if wanted == "pbspro" else "torque"
    if seen is not None and seen != flavour:
        other = "pbspro" if seen == "pro" else "torque"
        return Failure(
            ConfigError(
                f"hpc.system is {wanted!r} but {_family_why(family)}, which is {other}; "
                f"set hpc.system to {other} or pbs",
                _PATH,
            )
        )
    return Success(Detected("pbs", flavour, f"hpc.system is {wanted!r} and qsub is on PATH"))


def _family_why(family: tuple[str, str] | None) -> str:
    """The "why" half of a :func:`_pbs_family` answer (empty when nothing told)."""
    return family[1] if family is not None else ""


def _auto(facts: ProbeFacts, version: QstatVersion) -> Result[Detected, ConfigError]:
    commands = facts.commands
    if "sbatch" in commands:
        return Success(Detected("slurm", "", _slurm_reason(facts, version)))
    family = _pbs_family(facts, version)
    if family is not None and family[0] == "sge":
        return Failure(_grid_engine(family[1]))
    if not commands & {"qsub", "qstat"}:
        return _nothing_found(facts)
    if family is not None and family[0] == "slurm-wrapper":
        return Failure(
            ConfigError(
                f"qsub/qstat are Slurm's Torque-compatibility wrappers ({family[1]}) but "
                f"sbatch is not on PATH; load Slurm's module or {_SET_SYSTEM}",
                _PATH,
            )
        )
    if "qsub" not in commands:
        return Failure(
            ConfigError(f"qstat is on PATH but qsub is not; fix PATH or {_SET_SYSTEM}", _PATH)
        )
    if family is None:
        said = (
            "`qstat --version` was not run"
            if facts.qstat_version is None
            else f"`qstat --version` printed {facts.qstat_version.strip()[:200]!r}"
        )
        return Failure(
            ConfigError(
                f"qsub is on PATH but hsm cannot tell PBS Pro/OpenPBS from Torque ({said}); "
                "set hpc.system to pbspro or torque (or local)",
                _PATH,
            )
        )
    name = "PBS Pro/OpenPBS" if family[0] == "pro" else "Torque"
    return Success(Detected("pbs", family[0], f"qsub is on PATH and {family[1]}: {name}"))


def _slurm_reason(facts: ProbeFacts, version: QstatVersion) -> str:
    reason = "sbatch is on PATH"
    if version.kind in {QstatKind.TORQUE, QstatKind.PBSPRO}:
        other = "torque" if version.kind is QstatKind.TORQUE else "pbspro"
        return (
            f"{reason} (a real PBS qstat is here too: {version.evidence!r}; "
            f"set hpc.system to {other} to use it)"
        )
    if facts.commands & {"qsub", "qstat"}:
        return f"{reason} (its qsub/qstat are Slurm's Torque-compatibility wrappers)"
    return reason


def _nothing_found(facts: ProbeFacts) -> Result[Detected, ConfigError]:
    env = facts.environ
    for name, command in (
        ("PBS_EXEC", "qsub"),
        ("PBS_CONF_FILE", "qsub"),
        ("SLURM_CONF", "sbatch"),
    ):
        if env.get(name):
            return Failure(
                ConfigError(
                    f"{name} is set ({env[name]}) but {command} is not on PATH; load the "
                    f"scheduler's module, or set hpc.system to local to run on this machine",
                    _PATH,
                )
            )
    return Success(
        Detected(
            "local",
            "",
            "no scheduler commands (sbatch, qsub) on PATH: running jobs on this machine",
        )
    )
