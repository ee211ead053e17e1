"""PBS Pro / Torque parsers: tables of documented output -> expected statuses.

Every status case runs on the text as captured, with CRLF line endings, and with trailing
blank lines; empty output must give an empty mapping.  The samples under tests/data/pbs
follow qstat's own printer (see tests/data/pbs/README.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from returns.result import Failure, Result, Success

from hsm.pure.errors import ParseError
from hsm.pure.schedulers.base import FailureKind, Statuses
from hsm.pure.schedulers.pbs import PBSPRO, TORQUE
from hsm.pure.schedulers.pbs.commands import (
    PRO_STATES,
    STATES,
    TORQUE_STATES,
    array_task_id,
    cancel_argv,
    classify_failure,
    decode_exit_status,
    history_argv,
    parse_pro_status_output,
    parse_qstat_full,
    parse_qstat_json,
    parse_status_output,
    parse_submit_output,
    parse_torque_status_output,
    split_array_task_id,
    status_argv,
    submit_argv,
    submit_hint,
    torque_status_argv,
)
from hsm.pure.schedulers.pbs.qstat import PRO_EXEC_CODES, TORQUE_EXEC_CODES, usage
from hsm.pure.states import JobState

DATA = Path(__file__).resolve().parents[1] / "data" / "pbs"

Q, R, C, F, X, U = (
    JobState.QUEUED,
    JobState.RUNNING,
    JobState.COMPLETED,
    JobState.FAILED,
    JobState.CANCELLED,
    JobState.UNKNOWN,
)
T = "head.cluster.example.org"

# id -> (state, raw letter, exit code, signal)
Expected = dict[str, tuple[JobState, str, int | None, int | None]]
Parser = Callable[[str], Result[Statuses, ParseError]]

FILE_CASES: list[tuple[str, Parser, Expected]] = [
    (
        "pro_qstat_f.txt",
        parse_pro_status_output,
        {
            "1001.pbsserver": (R, "R", None, None),
            "1002.pbsserver": (Q, "Q", None, None),
            "1003.pbsserver": (Q, "H", None, None),
        },
    ),
    (
        "pro_qstat_f_t_array.txt",
        parse_pro_status_output,
        {
            "1100[].pbsserver": (R, "B", None, None),
            "1100[0].pbsserver": (C, "X", 0, None),
            "1100[1].pbsserver": (R, "R", None, None),
            "1100[2].pbsserver": (Q, "Q", None, None),
            "1100[3].pbsserver": (Q, "Q", None, None),
        },
    ),
    (
        "pro_qstat_xf_history.txt",
        parse_pro_status_output,
        {
            "1201.pbsserver": (C, "F", 0, None),
            "1202.pbsserver": (F, "F", 1, None),
            "1203.pbsserver": (X, "F", None, 15),  # substate 91: qdel'd while running
            "1204.pbsserver": (X, "F", None, None),  # qdel'd while queued: no Exit_status
            "1205.pbsserver": (F, "F", None, 15),  # 271 without substate 91: e.g. walltime
            "1206.pbsserver": (F, "F", None, None),
            "1207.pbsserver": (F, "F", 137, 9),
            "1208[2].pbsserver": (X, "X", None, None),
            "1209.pbsserver": (Q, "M", None, None),
        },
    ),
    (
        "torque_qstat_f_t.txt",
        parse_torque_status_output,
        {
            f"2001.{T}": (R, "R", None, None),
            f"2002.{T}": (Q, "Q", None, None),
            f"2003.{T}": (C, "C", 0, None),
            f"2004.{T}": (F, "C", 2, None),
            f"2005.{T}": (X, "C", None, 15),  # Torque's code for a cancelled running job
            f"2006.{T}": (F, "C", None, None),
            f"2007.{T}": (X, "C", None, None),
            f"2010[0].{T}": (C, "C", 0, None),
            f"2010[1].{T}": (R, "R", None, None),
            f"2010[2].{T}": (Q, "H", None, None),
            f"2011.{T}": (R, "E", None, None),
            f"2012.{T}": (Q, "W", None, None),
            f"2013.{T}": (Q, "T", None, None),
        },
    ),
    (
        "pro_qstat_xf_json.json",
        parse_pro_status_output,
        {
            "1300[].pbsserver": (R, "B", None, None),
            "1300[0].pbsserver": (C, "X", 0, None),
            "1300[1].pbsserver": (R, "R", None, None),
            "1300[2].pbsserver": (Q, "Q", None, None),
            "1301.pbsserver": (C, "F", 0, None),
            "1302.pbsserver": (X, "F", None, 15),
            "1303.pbsserver": (F, "F", 3, None),
            "1304.pbsserver": (Q, "H", None, None),
        },
    ),
    ("pro_qstat_json_no_jobs.json", parse_pro_status_output, {}),
]

# The Torque guide's own example ("Job Exit Status"), continuation lines as its HTML
# renders the TAB (two spaces); exit_status -1 is JOB_EXEC_FAIL1.
TORQUE_DOC_EXAMPLE = """\
Job Id: 179.host
    Job_Name = STDIN
    Job_Owner = user@host
    job_state = C
    queue = batchq
    server = host
    Checkpoint = u
    ctime = Fri Aug 29 14:55:55 2008
    Error_Path = host:/opt/moab/STDIN.e179
    exec_host = node1/0
    Hold_Types = n
    Join_Path = n
    Keep_Files = n
    Mail_Points = a
    mtime = Fri Aug 29 14:55:55 2008
    Output_Path = host:/opt/moab/STDIN.o179
    Priority = 0
    qtime = Fri Aug 29 14:55:55 2008
    Rerunable = True
    Resource_List.ncpus = 2
    Resource_List.nodect = 1
    Resource_List.nodes = node1
    Variable_List = PBS_O_HOME=/home/user,PBS_O_LOGNAME=user,
  PBS_O_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:,PBS_O_SHELL=/bin/bash,PBS_O_HOST=host,
  PBS_O_WORKDIR=/opt/moab,PBS_O_QUEUE=batchq
    sched_hint = Post job file processing error; job 179.host on host node1/0Ba
  d UID for job execution REJHOST=pala.cridomain MSG=cannot find user 'user' in password file
    etime = Fri Aug 29 14:55:55 2008
    exit_status = -1
