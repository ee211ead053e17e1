"""The issue's cases through the real ``hsm`` command: Hydra's multirun syntax on the
command line against a sweep file with a nested axis, a constant and a combination."""

from __future__ import annotations

import re

import pytest

from tests.cli.conftest import Hsm

SWEEP = """\
script: examples/train.py
grid:
  epochs: 3
  model: {name: [mlp, cnn, cnn2]}
combinations:
  - {model.name: linear}
"""


def _argv(hsm: Hsm, *args: str) -> list[str]:
    (hsm.cwd / "s.yaml").write_text(SWEEP, encoding="utf-8")
    run = hsm.ok(
        "sweep", "run", "--config", "s.yaml", "--system", "local", "--dry-run", "--json", *args
    )
    script = run.json()["jobs"][0]["script"]
    # Each case line is "N) set -- ARGS; hsm_task=T; hsm_params='{...}' ;;".
    return re.findall(r"\) set -- (.*?); hsm_task=\d+; hsm_params=.* ;;", script)


def test_nested_axis_range_and_plus_key(hsm: Hsm) -> None:
    assert _argv(hsm, "model.name=resnet,vit", "+seed=range(2)") == [
        '"epochs=3" "model.name=resnet" "+seed=0"',
        '"epochs=3" "model.name=resnet" "+seed=1"',
        '"epochs=3" "model.name=vit" "+seed=0"',
        '"epochs=3" "model.name=vit" "+seed=1"',
        '"model.name=linear" "epochs=3"',  # the grid's constant reaches the combination
    ]


def test_glob_filters_the_files_values(hsm: Hsm) -> None:
    assert _argv(hsm, "model.name=glob(c*,exclude=*2)", "epochs=choice(1)") == [
        '"epochs=1" "model.name=cnn"',
        '"model.name=linear" "epochs=1"',
    ]


@pytest.mark.parametrize(
    ("arg", "says"),
    [
        ("model.name=interval(0,1)", "interval() is a sweeper search space"),
        ("model.name=glob(z*)", "glob(z*) keeps none of the sweep file's values (mlp, cnn, cnn2)"),
        ("~model.name", "deletes a key"),
        ("lr=[1,2", "cannot read sweep argument"),
    ],
)
def test_a_bad_axis_names_the_argument_not_the_file(hsm: Hsm, arg: str, says: str) -> None:
    (hsm.cwd / "s.yaml").write_text(SWEEP, encoding="utf-8")
    run = hsm("sweep", "run", "--config", "s.yaml", "--system", "local", "--dry-run", arg)
    assert run.code == 2, str(run)
    (line,) = run.err.splitlines()
    assert says in line and repr(arg) in line and "s.yaml" not in line, line
