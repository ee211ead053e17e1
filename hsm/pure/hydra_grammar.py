"""Hydra's override value grammar, copied by hand: text in, a tree of plain values out.

Strategy: hydra-core 1.3's ``OverrideLexer.g4`` (``VALUE_MODE``) and ``OverrideParser.g4``
(the ``value`` rule) rewritten as a longest-match lexer and a recursive-descent parser,
so hsm types every value exactly as Hydra does without importing Hydra
(``tests/property/test_hydra_syntax.py`` compares the two on random text).

- The lexer takes, at each position, the longest token any rule matches; on equal
  lengths the rule listed first wins, as in ANTLR (``true`` is a BOOL, not an ID;
  ``inf`` a FLOAT).  A quoted value ends at the first same quote preceded by an even run
  of backslashes.  Any other character (``#``, ``;``, ``é``, a newline) is an error: it
  must be quoted.
- A primitive is one quoted value, or a run of other tokens: a single token is typed
  (INT, FLOAT, BOOL, NULL), several are joined as text with escapes (``\\,``) undone
  and the outer whitespace dropped (``a b`` is the string ``'a b'``).
- ``a,b`` is a :class:`Choice`; a function call is left as a :class:`Call` for
  :mod:`hsm.pure.hydra_syntax` to evaluate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

_UINT = r"(?:0|[1-9](?:_?[0-9])*)"
_DIGITS = r"[0-9](?:_?[0-9])*"
_POINT_FLOAT = rf"(?:{_UINT}?\.{_DIGITS}|{_UINT}\.)"
_WS = r"[ \t]*"

# VALUE_MODE's rules in the grammar's order: on equal lengths the first one wins.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("POPEN", rf"{_WS}\({_WS}"),
        ("COMMA", rf"{_WS},{_WS}"),
        ("PCLOSE", rf"{_WS}\)"),
        ("BRACKET_OPEN", rf"\[{_WS}"),
        ("BRACKET_CLOSE", rf"{_WS}\]"),
        ("BRACE_OPEN", rf"\{{{_WS}"),
        ("BRACE_CLOSE", rf"{_WS}\}}"),
        ("COLON", rf"{_WS}:{_WS}"),
        ("EQUAL", rf"{_WS}={_WS}"),
        (
            "FLOAT",
            rf"[+-]?(?:(?:{_POINT_FLOAT}|{_UINT})[eE][+-]?{_DIGITS}|{_POINT_FLOAT}"
            r"|[Ii][Nn][Ff]|[Nn][Aa][Nn])",
        ),
        ("INT", rf"[+-]?{_UINT}"),
        ("BOOL", r"[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]"),
        ("NULL", r"[Nn][Uu][Ll][Ll]"),
        ("UNQUOTED_CHAR", r"[/\-\\+.$%*@?|]"),
        ("ID", r"[a-zA-Z_][a-zA-Z0-9_-]*"),
        ("ESC", r"(?:\\\\|\\[()\[\]{}:=, \t])+"),
        ("WS", r"[ \t]+"),
        ("INTERPOLATION", r"\$\{[^}]+\}"),
    )
)
_PRIMITIVE = frozenset(
    {"ID", "NULL", "INT", "FLOAT", "BOOL", "INTERPOLATION", "UNQUOTED_CHAR", "COLON", "ESC", "WS"}
)
_DICT_KEY = _PRIMITIVE - {"COLON", "INTERPOLATION"}
_SHOWN = {
    "POPEN": "(",
    "COMMA": ",",
    "PCLOSE": ")",
    "BRACKET_OPEN": "[",
    "BRACKET_CLOSE": "]",
    "BRACE_OPEN": "{",
    "BRACE_CLOSE": "}",
    "COLON": ":",
    "EQUAL": "=",
}
# A run of backslashes right before a quote (Hydra's ``_ESC_QUOTED_STR``).
_ESCAPED_QUOTE = {"'": re.compile(r"\\+'"), '"': re.compile(r'\\+"')}


class HydraSyntaxError(ValueError):
    """The text is not a value hsm reads the way Hydra does; the message says why."""


class GrammarError(HydraSyntaxError):
    """The text is not in Hydra's grammar at all (Hydra refuses it too)."""


@dataclass(frozen=True, slots=True)
class Choice:
    """A sweep over ``values`` in the order given (``a,b``, ``choice()``, ``range()``)."""

    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int


def _quoted_end(text: str, start: int) -> int:
    """End of the quoted value opening at ``start``: the first same quote preceded by an
    even run of backslashes (none counts)."""
    quote = text[start]
    i = start + 1
    while True:
        j = text.find(quote, i)
        if j < 0:
            raise GrammarError(
                f"the quote {quote} at column {start + 1} is never closed "
                f"(write \\{quote} for a quote inside a quoted value)"
            )
        body = text[start + 1 : j]
        run = len(body) - len(body.rstrip("\\"))
        if run % 2 == 0:
            return j + 1
        i = j + 1


def tokens(text: str) -> list[Token]:
    """Split ``text`` into Hydra's value tokens (raises :class:`HydraSyntaxError`)."""
    out: list[Token] = []
    i = 0
    while i < len(text):
        if text[i] in "'\"":
            end = _quoted_end(text, i)
            out.append(Token("QUOTED_VALUE", text[i:end], i))
            i = end
            continue
        best: tuple[int, str] = (0, "")
        for name, pattern in _RULES:
            match = pattern.match(text, i)
            if match and match.end() - i > best[0]:
                best = (match.end() - i, name)
        if not best[0]:
            example = "" if "'" in text else f", e.g. '{text}'"
            raise GrammarError(
                f"{text[i]!r} (column {i + 1}) cannot appear unquoted; quote the value{example}"
            )
        out.append(Token(best[1], text[i : i + best[0]], i))
        i += best[0]
    return out


