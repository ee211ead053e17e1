"""Laws of the status parsers: one odd entry never changes what the others say.

For each status parser -- squeue, sacct, ``qstat -f`` on PBS Pro and on Torque, ``qstat
-F json`` -- valid job entries are parsed alone, then again among junk: random text,
entries cut short, blank lines, column-0 lines, entries whose state code is unknown,
entries that are invalid JSON, all with LF or CRLF line endings.  The second parse must
succeed and give every valid job exactly the status the first gave it.

Junk that by itself says something about a valid job (random text that happens to read
as a line for one of its ids) is not junk and is dropped; so is, for ``qstat -f``, junk
with an attribute line (``    name = value``) before any ``Job Id:`` line of its own: the
format puts such a line in the block above it (real blocks hold blank lines and loose
text between their attributes).  Each law runs 150 examples; the file takes seconds.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable

from hypothesis import event, given, settings
from hypothesis import strategies as st
from returns.result import Result, Success

from hsm.pure.errors import ParseError
from hsm.pure.schedulers.base import Statuses
from hsm.pure.schedulers.pbs import commands as pbs
from hsm.pure.schedulers.slurm import commands as slurm
from tests.property.strategies import (
    JUNK_SLURM_BASES,
    VALID_SLURM_BASES,
    broken_json_entries,
    cut_short,
    junk_text,
    pbs_ids,
    qstat_blocks,
    qstat_json_fields,
    render_json_document,
    render_json_entry,
    sacct_records,
    squeue_lines,
)

Parser = Callable[[str], Result[Statuses, ParseError]]
LAWS = settings(max_examples=150)
Case = tuple[list[str], list[str]]  # valid entries, junk

_ATTRIBUTE_LINE = re.compile(r"^ {1,4}[A-Za-z_][\w.\-]* =")
_JSON_ENTRY_LINE = re.compile(r'^[ \t]*"(?:[^"\\\r\n]|\\.)*"[ \t]*:[ \t]*\{', re.MULTILINE)


def _statuses(parser: Parser, text: str) -> Statuses:
    result = parser(text)
    return result.unwrap() if isinstance(result, Success) else {}


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


@st.composite
def _placed(draw: st.DrawFn, valid: list[str], junk: list[str]) -> str:
    """The valid entries in order, each piece of junk at a random place among them."""
    pieces = list(valid)
    for piece in junk:
        pieces.insert(draw(st.integers(0, len(pieces))), piece)
    text = "".join(pieces)
    return _crlf(text) if draw(st.booleans()) else text


def _line(text: str) -> str:
    return text if text.endswith(("\n", "\r")) else text + "\n"


def _check_law(parser: Parser, valid: list[str], text: str) -> None:
    result = parser(text)
    assert isinstance(result, Success), result
    among_junk = result.unwrap()
    seen: set[str] = set()
    for entry in valid:
        alone = parser(entry).unwrap()
        assert alone, f"a valid entry read as nothing: {entry!r}"
        for job_id, status in alone.items():
            assert among_junk.get(job_id) == status, (job_id, entry)
        seen |= set(alone)
    event(f"junk read as {min(len(set(among_junk) - seen), 3)}+ unknown-or-other jobs")


def _harmless(parser: Parser, valid_ids: set[str], junk: list[str]) -> list[str]:
    return [piece for piece in junk if not (set(_statuses(parser, piece)) & valid_ids)]


# -- Slurm --------------------------------------------------------------------------------


@st.composite
def _slurm_case(draw: st.DrawFn, entry: Callable[[int], st.SearchStrategy[str]]) -> Case:
    bases = draw(st.lists(VALID_SLURM_BASES, min_size=1, max_size=5, unique=True))
    valid = [draw(entry(base)) for base in bases]
    junk_entries = [draw(entry(base)) for base in draw(st.lists(JUNK_SLURM_BASES, max_size=3))]
    junk = [_line(draw(junk_text())) for _ in range(draw(st.integers(0, 4)))]
    junk += [_line(draw(cut_short(line))) for line in junk_entries]  # cut short
    junk += [line.replace("|", "|X", 1) for line in junk_entries]  # unknown state code
    return valid, junk


@LAWS
@given(case=_slurm_case(squeue_lines), data=st.data())
def test_squeue_junk_never_changes_a_valid_job(case: Case, data: st.DataObject) -> None:
    valid, junk = case
    valid_ids = set().union(*(slurm.parse_status_output(v).unwrap() for v in valid))
    junk = _harmless(slurm.parse_status_output, valid_ids, junk)
    event(f"{min(len(junk), 4)}+ pieces of junk")
    _check_law(slurm.parse_status_output, valid, data.draw(_placed(valid, junk)))


@LAWS
@given(case=_slurm_case(sacct_records), data=st.data())
def test_sacct_junk_never_changes_a_valid_job(case: Case, data: st.DataObject) -> None:
    valid, junk = case
    valid_ids = set().union(*(slurm.parse_history_output(v).unwrap() for v in valid))
    junk = _harmless(slurm.parse_history_output, valid_ids, junk)
    event(f"{min(len(junk), 4)}+ pieces of junk")
    _check_law(slurm.parse_history_output, valid, data.draw(_placed(valid, junk)))


# -- PBS Pro and Torque: qstat -f -------------------------------------------------------

_PRO_LETTERS = (*sorted(pbs.PRO_STATES), "Z")
_TORQUE_LETTERS = (*sorted(pbs.TORQUE_STATES), "Z")


@st.composite
def _qstat_case(draw: st.DrawFn, flavour: str, letters: tuple[str, ...]) -> Case:
    numbers = draw(st.lists(st.integers(1, 99_999), min_size=1, max_size=4, unique=True))
    valid = [draw(qstat_blocks(draw(pbs_ids(n, "srv")), flavour, letters)) for n in numbers]
    junk_ids = [draw(pbs_ids(n, "junk")) for n in draw(st.lists(st.integers(1, 99), max_size=3))]
    junk = [_line(draw(junk_text())) for _ in range(draw(st.integers(0, 4)))]
    for job_id in junk_ids:
        junk.append(_line(draw(cut_short(draw(qstat_blocks(job_id, flavour, letters))))))
        junk.append(draw(qstat_blocks(job_id, flavour, ("K", "?", "ZZ"))))  # unknown letter
    return valid, junk


def _joins_block_above(piece: str) -> bool:
    """Whether junk holds an attribute line before any ``Job Id:`` line of its own."""
    lines = piece.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    before = itertools.takewhile(lambda line: not line.startswith("Job Id:"), lines)
    return any(_ATTRIBUTE_LINE.match(line) for line in before)


def _qstat_law(parser: Parser, case: Case, data: st.DataObject) -> None:
    valid, junk = case
    valid_ids = set().union(*(parser(v).unwrap() for v in valid))
    junk = [piece for piece in _harmless(parser, valid_ids, junk) if not _joins_block_above(piece)]
    event(f"{min(len(junk), 4)}+ pieces of junk")
    _check_law(parser, valid, data.draw(_placed(valid, junk)))


@LAWS
@given(case=_qstat_case("pro", _PRO_LETTERS), data=st.data())
def test_qstat_f_pro_junk_never_changes_a_valid_job(case: Case, data: st.DataObject) -> None:
    _qstat_law(pbs.parse_pro_status_output, case, data)


@LAWS
@given(case=_qstat_case("torque", _TORQUE_LETTERS), data=st.data())
def test_qstat_f_torque_junk_never_changes_a_valid_job(case: Case, data: st.DataObject) -> None:
    _qstat_law(pbs.parse_torque_status_output, case, data)


# -- PBS Pro: qstat -F json -------------------------------------------------------------


@LAWS
@given(data=st.data())
def test_qstat_json_junk_never_changes_a_valid_job(data: st.DataObject) -> None:
    indent = data.draw(st.sampled_from(["    ", "\t"]))
    numbers = data.draw(st.lists(st.integers(1, 99_999), min_size=1, max_size=4, unique=True))
    valid = [
        render_json_entry(data.draw(pbs_ids(n, "srv")), data.draw(qstat_json_fields()), indent)
        for n in numbers
    ]
    junk_ids = [
        data.draw(pbs_ids(n, "junk")) for n in data.draw(st.lists(st.integers(1, 99), max_size=4))
    ]
    junk = [data.draw(broken_json_entries(job_id, indent)) for job_id in junk_ids]
    junk += [
        piece
        for piece in data.draw(st.lists(junk_text(), max_size=3))
        if not _JSON_ENTRY_LINE.search(piece)
    ]
    entries = list(valid)
    for piece in junk:
        entries.insert(data.draw(st.integers(0, len(entries))), piece)
    text = render_json_document(entries, indent)
    text = _crlf(text) if data.draw(st.booleans()) else text

    try:
        json.loads(text)
        event("document decodes whole")
    except json.JSONDecodeError:
        event("document does not decode: entries read one by one")
    parser = pbs.parse_pro_status_output
    result = parser(text)
    assert isinstance(result, Success), result
    among_junk = result.unwrap()
    for entry in valid:
        alone = parser(render_json_document([entry], indent)).unwrap()
        assert len(alone) == 1
        for job_id, status in alone.items():
            assert among_junk.get(job_id) == status, (job_id, entry)
