"""The default sweep id (``hsm.pure.sweep_id``), shared by the CLI and the Hydra launcher."""

from __future__ import annotations

import pytest

from hsm.pure.plan import check_sweep_id
from hsm.pure.sweep_id import default_sweep_id


@pytest.mark.parametrize(
    ("stem", "prefix"),
    [("train", "train_"), ("my app!", "my_app_"), ("...", "sweep_"), ("é-x", "x_"),
     ("a" * 60, "a" * 40 + "_")],
)  # fmt: skip
def test_the_stem_is_made_safe_and_the_id_is_valid(stem: str, prefix: str) -> None:
    sweep_id = default_sweep_id(stem, {"lr": [0.1]})
    assert sweep_id.startswith(prefix)
    assert len(sweep_id) == len(prefix) + 12
    assert check_sweep_id(sweep_id).unwrap() is not None


def test_the_same_inputs_name_the_same_sweep_and_any_change_another() -> None:
    inputs = {"cwd": "/p", "axes": ["lr=0.1,0.2"], "mode": "array"}
    same = default_sweep_id("train", dict(reversed(inputs.items())))
    assert default_sweep_id("train", inputs) == same
    for key, value in [("cwd", "/q"), ("axes", ["lr=0.1"]), ("mode", "individual")]:
        assert default_sweep_id("train", {**inputs, key: value}) != same
