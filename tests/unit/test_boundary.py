"""``returns`` with restraint: only the front ends step out of ``IOResult``.

Pure code answers ``Result`` and the effects ``IOResult``, composed with ``bind`` (and
friends) all the way up; a value leaves the ``IO`` container only in a front end -- the
CLI, the seed facade, the Hydra launcher -- through :func:`hsm.boundary.result_of`, or
the library's ``returns.unsafe`` in the CLI's one printing place.  Without one of those
(or the private ``_inner_value``) no code can get a value out of ``IO``, so reading the
source for them is the whole check.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Where leaving the container is the job, with the reason.
FRONT_ENDS: dict[str, str] = {
    "hsm/boundary.py": "the one named way out",
    "hsm/hpc.py": "the seed facade raises HSMError and returns plain values",
    "hsm/cli/": "the CLI prints (tests/unit/test_cli_imports.py narrows it to output.py)",
    "hydra_plugins/": "the Hydra launcher hands plain JobReturns to Hydra",
}
LEAVING_MODULES = {"returns.unsafe", "hsm.boundary"}
LEAVING_NAMES = {"unsafe_perform_io", "_inner_value", "result_of"}


def _sources() -> list[Path]:
    return sorted([*(ROOT / "hsm").rglob("*.py"), *(ROOT / "hydra_plugins").rglob("*.py")])


def _is_front_end(rel: str) -> bool:
    return any(rel == name or (name.endswith("/") and rel.startswith(name)) for name in FRONT_ENDS)


def _leaving(path: Path) -> set[str]:
    """The ways out of a container that ``path`` uses."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module in LEAVING_MODULES:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in LEAVING_MODULES)
        elif isinstance(node, ast.Attribute) and node.attr in LEAVING_NAMES:
            found.add(node.attr)
        elif isinstance(node, ast.Name) and node.id in LEAVING_NAMES:
            found.add(node.id)
    return found


@pytest.mark.parametrize(
    "path", [p for p in _sources() if not _is_front_end(p.relative_to(ROOT).as_posix())], ids=str
)
def test_only_front_ends_leave_the_io_container(path: Path) -> None:
    used = _leaving(path)
    assert not used, (
        f"{path.relative_to(ROOT)} steps out of IOResult ({sorted(used)}); compose with "
        "bind/map/lash or IOResult.do and let the front end leave"
    )


def test_the_check_sees_a_way_out(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from returns.unsafe import unsafe_perform_io\n"
        "def f(io):\n    return unsafe_perform_io(io), io._inner_value\n",
        encoding="utf-8",
    )
    assert _leaving(sample) == {"returns.unsafe", "unsafe_perform_io", "_inner_value"}


def test_every_front_end_named_exists() -> None:
    for name in FRONT_ENDS:
        assert (ROOT / name).exists(), name
