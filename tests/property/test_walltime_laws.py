"""Laws of hsm.pure.walltime: rendering round-trips, parsing never accepts garbage."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from hsm.pure.walltime import parse_walltime, render_walltime

TARGETS = ("slurm", "pbspro", "torque", "local")
seconds = st.integers(min_value=1, max_value=10_000 * 24 * 3600)


@given(seconds, st.sampled_from(TARGETS))
@example(24 * 3600, "slurm")
@example(24 * 3600 - 1, "slurm")
@example(1, "torque")
def test_parse_inverts_render(s: int, target: str) -> None:
    assert parse_walltime(render_walltime(s, target)).unwrap() == s


@given(seconds)
def test_pbs_renders_hours_minutes_seconds(s: int) -> None:
    text = render_walltime(s, "pbspro")
    assert re.fullmatch(r"[0-9]{2,}:[0-5][0-9]:[0-5][0-9]", text)
    assert text == render_walltime(s, "torque")


@given(seconds)
def test_slurm_uses_days_from_one_day(s: int) -> None:
    text = render_walltime(s, "slurm")
    assert ("-" in text) == (s >= 24 * 3600)


@given(st.integers(min_value=1, max_value=10**6))
def test_bare_number_is_minutes(n: int) -> None:
    assert parse_walltime(str(n)).unwrap() == 60 * n


@given(st.text())
def test_accepted_text_is_digits_colons_and_dashes(text: str) -> None:
    result = parse_walltime(text)
    if not isinstance(result.value_or(None), int):
        return
    assert re.fullmatch(r" *[0-9][0-9:\-]* *", text, re.ASCII)
    assert result.unwrap() > 0


@given(st.text(), st.sampled_from("\n\r\t\x00\x0b\x0c\x1b\x7f\x85\u2028"), st.integers(0, 20))
def test_control_characters_are_never_accepted(text: str, char: str, at: int) -> None:
    at = min(at, len(text))
    assert parse_walltime(text[:at] + char + text[at:]).value_or(None) is None
