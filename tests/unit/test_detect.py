"""Scheduler auto-detection: a table of probe facts -> decision (or the error's words)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from returns.result import Failure, Success

from hsm.pure import detect
from hsm.pure.detect import (
    PROBE_COMMANDS,
    PROBE_ENV_VARS,
    PROBE_REALPATHS,
    Answer,
    ProbeFacts,
    decide_scheduler,
    parse_version,
    probe_argvs,
)
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.schedulers import SLURM as SLURM_RECORD
from hsm.pure.schedulers.base import Commands, Detection, Scheduler

SLURM = frozenset({"sbatch", "squeue", "sacct", "scontrol"})
PBS = frozenset({"qsub", "qstat", "qmgr", "pbsnodes"})
SGE_CMDS = frozenset({"qsub", "qstat"})

#: The version question every rule asks today, written out here as the folders declare it.
QSTAT_VERSION = ("qstat", "--version")

# What `qstat --version` prints (stdout+stderr) and its exit status, per scheduler.
SLURM_WRAPPER_OUT = (
    "Unknown option: version\nUsage:\n    qstat [-a|-i|-r] [-f] [-n] [-u user_list] [job_id...]\n",
    2,
)
SGE_OUT = ("SGE 8.1.9\nusage: qstat [options]\n        [-ext]   view additional attributes\n", 1)
TORQUE_OUT = ("Version: 6.1.2\nCommit: 661e092552de43a785c15d39a3634a541d86898e\n", 0)
PBSPRO_OUT = ("pbs_version = 19.1.3\n", 0)
OPENPBS_OUT = ("pbs_version = 22.05.11\n", 0)
ALTAIR_OUT = ("pbs_version = 2022.1.3\r\n", 0)
GARBAGE_OUT = ("qstat: illegal option -- -\nsomething went wrong\n", 1)


def facts(
    commands: frozenset[str] = frozenset(),
    out: tuple[str, int] | None = None,
    environ: dict[str, str] | None = None,
    qsub: str | None = None,
) -> ProbeFacts:
    return ProbeFacts(
        commands=commands,
        versions={QSTAT_VERSION: Answer(*out)} if out else {},
        environ=environ or {},
        realpaths={"qsub": qsub} if qsub else {},
    )


# --------------------------------------------------------------------------- qstat --version

QSTAT_CASES = [
    ("slurm-wrapper", SLURM_WRAPPER_OUT[0], "slurm", "Unknown option: version"),
    ("sge", SGE_OUT[0], "sge", "SGE 8.1.9"),
    ("uge", "UGE 8.6.4\n", "sge", "UGE 8.6.4"),
    ("torque", TORQUE_OUT[0], "torque", "Version: 6.1.2"),
    ("torque-crlf", "Version: 4.2.10\r\n", "torque", "Version: 4.2.10"),
    ("pbspro", PBSPRO_OUT[0], "pbspro", "pbs_version = 19.1.3"),
    ("openpbs", OPENPBS_OUT[0], "pbspro", "pbs_version = 22.05.11"),
    ("altair-year", ALTAIR_OUT[0], "pbspro", "pbs_version = 2022.1.3"),
    ("leading-blank", "\n\npbs_version = 20.0.1\n", "pbspro", "pbs_version = 20.0.1"),
    ("garbage", GARBAGE_OUT[0], "", ""),
    ("version-word-only", "Version: unknown\n", "", ""),
    ("empty", "", "", ""),
    ("none", None, "", ""),
]


@pytest.mark.parametrize(
    ("text", "key", "evidence"), [c[1:] for c in QSTAT_CASES], ids=[c[0] for c in QSTAT_CASES]
)
def test_parse_qstat_version(text: str | None, key: str, evidence: str) -> None:
    parsed = parse_version(QSTAT_VERSION, text)
    assert parsed.key == key
    assert parsed.evidence == evidence


# --------------------------------------------------------------------------- decisions

DECISIONS = [
    # (id, facts, requested, expected key, words in the reason)
    ("pure-slurm", facts(SLURM), "auto", "slurm", ["sbatch is on PATH"]),
    (
        "slurm-torque-wrappers",
        facts(SLURM | {"qsub", "qstat"}, SLURM_WRAPPER_OUT, qsub="/usr/bin/qsub"),
        "auto",
        "slurm",
        ["Torque-compatibility wrappers"],
    ),
    ("slurm-wrappers-not-probed", facts(SLURM | {"qsub", "qstat"}), "auto", "slurm", ["wrappers"]),
    (
        "slurm-beats-real-pbs",
        facts(SLURM | PBS, TORQUE_OUT),
        "auto",
        "slurm",
        ["set hpc.system to torque"],
    ),
    (
        "torque-6",
        facts(PBS, TORQUE_OUT, qsub="/usr/local/bin/qsub"),
        "auto",
        "torque",
        ["Version: 6.1.2", "Torque"],
    ),
    (
        "pbspro-19",
        facts(PBS, PBSPRO_OUT, qsub="/opt/pbs/bin/qsub"),
        "auto",
        "pbspro",
        ["pbs_version = 19.1.3", "PBS Pro/OpenPBS"],
    ),
    ("openpbs-22", facts(PBS, OPENPBS_OUT), "auto", "pbspro", ["pbs_version = 22.05.11"]),
    (
        "pbs-exec-only",
        facts(frozenset({"qsub", "qstat"}), environ={"PBS_EXEC": "/opt/pbs"}),
        "auto",
        "pbspro",
        ["PBS_EXEC is set (/opt/pbs)"],
    ),
    (
        "version-beats-pbs-exec",
        facts(PBS, TORQUE_OUT, environ={"PBS_EXEC": "/opt/pbs"}),
        "auto",
        "torque",
        ["Version: 6.1.2"],
    ),
    (
        "version-beats-sge-root",
        facts(PBS, PBSPRO_OUT, environ={"SGE_ROOT": "/old/sge"}),
        "auto",
        "pbspro",
        ["pbs_version"],
    ),
    (
        "realpath-torque",
        facts(PBS, GARBAGE_OUT, qsub="/opt/torque/6.1/bin/qsub"),
        "auto",
        "torque",
        ["qsub resolves to /opt/torque/6.1/bin/qsub"],
    ),
    (
        "realpath-pbs",
        facts(PBS, None, qsub="/opt/pbs/bin/qsub"),
        "auto",
        "pbspro",
        ["/opt/pbs/bin/qsub"],
    ),
    (
        "sge-8.1.9",
        facts(SGE_CMDS, SGE_OUT, qsub="/usr/lib/gridengine/qsub"),
        "auto",
        "sge",
        ["SGE 8.1.9", "Grid Engine"],
    ),
    (
        "sge-root-only",
        facts(SGE_CMDS, environ={"SGE_ROOT": "/var/lib/gridengine"}),
        "auto",
        "sge",
        ["SGE_ROOT"],
    ),
    (
        "sge-realpath",
        facts(SGE_CMDS, GARBAGE_OUT, qsub="/usr/lib/gridengine/qsub"),
        "auto",
        "sge",
        ["gridengine"],
    ),
    ("explicit-sge", facts(SGE_CMDS, SGE_OUT), "sge", "sge", ["qsub is on PATH"]),
    (
        "sge-beside-slurm",
        facts(SLURM | SGE_CMDS, SGE_OUT),
        "auto",
        "slurm",
        ["Grid Engine is here too", "set hpc.system to sge"],
    ),
    ("nothing", facts(), "auto", "local", ["no scheduler commands"]),
    ("unrelated-env", facts(environ={"PBS_HOME": "", "SGE_ROOT": ""}), "auto", "local", []),
    # explicit requests
    ("explicit-local-on-slurm", facts(SLURM), "local", "local", ["'local'"]),
    (
        "explicit-local-on-sge",
        facts(SGE_CMDS, SGE_OUT, {"SGE_ROOT": "/opt/sge"}),
        "local",
        "local",
        [],
    ),
    ("explicit-local-nothing", facts(), "LOCAL", "local", []),
    ("explicit-slurm", facts(SLURM), "slurm", "slurm", ["sbatch is on PATH"]),
    ("explicit-slurm-case", facts(SLURM), " Slurm ", "slurm", []),
    (
        "explicit-pbs-unknown-flavour",
        facts(PBS, GARBAGE_OUT),
        "pbs",
        "pbspro",
        ["assuming PBS Pro/OpenPBS", "torque"],
    ),
    ("explicit-pbs-torque-seen", facts(PBS, TORQUE_OUT), "pbs", "torque", ["Version: 6.1.2"]),
    ("explicit-pbspro", facts(PBS, PBSPRO_OUT), "pbspro", "pbspro", []),
    ("explicit-pbspro-unprobed", facts(PBS), "pbspro", "pbspro", []),
    ("explicit-torque", facts(PBS, TORQUE_OUT), "torque", "torque", []),
    ("explicit-torque-garbage", facts(PBS, GARBAGE_OUT), "torque", "torque", []),
    ("explicit-pbs-on-slurm-host-real-pbs", facts(SLURM | PBS, OPENPBS_OUT), "pbs", "pbspro", []),
]


@pytest.mark.parametrize(
    ("probe", "requested", "key", "words"),
    [c[1:] for c in DECISIONS],
    ids=[c[0] for c in DECISIONS],
)
def test_decisions(probe: ProbeFacts, requested: str, key: str, words: list[str]) -> None:
    result = decide_scheduler(probe, requested)
    assert isinstance(result, Success), result
    detected = result.unwrap()
    assert detected.key == key
    assert detected.reason
    for word in words:
        assert word in detected.reason


REFUSALS = [
    # (id, facts, requested, words in the error message)
    # Grid Engine has its folder: what still refuses is what contradicts or lacks it.
    (
        "sge-root-no-commands",
        facts(environ={"SGE_ROOT": "/opt/sge"}),
        "auto",
        ["SGE_ROOT is set (/opt/sge) but qsub is not on PATH"],
    ),
    ("sge-explicit-pbs", facts(SGE_CMDS, SGE_OUT), "pbs", ["SGE 8.1.9", "which is sge"]),
    ("sge-explicit-torque", facts(SGE_CMDS, SGE_OUT), "torque", ["which is sge"]),
    ("sge-requested", facts(SLURM), "sge", ["'sge' but qsub was not found on PATH"]),
    (
        "pbs-unknown-flavour",
        facts(PBS, GARBAGE_OUT),
        "auto",
        ["cannot tell PBS Pro/OpenPBS from Torque", "illegal option", "pbspro, torque or sge"],
    ),
    ("pbs-not-probed", facts(PBS), "auto", ["was not run", "pbspro, torque or sge"]),
    (
        "wrappers-without-sbatch",
        facts(SGE_CMDS, SLURM_WRAPPER_OUT),
        "auto",
        ["Slurm's Torque-compatibility wrappers", "sbatch is not on PATH"],
    ),
    ("qstat-without-qsub", facts(frozenset({"qstat"}), TORQUE_OUT), "auto", ["qsub is not"]),
    (
        "pbs-exec-no-qsub",
        facts(environ={"PBS_EXEC": "/opt/pbs"}),
        "auto",
        ["PBS_EXEC is set (/opt/pbs) but qsub is not on PATH"],
    ),
    (
        "slurm-conf-no-sbatch",
        facts(environ={"SLURM_CONF": "/etc/slurm/slurm.conf"}),
        "auto",
        ["SLURM_CONF is set", "sbatch is not on PATH"],
    ),
    ("explicit-slurm-no-sbatch", facts(PBS, PBSPRO_OUT), "slurm", ["sbatch was not found on PATH"]),
    ("explicit-slurm-nothing", facts(), "slurm", ["sbatch was not found on PATH"]),
    ("explicit-pbs-no-qsub", facts(SLURM), "pbs", ["qsub was not found on PATH"]),
    (
        "explicit-pbspro-no-qsub-hint",
        facts(environ={"PBS_EXEC": "/opt/pbs"}),
        "pbspro",
        ["qsub was not found", "/opt/pbs"],
    ),
    ("explicit-torque-no-qsub", facts(), "torque", ["qsub was not found"]),
    (
        "explicit-pbs-on-slurm-wrappers",
        facts(SLURM | {"qsub", "qstat"}, SLURM_WRAPPER_OUT),
        "pbs",
        ["Slurm's Torque-compatibility wrapper", "slurm"],
    ),
    (
        "explicit-torque-but-pbspro",
        facts(PBS, OPENPBS_OUT),
        "torque",
        ["pbs_version = 22.05.11", "set hpc.system to pbspro"],
    ),
    (
        "explicit-pbspro-but-torque",
        facts(PBS, TORQUE_OUT),
        "pbspro",
        ["Version: 6.1.2", "set hpc.system to torque"],
    ),
    ("unknown-request", facts(SLURM), "kubernetes", ["unknown hpc.system 'kubernetes'"]),
]


@pytest.mark.parametrize(
    ("probe", "requested", "words"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS]
)
def test_refusals(probe: ProbeFacts, requested: str, words: list[str]) -> None:
    result = decide_scheduler(probe, requested)
    assert isinstance(result, Failure), result
    error = result.failure()
    assert error.path == "$.hpc.system"
    for word in words:
        assert word in error.message


@pytest.mark.parametrize(
    "probe",
    [
        facts(SGE_CMDS, SGE_OUT),
        facts(SGE_CMDS, environ={"SGE_ROOT": "/x"}),
        facts(SGE_CMDS, SGE_OUT, environ={"PBS_EXEC": "/opt/pbs"}),
    ],
    ids=["version", "env", "version-beats-pbs-exec"],
)
def test_grid_engine_is_never_taken_for_pbs(probe: ProbeFacts) -> None:
    assert decide_scheduler(probe).unwrap().key == "sge"
    for requested in ("pbs", "pbspro", "torque"):
        assert isinstance(decide_scheduler(probe, requested), Failure)


def test_hsm_hpc_system_in_probe_environ_is_ignored() -> None:
    # precedence of HSM_HPC_SYSTEM belongs to resolve_config, which passes `requested`
    probe = facts(SLURM, environ={"HSM_HPC_SYSTEM": "local"})
    assert decide_scheduler(probe).unwrap().key == "slurm"


# --------------------------------------------------------------------------- probe plan


def test_probe_plan_is_data() -> None:
    assert probe_argvs() == (("qstat", "--version"),)
    assert probe_argvs(PBS) == (("qstat", "--version"),)
    assert probe_argvs(SLURM) == ()
    assert set(PROBE_COMMANDS) >= {
        "sbatch",
        "squeue",
        "sacct",
        "scontrol",
        "qsub",
        "qstat",
        "qmgr",
        "pbsnodes",
    }
    assert "HSM_HPC_SYSTEM" not in PROBE_ENV_VARS
    for argv in probe_argvs():
        assert argv[0] in PROBE_COMMANDS
    assert PROBE_REALPATHS == ("qsub",)
    assert set(PROBE_REALPATHS) <= set(PROBE_COMMANDS)


# --------------------------------------------------------------------------- rules live in folders


def test_every_batch_scheduler_declares_how_it_is_detected() -> None:
    for record in SCHEDULERS.values():
        if record.commands is not None:
            assert record.detection is not None, record.key
            assert record.submit_command in record.detection.marks, record.key


def _register(monkeypatch: pytest.MonkeyPatch, record: Scheduler) -> None:
    """A copy of the registry with one more record, as a new folder's registry line adds."""
    monkeypatch.setattr(detect, "SCHEDULERS", {**SCHEDULERS, record.key: record})