"""

INLINE_CASES: list[tuple[str, str, Parser, Expected]] = [
    (
        "torque-guide-example",
        TORQUE_DOC_EXAMPLE,
        parse_status_output,
        {"179.host": (F, "C", None, None)},
    ),
    (
        "two-jobs-no-trailing-blank",
        "Job Id: 1.s\n    job_state = R\n\nJob Id: 2.s\n    job_state = Q\n    comment = waiting",
        parse_qstat_full,
        {"1.s": (R, "R", None, None), "2.s": (Q, "Q", None, None)},
    ),
    (
        "unknown-letter-kept-raw",
        "Job Id: 3.s\n    job_state = Z\n",
        parse_qstat_full,
        {"3.s": (U, "Z", None, None)},
    ),
    (
        "torque-finished-letter-inferred",
        "Job Id: 4.h\n    job_state = C\n    exit_status = 271\n",
        parse_qstat_full,
        {"4.h": (X, "C", None, 15)},
    ),
    (
        "pro-271-is-failed-without-substate",
        "Job Id: 5.s\n    job_state = F\n    Exit_status = 271\n",
        parse_qstat_full,
        {"5.s": (F, "F", None, 15)},
    ),
    (
        "newline-inside-a-value",
        "Job Id: 6.s\n    Variable_List = BASH_FUNC_x%%=() {  echo hi\n}\n    job_state = R\n",
        parse_qstat_full,
        {"6.s": (R, "R", None, None)},
    ),
    (
        "json-string-exit-status",
        '{"Jobs": {"7.s": {"job_state": "F", "Exit_status": "2", "substate": "93"}}}',
        parse_qstat_json,
        {"7.s": (F, "F", 2, None)},
    ),
]


def _variants(text: str) -> list[tuple[str, str]]:
    return [
        ("as-is", text),
        ("crlf", text.replace("\r\n", "\n").replace("\n", "\r\n")),
        ("trailing-blank-lines", text + "\n\n  \n\n"),
    ]


def _check(result: Result[Statuses, ParseError], expected: Expected) -> Statuses:
    assert isinstance(result, Success), result
    statuses: Statuses = result.unwrap()
    got = {k: (s.state, s.raw, s.exit_code, s.signal) for k, s in statuses.items()}
    assert got == expected
    assert all(s.source == "qstat" and s.job_id == k for k, s in statuses.items())
    return statuses


@pytest.mark.parametrize("variant", ["as-is", "crlf", "trailing-blank-lines"])
@pytest.mark.parametrize(("name", "parser", "expected"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_data_files(name: str, parser: Parser, expected: Expected, variant: str) -> None:
    text = dict(_variants((DATA / name).read_text(encoding="utf-8")))[variant]
    _check(parser(text), expected)
    _check(parse_status_output(text), expected)  # flavour inferred per job / JSON detected


@pytest.mark.parametrize("variant", ["as-is", "crlf", "trailing-blank-lines"])
@pytest.mark.parametrize(
    ("name", "text", "parser", "expected"), INLINE_CASES, ids=[c[0] for c in INLINE_CASES]
)
def test_inline_cases(
    name: str, text: str, parser: Parser, expected: Expected, variant: str
) -> None:
    _check(parser(dict(_variants(text))[variant]), expected)


@pytest.mark.parametrize(
    "parser",
    [
        parse_qstat_full,
        parse_qstat_json,
        parse_status_output,
        parse_pro_status_output,
        parse_torque_status_output,
    ],
)
@pytest.mark.parametrize("text", ["", "\n", "\r\n\r\n", "   \n\t\n"])
def test_empty_output_is_an_empty_mapping(parser: Parser, text: str) -> None:
    assert parser(text) == Success({})


def test_reasons_carry_comment_and_decoded_exit() -> None:
    pro = parse_pro_status_output((DATA / "pro_qstat_xf_history.txt").read_text()).unwrap()
    assert "and terminated" in pro["1203.pbsserver"].reason
    assert "deleted (qdel)" in pro["1203.pbsserver"].reason
    assert "SIGTERM" in pro["1205.pbsserver"].reason
    assert "JOB_EXEC_FAIL1" in pro["1206.pbsserver"].reason
    assert "deleted before it ran" in pro["1204.pbsserver"].reason
    live = parse_pro_status_output((DATA / "pro_qstat_f.txt").read_text()).unwrap()
    assert live["1002.pbsserver"].reason.startswith("Not Running: Insufficient amount of resource")
    torque = parse_torque_status_output((DATA / "torque_qstat_f_t.txt").read_text()).unwrap()
    assert "walltime" in torque[f"2006.{T}"].reason
    doc = parse_status_output(TORQUE_DOC_EXAMPLE).unwrap()
    assert "JOB_EXEC_FAIL1" in doc["179.host"].reason


# -- wrapped lines: a re-implementation of OpenPBS qstat.c prt_attr() --------------------


def _prt_attr(name: str, value: str) -> str:
    out, start, first = f"    {name} = ", len(name) + 7, True
    tokens = [t for t in value.split(",") if t]
    for i, token in enumerate(tokens):
        if len(token) + start < 78:
            out, start = out + token, start + len(token)
        else:
            if not first:
                out, start = out + "\n\t", 9
            for ch in token:
                out, start = out + ch, start + 1
                if start > 78:
                    out, start = out + "\n\t", 8
        if i + 1 < len(tokens):
            first, out = False, out + ","
    return out + "\n"


WRAP_VALUES = [
    "short",
    "PBS_O_HOME=/home/alice,PBS_O_PATH=/usr/local/bin:/usr/bin:/bin," * 6 + "END=1",
    "Not Running: Insufficient amount of resource: ncpus (R: 64 A: 32 T: 128) and more words",
    "x" * 65,  # ends exactly at the break: a line holding only a TAB follows
    "y" * 300,
    "a=" + "b" * 90 + ",c=d,e=" + "f" * 200,
]


@pytest.mark.parametrize("value", WRAP_VALUES, ids=range(len(WRAP_VALUES)))
def test_tab_continuation_lines_join_back_to_the_value(value: str) -> None:
    text = "Job Id: 9.s\n    job_state = Q\n" + _prt_attr("comment", value) + "\n"
    for _, variant in _variants(text):
        assert parse_qstat_full(variant).unwrap()["9.s"].reason == value


def test_the_wrapper_really_wraps() -> None:
    assert "\n\t" in _prt_attr("comment", WRAP_VALUES[1])
    assert "\n\t\n" in _prt_attr("comment", "x" * 65) + "\n"


# -- garbage: only output with nothing recognisable is a ParseError -----------------------

GARBAGE = [
    ("qstat: Unknown Job Id 12.srv\n", parse_qstat_full, "qstat: Unknown Job Id 12.srv"),
    ("qstat: Unknown Job Id 12.srv\n", parse_status_output, "qstat: Unknown Job Id 12.srv"),
    (
        "<html><body>502 Bad Gateway</body></html>\n",
        parse_status_output,
        "<html><body>502 Bad Gateway</body></html>",
    ),
    ("Job Id:\n    job_state = R\n", parse_qstat_full, "Job Id:"),  # no id to attach it to
    ('{\n\t"timestamp": 1,\n\t"pbs_version":\t005\n', parse_qstat_json, '"pbs_version":\t005'),
    ("[1, 2]", parse_qstat_json, "[1, 2]"),
    ('{"Jobs": [1]}', parse_qstat_json, "[1]"),
]


@pytest.mark.parametrize(("text", "parser", "quoted"), GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_is_a_parse_error_quoting_the_line(text: str, parser: Parser, quoted: str) -> None:
    result = parser(text)
    assert isinstance(result, Failure)
    error = result.failure()
    assert isinstance(error, ParseError)
    assert error.line == quoted
    assert quoted.strip() in str(error) or repr(quoted) in str(error)


# -- one odd job never blinds the poll: it is unknown (reason says why) or skipped ----------

_GOOD = "Job Id: 1.s\n    job_state = R\n\n"
_UNREADABLE: list[tuple[str, str, Parser, Expected, dict[str, str]]] = [
    (
        "junk-before-the-first-block",
        "hello world\n" + _GOOD,
        parse_status_output,
        {"1.s": (R, "R", None, None)},
        {},
    ),
    (
        "junk-between-blocks",
        _GOOD + "stray text between jobs\n  indented junk\n\tTAB junk\n\n"
        "Job Id: 2.s\n    job_state = Q\n",
        parse_qstat_full,
        {"1.s": (R, "R", None, None), "2.s": (Q, "Q", None, None)},
        {},
    ),
    (
        "block-without-job_state",
        "Job Id: 3.s\n    queue = workq\n\n" + _GOOD,
        parse_qstat_full,
        {"3.s": (U, "", None, None), "1.s": (R, "R", None, None)},
        {"3.s": "has no job_state"},
    ),
    (
        "block-cut-short",
        _GOOD + "Job Id: 4.s\n    Job_Name = sweep_7\n    job_sta",
        parse_status_output,
        {"1.s": (R, "R", None, None), "4.s": (U, "", None, None)},
        {"4.s": "has no job_state"},
    ),
    (
        "header-without-id-ends-the-block-before-it",
        _GOOD + "Job Id:\n    job_state = F\n    Exit_status = 0\n",
        parse_qstat_full,
        {"1.s": (R, "R", None, None)},
        {},
    ),
    (
        "column-0-junk-glued-to-job_state",
        "Job Id: 5.s\n    job_state = F\njunk\n    Exit_status = 0\njunk\n",
        parse_qstat_full,
        {"5.s": (C, "F", 0, None)},
        {},
    ),
    (
        "unreadable-exit-status-is-not-cancelled",
        "Job Id: 6.s\n    job_state = F\n    Exit_status = zero\n",
        parse_qstat_full,
        {"6.s": (U, "F", None, None)},
        {"6.s": "exit status 'zero' is not a number"},
    ),
    (
        "unreadable-substate",
        "Job Id: 6.h\n    job_state = C\n    exit_status = 0\n    substate = ?\n",
        parse_qstat_full,
        {"6.h": (U, "C", None, None)},
        {"6.h": "substate '?' is not a number"},
    ),
    (
        "readable-block-wins-over-unreadable-one",
        "Job Id: 1.s\n    queue = q\n\n" + _GOOD + "Job Id: 1.s\n\n",
        parse_qstat_full,
        {"1.s": (R, "R", None, None)},
        {},
    ),
    (
        "json-entry-cut-short",
        '{\n\t"Jobs": {\n\t\t"1.s": {\n\t\t\t"foo":\t005,\n',
        parse_qstat_json,
        {"1.s": (U, "", None, None)},
        {"1.s": "invalid JSON in its entry"},
    ),
    (
        "json-entry-without-job_state",
        '{"Jobs": {"1.s": {"queue": "q"}, "2.s": 7, "3.s": {"job_state": "Q"}}}',
        parse_qstat_json,
        {"1.s": (U, "", None, None), "2.s": (U, "", None, None), "3.s": (Q, "Q", None, None)},
        {"1.s": "has no job_state", "2.s": "not an object"},
    ),
    (
        # openpbs#1255 (a number with a leading zero), #2049 (\' and \, escapes), #830
        # (unescaped quotes): each breaks its own entry only.
        "json-invalid-entries-between-valid-ones",
        "{\n"
        '    "timestamp":1750369865,\n'
        '    "Jobs":{\n'
        '        "10.s":{\n            "job_state":"F",\n            "Exit_status":0,\n'
        '            "Resource_List":{\n                "ncpus":1\n            }\n        },\n'
        '        "11.s":{\n            "job_state":"R",\n            "foo":005\n        },\n'
        '        "12.s":{\n            "Variable_List":{\n                "MYVAR":"ab\\,c"\n'
        '            },\n            "job_state":"Q"\n        },\n'
        '        "13.s":{\n            "comment":"say "hi"",\n            "job_state":"H"\n'
        "        },\n"
        '        "14.s":{\n            "job_state":"F",\n            "substate":93,\n'
        '            "Exit_status":3\n        }\n'
        "    }\n}\n",
        parse_status_output,
        {
            "10.s": (C, "F", 0, None),
            "11.s": (U, "", None, None),
            "12.s": (U, "", None, None),
            "13.s": (U, "", None, None),
            "14.s": (F, "F", 3, None),
        },
        {"11.s": "invalid JSON", "12.s": "invalid JSON", "13.s": "invalid JSON"},
    ),
    (
        "json-raw-newline-in-a-string-is-read",  # openpbs#2541: BASH_FUNC_* unescaped
        '{"Jobs": {"7.s": {"Variable_List": {"BASH_FUNC_m%%": "() {  echo\n}"},\n'
        '"job_state": "R"}}}\n',
        parse_qstat_json,
        {"7.s": (R, "R", None, None)},
        {},
    ),
    (
        "json-then-junk",
        '{"Jobs": {"7.s": {"job_state": "R"}}}\nqstat: Unknown Job Id 8.s\n',
        parse_status_output,
        {"7.s": (R, "R", None, None)},
        {},
    ),
    (
        "junk-brace-line-before-text-blocks",
        "{\n" + _GOOD,
        parse_status_output,
        {"1.s": (R, "R", None, None)},
        {},
    ),
    (
        "junk-that-decodes-as-json-before-text-blocks",
        "{\n}\n" + _GOOD,
        parse_status_output,
        {"1.s": (R, "R", None, None)},
        {},
    ),
    (
        "banner-before-json",  # openpbs#2675: text printed before the document
        "Job ID  Username Queue\n------ -------- -----\n"
        '{\n    "Jobs":{\n        "7.s":{\n            "job_state":"Q"\n        }\n    }\n}\n',
        parse_status_output,
        {"7.s": (Q, "Q", None, None)},
        {},
    ),
    (
        "stray-brace-closes-jobs-early",
        '{\n    "Jobs":{\n}\n,\n        "7.s":{\n            "job_state":"R"\n        }\n    }\n}\n',
        parse_status_output,
        {"7.s": (R, "R", None, None)},
        {},
    ),
]


@pytest.mark.parametrize("variant", ["as-is", "crlf", "trailing-blank-lines"])
@pytest.mark.parametrize(
    ("name", "text", "parser", "expected", "reasons"), _UNREADABLE, ids=[c[0] for c in _UNREADABLE]
)
def test_unreadable_jobs_are_unknown_and_the_rest_still_read(
    name: str,
    text: str,
    parser: Parser,
    expected: Expected,
    reasons: dict[str, str],
    variant: str,
) -> None:
    statuses = _check(parser(dict(_variants(text))[variant]), expected)
    for job_id, words in reasons.items():
        assert words in statuses[job_id].reason


# -- state tables --------------------------------------------------------------------------


def test_every_documented_letter_is_in_the_tables() -> None:
    assert set(PRO_STATES) == set("BEFHMQRSTUWX")  # PBS Pro Reference Guide "Job States"
    assert set(TORQUE_STATES) == set("CEHQRTWS")  # Torque qstat(1) job_state
    assert set(STATES) == set(PRO_STATES) | set(TORQUE_STATES)
    for letter in set(PRO_STATES) & set(TORQUE_STATES):
        assert PRO_STATES[letter] is TORQUE_STATES[letter] is STATES[letter]
    assert all(isinstance(state, JobState) for state in STATES.values())
    assert JobState.CANCELLED not in STATES.values()  # only exit data can say "cancelled"


def test_waiting_and_running_letters() -> None:
    assert {k for k, v in STATES.items() if v is Q} == set("HMQSTUW")
    assert {k for k, v in STATES.items() if v is R} == set("BER")


# -- exit status decoding ------------------------------------------------------------------

DECODE = [
    (0, "pro", C, 0, None, ""),
    (1, "pro", F, 1, None, "exit code 1"),
    (2, "torque", F, 2, None, "exit code 2"),
    (127, "pro", F, 127, None, "exit code 127"),
    (128, "pro", F, 128, None, "exit code 128"),
    (137, "pro", F, 137, 9, "SIGKILL"),
    (143, "torque", F, 143, 15, "SIGTERM"),
    (255, "pro", F, 255, None, "exit code 255"),
    (265, "pro", F, None, 9, "killed by SIGKILL"),
    (271, "pro", F, None, 15, "killed by SIGTERM"),
    (271, "torque", F, None, 15, "killed by SIGTERM"),
    (-1, "pro", F, None, None, "JOB_EXEC_FAIL1"),
    (-3, "pro", F, None, None, "JOB_EXEC_RETRY"),
    (-10, "pro", F, None, None, "JOB_EXEC_FAILUID"),
    (-11, "pro", F, None, None, "JOB_EXEC_RERUN"),
    (-11, "torque", F, None, None, "JOB_EXEC_OVERLIMIT_WT"),
    (-8, "torque", F, None, None, "JOB_EXEC_CMDFAIL"),
    (-29, "pro", F, None, None, "JOB_EXEC_KILL_WALLTIME"),
    (-99, "pro", F, None, None, "unknown JOB_EXEC code"),
]


@pytest.mark.parametrize(("value", "flavour", "state", "code", "sig", "words"), DECODE)
def test_decode_exit_status(
    value: int, flavour: str, state: JobState, code: int | None, sig: int | None, words: str
) -> None:
    got_state, got_code, got_sig, reason = decode_exit_status(value, flavour)
    assert (got_state, got_code, got_sig) == (state, code, sig)
    assert words in reason


def test_exec_code_tables_are_contiguous() -> None:
    assert set(PRO_EXEC_CODES) == set(range(-30, 0))
    assert set(TORQUE_EXEC_CODES) == set(range(-14, 0))


# -- submit output ---------------------------------------------------------------------------

SUBMIT_OK = [
    ("1234.pbsserver\n", "1234.pbsserver"),
    ("1234[].pbsserver\n", "1234[].pbsserver"),
    ("1234.head.cluster.example.org\n", "1234.head.cluster.example.org"),
    ("1234[].head.cluster.example.org\r\n", "1234[].head.cluster.example.org"),
    ("1234\n", "1234"),
    ("  1234.pbs-server_1  \n\n", "1234.pbs-server_1"),
    ("Note: jobs in this queue are charged double\n1234.pbsserver\n", "1234.pbsserver"),
]
SUBMIT_BAD = [
    ("", ""),
    ("\n \n", ""),
    ("qsub: Unknown queue\n", "qsub: Unknown queue"),
    ("1234.pbsserver extra\n", "1234.pbsserver extra"),
    ("Your job 1234 has been submitted\n", "Your job 1234 has been submitted"),
    ("abc.server\n", "abc.server"),
    ("1234[.server\n", "1234[.server"),
]


@pytest.mark.parametrize(("text", "job_id"), SUBMIT_OK)
def test_parse_submit_output(text: str, job_id: str) -> None:
    assert parse_submit_output(text) == Success(job_id)


@pytest.mark.parametrize(("text", "quoted"), SUBMIT_BAD)
def test_parse_submit_output_refuses_garbage(text: str, quoted: str) -> None:
    result = parse_submit_output(text)
    assert isinstance(result, Failure)
    assert result.failure().line == quoted


# -- argv, records, ids ----------------------------------------------------------------------


def test_argv_builders() -> None:
    ids = ["1.s", "2[].s", "2[3].s"]
    assert submit_argv("/tmp/a b/job.pbs") == ["qsub", "/tmp/a b/job.pbs"]
    assert status_argv(ids) == ["qstat", "-f", "-t", *ids]
    assert history_argv(ids) == ["qstat", "-x", "-f", "-t", *ids]
    assert torque_status_argv(ids) == ["qstat", "-f", "-t", *ids]
    assert "-x" not in torque_status_argv(ids)  # Torque's -x is XML output, not history
    assert cancel_argv(ids) == ["qdel", *ids]


def test_scheduler_records() -> None:
    assert (PBSPRO.name, PBSPRO.key) == ("pbs", "pbspro")
    assert (TORQUE.name, TORQUE.key) == ("pbs", "torque")
    assert (PBSPRO.submit_command, PBSPRO.status_command) == ("qsub", "qstat")
    assert PBSPRO.index_var == "PBS_ARRAY_INDEX"
    assert TORQUE.index_var == "PBS_ARRAYID"
    assert (PBSPRO.array_flag, TORQUE.array_flag) == ("-J ", "-t ")
    pro, torque = PBSPRO.commands, TORQUE.commands
    assert pro is not None and torque is not None
    assert pro.history_argv is history_argv and pro.parse_history_output is not None
    assert torque.history_argv is None and torque.parse_history_output is None
    assert PBSPRO.states == PRO_STATES and TORQUE.states == TORQUE_STATES
    text = (DATA / "torque_qstat_f_t.txt").read_text()
    assert torque.parse_status_output(text).unwrap()[f"2005.{T}"].state is X


@pytest.mark.parametrize(
    ("parent", "index", "task"),
    [
        ("123[].server", 4, "123[4].server"),
        ("123[].head.cluster.example.org", 0, "123[0].head.cluster.example.org"),
        ("123[]", 17, "123[17]"),
        ("123.server", 2, "123[2].server"),
    ],
)
def test_array_task_ids(parent: str, index: int, task: str) -> None:
    assert array_task_id(parent, index) == task
    assert split_array_task_id(task) == (array_task_id(parent, 0).replace("[0]", "[]"), index)


@pytest.mark.parametrize("job_id", ["123.server", "123[].server", "garbage", "123[x].s"])
def test_split_array_task_id_of_non_subjobs(job_id: str) -> None:
    assert split_array_task_id(job_id) is None


def test_array_task_id_refuses_garbage() -> None:
    with pytest.raises(ValueError, match="garbage"):
        array_task_id("garbage", 1)
    with pytest.raises(ValueError):
        array_task_id("1[].s", -1)


# -- failures and hints ------------------------------------------------------------------------

CLASSIFY = [
    ("qstat: Unknown Job Id 123.pbsserver\n", FailureKind.UNKNOWN_JOB),
    ("qstat: Unknown Job Id Error 123.head.cluster.example.org\n", FailureKind.UNKNOWN_JOB),
    (
        "qstat: 123.pbsserver Job has finished, use -x or -H to obtain historical job information\n",
        FailureKind.UNKNOWN_JOB,
    ),
    ("qdel: Job has finished 123.pbsserver\n", FailureKind.UNKNOWN_JOB),
    (
        "Connection refused\nqstat: cannot connect to server pbsserver (errno=111)\n",
        FailureKind.TRANSIENT,
    ),
    ("pbs_iff: cannot read reply from pbs_server\nNo Permission.\n", FailureKind.TRANSIENT),
    ("qstat: End of File\n", FailureKind.TRANSIENT),
    (
        "Communication failure.\nqstat: cannot connect to server head (errno=15096)\n",
        FailureKind.TRANSIENT,
    ),
    (
        "Unable to communicate with head(10.0.0.1)\ntrqauthd unable to authenticate\n",
        FailureKind.TRANSIENT,
    ),
    (
        "qstat: Unknown Job Id 1.s\nqstat: cannot connect to server s (errno=111)\n",
        FailureKind.TRANSIENT,
    ),
    ("qsub: Unknown queue\n", FailureKind.PERMANENT),
    ("qdel: Unauthorized Request  123.pbsserver\n", FailureKind.PERMANENT),
    ("", FailureKind.PERMANENT),
]


@pytest.mark.parametrize(("text", "kind"), CLASSIFY)
def test_classify_failure(text: str, kind: FailureKind) -> None:
    assert classify_failure(text) is kind


HINTS = [
    ("qsub: Unknown queue\n", "hpc.pbs.queue"),
    ("qsub: submit error (Unknown queue MSG=requested queue not found)\n", "hpc.pbs.queue"),
    (
        "qsub: Job exceeds queue resource limits MSG=cannot satisfy queue max walltime requirement",
        "ask for less",
    ),
    ("qsub: Job violates queue and/or server resource limits\n", "ask for less"),
    ("qsub: Unauthorized Request \n", "hpc.pbs.account"),
    ("qsub: illegal -l value\n", "select=1:ncpus=4"),
    ("qsub: Unknown resource Resource_List.gpus\n", "select=1:ncpus=4"),
    ("qsub: Array job exceeds server or queue size limit\n", "array limit"),
    ("qsub: Maximum number of jobs already in queue workq\n", "per-user"),
    ("qsub: No default queue specified\n", "hpc.pbs.queue"),
    ("qsub: something nobody has seen\n", ""),
]


@pytest.mark.parametrize(("text", "words"), HINTS)
def test_submit_hint(text: str, words: str) -> None:
    hint = submit_hint(text)
    assert (words in hint) if words else hint == ""


# What the server measured, per pbs_job_attributes(7B) / Torque qstat(1): exec_host
# "host/cpu[*n]" chunks joined by "+" (Torque "host/0-3"), resources_used.walltime
# HH:MM:SS, resources_used.mem "<n>kb".  Values read by eye from the data files.
MiB500 = 512000 * 1024
USAGE_FILE_CASES: list[tuple[str, Parser, dict[str, tuple[float | None, str, int | None]]]] = [
    (
        "pro_qstat_f.txt",
        parse_qstat_full,
        {"1001.pbsserver": (605.0, "node01", MiB500), "1002.pbsserver": (None, "", None)},
    ),
    (
        "pro_qstat_xf_history.txt",
        parse_qstat_full,
        {"1201.pbsserver": (605.0, "node01", MiB500), "1204.pbsserver": (None, "", None)},
    ),
    (
        "torque_qstat_f_t.txt",
        parse_qstat_full,
        {
            f"2003.{T}": (605.0, "node01", MiB500),
            f"2010[1].{T}": (605.0, "node01", MiB500),
            f"2002.{T}": (None, "", None),
        },
    ),
    (
        "pro_qstat_xf_json.json",
        parse_qstat_json,
        {
            "1300[0].pbsserver": (605.0, "node01", MiB500),  # nested "resources_used": {...}
            "1301.pbsserver": (605.0, "", MiB500),  # no exec_host in this entry
            "1300[2].pbsserver": (None, "", None),
        },
    ),
]


@pytest.mark.parametrize("variant", ["as-is", "crlf", "trailing-blank-lines"])
@pytest.mark.parametrize(
    ("name", "parser", "expected"), USAGE_FILE_CASES, ids=[c[0] for c in USAGE_FILE_CASES]
)
def test_usage_from_data_files(
    name: str,
    parser: Parser,
    expected: dict[str, tuple[float | None, str, int | None]],
    variant: str,
) -> None:
    text = dict(_variants((DATA / name).read_text(encoding="utf-8")))[variant]
    for statuses in (parser(text).unwrap(), parse_status_output(text).unwrap()):
        got = {k: (statuses[k].elapsed, statuses[k].node, statuses[k].max_mem) for k in expected}
        assert got == expected


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"exec_host": "n1/0*2+n2/1+n1/3"}, (None, "n1,n2", None)),  # each host once, in order
        ({"exec_host": "node01/0-3"}, (None, "node01", None)),  # Torque's cpu range
        ({"resources_used.walltime": "100:00:01"}, (360001.0, "", None)),  # hours past 24
        ({"resources_used.mem": "2gb"}, (None, "", 2 * 1024**3)),
        ({"resources_used.mem": "0kb", "resources_used.walltime": "00:00:00"}, (0.0, "", None)),
        ({"resources_used.mem": "lots", "resources_used.walltime": "soon"}, (None, "", None)),
        ({}, (None, "", None)),
    ],
)
def test_usage_of_attributes(
    attrs: dict[str, str], expected: tuple[float | None, str, int | None]
) -> None:
    assert usage(attrs) == expected


def test_usage_does_not_change_a_jobs_state() -> None:
    block = "Job Id: 9.s\n    job_state = F\n    substate = 92\n    Exit_status = 0\n"
    used = block + "    exec_host = n1/0\n    resources_used.walltime = 00:00:03\n"
    plain, measured = (parse_qstat_full(t).unwrap()["9.s"] for t in (block, used))
    assert measured[:7] == plain[:7] and measured[7:] == (3.0, "n1", None)
