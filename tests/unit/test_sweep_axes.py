"""Command-line sweep axes: Hydra's multirun syntax read as Hydra reads it, and applied to
the sweep file's sweep the way a Hydra command line overrides its config.

Hydra's parser is the oracle for every accepted argument: the same key and the same
values, of the same types, in the same order.
"""

from __future__ import annotations

import doctest
import math
from typing import Any

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from returns.result import Failure

from hsm.pure import hydra_grammar, hydra_syntax, sweepfile
from hsm.pure.errors import ConfigError
from hsm.pure.hydra_syntax import Glob
from hsm.pure.sweep import expand_sweep
from hsm.pure.sweepfile import apply_axes, file_sweep_spec, parse_shorthand
from hsm.pure.yaml12 import load_yaml
from tests.property.test_hydra_syntax import same
from tests.unit.test_yaml12 import SCALARS

PARSER = OverridesParser.create()

ACCEPTED = [
    ("lr=0.1,0.01", "lr", [0.1, 0.01]),
    ("n=1,2,3", "n", [1, 2, 3]),
    ("n=1_000", "n", [1000]),
    ("x=1e-3,-2.5,+3", "x", [0.001, -2.5, 3]),
    ("x=inf,-inf", "x", [math.inf, -math.inf]),
    ("flag=true,False", "flag", [True, False]),
    ("v=null", "v", [None]),
    ("m=a,b", "m", ["a", "b"]),
    ("m='a,b',\"c d\"", "m", ["a,b", "c d"]),
    ("m='it\\'s'", "m", ["it's"]),
    ("s=''", "s", [""]),
    ("s=a b", "s", ["a b"]),
    ("m=a, b", "m", ["a", "b"]),
    ("l=[1,2],[3]", "l", [[1, 2], [3]]),
    ("l=[]", "l", [[]]),
    ("d={a:1,b:[x]},{a:2}", "d", [{"a": 1, "b": ["x"]}, {"a": 2}]),
    ("i=${oc.env:HOME,x},lit", "i", ["${oc.env:HOME,x}", "lit"]),
    ("e=\\,x", "e", [",x"]),
    ("r=range(3)", "r", [0, 1, 2]),
    ("r=range(1,10,4)", "r", [1, 5, 9]),
    ("r=range(10,0,-3)", "r", [10, 7, 4, 1]),
    ("r=range(0,1,0.25)", "r", [0.0, 0.25, 0.5, 0.75]),
    # Hydra sums exact decimals of the floats: 0.7000000000000001, as Hydra gives it
    ("r=range(0,1,0.1)", "r", [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7000000000000001, 0.8, 0.9]),
    ("r=range(0.5,2)", "r", [0.5, 1.5]),
    ("r=range(start=1,stop=3)", "r", [1, 2]),
    ("c=choice(a,b)", "c", ["a", "b"]),
    ("c=choice(1)", "c", [1]),
    ("model.depth=18,50", "model.depth", [18, 50]),
    ("+extra=1,2", "+extra", [1, 2]),
    ("++force.x=a", "++force.x", ["a"]),
    ("db=mysql,postgresql", "db", ["mysql", "postgresql"]),
    ("hydra/launcher=basic", "hydra/launcher", ["basic"]),
    ("db@pkg=a", "db@pkg", ["a"]),
    ("path=facebook/opt-1.3b", "path", ["facebook/opt-1.3b"]),
]


def hydra_axis(arg: str) -> tuple[str, list[Any]]:
    override = PARSER.parse_override(arg)
    if override.is_sweep_override():
        values = [Override._convert_value(v) for v in override.sweep_iterator()]
    else:
        values = [override.value()]
    return override.get_key_element(), values


@pytest.mark.parametrize(("arg", "key", "values"), ACCEPTED, ids=[a for a, _, _ in ACCEPTED])
def test_axes_are_read_as_hydra_reads_them(arg: str, key: str, values: list[Any]) -> None:
    (axis,) = parse_shorthand([arg]).unwrap()
    assert axis.key == key and axis.arg == arg
    assert same(list(axis.values), values), axis.values
    hydra_key, hydra_values = hydra_axis(arg)
    assert hydra_key == key and same(hydra_values, values), (hydra_key, hydra_values)


