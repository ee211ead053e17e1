"""The sweep file and the command-line sweep shorthand, as plain data.

Strategy: a sweep file is a YAML mapping with the program to run (``script``), the
sweep itself (``grid``, ``paired``, ``combinations`` -- validated later by
:func:`hsm.pure.sweep.parse_sweep_spec`) and optional ``hpc`` settings that act as one
more config file layer.  The shorthand ``lr=0.1,0.01 model=a,b`` (Hydra's multirun
syntax) adds grid axes; a parameter given on the command line replaces the same
top-level grid parameter of the file, as a Hydra command line overrides its config.

Shorthand values are typed the way Hydra reads them: ``1`` is an int, ``0.1`` and
``1e-3`` floats, ``true``/``false`` booleans, ``null`` None, ``'a,b'`` / ``"a b"`` quoted
strings, ``[1,2]`` a list value, ``range(1,4)`` the ints 1, 2, 3; anything else is a
bare string.  Commas split values only outside quotes and brackets.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError

#: Keys a sweep file may have.
SWEEP_FILE_KEYS = ("script", "grid", "paired", "combinations", "hpc")

_INT = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)\Z")
_FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)\Z"
)
_RANGE = re.compile(r"range\((.*)\)\Z", re.DOTALL)
_SPECIAL_FLOATS = {
    "inf": float("inf"),
    "+inf": float("inf"),
    "-inf": float("-inf"),
    "nan": float("nan"),
}
_CLOSERS = {"[": "]", "(": ")", "{": "}"}


@dataclass(frozen=True, slots=True)
class SweepFile:
    """A sweep file's parts.

    Attributes:
        script: the program to run, as written (relative to the file's directory).
        sweep: the ``grid`` / ``paired`` / ``combinations`` mapping.
        hpc: the ``hpc`` section (a config layer), or None when absent.
    """

    script: str | None = None
    sweep: Mapping[str, Any] = field(default_factory=dict)
    hpc: Mapping[str, Any] | None = None


def parse_sweep_file(data: Any, source: str) -> Result[SweepFile, ConfigError]:
    """Split a loaded sweep file into its parts, refusing unknown keys.

    >>> parse_sweep_file({"script": "t.py", "grid": {"lr": [1]}}, "s.yaml").unwrap().script
    't.py'
    >>> print(parse_sweep_file({"scrpt": "t.py"}, "s.yaml").failure())
    s.yaml: unknown key 'scrpt' (did you mean 'script'?); allowed: script, grid, paired, \
combinations, hpc @ $.scrpt
    """
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        return Failure(
            ConfigError(
                f"{source}: a sweep file must be a mapping with keys {', '.join(SWEEP_FILE_KEYS)}",
                "$",
            )
        )
    for key in data:
        if key not in SWEEP_FILE_KEYS:
            close = difflib.get_close_matches(str(key), SWEEP_FILE_KEYS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            return Failure(
                ConfigError(
                    f"{source}: unknown key '{key}'{hint}; allowed: {', '.join(SWEEP_FILE_KEYS)}",
                    f"$.{key}",
                )
            )
    script = data.get("script")
    if script is not None and (not isinstance(script, str) or not script.strip()):
        return Failure(ConfigError(f"{source}: 'script' must be a path to a program", "$.script"))
    hpc = data.get("hpc")
    if hpc is not None and not isinstance(hpc, Mapping):
        return Failure(ConfigError(f"{source}: 'hpc' must be a mapping of settings", "$.hpc"))
    sweep = {key: data[key] for key in ("grid", "paired", "combinations") if key in data}
    return Success(SweepFile(script, sweep, hpc))


def _split_top(text: str, separator: str = ",") -> list[str]:
    """Split at ``separator`` outside quotes and brackets (unbalanced text raises)."""
    parts: list[str] = []
    stack: list[str] = []
    quote = ""
    current: list[str] = []
    escaped = False
    for ch in text:
        if quote:
            current.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch in _CLOSERS:
            stack.append(_CLOSERS[ch])
        elif ch in ")]}":
            if not stack or stack.pop() != ch:
                raise ValueError(f"unbalanced {ch!r}")
        elif ch == separator and not stack:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    if quote:
        raise ValueError(f"unterminated quote {quote}")
    if stack:
        raise ValueError(f"missing {stack[-1]!r}")
    parts.append("".join(current))
    return parts


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body, flags=re.DOTALL)


def parse_value(text: str) -> Any:
    """One shorthand value, typed as Hydra would read it (raises ValueError if malformed).

    >>> [parse_value(t) for t in ("1", "0.1", "1e-3", "true", "null", "'a,b'", "adam")]
    [1, 0.1, 0.001, True, None, 'a,b', 'adam']
    >>> parse_value("[1, x]")
    [1, 'x']
    """
    item = text.strip()
    if not item:
        raise ValueError("empty value")
    if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
        return _unquote(item)
    lowered = item.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if _INT.match(item):
        return int(item.replace("_", ""))
    if _FLOAT.match(item):
        return float(item)
    if lowered in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[lowered]
    if item.startswith("["):
        if not item.endswith("]"):
            raise ValueError(f"list {item!r} does not end with ]")
        inner = item[1:-1]
        return [] if not inner.strip() else [parse_value(p) for p in _split_top(inner)]
    if item[0] in "{(" or item[0] in "'\"":
        raise ValueError(f"cannot read {item!r}; use a sweep file for mappings")
    return item


def _range_values(args: str) -> list[int]:
    numbers = [int(a.strip()) for a in args.split(",")]
    if not 1 <= len(numbers) <= 3:
        raise ValueError("range takes 1 to 3 whole numbers")
    values = list(range(*numbers))
    if not values:
        raise ValueError("the range is empty")
    return values


def parse_axis(text: str) -> list[Any]:
    """The values of one ``key=v1,v2`` axis (raises ValueError if malformed).

    >>> parse_axis("0.1,0.01"), parse_axis("range(1,4)"), parse_axis("'a,b',c")
    ([0.1, 0.01], [1, 2, 3], ['a,b', 'c'])
    """
    ranged = _RANGE.match(text.strip())
    if ranged:
        return _range_values(ranged.group(1))
    return [parse_value(part) for part in _split_top(text)]


def parse_shorthand(args: Sequence[str]) -> Result[dict[str, list[Any]], ConfigError]:
    """Read ``key=v1,v2 ...`` arguments into grid axes, in the order given.

    >>> parse_shorthand(["lr=0.1,0.01", "model=a,b"]).unwrap()
    {'lr': [0.1, 0.01], 'model': ['a', 'b']}
    >>> print(parse_shorthand(["lr"]).failure())
    sweep argument 'lr' is not key=value[,value...]; e.g. lr=0.1,0.01
    """
    grid: dict[str, list[Any]] = {}
    for arg in args:
        key, sep, text = arg.partition("=")
        key = key.strip()
        if not sep or not key:
            return Failure(
                ConfigError(f"sweep argument {arg!r} is not key=value[,value...]; e.g. lr=0.1,0.01")
            )
        if key in grid:
            return Failure(
                ConfigError(
                    f"sweep parameter '{key}' is given twice on the command line; "
                    f"list all its values once: {key}=a,b"
                )
            )
        if not text.strip():
            return Failure(
                ConfigError(
                    f"sweep argument {arg!r} has no value; write {key}='' for an empty string"
                )
            )
        try:
            grid[key] = parse_axis(text)
        except ValueError as error:
            return Failure(ConfigError(f"cannot read sweep argument {arg!r}: {error}"))
    return Success(grid)


def merge_shorthand(sweep: Mapping[str, Any], axes: Mapping[str, list[Any]]) -> dict[str, Any]:
    """The file's sweep with command-line axes added to (or replacing) its grid.

    >>> merge_shorthand({"grid": {"lr": [1], "m": [2]}}, {"lr": [3], "n": [4]})
    {'grid': {'lr': [3], 'm': [2], 'n': [4]}}
    >>> merge_shorthand({}, {})
    {'combinations': [{}]}
    """
    merged = dict(sweep)
    grid = merged.get("grid")
    if axes and (grid is None or isinstance(grid, Mapping)):
        base = dict(grid or {})
        merged["grid"] = {**{k: axes.get(k, v) for k, v in base.items()}, **axes}
    if not any(merged.get(key) for key in ("grid", "paired", "combinations")):
        # no parameters at all: run the program once, with no overrides
        merged = {"combinations": [{}]}
    return merged
