"""One owner of the sweep directory's layout: ``hsm.pure.layout`` names its files, and the
default root of sweep directories; code elsewhere asks it instead of spelling them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from hsm.pure import layout
from tests.unit.test_scheduler_folders import _code_strings

ROOT = Path(__file__).resolve().parents[2]
CODE = (ROOT / "hsm", ROOT / "hydra_plugins")
OWNER = ROOT / "hsm" / "pure" / "layout.py"

#: The files of a sweep directory, as layout names them (``manifest.json``, ``.lock``...).
FILES = frozenset(
    value
    for name, value in vars(layout).items()
    if name.isupper() and isinstance(value, str) and "." in value
)


def _spelt(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``(line, text)`` of code strings naming a sweep file, or the default root given as
    a value (an argument, an assignment, a default): not as a JSON key."""
    for line, text in _code_strings(tree):
        if FILES & set(text.split("/")):
            yield line, text
    for node in ast.walk(tree):
        values: list[ast.expr] = []
        if isinstance(node, ast.Call):
            values = [*node.args, *(k.value for k in node.keywords)]
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            values = [node.value]
        elif isinstance(node, ast.arguments):
            values = [*node.defaults, *(d for d in node.kw_defaults if d is not None)]
        for value in values:
            if isinstance(value, ast.Constant) and value.value == layout.SWEEPS_ROOT:
                yield value.lineno, value.value


def test_the_layout_names_its_files() -> None:
    assert {"manifest.json", "journal.jsonl", "status.json", ".lock", "feeder.pid"} <= FILES


def test_no_code_outside_the_layout_spells_a_sweep_file_or_the_default_root() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for root in CODE
        for path in sorted(root.rglob("*.py"))
        if path != OWNER
        for line, text in _spelt(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not offending, "ask hsm.pure.layout:\n" + "\n".join(offending)


def test_the_check_sees_what_it_forbids() -> None:
    code = (
        '"""Docs may say manifest.json and sweeps/."""\n'
        'PID = "feeder.pid"\n'
        'path = root / "tasks" / ".lock"\n'
        'where = Path("sweeps")\n'
        "def f(root='sweeps'): ...\n"
        'reply = {"sweeps": []}\n'
    )
    found = sorted(text for _, text in _spelt(ast.parse(code)))
    assert found == [".lock", "feeder.pid", "sweeps", "sweeps"]