@pytest.mark.parametrize("text", SCALARS)
def test_a_value_means_on_the_command_line_what_it_means_in_the_sweep_file(text: str) -> None:
    (axis,) = parse_shorthand([f"v={text}"]).unwrap()
    assert same(list(axis.values), [load_yaml(f"v: {text}\n", "s.yaml").unwrap()["v"]])


def test_glob_is_read_not_resolved() -> None:
    (axis,) = parse_shorthand(["model=glob([c*,m*],exclude=*2)"]).unwrap()
    assert axis.values == Glob(("c*", "m*"), ("*2",))


REFUSED = [
    (["lr"], "is not key=value"),
    (["=1"], "is not key=value"),
    (["sweep.yaml"], "pass it as --config sweep.yaml"),
    (["lr="], "has no value; write lr='' for an empty string"),
    (["lr= "], "has no value"),
    (["lr=1", "lr=2"], "'lr' is given twice on the command line ('lr=1', 'lr=2')"),
    (["seed=1", "+seed=2"], "'seed' is given twice"),
    (["~lr"], "~lr deletes a key"),
    (["~lr=1,2"], "~lr deletes a key"),
    (["a b=1"], "not a Hydra override key"),
    (["lr=[1,2"], "ends too early"),
    (["lr='a"], "never closed"),
    (["lr=1]"], "unexpected ']'"),
    (["lr=1,,2"], "unexpected ','"),
    (["eq=a=b"], "unexpected '='"),
    (["u=é"], "cannot appear unquoted"),
    (["r=range()"], "range() needs start"),
    (["r=range(5,1)"], "is empty"),
    (["r=range(a)"], "range() start must be a number"),
    (["r=range(0,1,0)"], "step must not be 0"),
    (["lr=interval(0,1)"], "interval() is a sweeper search space; hsm runs grids — use range()"),
    (["m=shuffle(a,b)"], "shuffle() randomises the order"),
    (["m=sort(b,a)"], "sort() is not supported"),
    (["m=tag(x,choice(a,b))"], "tag() labels a sweep"),
    (["n=int(1.5)"], "int() casts are not supported"),
    (["m=f(x)"], "f() is not a sweep function hsm knows"),
    (["l=[range(3)]"], "range() must be the whole value"),
    (["m=a,a"], "the value a is given twice"),
    (["x=1,1.0,true,1"], "the value 1 is given twice"),
    (["d={1:2}"], "dict key 1 cannot be written"),
    (["m=glob(3)"], "glob() include must be text patterns (quote numbers: '3*')"),
]


@pytest.mark.parametrize(("args", "says"), REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_bad_axes_are_one_line_naming_the_argument(args: list[str], says: str) -> None:
    result = parse_shorthand(args)
    assert isinstance(result, Failure)
    message = result.failure().message
    assert says in message, message
    assert "\n" not in message
    assert repr(args[-1]) in message


FILE = {
    "grid": {"lr": [0.1, 0.01], "model": {"name": ["mlp", "cnn", "cnn2"]}},
    "paired": [{"epochs": [2, 3], "batch": [16, 32]}],
    "combinations": [{"lr": 0.5, "model.name": "linear", "epochs": 1, "batch": 8}],
}


def points(sweep: dict[str, Any], *args: str) -> list[dict[str, Any]]:
    spec = file_sweep_spec(sweep).unwrap()
    return list(expand_sweep(apply_axes(spec, parse_shorthand(args).unwrap()).unwrap()))


def refusal(sweep: dict[str, Any], *args: str) -> ConfigError:
    spec = file_sweep_spec(sweep).unwrap()
    result = parse_shorthand(args).bind(lambda axes: apply_axes(spec, axes))
    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, ConfigError) and "\n" not in error.message
    return error


def test_a_nested_axis_replaces_the_files_axis_in_place() -> None:
    got = points(FILE, "model.name=resnet,vit")
    assert [p["model.name"] for p in got[:8]] == ["resnet", "resnet", "vit", "vit"] * 2
    assert list(got[0]) == ["lr", "model.name", "epochs", "batch"]
    assert len(got) == 2 * 2 * 2 + 1
    assert got[-1]["model.name"] == "linear"  # the combination keeps its own value


