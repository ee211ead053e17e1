"""Shared pytest options: ``--update-golden`` rewrites golden files instead of comparing."""

from __future__ import annotations

import pytest


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
