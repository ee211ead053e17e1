"""The argparse front end: free-text values that start with ``-``, and axes after flags."""

from __future__ import annotations

import pytest

from hsm.cli.parser import FREE_TEXT, join_free_text, parse


@pytest.mark.parametrize("action", ["run", "render"])
@pytest.mark.parametrize("value", ["--mem=200M", "-N 2 --mem 16G", "-p", "select=1:ncpus=4"])
def test_resources_take_any_next_word(action: str, value: str) -> None:
    args = parse(["sweep", action, "--resources", value, "lr=1,2", "--walltime", "1:00:00"])
    assert args.resources == value
    assert args.overrides == ["lr=1,2"]
    assert args.walltime == "1:00:00"


def test_resources_with_equals_sign_are_unchanged() -> None:
    assert parse(["sweep", "run", "--resources=--mem=1G"]).resources == "--mem=1G"


def test_resources_without_a_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse(["sweep", "run", "--resources"])
    assert exit_.value.code == 2
    assert "--resources: expected one argument" in capsys.readouterr().err


def test_resubmit_takes_new_resources_starting_with_a_dash() -> None:
    args = parse(["sweep", "resubmit", "--sweep-id", "s", "--resources", "--mem=8G"])
    assert args.resources == "--mem=8G" and args.walltime is None


def test_words_after_double_dash_are_left_alone() -> None:
    assert join_free_text(["a", "--", "--resources", "-x"]) == ["a", "--", "--resources", "-x"]


def test_only_commands_with_the_flag_accept_it(capsys: pytest.CaptureFixture[str]) -> None:
    # submit and monitor take no --resources: the joined word is refused whole
    for argv in (["sweep", "submit", "sweeps/s"], ["monitor", "--sweep-id", "s"]):
        with pytest.raises(SystemExit):
            parse([*argv, *FREE_TEXT, "--mem=1G"])
        assert "unrecognized arguments: --resources=--mem=1G" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["sweep", "run", "x=1", "--dryrun"],
            "(did you mean --dry-run?)\nhint: see 'hsm sweep run",
        ),
        (
            ["monitor", "--sweepid", "s"],
            "(did you mean --sweep-id?)\nhint: see 'hsm monitor --help'",
        ),
        (["queue", "--bogus"], "unrecognized arguments: --bogus\nhint: see 'hsm queue --help'"),
    ],
)
def test_an_unknown_option_names_the_close_one_and_the_command_help(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse(argv)
    assert stopped.value.code == 2
    assert said in capsys.readouterr().err
