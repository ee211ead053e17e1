"""``hsm``'s ``main`` before a command starts: Ctrl-C while hsm loads is no traceback."""

from __future__ import annotations

import pytest

import hsm.cli.app as app
from hsm.cli.exits import EXIT_INTERRUPTED


def test_ctrl_c_while_loading_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(argv: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(app, "parse", interrupted)
    assert app.main(["sweep", "list"]) == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert err.strip() == "hsm: interrupted before anything was done"
