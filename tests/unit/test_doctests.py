"""The examples in docstrings run and stay true (every module under hsm/ and the Hydra
launcher's under hydra_plugins/hsm_launcher/)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import hsm
import hydra_plugins.hsm_launcher

MODULES = sorted(
    info.name
    for package, prefix in [
        (hsm, "hsm."),
        (hydra_plugins.hsm_launcher, "hydra_plugins.hsm_launcher."),
    ]
    for info in pkgutil.walk_packages(package.__path__, prefix=prefix)
    if not info.name.endswith("__main__")
)


def test_modules_are_found() -> None:
    assert "hsm.pure.arrays" in MODULES and "hsm.effects.runner" in MODULES
    assert "hydra_plugins.hsm_launcher._tasks" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