def _unquote(text: str) -> str:
    """Hydra's ``_unescape_quoted_string``: only backslashes before a quote are escapes."""
    pattern = _ESCAPED_QUOTE[text[0]]
    rest = text[1:]
    parts = []
    match = pattern.search(rest)
    while match is not None:
        start, stop = match.span()
        parts.append(rest[:start])
        parts.append(rest[start + 1 : stop : 2])
        rest = rest[stop:]
        match = pattern.search(rest)
    parts.append(rest[:-1])
    return "".join(parts)


def _primitive(run: Sequence[Token]) -> Any:
    """Hydra's ``_createPrimitive``: one token is typed, several are joined as text."""
    first, last = 0, len(run)
    if run[0].kind == "WS":
        if last == 1:
            raise GrammarError("a value cannot be whitespace only; quote it: ' '")
        first = 1
    if run[-1].kind == "WS":
        last -= 1
    if last - first > 1:
        return "".join(t.text[1::2] if t.kind == "ESC" else t.text for t in run[first:last])
    token = run[first]
    kind, text = token.kind, token.text
    if kind == "QUOTED_VALUE":
        return _unquote(text)
    if kind == "INT":
        return int(text)
    if kind == "FLOAT":
        return float(text)
    if kind == "NULL":
        return None
    if kind == "BOOL":
        return text.lower() == "true"
    if kind == "ESC":
        return text[1::2]
    return text


@dataclass(frozen=True, slots=True)
class Call:
    """A function call as written: evaluated only as a whole value."""

    name: str
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]


class _Parser:
    """Recursive descent over the tokens of one override value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokens(text)
        self.i = 0

    def peek(self, offset: int = 0) -> str:
        at = self.i + offset
        return self.tokens[at].kind if at < len(self.tokens) else "EOF"

    def take(self, kind: str) -> Token:
        if self.peek() != kind:
            self.unexpected(f"expected {_SHOWN.get(kind, kind.lower())}")
        self.i += 1
        return self.tokens[self.i - 1]

    def unexpected(self, wanted: str) -> Any:
        if self.i >= len(self.tokens):
            raise GrammarError(f"it ends too early ({wanted})")
        token = self.tokens[self.i]
        shown = token.text.strip() or token.text
        raise GrammarError(f"unexpected {shown!r} at column {token.start + 1} ({wanted})")

    def value(self) -> Any:
        elements = [self.element()]
        while self.peek() == "COMMA":
            self.i += 1
            elements.append(self.element())
        if self.peek() != "EOF":
            self.unexpected("expected , or the end of the value")
        return elements[0] if len(elements) == 1 else Choice(tuple(elements))

    def element(self) -> Any:
        kind = self.peek()
        if kind == "ID" and self.peek(1) == "POPEN":
            return self.function()
        if kind == "BRACKET_OPEN":
            return self.container("BRACKET_CLOSE", self.element, list)
        if kind == "BRACE_OPEN":
            return self.container("BRACE_CLOSE", self.pair, dict)
        if kind == "QUOTED_VALUE":
            return _primitive([self.take(kind)])
        return _primitive(self.run(_PRIMITIVE, "expected a value"))

    def run(self, kinds: frozenset[str], wanted: str) -> list[Token]:
        start = self.i
        while self.peek() in kinds:
            self.i += 1
        if self.i == start:
            self.unexpected(wanted)
        return self.tokens[start : self.i]

    def container(self, close: str, item: Callable[[], Any], build: Callable[[Any], Any]) -> Any:
        self.i += 1
        items = []
        if self.peek() != close:
            items.append(item())
            while self.peek() == "COMMA":
                self.i += 1
                items.append(item())
        self.take(close)
        return build(items)

    def pair(self) -> tuple[Any, Any]:
        key = _primitive(self.run(_DICT_KEY, "expected a dict key"))
        self.take("COLON")
        return key, self.element()

    def function(self) -> Call:
        name = self.take("ID").text
        self.take("POPEN")
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        while self.peek() != "PCLOSE":
            if args or kwargs:
                self.take("COMMA")
            if self.peek() == "ID" and self.peek(1) == "EQUAL":
                arg = self.take("ID").text
                self.i += 1
                if arg in kwargs:
                    raise HydraSyntaxError(f"{name}() is given {arg}= twice")
                kwargs[arg] = self.element()
            elif kwargs:
                raise GrammarError(f"in {name}(), a positional argument follows a keyword")
            else:
                args.append(self.element())
        self.take("PCLOSE")
        return Call(name, tuple(args), tuple(kwargs.items()))


def parse_value_tree(text: str) -> Any:
    """The value after ``key=`` as a tree: a plain value, a :class:`Choice` of elements,
    or a :class:`Call` (possibly nested); ``''`` for empty text.  Raises
    :class:`GrammarError` for text outside Hydra's grammar.

    >>> parse_value_tree("a b, 'c,d' ,[1,{x: null}]")
    Choice(values=('a b', 'c,d', [1, {'x': None}]))
    >>> parse_value_tree("range(1, stop=4)")
    Call(name='range', args=(1,), kwargs=(('stop', 4),))
    """
    try:
        parser = _Parser(text.lstrip(" \t"))
        return "" if parser.peek() == "EOF" else parser.value()
    except RecursionError:
        raise HydraSyntaxError("the value is nested too deeply") from None
