"""Run hsm as an ordinary user on the real Slurm, whose submit limits bind (root's don't).

``scripts/slurm-cluster.sh up`` creates the user (``HSM_SLURM_USER``, default ``hsmuser``)
with a QOS capping its queued jobs.  The tests run as root, from a venv the user may not
be able to read (it may live under ``/root``), so :func:`user_runtime` copies hsm and its
runtime dependencies into a directory the user can read and picks an interpreter the user
can run: the tests' own, else the system's ``python3`` of the same version.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

USER = os.environ.get("HSM_SLURM_USER", "hsmuser")
#: hsm's runtime dependencies (pyproject) and theirs, as importable top-level names.
RUNTIME = (
    "hsm",
    "returns",
    "cattrs",
    "cattr",
    "attr",
    "attrs",
    "jinja2",
    "markupsafe",
    "toolz",
    "yaml",
    "_yaml",
    "typing_extensions",
)


@dataclass(frozen=True)
class UserRuntime:
    """How to run hsm as :data:`USER`: its interpreter and the ``PYTHONPATH`` holding hsm."""

    user: str
    python: str
    site: Path

    def argv(self, *args: str) -> list[str]:
        """``runuser`` argv running ``python -m hsm ARGS`` as the user."""
        home = pwd.getpwnam(self.user).pw_dir
        return [
            "runuser", "-u", self.user, "--", "env", f"PYTHONPATH={self.site}",
            f"HOME={home}", f"USER={self.user}", f"LOGNAME={self.user}",
            self.python, "-m", "hsm", *args,
        ]  # fmt: skip

    def run(self, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run hsm as the user in ``cwd``."""
        return subprocess.run(
            self.argv(*args), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )


def user_exists(user: str = USER) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True


def _runs_as_user(python: str, user: str) -> bool:
    done = subprocess.run(
        ["runuser", "-u", user, "--", python, "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    return done.returncode == 0 and done.stdout.strip() == str(tuple(sys.version_info[:2]))


def user_runtime(root: Path, user: str = USER) -> UserRuntime | None:
    """Copy hsm and its dependencies under ``root`` (made readable to all); None when no
    interpreter of this Python version runs as ``user``."""
    pythons = [sys.executable, f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}"]
    python = next((p for p in pythons if Path(p).exists() and _runs_as_user(p, user)), None)
    if python is None:
        return None
    site = root / "site"
    site.mkdir(parents=True)
    for name in RUNTIME:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        if spec.submodule_search_locations:
            shutil.copytree(
                origin.parent, site / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(origin, site / origin.name)
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return UserRuntime(user, python, site)
