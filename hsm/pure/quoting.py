"""Shell quoting for rendered scripts.

Strategy: a value reaches bash either as a bare word (only when every character is in a
small safe set) or inside quotes.  Arguments use double quotes when that is exact (no
``$``, backtick, ``"``, ``\\``, ``!`` and only printable characters) because that is how
the seed's scripts look (``python train.py "lr=0.001"``); anything else is single-quoted
with ``'\\''`` for embedded single quotes, which bash never interprets.  A value with a
line break is written as bash's ``$'...'`` with the break escaped, so that no line of a
script ever starts with a value's text: Grid Engine's qsub reads a ``#$`` line as a
directive anywhere in a script, inside quotes too.  No value is ever passed through
``eval``.
"""

from __future__ import annotations

import re

_SAFE_WORD = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
_DOUBLE_QUOTE_UNSAFE = frozenset('$`"\\!')


def sh_single(value: str) -> str:
    """Single-quote ``value`` for bash; exact for every string (NUL excepted).

    >>> sh_single("it's")
    "'it'\\\\''s'"
    """
    return "'" + value.replace("'", "'\\''") + "'"


_ANSI_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def sh_ansi(value: str) -> str:
    """bash's ANSI-C quoting ``$'...'``: one line whatever ``value`` holds.

    >>> print(sh_ansi("a\\nb 'c'"))
    $'a\\nb \\'c\\''
    """
    escaped = "".join(
        _ANSI_ESCAPES.get(ch) or (f"\\x{ord(ch):02x}" if ord(ch) < 32 or ord(ch) == 127 else ch)
        for ch in value
    )
    return f"$'{escaped}'"


def _one_line(quoted: str, value: str) -> str:
    return sh_ansi(value) if "\n" in value or "\r" in value else quoted


def sh_word(value: str) -> str:
    """A bare word when safe, else single-quoted (for paths and commands).

    >>> sh_word("train.py"), sh_word("my script.py")
    ('train.py', "'my script.py'")
    """
    return value if _SAFE_WORD.fullmatch(value) else _one_line(sh_single(value), value)


def sh_arg(value: str) -> str:
    """Quote an argument: double quotes when exact, else single quotes.

    >>> sh_arg("lr=0.001")
    '"lr=0.001"'
    >>> sh_arg("name='$HOME'")
    "'name='\\\\''$HOME'\\\\'''"
    """
    if value.isprintable() and not _DOUBLE_QUOTE_UNSAFE.intersection(value):
        return f'"{value}"'
    return _one_line(sh_single(value), value)
