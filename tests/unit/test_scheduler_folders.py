"""One scheduler, one folder: the layout rules that keep scheduler facts in their folder.

A scheduler's facts (names, commands, directives, limits...) live in
``hsm/pure/schedulers/<folder>/`` and are read from its record through the registry.
These tests read the source of everything else and fail when a scheduler's name appears
in code outside the folders -- that is how "if scheduler == ..." chains creep back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hsm.pure.schedulers import SCHEDULERS, SYSTEMS, scheduler_for
from hsm.pure.schedulers.base import Scheduler

HSM = Path(__file__).resolve().parents[2] / "hsm"
FOLDERS = HSM / "pure" / "schedulers"

#: Scheduler names that must not appear as string literals outside the folders.
NAMES = frozenset({*SCHEDULERS, *(s.name for s in SCHEDULERS.values()), "sge", "gridengine", "lsf"})

#: (file, literal) pairs that truly must stay, each with its reason.
ALLOWED: dict[tuple[str, str], str] = {
    # The seed CLI's `--mode local` and `monitor --mode local` are modes (how to run the
    # sweep), named like the local backend on purpose; the mode maps to its record.
    ("cli/parser.py", "local"): "the seed CLI's mode name",
    ("cli/sweep_inputs.py", "local"): "the seed CLI's mode name",
}
#: Files still allowed to name schedulers, with the reason.
ALLOWED_FILES: dict[str, str] = {}


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(id(value))
    return found


def _named_literals() -> list[tuple[str, int, str]]:
    hits: list[tuple[str, int, str]] = []
    for path in sorted(HSM.rglob("*.py")):
        if FOLDERS in path.parents:
            continue
        rel = path.relative_to(HSM).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
                and node.value.lower() in NAMES
            ):
                hits.append((rel, node.lineno, node.value))
    return hits


def test_no_scheduler_name_outside_its_folder() -> None:
    offending = [
        f"hsm/{rel}:{line}: {value!r}"
        for rel, line, value in _named_literals()
        if (rel, value.lower()) not in ALLOWED and rel not in ALLOWED_FILES
    ]
    assert not offending, "ask the scheduler's record instead:\n" + "\n".join(offending)


def test_the_allow_list_has_no_stale_entries() -> None:
    used = {(rel, value.lower()) for rel, _, value in _named_literals()}
    assert set(ALLOWED) <= used, set(ALLOWED) - used


def test_templates_live_in_the_folders() -> None:
    assert not (HSM / "templates").exists()
    for scheduler in SCHEDULERS.values():
        template = FOLDERS / scheduler.template
        assert template.is_file(), scheduler.template
        assert template.parent.parent == FOLDERS, "a template belongs in its folder"


@pytest.mark.parametrize("key", sorted(SCHEDULERS))
def test_registry_keys_match_their_records(key: str) -> None:
    record = SCHEDULERS[key]
    assert isinstance(record, Scheduler)
    assert record.key == key
    assert scheduler_for(key).unwrap() is record
    assert key in SYSTEMS and record.name in SYSTEMS


@pytest.mark.parametrize("key", sorted(SCHEDULERS))
def test_each_record_comes_from_its_own_folder(key: str) -> None:
    record = SCHEDULERS[key]
    folder = record.template.split("/")[0]
    for value in (record.array_log_name, record.task_log_name, record.task_id):
        module = value.__module__
        assert module.startswith(f"hsm.pure.schedulers.{folder}"), (key, module)
    if record.commands is not None:
        assert record.commands.submit_argv.__module__.startswith(f"hsm.pure.schedulers.{folder}")


def test_index_variables_and_array_flags_differ() -> None:
    records = list(SCHEDULERS.values())
    assert len({r.index_var for r in records}) == len(records)
    batch = [r for r in records if r.commands is not None]
    assert len({(r.array_flag, r.index_var) for r in batch}) == len(batch)
