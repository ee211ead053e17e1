"""The code stays typed and clean: ``mypy --strict`` on hsm/ and the Hydra launcher
(hydra_plugins/), ``ruff check`` on the tree.

Both tools are in the ``test`` extra, so a missing one fails here rather than skipping.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_mypy_strict_passes_on_hsm_and_the_hydra_launcher() -> None:
    done = _run("mypy", "--config-file", "pyproject.toml", "hsm", "hydra_plugins")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_check_passes() -> None:
    done = _run("ruff", "check", "hsm", "hydra_plugins", "tests", "benchmarks", "scripts")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_applied() -> None:
    done = _run(
        "ruff", "format", "--check", "hsm", "hydra_plugins", "tests", "benchmarks", "scripts"
    )
    assert done.returncode == 0, done.stdout + done.stderr
