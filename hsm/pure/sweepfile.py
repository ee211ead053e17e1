"""The sweep file and the command-line sweep axes, as plain data.

Strategy: a sweep file is a YAML mapping with the program to run (``script``), the
sweep itself (``grid``, ``paired``, ``combinations`` -- validated by
:func:`hsm.pure.sweep.parse_sweep_spec`) and optional ``hpc`` settings that act as one
more config file layer.  Command-line arguments ``KEY=VALUE`` are Hydra multirun
overrides, read by :mod:`hsm.pure.hydra_syntax` exactly as Hydra reads them, and then
applied to the file's sweep as a Hydra command line overrides its config:

- ``lr=0.1,0.01`` / ``choice(...)`` / ``range(...)`` / a single value: an axis.  For a
  parameter the file sweeps (grid axis, nested ``model.name`` too) it replaces that
  axis in place; for a member of a paired group it takes that member out of the group
  and becomes an axis of its own right after it; otherwise it is a new grid axis, after
  the file's grid axes.  A single value is a constant (it reaches the combinations).
- ``glob(include, exclude=...)``: keeps the values the file gives that parameter (grid
  values or paired rows) whose text matches; a parameter the file does not sweep is an
  error.
- ``+key=...`` / ``++key=...``: the same parameter as ``key``, passed to the program with
  its ``+`` (Hydra needs it to add a key its config lacks).  ``~key`` is refused: a
  deletion is not a value to sweep.
- Combinations are left as written (only the constants reach them), so their own
  values win over the command line too.

Where hsm differs from Hydra on purpose: ``key=`` with nothing after it is refused
(write ``key=''`` for the empty string; an empty shell variable is the usual cause), and
a value may appear once per axis.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.hydra_grammar import GrammarError
from hsm.pure.hydra_syntax import Choice, Glob, HydraSyntaxError, parse_override_value
from hsm.pure.overrides import is_valid_key, render_value
from hsm.pure.sweep_spec import (
    Factor,
    SweepSpec,
    check_sweep_spec,
    param_name,
    parse_sweep_spec,
    value_key,
)

#: Keys a sweep file may have.
SWEEP_FILE_KEYS = ("script", "grid", "paired", "combinations", "hpc", "hydra")
_SWEEP_KEYS = ("grid", "paired", "combinations")


@dataclass(frozen=True, slots=True)
class SweepFile:
    """A sweep file's parts.

    Attributes:
        script: the program to run, as written (relative to the file's directory).
        sweep: the ``grid`` / ``paired`` / ``combinations`` mapping.
        hpc: the ``hpc`` section (a config layer), or None when absent.
        hydra: ``hydra: true``: the program is a Hydra app; each task's Hydra output goes
            to its own task directory.
    """

    script: str | None = None
    sweep: Mapping[str, Any] = field(default_factory=dict)
    hpc: Mapping[str, Any] | None = None
    hydra: bool = False


def parse_sweep_file(data: Any, source: str) -> Result[SweepFile, ConfigError]:
    """Split a loaded sweep file into its parts, refusing unknown keys.

    >>> parse_sweep_file({"script": "t.py", "grid": {"lr": [1]}}, "s.yaml").unwrap().script
    't.py'
    >>> print(parse_sweep_file({"scrpt": "t.py"}, "s.yaml").failure())
    s.yaml: unknown key 'scrpt' (did you mean 'script'?); allowed: script, grid, paired, \
combinations, hpc, hydra @ $.scrpt
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
    hydra = data.get("hydra", False)
    if not isinstance(hydra, bool):
        return Failure(ConfigError(f"{source}: 'hydra' must be true or false", "$.hydra"))
    sweep = {key: data[key] for key in ("grid", "paired", "combinations") if key in data}
    return Success(SweepFile(script, sweep, hpc, hydra))


@dataclass(frozen=True, slots=True)
class Axis:
    """One command-line sweep argument, read.

    Attributes:
        arg: the argument as given, for messages.
        key: the override key the program gets (``lr``, ``model.name``, ``+seed``).
        values: the values in order, or a :class:`~hsm.pure.hydra_syntax.Glob` to apply to
            the values the sweep file gives this parameter.
    """

    arg: str
    key: str
    values: tuple[Any, ...] | Glob

    @property
    def name(self) -> str:
        """The parameter it sets (``+seed`` sets ``seed``)."""
        return param_name(self.key)


def _bad(arg: str, why: str) -> Failure[ConfigError]:
    return Failure(ConfigError(f"sweep argument {arg!r}: {why}"))


def _axis(arg: str) -> Result[Axis, ConfigError]:
    key, sep, text = arg.partition("=")
    if key.startswith("~"):
        return _bad(
            arg,
            f"{key} deletes a key (Hydra's ~); hsm sweeps key=value overrides, so delete it "
            "in your config instead",
        )
    if not sep and arg.endswith((".yaml", ".yml")):
        return Failure(
            ConfigError(
                f"sweep argument {arg!r} looks like a sweep file; pass it as --config {arg}"
            )
        )
    if not sep or not key.strip():
        return Failure(
            ConfigError(f"sweep argument {arg!r} is not key=value[,value...]; e.g. lr=0.1,0.01")
        )
    if not is_valid_key(key):
        return _bad(
            arg,
            f"{key!r} is not a Hydra override key (use names like lr, model.lr, +new_key, "
            "db/mysql or group@package)",
        )
    if not text.strip(" \t"):
        return _bad(arg, f"it has no value; write {key}='' for an empty string")
    try:
        parsed = parse_override_value(text)
    except GrammarError as error:
        return Failure(ConfigError(f"cannot read sweep argument {arg!r}: {error}"))
    except HydraSyntaxError as error:
        return _bad(arg, str(error))
    if isinstance(parsed, Glob):
        return Success(Axis(arg, key, parsed))
    values = parsed.values if isinstance(parsed, Choice) else (parsed,)
    return _checked_values(arg, key, values)


def _checked_values(arg: str, key: str, values: tuple[Any, ...]) -> Result[Axis, ConfigError]:
    first: dict[Hashable, int] = {}
    for i, value in enumerate(values):
        try:
            render_value(value)
        except (ValueError, RecursionError) as error:
            return _bad(arg, str(error))
        j = first.setdefault(value_key(value), i)
        if j != i:
            return _bad(arg, f"the value {render_value(value)} is given twice")
    return Success(Axis(arg, key, values))


def parse_shorthand(args: Sequence[str]) -> Result[tuple[Axis, ...], ConfigError]:
    """Read ``key=value`` arguments (Hydra's multirun syntax) into axes, in the order given.

    >>> [(a.key, a.values) for a in parse_shorthand(["lr=0.1,1e-2", "+n=range(3)"]).unwrap()]
    [('lr', (0.1, 0.01)), ('+n', (0, 1, 2))]
    >>> print(parse_shorthand(["lr=interval(0,1)"]).failure())
    sweep argument 'lr=interval(0,1)': interval() is a sweeper search space; hsm runs \
grids — use range()
    """
    axes: dict[str, Axis] = {}
    for arg in args:
        result = _axis(arg)
        if isinstance(result, Failure):
            return result
        axis = result.unwrap()
        if axis.name in axes:
            return Failure(
                ConfigError(
                    f"sweep parameter '{axis.name}' is given twice on the command line "
                    f"({axes[axis.name].arg!r}, {arg!r}); list all its values once: "
                    f"{axis.key}=a,b"
                )
            )
        axes[axis.name] = axis
    return Success(tuple(axes.values()))


def file_sweep_spec(sweep: Mapping[str, Any]) -> Result[SweepSpec, ConfigError]:
    """The sweep file's spec; a file without parameters gives an empty spec (no factors,
    no combinations) for :func:`apply_axes` to fill.

    >>> file_sweep_spec({"grid": {}}).unwrap()
    SweepSpec(factors=(), combinations=())
    """
    if not any(sweep.get(key) for key in _SWEEP_KEYS):
        return Success(SweepSpec(()))
    return parse_sweep_spec(sweep)


def _text(value: Any) -> str:
    """What a glob pattern is matched against: the string, or the override text."""
    if isinstance(value, str):
        return value
    try:
        return render_value(value)
    except (ValueError, RecursionError):  # refused later, when the task's argv is rendered
        return repr(value)


def _filtered(axis: Axis, glob: Glob, factor: Factor) -> Factor:
    column = factor.names.index(next(n for n in factor.names if param_name(n) == axis.name))
    rows = tuple(r for r in factor.rows if glob.keeps(_text(r[column])))
    if not rows:
        values = ", ".join(_text(r[column]) for r in factor.rows)
        raise _AxisError(axis, f"{glob} keeps none of the sweep file's values ({values})")
    return Factor(factor.names, rows, factor.paired)


def _replaced(axis: Axis, values: tuple[Any, ...], factor: Factor) -> list[Factor]:
    """``factor`` with ``axis`` in place of its parameter."""
    new = Factor((axis.key,), tuple((v,) for v in values))
    if len(factor.names) == 1:
        return [new]
    keep = [i for i, n in enumerate(factor.names) if param_name(n) != axis.name]
    rows = tuple(tuple(row[i] for i in keep) for row in factor.rows)
    if len({value_key(r) for r in rows}) != len(rows):
        raise _AxisError(
            axis,
            f"without '{axis.name}', the sweep file's paired group "
            f"({', '.join(factor.names)}) repeats a row; edit the group in the file",
        )
    return [Factor(tuple(factor.names[i] for i in keep), rows, paired=True), new]


class _AxisError(Exception):
    def __init__(self, axis: Axis, why: str) -> None:
        super().__init__(why)
        self.error = ConfigError(f"sweep argument {axis.arg!r}: {why}")


def _apply(factors: list[Factor], axis: Axis) -> list[Factor]:
    at = next(
        (i for i, f in enumerate(factors) if any(param_name(n) == axis.name for n in f.names)),
        None,
    )
    if isinstance(axis.values, Glob):
        if at is None:
            raise _AxisError(
                axis,
                f"glob() picks among the values the sweep file's grid or paired groups give "
                f"'{axis.name}', and they give none; list the values: {axis.key}=a,b",
            )
        return [*factors[:at], _filtered(axis, axis.values, factors[at]), *factors[at + 1 :]]
    if at is None:
        grid_end = next((i for i, f in enumerate(factors) if f.paired), len(factors))
        new = Factor((axis.key,), tuple((v,) for v in axis.values))
        return [*factors[:grid_end], new, *factors[grid_end:]]
    return [*factors[:at], *_replaced(axis, axis.values, factors[at]), *factors[at + 1 :]]


def apply_axes(spec: SweepSpec, axes: Sequence[Axis]) -> Result[SweepSpec, ConfigError]:
    """The sweep with the command-line axes applied (see the module docstring); with no
    parameter at all, one run with no overrides.

    >>> spec = file_sweep_spec({"grid": {"model": {"name": ["mlp", "cnn", "cnn2"]}}}).unwrap()
    >>> axes = parse_shorthand(["model.name=glob(c*,exclude=*2)", "+seed=0,1"]).unwrap()
    >>> apply_axes(spec, axes).unwrap().factors
    (Factor(names=('model.name',), rows=(('cnn',),), paired=False), \
Factor(names=('+seed',), rows=((0,), (1,)), paired=False))
    >>> apply_axes(SweepSpec(()), ()).unwrap().combinations
    ((),)
    """
    factors = list(spec.factors)
    try:
        for axis in axes:
            factors = _apply(factors, axis)
    except _AxisError as exc:
        return Failure(exc.error)
    if not factors and not spec.combinations:
        return Success(SweepSpec((), ((),)))
    if not axes:
        return Success(spec)
    checked = check_sweep_spec(SweepSpec(tuple(factors), spec.combinations))
    return checked.alt(partial(_with_args, " ".join(a.arg for a in axes)))


def _with_args(args: str, error: ConfigError) -> ConfigError:
    return ConfigError(f"with the command line's {args}: {error.message}", error.path)
