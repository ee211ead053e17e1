"""Read YAML scalars as users mean them: ``1e-4`` is a float, ``yes`` is text.

Strategy: PyYAML follows YAML 1.1, where ``1e-4`` (no dot) is the *string* ``'1e-4'``,
``yes``/``on`` are booleans, ``1:30`` is the integer 90 and ``2024-01-01`` a date.  Hydra's
command-line grammar -- what ``lr=1e-4`` becomes on hsm's command line -- reads them as a
float, text, text and text.  So hsm's files use a safe loader whose implicit types follow
that grammar (YAML 1.2's core schema in spirit): ``null``, ``true``/``false`` in any case,
decimal integers without leading zeros, and floats with a dot, an exponent, or
``inf``/``nan``; everything else stays a string.  The same text therefore gives the same
typed value in a sweep file and on the command line (``tests/property/test_overrides.py``
checks it against Hydra's own parser).  Loading text is pure; reading the file is not
done here.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError

_DIGITS = r"[0-9][0-9_]*"
_POINT_FLOAT = rf"(?:(?:{_DIGITS})?\.{_DIGITS}|{_DIGITS}\.)"
_FLOAT = re.compile(
    rf"""^[-+]?(?:
        {_POINT_FLOAT}(?:[eE][-+]?{_DIGITS})?
      | {_DIGITS}[eE][-+]?{_DIGITS}
      | [iI][nN][fF] | [nN][aA][nN]
      | \.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
    )$""",
    re.X,
)
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$")
_BOOL = re.compile(r"^(?:[tT][rR][uU][eE]|[fF][aA][lL][sS][eE])$")
_NULL = re.compile(r"^(?:~|[nN][uU][lL][lL]|)$")


class Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with the implicit scalar types described above."""


Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", _BOOL, list("tTfF")),
    ("tag:yaml.org,2002:int", _INT, list("-+0123456789")),
    ("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789.iInN")),
):
    Loader.add_implicit_resolver(_tag, _pattern, _first)


def _number(loader: Loader, node: yaml.ScalarNode, kind: type) -> Any:
    text = loader.construct_scalar(node)
    try:
        return kind(text)
    except ValueError:  # 1__0: looks numeric, but Python (and Hydra) read it as text
        return text


def _int(loader: Loader, node: yaml.ScalarNode) -> Any:
    return _number(loader, node, int)


def _float(loader: Loader, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node)
    if isinstance(text, str) and text.lstrip("+-").startswith("."):
        lowered = text.lower()
        if lowered.endswith((".inf", ".nan")):  # YAML's own spellings of inf and nan
            return float(lowered.replace(".", ""))
    return _number(loader, node, float)


Loader.add_constructor("tag:yaml.org,2002:int", _int)
Loader.add_constructor("tag:yaml.org,2002:float", _float)


def load_yaml(text: str, source: str) -> Result[Any, ConfigError]:
    """Parse YAML text with :class:`Loader`; a syntax error is one line naming ``source``.

    >>> load_yaml("lr: [1e-4, .5, -3e+2]\\nflag: yes\\nn: 012\\n", "s.yaml").unwrap()
    {'lr': [0.0001, 0.5, -300.0], 'flag': 'yes', 'n': '012'}
    >>> print(load_yaml("a: [1,", "s.yaml").failure())  # doctest: +ELLIPSIS
    s.yaml is not valid YAML (line 1, column 7): ...
    """
    try:
        return Success(yaml.load(text, Loader=Loader))  # noqa: S506 -- a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return Failure(ConfigError(f"{source} is not valid YAML{where}: {error.problem}"))
    except yaml.YAMLError as error:
        return Failure(ConfigError(f"{source} is not valid YAML: {error}"))
