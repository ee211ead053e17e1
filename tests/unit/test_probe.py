"""The detection probe as it runs: real programs on a PATH of our making.

Each case is a directory holding what a machine would (a ``qstat`` that answers
``--version`` as that scheduler's does, a ``qsub`` installed through a symlink), probed
by :func:`hsm.effects.probe.probe` and decided by :func:`hsm.pure.detect.decide_scheduler`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from returns.unsafe import unsafe_perform_io

from hsm.effects.probe import probe
from hsm.pure.detect import Answer, ProbeFacts, decide_scheduler

VERSION = ("qstat", "--version")


def _program(path: Path, stdout: str = "", stderr: str = "", status: int = 0) -> Path:
    """An executable that prints what it is given and exits with ``status``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"#!/bin/sh\nprintf '%s' '{stdout}'\nprintf '%s' '{stderr}' >&2\nexit {status}\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def _facts(bin_dir: Path, **environ: str) -> ProbeFacts:
    return unsafe_perform_io(probe({"PATH": str(bin_dir), **environ}).unwrap())


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    found = tmp_path / "bin"
    found.mkdir()
    return found


def test_an_empty_path_is_probed_without_running_anything(bin_dir: Path) -> None:
    facts = _facts(bin_dir)
    assert facts == ProbeFacts(frozenset(), {}, {}, {})
    assert decide_scheduler(facts).unwrap().key == "local"


def test_torque_is_told_by_what_its_qstat_prints(bin_dir: Path, tmp_path: Path) -> None:
    _program(bin_dir / "qstat", stdout="Version: 6.1.2\n")
    real = _program(tmp_path / "opt" / "torque" / "bin" / "qsub")
    (bin_dir / "qsub").symlink_to(real)
    facts = _facts(bin_dir)
    assert facts.commands == {"qsub", "qstat"}
    assert facts.versions == {VERSION: Answer("Version: 6.1.2", 0)}
    assert facts.realpaths == {"qsub": os.path.realpath(real)}
    found = decide_scheduler(facts).unwrap()
    assert found.key == "torque"
    assert "`qstat --version` printed 'Version: 6.1.2', exit 0" in found.reason


def test_grid_engine_answers_on_stderr_with_status_1(bin_dir: Path) -> None:
    _program(bin_dir / "qstat", stderr="SGE 8.1.9\nusage: qstat [options]\n", status=1)
    _program(bin_dir / "qsub")
    facts = _facts(bin_dir, SGE_ROOT="/var/lib/gridengine", UNRELATED="x")
    assert facts.versions[VERSION] == Answer("SGE 8.1.9\nusage: qstat [options]", 1)
    assert facts.environ == {"SGE_ROOT": "/var/lib/gridengine"}
    assert decide_scheduler(facts).unwrap().key == "sge"


def test_where_qsub_lives_decides_when_qstat_is_silent(bin_dir: Path, tmp_path: Path) -> None:
    _program(bin_dir / "qstat", stdout="qstat: unknown option\n", status=1)
    real = _program(tmp_path / "opt" / "pbs" / "bin" / "qsub")
    (bin_dir / "qsub").symlink_to(real)
    found = decide_scheduler(_facts(bin_dir)).unwrap()
    assert found.key == "pbspro"
    assert f"qsub resolves to {os.path.realpath(real)}" in found.reason