def test_a_new_axis_goes_after_the_grid_and_before_the_paired_groups() -> None:
    got = points(FILE, "seed=0,1", "+extra=x")
    assert list(got[0]) == ["lr", "model.name", "seed", "+extra", "epochs", "batch"]
    assert len(got) == 2 * 3 * 2 * 2 + 1
    # a single value is a constant: it reaches the combination, seed does not
    assert got[-1] == {"lr": 0.5, "model.name": "linear", "epochs": 1, "batch": 8, "+extra": "x"}


def test_a_plus_key_replaces_the_bare_key_and_keeps_its_plus() -> None:
    got = points({"grid": {"seed": [1, 2]}}, "+seed=7")
    assert got == [{"+seed": 7}]


def test_a_paired_member_leaves_its_group_and_follows_it() -> None:
    got = points(FILE, "batch=64")
    assert list(got[0]) == ["lr", "model.name", "epochs", "batch"]
    assert [(p["epochs"], p["batch"]) for p in got[:2]] == [(2, 64), (3, 64)]
    assert len(got) == 2 * 3 * 2 + 1


def test_a_paired_member_whose_group_would_repeat_a_row_is_refused() -> None:
    error = refusal({"paired": [{"m": ["a", "a"], "lr": [1, 2]}]}, "lr=5")
    assert error.message.startswith("sweep argument 'lr=5': without 'lr'")
    assert "repeats a row" in error.message


def test_glob_filters_the_files_values_of_that_key() -> None:
    got = points(FILE, "model.name=glob(c*,exclude=*2)")
    assert {p["model.name"] for p in got[:-1]} == {"cnn"}
    assert len(got) == 2 * 1 * 2 + 1
    got = points(FILE, "epochs=glob('3')")
    assert {(p["epochs"], p["batch"]) for p in got[:-1]} == {(3, 32)}
    got = points(FILE, "lr=glob([0.0*])")
    assert {p["lr"] for p in got[:-1]} == {0.01}  # numbers match by their override text


def test_glob_over_values_with_no_override_text_does_not_crash() -> None:
    error = refusal({"grid": {"x": [{"a b": 1}, "y"]}}, "x=glob(z)")
    assert "keeps none of the sweep file's values ({'a b': 1}, y)" in error.message


def test_glob_that_keeps_nothing_or_has_nothing_to_filter_is_refused() -> None:
    error = refusal(FILE, "model.name=glob(x*)")
    assert error.message == (
        "sweep argument 'model.name=glob(x*)': glob(x*) keeps none of the sweep file's "
        "values (mlp, cnn, cnn2)"
    )
    error = refusal(FILE, "seed=glob(*)")
    assert "glob() picks among the values the sweep file's grid or paired groups give" in (
        error.message
    )


def test_errors_name_the_argument_never_the_file() -> None:
    for args in (["model.name=a,a"], ["model.name=interval(0,1)"], ["model.name=glob(z)"]):
        error = refusal(FILE, *args)
        assert error.message.startswith(f"sweep argument {args[0]!r}: "), error
        assert error.path == ""


def test_a_combination_the_command_line_makes_a_product_point_is_refused() -> None:
    error = refusal({"grid": {"lr": [1, 2]}, "combinations": [{"lr": 3}]}, "lr=3,4")
    assert error.message.startswith("with the command line's lr=3,4: combination 0 is already")
    assert error.path == "$.combinations[0]"


def test_no_parameters_means_one_run_without_overrides() -> None:
    assert points({}) == [{}]
    assert points({"grid": {}, "paired": [], "combinations": None}) == [{}]
    assert points({}, "lr=1,2") == [{"lr": 1}, {"lr": 2}]


def test_a_malformed_file_is_not_hidden_by_the_command_line() -> None:
    assert isinstance(file_sweep_spec({"grid": [1, 2]}), Failure)


def test_a_million_point_grid_with_a_command_line_axis_stays_lazy() -> None:
    sweep = {"grid": {f"p{i}": [0, 1, 2, 3] for i in range(10)}}
    got = expand_sweep(
        apply_axes(
            file_sweep_spec(sweep).unwrap(), parse_shorthand(["p0=range(4)", "q=a,b"]).unwrap()
        ).unwrap()
    )
    assert len(got) == 4**10 * 2
    assert got[-1] == {**{f"p{i}": 3 for i in range(10)}, "q": "b"}


@pytest.mark.parametrize("module", [sweepfile, hydra_syntax, hydra_grammar])
def test_doctests(module: Any) -> None:
    failures, tried = doctest.testmod(module)
    assert tried and not failures
