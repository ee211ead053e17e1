"""Rendered scripts pinned byte for byte.

A missing golden file fails (it is never written silently); ``pytest --update-golden``
rewrites them, and the diff then shows up in review.  A mismatch prints a unified diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from hsm.pure.render import render_script
from tests.golden.cases import CASES

HERE = Path(__file__).parent


@pytest.mark.parametrize("name", sorted(CASES))
def test_rendered_script_matches_golden(name: str, update_golden: bool) -> None:
    rendered = render_script(CASES[name]).unwrap()
    golden = HERE / f"{name}.sh"
    if update_golden:
        golden.write_text(rendered, encoding="utf-8")
        return
    if not golden.exists():
        pytest.fail(f"{golden} is missing; run pytest --update-golden and review the file")
    expected = golden.read_text(encoding="utf-8")
    if rendered != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                rendered.splitlines(keepends=True),
                fromfile=f"golden/{name}.sh",
                tofile="rendered",
            )
        )
        pytest.fail(f"rendered script differs from golden {name}.sh:\n{diff}")


def test_every_golden_file_has_a_case() -> None:
    orphans = {p.stem for p in HERE.glob("*.sh")} - set(CASES)
    assert not orphans, f"golden files without a case: {sorted(orphans)}"


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
