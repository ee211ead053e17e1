"""The Hydra launcher's parts (``hydra_plugins.hsm_launcher``), each against Hydra itself.

A task's arguments are composed with Hydra's compose API on the test app's config and
must put its run where the multirun would (``<sweep.dir>/<subdir>``, whatever the subdir
pattern), for any sweep folder path; the Hydra settings a task keeps and drops; the
parameters read from the overrides as Hydra types them; which launcher settings change
the default sweep id; and the in-process check naming the task and key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import HydraContext
from hypothesis import given
from omegaconf import DictConfig, OmegaConf

from hsm.pure.sweep_id import default_sweep_id
from hydra_plugins.hsm_launcher._multirun import MultirunSweep
from hydra_plugins.hsm_launcher._tasks import (
    recorded_sweep_dir,
    sweep_inputs,
    task_argv,
    task_hydra_overrides,
    task_params,
)
from hydra_plugins.hsm_launcher.config import HSMLauncherConf
from tests.property.strategies import hostile_strings

CONF = Path(__file__).resolve().parents[1] / "helpers" / "hydra_launch_app" / "conf"


@pytest.fixture
def hydra_app() -> Iterator[None]:
    with initialize_config_dir(config_dir=str(CONF), version_base=None):
        yield


def _composed(argv: tuple[str, ...]) -> DictConfig:
    cfg = compose(config_name="config", overrides=list(argv), return_hydra_config=True)
    return cfg


@pytest.mark.usefixtures("hydra_app")
@pytest.mark.parametrize(
    ("kept", "expected"),
    [
        ((), "/w/multirun/d/t/3"),
        (("hydra.sweep.subdir=run_${hydra.job.num}",), "/w/multirun/d/t/run_3"),
        (("hydra.sweep.subdir=${hydra.job.override_dirname}",), "/w/multirun/d/t/lr=0.5,optim=adam"),
    ],
)  # fmt: skip
def test_a_task_runs_where_the_multirun_puts_its_job(kept: tuple[str, ...], expected: str) -> None:
    argv = task_argv(kept, ["lr=0.5", "optim=adam"], "/w/multirun/d/t", 3)
    cfg = _composed(argv)
    assert cfg.lr == 0.5 and cfg.optim.name == "adam"
    assert cfg.hydra.run.dir == expected
    assert cfg.hydra.job.num == 3 and str(cfg.hydra.mode) == "RunMode.RUN"


@pytest.mark.usefixtures("hydra_app")
@given(hostile_strings(20))
def test_any_sweep_folder_reaches_the_task_unchanged(name: str) -> None:
    folder = f"/tmp/{name}/multirun"
    argv = task_argv((), ["lr=0.5"], folder, 0)
    assert recorded_sweep_dir(argv) == folder
    assert _composed(argv).hydra.sweep.dir == folder


def test_tasks_keep_the_multiruns_hydra_settings_but_not_the_launchers() -> None:
    given_overrides = [
        "hydra/launcher=hsm", "hydra.launcher.wait=true", "hydra/sweeper=basic",
        "hydra.sweeper.max_batch_size=2", "hydra.mode=MULTIRUN", "hydra.sweep.dir=out",
        "hydra.run.dir=x", "hydra.job.chdir=true", "hydra.sweep.subdir=${hydra.job.id}",
        "hydra/job_logging=disabled", "+hydra.job.env_set.A=1",
    ]  # fmt: skip
    assert task_hydra_overrides(given_overrides) == (
        "hydra.job.chdir=true", "hydra.sweep.subdir=${hydra.job.id}",
        "hydra/job_logging=disabled", "+hydra.job.env_set.A=1",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "params"),
    [
        (["lr=1e-4", "n=3", "flag=true", "x=null"], {"lr": 1e-4, "n": 3, "flag": True, "x": None}),
        (["+seed=1", "++a.b=c"], {"seed": 1, "a.b": "c"}),
        (["optim=adam", "db@pkg=mysql"], {"optim": "adam", "db@pkg": "mysql"}),
        (["t='a,b'", "l=[1,2]", "d={k:v}"], {"t": "a,b", "l": [1, 2], "d": {"k": "v"}}),
        (["s=${oc.env:X}"], {"s": "${oc.env:X}"}),
    ],
)  # fmt: skip
def test_params_are_typed_as_hydra_types_them(overrides: list[str], params: dict) -> None:
    assert task_params(overrides) == params
    assert all(type(task_params(overrides)[k]) is type(v) for k, v in params.items())


def _inputs(**launcher: object) -> dict[str, object]:
    return sweep_inputs(
        cwd="/w", script="/w/app.py", config_name="config", hydra_overrides=[],
        job_overrides=[["lr=0.1"], ["lr=0.2"]], initial_job_idx=0,
        sweep_folder={"dir": "multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}", "subdir": "${hydra.job.num}"},
        launcher={**OmegaConf.to_container(OmegaConf.structured(HSMLauncherConf)), **launcher},
    )  # fmt: skip


def test_how_a_sweep_is_watched_does_not_change_its_id_but_what_it_submits_does() -> None:
    base = default_sweep_id("app", _inputs())
    watched = dict(wait=True, poll_interval=1.0, check=False, cancel_on_interrupt=True)
    assert default_sweep_id("app", _inputs(**watched)) == base
    for changed in [dict(walltime="1:00:00"), dict(mode="individual"), dict(system="slurm")]:
        assert default_sweep_id("app", _inputs(**changed)) != base


@pytest.mark.usefixtures("hydra_app")
def test_the_in_process_check_names_the_task_and_key() -> None:
    config = compose(
        config_name="config", overrides=["hydra/launcher=hsm"], return_hydra_config=True
    )
    context = HydraContext(config_loader=GlobalHydra.instance().config_loader(), callbacks=None)  # type: ignore[arg-type]
    launcher = MultirunSweep({}, config, context)
    argvs = [task_argv((), o, "/w/m", n) for n, o in enumerate([["lr=1"], ["optim=adamw"]])]
    refused = launcher._compose(argvs, 10, "app.py")
    assert refused is not None
    assert refused.message.startswith(
        "task 11 does not compose with the Hydra app app.py: key 'optim' (optim=adamw): "
    )
    assert refused.message.endswith("(hydra.launcher.check=false skips this check)")
    assert launcher._compose(argvs[:1], 0, "app.py") is None
