"""The README's seed scripts pinned byte for byte, and the golden directory kept tidy.

A missing golden file fails (it is never written silently); ``pytest --update-golden``
rewrites them, and the diff then shows up in review.  A mismatch prints a unified diff
(see ``golden_files.py``).  The planner-made goldens are tested in ``test_rendered.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hsm.pure.render import render_script
from tests.golden.cases import CASES
from tests.golden.expected import GOLDEN_NAMES
from tests.golden.golden_files import check_golden

HERE = Path(__file__).parent


@pytest.mark.parametrize("name", sorted(CASES))
def test_rendered_script_matches_golden(name: str, update_golden: bool) -> None:
    rendered = render_script(CASES[name]).unwrap()
    problem = check_golden(HERE / f"{name}.sh", rendered.encode("utf-8"), update=update_golden)
    assert problem is None, problem


def test_every_golden_file_has_a_case() -> None:
    known = {f"{name}.sh" for name in CASES} | GOLDEN_NAMES
    orphans = {p.name for p in HERE.glob("*.sh")} - known
    assert not orphans, f"golden files without a case: {sorted(orphans)}"


def test_missing_golden_fails_and_is_not_written(tmp_path: Path) -> None:
    golden = tmp_path / "absent.sh"
    problem = check_golden(golden, b"#!/bin/bash\n", update=False)
    assert problem is not None and "missing" in problem and "--update-golden" in problem
    assert not golden.exists()


def test_mismatch_shows_a_unified_diff_and_keeps_the_golden(tmp_path: Path) -> None:
    golden = tmp_path / "g.sh"
    golden.write_bytes(b"#!/bin/bash\n#PBS -N old\n")
    problem = check_golden(golden, b"#!/bin/bash\n#PBS -N new\n", update=False)
    assert problem is not None
    assert "--- golden/g.sh" in problem and "+++ rendered" in problem
    assert "-#PBS -N old" in problem.splitlines() and "+#PBS -N new" in problem.splitlines()
    assert golden.read_bytes() == b"#!/bin/bash\n#PBS -N old\n"


def test_update_flag_rewrites_the_golden(tmp_path: Path) -> None:
    golden = tmp_path / "g.sh"
    assert check_golden(golden, b"new\n", update=True) is None
    assert golden.read_bytes() == b"new\n"


def test_seed_pbs_example_lines() -> None:
    text = (HERE / "seed_pbs_single.sh").read_text(encoding="utf-8")
    for line in (
        "#PBS -N sweep_task_001",
        "#PBS -l walltime=04:00:00",
        "#PBS -l select=1:ncpus=4:mem=16gb",
        "#PBS -j oe",
        "#PBS -o logs/task_001.log",
        'python train.py "lr=0.001" "batch_size=32"',
    ):
        assert line in text.splitlines()


def test_seed_slurm_example_lines() -> None:
    lines = (HERE / "seed_slurm_single.sh").read_text(encoding="utf-8").splitlines()
    for line in (
        "#SBATCH --job-name=sweep_task_001",
        "#SBATCH --time=04:00:00",
        "#SBATCH --nodes=1",
        "#SBATCH --ntasks-per-node=4",
        "#SBATCH --mem=16G",
        "#SBATCH --output=logs/task_001.log",
        'python train.py "lr=0.001" "batch_size=32"',
    ):
        assert line in lines
