"""Shared pytest options and fixtures.

``--update-golden`` rewrites golden files instead of comparing; ``slurm`` skips a test
unless a Slurm controller answers (or fails it when ``HSM_REQUIRE_SLURM=1``, as in CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def slurm_answers() -> bool:
    """Whether ``sinfo`` reaches a Slurm controller that lists at least one node state."""
    if shutil.which("sinfo") is None:
        return False
    try:
        done = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, timeout=15, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0 and bool(done.stdout.strip())


@pytest.fixture(scope="session")
def slurm() -> None:
    """Skip (or fail in CI) unless a Slurm controller answers."""
    if slurm_answers():
        return
    if os.environ.get("HSM_REQUIRE_SLURM") == "1":
        pytest.fail("HSM_REQUIRE_SLURM=1 but no Slurm answers; run scripts/slurm-cluster.sh up")
    pytest.skip("no Slurm cluster reachable (scripts/slurm-cluster.sh up starts one)")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*.sh from the current renderer instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


# The machine running the tests may be busy (CI runs a Slurm cluster beside them), so
# per-example deadlines would only make the laws flaky; example counts stay bounded.
from hypothesis import settings  # noqa: E402

settings.register_profile("hsm", deadline=None, print_blob=True)
settings.load_profile("hsm")
