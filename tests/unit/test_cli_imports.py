"""The CLI package's shape: no import cycle, no processes, one place that leaves containers.

Imports are read from the source (``ast``), including those inside functions (the lazy
imports that keep ``hsm --help`` fast), so a cycle is caught even when it would not fail
at import time.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import hsm.cli

CLI = Path(hsm.cli.__file__).parent
MODULES = {
    f"hsm.cli.{info.name}": CLI / f"{info.name}.py" for info in pkgutil.iter_modules([str(CLI)])
}
MODULES["hsm.cli"] = CLI / "__init__.py"
#: Stepping out of a returns container: only hsm/cli/output.py may do it.
LEAVING_METHODS = {"unwrap", "failure", "value_or", "_inner_value"}
LEAVING_MODULES = {"returns.unsafe", "hsm.boundary"}


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (``from a import b`` counts as ``a`` and ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


GRAPH = {
    name: {m for m in _imports(path) if m in MODULES and m != name}
    for name, path in MODULES.items()
}


def test_every_module_is_found_and_imports() -> None:
    assert {"hsm.cli.app", "hsm.cli.parser", "hsm.cli.inputs", "hsm.cli.output"} <= set(MODULES)
    for name in MODULES:
        if not name.endswith("__main__"):
            importlib.import_module(name)


def test_nothing_inside_the_package_imports_its_init() -> None:
    importers = sorted(name for name, deps in GRAPH.items() if "hsm.cli" in deps)
    assert importers == [], f"{importers} import hsm.cli itself; import the submodule instead"


def test_no_import_cycle_within_the_cli() -> None:
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = [*path[path.index(name) :], name]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for dep in sorted(GRAPH[name]):
            visit(dep, [*path, name])
        done.add(name)

    for name in sorted(GRAPH):
        visit(name, [])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_the_cli_runs_no_processes(name: str) -> None:
    imported = _imports(MODULES[name])
    assert not {m for m in imported if m == "subprocess" or m.startswith("subprocess.")}, (
        f"{name} imports subprocess; processes are run by hsm.effects"
    )


@pytest.mark.parametrize("name", sorted(set(MODULES) - {"hsm.cli.output"}))
def test_only_output_leaves_returns_containers(name: str) -> None:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not used & LEAVING_METHODS, f"{name} calls {used & LEAVING_METHODS}; see output.py"
    assert not _imports(MODULES[name]) & LEAVING_MODULES


def test_parser_imports_only_the_standard_library_and_the_exit_codes() -> None:
    outside = {
        m
        for m in _imports(MODULES["hsm.cli.parser"])
        if m.startswith("hsm") and not m.startswith("hsm.cli.exits")
    }
    assert outside == set()
