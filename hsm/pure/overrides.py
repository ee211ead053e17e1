"""Render sweep points as Hydra command-line overrides, one argv element per parameter.

Strategy: write each value in the smallest form Hydra's override grammar (hydra-core
1.3, ``OverrideLexer.g4``/``OverrideParser.g4``) reads back as *the same value of the
same type*, and quote every string that would otherwise be read as something else.

- ``None`` -> ``null``; booleans -> ``true``/``false``; ints -> decimal; floats ->
  ``repr`` (``0.001``, ``1e-05``, ``-0.0``) with ``inf``, ``-inf`` and ``nan`` spelled as
  Hydra spells them; lists and tuples -> ``[a,b]``; dicts -> ``{k:v}`` (keys must be
  plain identifiers such as ``lr`` or ``max-len``, not ``true``/``null``/``inf``/``nan``).
- A string stays bare only when it is a plain word: a letter, ``_`` or ``/`` followed by
  letters, digits, ``_``, ``-``, ``.`` or ``/`` (``resnet``, ``adam_w``, ``facebook/opt-1.3b``),
  and is not one of Hydra's keywords (``true``, ``false``, ``null``, ``inf``, ``nan`` in any
  case).  Such text lexes as identifiers and punctuation that Hydra joins back verbatim.
- Every other string -- empty, with spaces, quotes, backslashes, ``,[]{}()=:``, ``$``,
  newlines, non-ASCII, or text that looks like a number -- is wrapped in single quotes.
  Inside Hydra's quotes only two things are special: a ``'`` must be written ``\\'``, and
  a run of backslashes that ends right before a quote (or before the closing quote) must
  be doubled.  All other backslashes are literal.  Newlines and control characters are
  allowed inside quotes.
- ``${...}`` is passed through verbatim (quoted), so OmegaConf may still resolve it as an
  interpolation when the program reads its config -- the usual intent of a Hydra user.
- A string that cannot travel in an argv element at all (it contains NUL, or lone
  surrogates that are not valid Unicode text) is refused.

Keys must match Hydra's key grammar: a name or dotted path (``lr``, ``model.lr``,
``layers.0.size``, ``$x``), or a config-group path (``db/mysql``), optionally followed by
``@package`` and optionally preceded by ``+`` or ``++`` (add / force-add).  Deletion
(``~key``) is not a sweep parameter and is refused.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError

_ID = r"[A-Za-z_][A-Za-z0-9_-]*"
_KEY_SPECIAL = r"[A-Za-z_$][A-Za-z0-9_$-]*"
_INT_UNSIGNED = r"(?:0|[1-9](?:_?[0-9])*)"
_SEGMENT = f"(?:{_KEY_SPECIAL}|{_INT_UNSIGNED})"
_PACKAGE = rf"(?:{_SEGMENT}(?:\.{_SEGMENT})+|{_KEY_SPECIAL})"
_GROUP = rf"{_ID}(?:/{_ID})+"
_KEY = re.compile(rf"(?:\+\+?)?(?:{_PACKAGE}|{_GROUP})(?:@{_PACKAGE})?\Z")

_BARE_WORD = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*\Z")
_DICT_KEY = re.compile(rf"{_ID}\Z")
_KEYWORD = re.compile(r"(?:true|false|null|inf|nan)\Z", re.IGNORECASE)
# A run of backslashes followed by a quote or by the end of the text (the closing quote).
_BEFORE_QUOTE = re.compile(r"(\\*)('|\Z)")


def is_valid_key(key: str) -> bool:
    """Whether ``key`` is a Hydra override key hsm can set.

    >>> [is_valid_key(k) for k in ("lr", "model.lr", "+db@x.y", "db/mysql", "~lr", "a b")]
    [True, True, True, True, False, False]
    """
    return _KEY.match(key) is not None


def _escape_quoted(match: re.Match[str]) -> str:
    backslashes, quote = match.group(1), match.group(2)
    return backslashes * 2 + ("\\'" if quote else "")


def _render_string(text: str) -> str:
    if "\x00" in text:
        raise ValueError("a NUL character cannot be passed in a command-line argument")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"text is not valid Unicode (lone surrogate at position {exc.start})"
        ) from None
    if _BARE_WORD.match(text) and not _KEYWORD.match(text):
        return text
    return "'" + _BEFORE_QUOTE.sub(_escape_quoted, text) + "'"


def _render_dict_key(key: Any) -> str:
    if not isinstance(key, str) or not _DICT_KEY.match(key) or _KEYWORD.match(key):
        raise ValueError(
            f"dict key {key!r} cannot be written in a Hydra override; "
            "use identifiers such as lr or max-len"
        )
    return key


def render_value(value: Any) -> str:
    """Render one value in Hydra's override syntax.

    Raises:
        ValueError: the value has no Hydra spelling (an unsupported type, a string with
            NUL or lone surrogates, an unsupported dict key).  :func:`render_overrides`
            turns this into a :class:`~hsm.pure.errors.ConfigError`.

    >>> [render_value(v) for v in (0.001, 3, True, None, float("-inf"), "resnet")]
    ['0.001', '3', 'true', 'null', '-inf', 'resnet']
    >>> print(render_value(["a b", "it's", "1e3", "", {"k": [1, None]}]))
    ['a b','it\\'s','1e3','',{k:[1,null]}]
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)  # ValueError beyond the int-to-str digit limit
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return float.__repr__(value)  # 'inf' and '-inf' are already Hydra's spelling
    if isinstance(value, str):
        return _render_string(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(render_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = (f"{_render_dict_key(k)}:{render_value(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    raise ValueError(f"a value of type {type(value).__name__} has no Hydra override form")


def render_overrides(params: Mapping[str, Any]) -> Result[tuple[str, ...], ConfigError]:
    """Render ``params`` as ``key=value`` overrides, one per parameter, in order.

    >>> render_overrides({"lr": 0.001, "model.name": "resnet", "tag": "a b"}).unwrap()
    ('lr=0.001', 'model.name=resnet', "tag='a b'")
    >>> render_overrides({"bad key": 1}).failure().path
    '$["bad key"]'
    """
    rendered = []
    for key, value in params.items():
        if not isinstance(key, str) or not _KEY.match(key):
            path = f"$[{json.dumps(key, ensure_ascii=False)}]" if isinstance(key, str) else "$"
            return Failure(
                ConfigError(
                    f"{key!r} is not a valid Hydra override key (use names like lr, "
                    "model.lr, +new_key, db/mysql or group@package)",
                    path,
                )
            )
        path = f"$.{key}"
        try:
            rendered.append(f"{key}={render_value(value)}")
        except (ValueError, RecursionError) as exc:
            return Failure(ConfigError(f"cannot render parameter '{key}': {exc}", path))
    return Success(tuple(rendered))
