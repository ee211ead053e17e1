"""The examples in docstrings run and stay true (every module under hsm/)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import hsm

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(hsm.__path__, prefix="hsm.")
    if not info.name.endswith("__main__")
)


def test_modules_are_found() -> None:
    assert "hsm.pure.arrays" in MODULES and "hsm.effects.runner" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
