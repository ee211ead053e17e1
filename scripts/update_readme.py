"""Regenerate the README's state table from the code: ``python scripts/update_readme.py``."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hsm.pure.state_table import render_state_table

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- states:begin -->\n).*?(<!-- states:end -->)", re.DOTALL)


def main() -> None:
    text = README.read_text(encoding="utf-8")
    new = BLOCK.sub(lambda m: m.group(1) + render_state_table() + m.group(2), text)
    README.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
