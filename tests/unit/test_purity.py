"""hsm/pure must stay pure: no processes, filesystem, clock or environment.

Reads every module's imports with ``ast`` (so a conditional or function-level import is
caught too) and fails on any banned module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PURE = Path(__file__).resolve().parents[2] / "hsm" / "pure"
BANNED = {
    "os",
    "subprocess",
    "time",
    "pathlib",
    "shutil",
    "socket",
    "signal",
    "tempfile",
    "datetime",
    "random",
    "io",
    "sys",
    "glob",
    "multiprocessing",
    "threading",
    "asyncio",
    "returns.io",
    "returns.future",
    "hsm.effects",
    *("hsm.api", "hsm.hpc", "hsm.cli", "hsm.boundary"),  # the layers above
}

#: What the effects shell may not import, even lazily: the layers built on it.
ABOVE_EFFECTS = ("hsm.api", "hsm.hpc", "hsm.cli", "hsm.boundary")
EFFECTS = PURE.parent / "effects"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _banned(name: str) -> bool:
    return any(name == b or name.startswith(b + ".") for b in BANNED)


MODULES = sorted(PURE.rglob("*.py"))


def test_pure_modules_exist() -> None:
    assert len(MODULES) >= 5


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PURE)))
def test_pure_module_imports_nothing_effectful(module: Path) -> None:
    bad = sorted(name for name in _imports(module) if _banned(name))
    assert not bad, f"{module} imports {bad}; move that code to hsm/effects"


def test_the_checker_catches_a_banned_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from subprocess import run\n    import os.path\n")
    assert {n for n in _imports(sample) if _banned(n)} >= {"subprocess", "os.path"}


@pytest.mark.parametrize(
    "module", sorted(EFFECTS.rglob("*.py")), ids=lambda p: str(p.relative_to(EFFECTS))
)
def test_effects_import_nothing_built_on_them(module: Path) -> None:
    above = sorted(
        name
        for name in _imports(module)
        if any(name == b or name.startswith(b + ".") for b in ABOVE_EFFECTS)
    )
    assert not above, f"{module} imports {above}: the API and front ends are built on effects"
