"""Every golden script passes ``bash -n`` and ``shellcheck`` with no warnings.

Warnings hsm accepts on purpose are excluded here with the reason next to the code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

GOLDEN = sorted((Path(__file__).resolve().parents[1] / "golden").glob("*.sh"))

# SC2016: single quotes deliberately stop expansion of user values such as '$HOME'.
# SC1003: a user value may hold a backslash before a quote ('it\\'\\''s'); inside single
#         quotes bash reads the backslash literally, which is exactly what we want.
# SC1091: setup lines may source files (a venv's activate) that exist only where the job
#         runs; shellcheck cannot follow them here.
EXCLUDED = "SC2016,SC1003,SC1091"


def test_there_are_scripts_to_check() -> None:
    assert len(GOLDEN) >= 6


@pytest.mark.parametrize("script", GOLDEN, ids=lambda p: p.name)
def test_bash_parses_script(script: Path) -> None:
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("script", GOLDEN, ids=lambda p: p.name)
def test_shellcheck_is_clean(script: Path) -> None:
    if shutil.which("shellcheck") is None:
        if os.environ.get("CI"):
            pytest.fail("shellcheck is not installed; .ci/run must install it")
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    done = subprocess.run(
        ["shellcheck", "-s", "bash", "-e", EXCLUDED, str(script)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout
