"""Table-driven tests for hsm.pure.walltime: every accepted form, every refusal, rendering."""

from __future__ import annotations

import pytest

from hsm.pure.errors import ConfigError
from hsm.pure.walltime import WALLTIME_FORMS, parse_walltime, render_walltime

H = 3600
D = 24 * H

ACCEPTED = [
    # text, seconds, form
    ("04:00:00", 4 * H),  # HH:MM:SS
    ("4:00:00", 4 * H),  # H:MM:SS
    ("00:00:01", 1),
    ("23:59:59", D - 1),
    ("100:00:00", 100 * H),  # leading field may exceed 24 hours
    ("1:5:0", H + 5 * 60),  # later fields may be one digit, as in Slurm
    ("1-00:00:00", D),  # D-HH:MM:SS
    ("2-12:30:15", 2 * D + 12 * H + 30 * 60 + 15),
    ("1-12:30", D + 12 * H + 30 * 60),  # D-HH:MM
    ("4-12", 4 * D + 12 * H),  # D-HH
    ("0-1", H),
    ("30:30", 30 * 60 + 30),  # MM:SS
    ("90:00", 90 * 60),  # leading minutes may exceed 59
    ("0:01", 1),
    ("90", 90 * 60),  # MM: a bare number is MINUTES
    ("1", 60),
    ("0090", 90 * 60),
    ("  04:00:00  ", 4 * H),  # surrounding spaces are ignored
]


@pytest.mark.parametrize(("text", "seconds"), ACCEPTED)
def test_accepted_forms(text: str, seconds: int) -> None:
    assert parse_walltime(text).unwrap() == seconds


REJECTED = [
    # text, words the message must contain
    ("", "is empty"),
    ("   ", "is empty"),
    ("0", "is zero"),
    ("00:00:00", "is zero"),
    ("0-0", "is zero"),
    ("1:60:00", "minutes=60"),
    ("1:00:60", "seconds=60"),
    ("60:60", "seconds=60"),
    ("1-24", "hours=24"),
    ("1-24:00:00", "hours=24"),
    ("1-00:60", "minutes=60"),
    ("-5", "sign"),
    ("+5", "sign"),
    ("-1:00:00", "sign"),
    ("1:-5:00", "sign"),
    ("1:+5:00", "sign"),
    ("1-+5", "sign"),
    ("04:00 :00", "whitespace"),
    ("04:00:00\n", "whitespace"),
    ("\t04:00:00", "whitespace"),
    ("4 h", "whitespace"),
    ("4h", "characters other than"),
    ("1.5", "characters other than"),
    ("abc", "characters other than"),
    ("\uff10\uff14:00:00", "characters other than"),  # full-width digits are not ASCII
    ("\u00b2", "characters other than"),  # superscript two: str.isdigit() says yes
    ("1:00:00:00", "not in a recognised form"),
    ("1-2-3", "not in a recognised form"),
    ("1-", "not in a recognised form"),
    ("-", "sign"),
    (":30", "not in a recognised form"),
    ("1::0", "not in a recognised form"),
    ("1:000:00", "not in a recognised form"),  # later fields take at most two digits
    ("1-1:00:00:00", "not in a recognised form"),
    ("04:00:00; rm -rf /", "whitespace"),
    ("$(id)", "characters other than"),
]


@pytest.mark.parametrize(("text", "words"), REJECTED)
def test_rejections_say_why_and_show_the_forms(text: str, words: str) -> None:
    error = parse_walltime(text).failure()
    assert isinstance(error, ConfigError)
    assert words in error.message
    assert WALLTIME_FORMS in error.message
    assert repr(text) in error.message


def test_bare_number_is_documented_as_minutes() -> None:
    assert "MINUTES" in WALLTIME_FORMS
    assert "MINUTES" in (parse_walltime.__doc__ or "").upper()


def test_error_carries_the_path() -> None:
    error = parse_walltime("nope", path="$.hpc.default_walltime").failure()
    assert error.path == "$.hpc.default_walltime"
    assert str(error).endswith("@ $.hpc.default_walltime")


RENDERED = [
    # seconds, slurm, pbs (both flavours)
    (4 * H, "04:00:00", "04:00:00"),
    (1, "00:00:01", "00:00:01"),
    (59 * 60 + 59, "00:59:59", "00:59:59"),
    (D - 1, "23:59:59", "23:59:59"),
    (D, "1-00:00:00", "24:00:00"),
    (D + 1, "1-00:00:01", "24:00:01"),
    (100 * H, "4-04:00:00", "100:00:00"),
    (400 * D, "400-00:00:00", "9600:00:00"),
]


@pytest.mark.parametrize(("seconds", "slurm", "pbs"), RENDERED)
def test_render(seconds: int, slurm: str, pbs: str) -> None:
    assert render_walltime(seconds, "slurm") == slurm
    assert render_walltime(seconds, "pbspro") == pbs
    assert render_walltime(seconds, "torque") == pbs
    assert render_walltime(seconds, "local") == pbs


@pytest.mark.parametrize("seconds", [0, -1])
def test_render_refuses_non_positive(seconds: int) -> None:
    with pytest.raises(ValueError, match="at least one second"):
        render_walltime(seconds, "slurm")


def test_render_refuses_unknown_target() -> None:
    with pytest.raises(ValueError, match="unknown walltime target"):
        render_walltime(60, "lsf")
