"""Compare rendered text with a golden file: the one place that decides pass, fail or rewrite.

A missing golden fails and is not written; ``pytest --update-golden`` (registered in
``tests/conftest.py``) is the only way a golden changes; a mismatch shows a unified diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path


def check_golden(path: Path, rendered: bytes, *, update: bool) -> str | None:
    """None when ``path`` holds exactly ``rendered``; otherwise what is wrong, with a diff.

    With ``update`` the file is (re)written first, so the check passes and the change
    shows up in ``git diff`` for review.
    """
    if update:
        path.write_bytes(rendered)
    if not path.exists():
        return f"{path} is missing; run pytest --update-golden and review the new file"
    expected = path.read_bytes()
    if rendered == expected:
        return None
    diff = "".join(
        difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(keepends=True),
            rendered.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=f"golden/{path.name}",
            tofile="rendered",
        )
    )
    return f"rendered script differs from golden {path.name}:\n{diff or '(bytes differ)'}"