def test_a_new_scheduler_is_detected_from_its_record_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(SLURM_RECORD.commands, Commands)
    lsf = replace(
        SLURM_RECORD,
        key="lsf",
        name="lsf",
        label="LSF",
        commands=replace(SLURM_RECORD.commands, submit_command="bsub"),
        detection=Detection(marks=("bsub",), tools=("bjobs",), env_hints=("LSF_ENVDIR",)),
    )
    assert decide_scheduler(facts(frozenset({"bsub"}))).unwrap().key == "local"
    _register(monkeypatch, lsf)

    assert {"bsub", "bjobs"} <= set(detect.probe_commands())
    assert "LSF_ENVDIR" in detect.probe_env_vars()
    found = decide_scheduler(facts(frozenset({"bsub", "bjobs"}))).unwrap()
    assert (found.key, found.reason) == ("lsf", "bsub is on PATH")
    assert decide_scheduler(facts(frozenset({"bsub"})), " LSF ").unwrap().key == "lsf"
    assert "(sbatch, qsub, " in decide_scheduler(facts()).unwrap().reason
    assert ", bsub) on PATH" in decide_scheduler(facts()).unwrap().reason
    refused = decide_scheduler(facts(environ={"LSF_ENVDIR": "/etc/lsf"})).failure()
    assert "LSF_ENVDIR is set (/etc/lsf) but bsub is not on PATH" in refused.message
    missing = decide_scheduler(facts(SLURM), "lsf").failure()
    assert "'lsf' but bsub was not found on PATH; load LSF's module" in missing.message
    # the schedulers already registered are decided as before
    assert decide_scheduler(facts(SLURM | PBS, TORQUE_OUT)).unwrap().key == "slurm"
    assert decide_scheduler(facts(PBS, TORQUE_OUT)).unwrap().key == "torque"


def test_the_grid_engine_folder_is_detected_from_its_record() -> None:
    probe = facts(SGE_CMDS, SGE_OUT, qsub="/usr/lib/gridengine/qsub")
    found = decide_scheduler(probe).unwrap()
    assert found.key == "sge"
    assert "SGE 8.1.9" in found.reason
    assert decide_scheduler(facts(SGE_CMDS, environ={"SGE_ROOT": "/x"})).unwrap().key == "sge"
    assert decide_scheduler(probe, "sge").unwrap().key == "sge"
    assert (
        "which is sge; set hpc.system to sge" in decide_scheduler(probe, "torque").failure().message
    )
    assert decide_scheduler(facts(PBS, PBSPRO_OUT)).unwrap().key == "pbspro"
    unsure = decide_scheduler(facts(PBS, GARBAGE_OUT)).failure().message
    assert "set hpc.system to pbspro, torque or sge" in unsure
    assert not detect.KNOWN_UNSUPPORTED
