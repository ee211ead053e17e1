"""Table-driven tests of hsm.pure.schedulers.sge: argv builders, parsers, state table, record.

The outputs are the REAL ones captured from Son of Grid Engine 8.1.9 in tests/data/sge
(see its README.md for the commands and situations); each parser case also runs with CRLF
line endings, trailing and leading blank lines and no final newline.  The documented
state codes and the expected outcomes are written out here by hand, from sge_status(5)
and the capture's README -- never copied from the module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from hsm.pure.arrays import plan_array_chunks
from hsm.pure.detect import Answer, ProbeFacts, decide_scheduler, parse_version
from hsm.pure.errors import ParseError
from hsm.pure.jobspec import DEPENDENCY_KINDS, JobSpec, Task, parse_dependency
from hsm.pure.plan import SweepSettings, plan_jobs
from hsm.pure.render import render_script
from hsm.pure.resources import extra_directives, parse_resources, resource_directives
from hsm.pure.resources_model import NodeShape
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.schedulers.base import FailureKind, TranslationTarget
from hsm.pure.schedulers.sge import SCHEDULER, task_log_name
from hsm.pure.schedulers.sge.commands import (
    cancel_argv,
    name_query_argvs,
    never_starts,
    parse_limit,
    parse_name_query,
    parse_submit_output,
    split_task_id,
    submit_argv,
    task_id,
    user_query_argv,
)
from hsm.pure.schedulers.sge.failures import classify_failure, submit_hint
from hsm.pure.schedulers.sge.qacct import history_argv, parse_history_output, record_status, usage
from hsm.pure.schedulers.sge.qstat import STATES, expand_tasks, parse_status_output, status_argv
from hsm.pure.schedulers.sge.resources import is_sge_mark, parse_sge, render_sge, sge_shape
from hsm.pure.states import JobState

DATA = Path(__file__).resolve().parents[1] / "data" / "sge"

# fmt: off
Q, R, CD, F, CA, U = (
    JobState.QUEUED, JobState.RUNNING, JobState.COMPLETED,
    JobState.FAILED, JobState.CANCELLED, JobState.UNKNOWN,
)
# fmt: on

VARIANTS: dict[str, Callable[[str], str]] = {
    "as-printed": lambda t: t,
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "trailing-blank-lines": lambda t: t + "\n\n   \n",
    "leading-blank-line": lambda t: "\n" + t,
    "no-final-newline": lambda t: t.rstrip("\n"),
}
variant = pytest.mark.parametrize("variant", VARIANTS.values(), ids=list(VARIANTS))
EMPTY = ["", "\n", "\r\n", "\n\n  \n"]


def captured(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def ok(result: Result[Any, ParseError]) -> Any:
    assert isinstance(result, Success), result
    return result.unwrap()


def err(result: Result[Any, ParseError]) -> ParseError:
    assert isinstance(result, Failure), result
    error = result.failure()
    assert isinstance(error, ParseError)
    return error


# --- state table ------------------------------------------------------------------------

# sge_status(5) of Son of Grid Engine 8.1.9, "Job state" table, column "SGE" -- every code
# qstat(1) shows, by category.
# fmt: off
DOCUMENTED = {
    "Pending": ["qw", "Rq", "hqw", "hRwq"],
    "Running / transferring": ["r", "hr", "t", "Rr", "Rt"],
    "Suspended": ["s", "ts", "S", "tS", "T", "tT", "Rs", "Rts", "RS", "RtS", "RT", "RtT"],
    "Error": ["Eqw", "Ehqw", "EhRqw"],
    "Deleting": ["dr", "dt", "dRr", "dRt", "ds", "dS", "dT", "dRs", "dRS", "dRT"],
    "Finished": ["z"],
}
# DESIGN.md's policy applied to each category (the Choices are in the module's comments).
POLICY = {
    "Pending": Q, "Running / transferring": R, "Suspended": Q, "Error": Q, "Deleting": R,
    "Finished": U,
}
# fmt: on


@pytest.mark.parametrize(
    ("code", "state"),
    [(code, POLICY[category]) for category, codes in DOCUMENTED.items() for code in codes],
)
def test_every_documented_code_maps_by_the_policy(code: str, state: JobState) -> None:
    assert STATES[code] is state


def test_table_has_nothing_undocumented() -> None:
    assert set(STATES) == {code for codes in DOCUMENTED.values() for code in codes}


@pytest.mark.parametrize("code", ["Eqw", "Ehqw", "EhRqw"])
def test_error_states_never_start(code: str) -> None:
    status = ok(parse_status_output(_element("24", code)))["24"]
    assert status.state is Q
    assert never_starts(status.reason)
    assert "qmod -cj 24" in status.reason


@pytest.mark.parametrize("code", ["qw", "hqw", "s", "r", "dr", "t"])
def test_other_states_may_start(code: str) -> None:
    assert not never_starts(ok(parse_status_output(_element("7", code)))["7"].reason)


def test_an_undocumented_code_is_unknown_with_the_code_kept() -> None:
    status = ok(parse_status_output(_element("7", "Xyz")))["7"]
    assert (status.state, status.raw) == (U, "Xyz")
    assert "sge_status(5)" in status.reason


def _element(number: str, state: str, tasks: str | None = None) -> str:
    extra = f"<tasks>{tasks}</tasks>" if tasks is not None else ""
    return (
        f'<job_list state="pending">\n  <JB_job_number>{number}</JB_job_number>\n'
        f"  <state>{state}</state>\n  {extra}\n</job_list>\n"
    )


# --- qsub -------------------------------------------------------------------------------


def test_submit_argv() -> None:
    assert submit_argv("/s/scripts/task_000.sh") == ["qsub", "-terse", "/s/scripts/task_000.sh"]


SUBMIT_CASES = [
    ("qsub_terse_plain.txt", "4"),  # "4"
    ("qsub_terse_array.txt", "6"),  # "6.1-3:1"
    ("qsub_terse_array_tc.txt", "8"),
    ("qsub_terse_array_step.txt", "9"),  # "9.2-10:4"
    ("qsub_terse_array_single.txt", "10"),  # "10.5-5:1"
    ("qsub_plain.txt", "5"),  # 'Your job 5 ("true") has been submitted'
    ("qsub_array.txt", "7"),  # 'Your job-array 7.1-3:1 ("true") has been submitted'
    ("qsub_named_script.txt", "11"),
    ("qsub_array_at_max_aj_tasks.txt", "16"),  # "16.75000-75000:1"
    ("qsub_pe_smp_too_many_slots.txt", "19"),
    ("qsub_hold_jid_unknown.txt", "22"),
    ("qsub_sync_y_terse_exit0.txt", "69"),
]


@variant
@pytest.mark.parametrize(("name", "job_id"), SUBMIT_CASES, ids=[c[0] for c in SUBMIT_CASES])
def test_parse_submit_output(variant: Callable[[str], str], name: str, job_id: str) -> None:
    assert ok(parse_submit_output(variant(captured(name)))) == job_id


def test_parse_submit_after_a_banner() -> None:
    assert ok(parse_submit_output("site notice: be nice\n4242.1-3:1\n")) == "4242"


@pytest.mark.parametrize("text", EMPTY)
def test_parse_submit_empty_is_an_error(text: str) -> None:
    assert "empty output" in err(parse_submit_output(text)).message


@pytest.mark.parametrize(
    "name", ["qsub_refused_bad_queue.stderr.txt", "qsub_refused_bad_option.stderr.txt"]
)
def test_parse_submit_garbage_quotes_the_line(name: str) -> None:
    text = captured(name)
    error = err(parse_submit_output(text))
    assert error.line in text


# --- qstat -xml (live) ------------------------------------------------------------------


def test_status_argv_is_one_sh_call_with_the_ids_as_data() -> None:
    argv = status_argv(["25", "26", "26.3", "25"])
    assert argv[:2] == ["sh", "-c"]
    assert "exec qstat -xml -u" in argv[2]
    assert argv[3:] == ["hsm-sge-qstat", "25", "26", "26.3"]


@pytest.mark.parametrize("builder", [status_argv, history_argv, cancel_argv])
@pytest.mark.parametrize("ids", [[], ["25", "-u"], ["2 5"], ["25;rm"], ["$(id)"], ["26.x"]])
def test_argv_builders_refuse_empty_or_odd_ids(
    builder: Callable[[list[str]], list[str]], ids: list[str]
) -> None:
    with pytest.raises(ValueError, match="job id"):
        builder(ids)


@pytest.mark.parametrize("builder", [status_argv, history_argv])
def test_the_script_receives_the_ids_as_arguments_and_runs_the_real_command(
    builder: Callable[[list[str]], list[str]], tmp_path: Path
) -> None:
    # Fake qstat/qacct/id print their arguments: the ids never become shell code.
    for name, body in (("qstat", 'echo "qstat $*"'), ("qacct", 'echo "qacct $*"')):
        tool = tmp_path / name
        tool.write_text(f"#!/bin/sh\n{body}\n")
        tool.chmod(0o755)
    ident = tmp_path / "id"
    ident.write_text("#!/bin/sh\necho alice\n")
    ident.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    done = subprocess.run(
        builder(["25", "26.3"]), capture_output=True, text=True, env=env, check=True
    )
    lines = done.stdout.splitlines()
    assert lines[:2] == ["hsm-wanted 25", "hsm-wanted 26.3"]
    assert lines[2] in ("qstat -xml -u alice", "qacct -o alice -j")


def _summary(statuses: dict[str, Any]) -> dict[str, tuple[JobState, str]]:
    return {key: (s.state, s.raw) for key, s in statuses.items()}


LIVE_CASES: list[tuple[str, dict[str, tuple[JobState, str]]]] = [
    (
        "qstat_xml_u_all_mixed.txt",
        {
            "25": (R, "r"),
            "26.1": (R, "r"),
            "26.2": (Q, "qw"),
            "26.3": (Q, "qw"),
            "24": (Q, "Eqw"),
            "27": (Q, "qw"),
            "32": (Q, "qw"),
            "28": (Q, "hqw"),
            "29": (Q, "hqw"),
            "30": (Q, "hqw"),
            "31": (Q, "hqw"),
        },
    ),
    (
        "qstat_xml_suspended.txt",
        {
            "25": (Q, "s"),
            "26.1": (R, "r"),
            "26.2": (Q, "qw"),
            "26.3": (Q, "qw"),
            "24": (Q, "Eqw"),
            "27": (Q, "qw"),
            "32": (Q, "qw"),
            "28": (Q, "hqw"),
            "29": (Q, "hqw"),
            "30": (Q, "hqw"),
            "31": (Q, "hqw"),
        },
    ),
    ("qstat_xml_Eqw_gid_below_min.txt", {"4": (Q, "Eqw")}),
    (
        "qstat_xml_array_fragmented_ranges.txt",
        {"284.12": (Q, "qw")} | {f"284.{t}": (Q, "hqw") for t in (1, 3, 4, 6, 7, 8, 11)},
    ),
    (
        "qstat_xml_array_tc_and_ranges.txt",
        {"65.1": (R, "r"), "65.2": (R, "r")}
        | {f"65.{t}": (Q, "qw") for t in range(3, 7)}
        | {f"66.{t}": (Q, "hqw") for t in range(1, 1001)}
        | {f"67.{t}": (Q, "hqw") for t in (1, 6, 11, 16)},
    ),
    ("qstat_xml_empty.txt", {}),
    (
        "qstat_s_z_xml.txt",
        {
            k: (U, "z")
            for k in ["3", "4", "5", "11", "22", "23", "19", "25", "27", "28", "16.75000"]
            + [f"{j}.{t}" for j in (6, 7, 8, 26) for t in (1, 2, 3)]
            + ["9.2", "9.6", "9.10", "10.5"]
        },
    ),
]


@variant
@pytest.mark.parametrize(("name", "expected"), LIVE_CASES, ids=[c[0] for c in LIVE_CASES])
def test_parse_status_output_on_captured_xml(
    variant: Callable[[str], str], name: str, expected: dict[str, tuple[JobState, str]]
) -> None:
    statuses = ok(parse_status_output(variant(captured(name))))
    assert _summary(statuses) == expected
    assert all(s.source == "qstat" for s in statuses.values())


@pytest.mark.parametrize("text", EMPTY)
def test_parse_status_empty_output(text: str) -> None:
    assert ok(parse_status_output(text)) == {}


@variant
def test_wanted_lines_keep_only_the_asked_ids_and_an_asked_arrays_tasks(
    variant: Callable[[str], str],
) -> None:
    text = "hsm-wanted 26\nhsm-wanted 27\nhsm-wanted 99\n" + captured("qstat_xml_u_all_mixed.txt")
    statuses = ok(parse_status_output(variant(text)))
    assert sorted(statuses) == ["26.1", "26.2", "26.3", "27"]
    one = ok(parse_status_output(variant("hsm-wanted 26.2\n" + captured("qstat_xml_empty.txt"))))
    assert one == {}
    task = "hsm-wanted 26.2\n" + captured("qstat_xml_u_all_mixed.txt")
    assert sorted(ok(parse_status_output(variant(task)))) == ["26.2"]


def test_wanted_lines_alone_are_a_readable_empty_answer() -> None:
    assert ok(parse_status_output("hsm-wanted 5\n")) == {}


def test_a_cut_short_document_still_reads_the_elements_before_the_cut() -> None:
    text = captured("qstat_xml_u_all_mixed.txt")
    cut = text[: text.index("<JB_name>pend_job")]
    statuses = ok(parse_status_output(cut))
    assert statuses["25"].state is R and statuses["24"].raw == "Eqw"
    assert statuses["27"].state is U  # its element lost its <state>: unknown, not dropped
    assert "could not read" in statuses["27"].reason


@pytest.mark.parametrize(
    ("element", "key"),
    [
        (_element("8", "qw", "1-x"), "8"),  # tasks that do not read
        ('<job_list state="running"><JB_job_number>8</JB_job_number></job_list>', "8"),
        ("<job_list><JB_job_number>8</JB_job_number><state></state></job_list>", "8"),
    ],
    ids=["bad-tasks", "no-state", "empty-state"],
)
def test_an_odd_element_is_unknown_and_the_others_read(element: str, key: str) -> None:
    text = _element("5", "r") + element + _element("6", "qw", "1,2")
    statuses = ok(parse_status_output(text))
    assert statuses[key].state is U
    assert statuses["5"].state is R and statuses["6.2"].state is Q


def test_an_element_without_a_job_number_is_skipped() -> None:
    text = "<job_info><job_list><state>r</state></job_list>" + _element("5", "r") + "</job_info>"
    assert sorted(ok(parse_status_output(text))) == ["5"]


@pytest.mark.parametrize(
    "text",
    [
        "error: commlib error: got select error (Connection refused)\n",
        "<html><body>502 Bad Gateway</body></html>\n",
    ],
)
def test_output_where_nothing_reads_is_a_parse_error_quoting_it(text: str) -> None:
    assert err(parse_status_output(text)).line == text.strip()


@pytest.mark.parametrize(
    ("text", "tasks"),
    [
        ("1", [1]),
        ("2,3", [2, 3]),
        ("3-6:1", [3, 4, 5, 6]),
        ("1-16:5", [1, 6, 11, 16]),
        ("1,3,4,6-8:1,11", [1, 3, 4, 6, 7, 8, 11]),
        ("75000", [75000]),
        ("3-1:1", None),
        ("1-4:0", None),
        ("a", None),
        ("", None),
    ],
)
def test_expand_tasks(text: str, tasks: list[int] | None) -> None:
    assert expand_tasks(text) == tasks


# --- qacct -j (history) -----------------------------------------------------------------


def test_history_argv_is_one_sh_call_with_the_ids_as_data() -> None:
    argv = history_argv(["40", "26"])
    assert argv[:2] == ["sh", "-c"] and "exec qacct -o" in argv[2] and argv[2].endswith(" -j")
    assert argv[3:] == ["hsm-sge-qacct", "40", "26"]


# (file, {key: (state, exit code, words in the reason)}) -- from the capture's README.
HISTORY_CASES: list[tuple[str, dict[str, tuple[JobState, int | None, str]]]] = [
    ("qacct_j_exit0.txt", {"40": (CD, 0, "")}),
    ("qacct_j_exit3.txt", {"37": (F, 3, "exit status 3")}),
    ("qacct_j_qdel_running.txt", {"25": (CA, 137, "qdel")}),
    # Choice (see qacct.py): the same record as qdel of a running job.
    ("qacct_j_killed_by_signal.txt", {"38": (CA, 137, "SIGKILL of the job's shell")}),
    ("qacct_j_h_rt_killed.txt", {"34": (F, 137, "run-time limit")}),
    ("qacct_j_h_vmem_exceeded.txt", {"39": (F, 1, "exit status 1")}),
    ("qacct_j_binary_args_quoting_lost.txt", {"33": (CD, 0, "")}),
    ("qacct_j_Eqw_output_dir.txt", {"24": (F, 0, "failed 26 (opening input/output file)")}),
    ("qacct_j_Eqw_missing_shell.txt", {"283": (F, 0, "failed 27 (searching requested shell)")}),
    ("qacct_j_Eqw_attempt.txt", {"4": (F, 0, "failed 11 (before job)")}),
    # the failed attempt, then the run after qmod -cj: the last record wins
    ("qacct_j_two_records_after_rerun.txt", {"4": (CD, 0, "")}),
    ("qacct_j_array.txt", {"6.1": (CD, 0, ""), "6.2": (CD, 0, ""), "6.3": (CD, 0, "")}),
    ("qacct_j_array_one_task.txt", {"6.2": (CD, 0, "")}),
    # task 3 was deleted while pending: no record, so absent (unknown to the caller)
    ("qacct_j_array_deleted_tasks.txt", {"26.1": (CA, 137, "qdel"), "26.2": (CA, 137, "qdel")}),
    ("qacct_j_name_pattern.txt", {"33": (CD, 0, ""), "37": (F, 3, "")}),
    ("qacct_j_comma_list.txt", {"37": (F, 3, "")}),
    ("qacct_j_pe_smp.txt", {"59": (CD, 0, "")}),
    ("qacct_j_qdel_queued.txt", {}),  # stdout empty; "error: job id 19 not found" on stderr
    ("qacct_j_unknown.txt", {}),
]


@variant
@pytest.mark.parametrize(("name", "expected"), HISTORY_CASES, ids=[c[0] for c in HISTORY_CASES])
def test_parse_history_output_on_captured_records(
    variant: Callable[[str], str],
    name: str,
    expected: dict[str, tuple[JobState, int | None, str]],
) -> None:
    statuses = ok(parse_history_output(variant(captured(name))))
    assert {k: (s.state, s.exit_code) for k, s in statuses.items()} == {
        k: (state, code) for k, (state, code, _) in expected.items()
    }
    for key, (_, _, words) in expected.items():
        assert words in statuses[key].reason
        assert statuses[key].source == "qacct"


def test_a_signal_exit_names_the_signal() -> None:
    status = ok(parse_history_output(captured("qacct_j_h_rt_killed.txt")))["34"]
    assert status.signal == 9 and "SIGKILL" in status.reason and status.raw == "failed=37"


def test_all_records_of_a_user_filtered_by_the_wanted_ids() -> None:
    text = captured("qacct_o_user_j_all.txt")
    everything = ok(parse_history_output(text))
    assert {"1", "2", "3", "32"} <= set(everything)
    wanted = ok(parse_history_output("hsm-wanted 32\nhsm-wanted 777\n" + text))
    assert sorted(wanted) == ["32"]


def test_wanted_array_keeps_its_tasks_and_a_wanted_task_only_itself() -> None:
    text = captured("qacct_j_array.txt")
    assert sorted(ok(parse_history_output("hsm-wanted 6\n" + text))) == ["6.1", "6.2", "6.3"]
    assert sorted(ok(parse_history_output("hsm-wanted 6.3\n" + text))) == ["6.3"]


# What `qacct -o nobody -j` printed on the cell (exit 0) for an owner without records: a
# summary header instead of records.
NO_RECORDS = (
    "OWNER      WALLCLOCK         UTIME         STIME           CPU             MEMORY"
    "                 IO                IOW\n" + "=" * 119 + "\n"
)


@variant
def test_an_owner_without_records_is_an_empty_answer(variant: Callable[[str], str]) -> None:
    assert ok(parse_history_output(variant("hsm-wanted 5\n" + NO_RECORDS))) == {}
    assert ok(parse_history_output(variant(NO_RECORDS))) == {}


@pytest.mark.parametrize("text", EMPTY)
def test_parse_history_empty_output(text: str) -> None:
    assert ok(parse_history_output(text)) == {}


def test_a_damaged_record_is_unknown_and_never_hides_a_readable_one() -> None:
    good = captured("qacct_j_exit3.txt")
    damaged = good.replace("exit_status  3", "exit_status  ???")
    statuses = ok(parse_history_output(damaged + captured("qacct_j_exit0.txt")))
    assert statuses["37"].state is U and "could not read" in statuses["37"].reason
    assert statuses["40"].state is CD
    both = ok(parse_history_output(good + damaged))
    assert both["37"].state is F  # the readable record stands


@pytest.mark.parametrize(
    "text", ["usage: qacct [options]\n", "<html>oops</html>\n", "jobnumber    x\n"]
)
def test_history_where_nothing_reads_is_a_parse_error(text: str) -> None:
    assert err(parse_history_output(text)).line == text.strip()


@pytest.mark.parametrize(
    ("failed", "exit_status", "state"),
    [
        (0, 0, CD),
        (0, 1, F),
        (0, 137, F),  # the program was killed, the shell reported it: failed
        (100, 137, CA),
        (100, 143, F),
        (37, 137, F),
        (26, 0, F),
        (17, 0, F),
        (99, 0, F),  # not in sge_status(5): failed, said so
    ],
)
def test_record_decision(failed: int, exit_status: int, state: JobState) -> None:
    status = record_status("5", failed, exit_status)
    assert status.state is state
    assert status.exit_code == exit_status
    if failed == 99:
        assert "unknown failed code" in status.reason


# --- qdel, ids, names, limits -------------------------------------------------------------


def test_cancel_argv() -> None:
    assert cancel_argv(["25", "26.3", "25"]) == ["qdel", "25", "26.3"]


@pytest.mark.parametrize(("array", "index", "key"), [("26", 1, "26.1"), ("7", 75000, "7.75000")])
def test_task_ids_round_trip(array: str, index: int, key: str) -> None:
    assert task_id(array, index) == key
    assert split_task_id(key) == (array, index)


@pytest.mark.parametrize("job_id", ["26", "26.", ".3", "26.x", "26.1.2", "x.1"])
def test_split_task_id_of_other_ids(job_id: str) -> None:
    assert split_task_id(job_id) is None


def test_name_query_argvs() -> None:
    assert name_query_argvs("sw_task_001") == [
        ["qstat", "-j", "sw_task_001"],
        ["qacct", "-j", "sw_task_001"],
    ]


@variant
@pytest.mark.parametrize(
    ("name", "ids"),
    [
        ("qstat_j_by_name.txt", ("65",)),
        ("qstat_j_list.txt", ("25", "27")),
        ("qacct_j_name.txt", ("33", "37")),
        ("qacct_j_name_pattern.txt", ("33", "37")),
        ("qstat_xml_u_all_mixed.txt", ("25", "26", "24", "27", "32", "28", "29", "30", "31")),
        ("qstat_j_unknown.txt", ()),
        ("qstat_xml_empty.txt", ()),
    ],
)
def test_parse_name_query(variant: Callable[[str], str], name: str, ids: tuple[str, ...]) -> None:
    assert parse_name_query(variant(captured(name))) == ids


def test_user_query_argv() -> None:
    assert user_query_argv("alice") == ["qstat", "-xml", "-u", "alice"]


@variant
@pytest.mark.parametrize("name", ["qconf_sconf.txt", "qconf_sconf_max_aj_tasks.txt"])
def test_parse_limit_on_captured_config(variant: Callable[[str], str], name: str) -> None:
    assert parse_limit(variant(captured(name))) == 75000


@pytest.mark.parametrize("text", ["", "max_aj_tasks  0\n", "max_aj_instances 2000\n"])
def test_parse_limit_not_stated(text: str) -> None:
    assert parse_limit(text) is None


# --- failures and hints -------------------------------------------------------------------

FAILURES = [
    ("qstat_j_unknown.stderr.txt", FailureKind.UNKNOWN_JOB),
    ("qstat_j_finished.stderr.txt", FailureKind.UNKNOWN_JOB),
    ("qacct_j_unknown.stderr.txt", FailureKind.UNKNOWN_JOB),
    ("qacct_j_qdel_queued.stderr.txt", FailureKind.UNKNOWN_JOB),
    ("qdel_unknown.txt", FailureKind.UNKNOWN_JOB),
    ("qdel_finished.txt", FailureKind.UNKNOWN_JOB),
    ("qdel_mixed_known_unknown.txt", FailureKind.UNKNOWN_JOB),
    ("qsub_refused_bad_queue.stderr.txt", FailureKind.PERMANENT),
    ("qsub_refused_bad_pe.stderr.txt", FailureKind.PERMANENT),
    ("qsub_refused_project.stderr.txt", FailureKind.PERMANENT),
    ("qsub_refused_bad_resource.stderr.txt", FailureKind.PERMANENT),
    ("qacct_j_two_args.stderr.txt", FailureKind.PERMANENT),
]


@pytest.mark.parametrize(("name", "kind"), FAILURES, ids=[c[0] for c in FAILURES])
def test_classify_captured_failures(name: str, kind: FailureKind) -> None:
    assert classify_failure(captured(name)) is kind


@pytest.mark.parametrize(
    "text",
    [
        # seen with the qmaster stopped / unreachable
        "error: commlib error: got select error (Connection refused)\n"
        'error: unable to send message to qmaster using port 6444 on host "vm": got send error',
        'unable to send message to qmaster using port 6444 on host "vm": got send error',
        'error: unable to contact qmaster using port 6444 on host "vm"',
        # an unreachable qmaster wins over an unknown job in the same text
        'denied: job "22" does not exist\nerror: commlib error: got select error',
    ],
)
def test_classify_transient(text: str) -> None:
    assert classify_failure(text) is FailureKind.TRANSIENT


@pytest.mark.parametrize(
    "name", ["timeout_task_001", "timed.out_array_000", "try-again_task_002", "refused_x"]
)
def test_a_job_name_never_reads_as_an_outage(name: str) -> None:
    # `qstat -j NAME` / `qacct -j NAME` echo the name when nothing matches (exit 1)
    for text in (f"Following jobs do not exist: \n{name}\n", f"error: job name {name} not found"):
        assert classify_failure(text) is FailureKind.UNKNOWN_JOB


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("qsub_refused_bad_queue.stderr.txt", "qconf -sql` and set hpc.sge.queue"),
        ("qsub_refused_bad_resource.stderr.txt", "qconf -sc"),
        ("qsub_refused_bad_pe.stderr.txt", "qconf -spl"),
        ("qsub_refused_project.stderr.txt", "qconf -sprjl"),
        ("qsub_refused_bad_h_rt.stderr.txt", "HH:MM:SS"),
        ("qsub_refused_array_above_max_aj_tasks.stderr.txt", "--max-array-size"),
        ("qsub_refused_array_index_0.stderr.txt", "start at 1"),
        ("qsub_refused_root_min_uid.stderr.txt", "min_uid"),
        ("qsub_w_e_pe_smp_too_many_slots.stderr.txt", "ask for less"),
        ("qsub_refused_missing_script.stderr.txt", "could not read the job script"),
    ],
)
def test_submit_hints_on_captured_refusals(name: str, words: str) -> None:
    assert words in submit_hint(captured(name))


def test_submit_hint_is_empty_when_nothing_applies() -> None:
    assert submit_hint("Unable to run job: something new\nExiting.") == ""


# --- resources ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tokens", "lines", "queue", "account"),
    [
        (["-l", "h_vmem=4G"], ("-l h_vmem=4G",), None, None),
        (["-l", "h_vmem=4G,mem_free=2G"], ("-l h_vmem=4G", "-l mem_free=2G"), None, None),
        (["h_vmem=4G", "-pe", "smp", "4"], ("-l h_vmem=4G", "-pe smp 4"), None, None),
        (["-pe", "mpi", "2-8"], ("-pe mpi 2-8",), None, None),
        (["-P", "proj", "-q", "all.q@vm,b.q"], ("-P proj",), "all.q@vm,b.q", None),
        (["-A", "acct", "-l", "gpu=1"], ("-l gpu=1",), None, "acct"),
        ([], (), None, None),
    ],
)
def test_parse_sge(
    tokens: list[str], lines: tuple[str, ...], queue: str | None, account: str | None
) -> None:
    request = parse_sge(tokens, "$.r").unwrap()
    assert (request.dialect, request.lines, request.queue, request.account) == (
        "sge",
        lines,
        queue,
        account,
    )


@pytest.mark.parametrize(
    ("tokens", "words"),
    [
        (["-l", "h_rt=1:00:00"], "walltime, which has its own setting"),
        (["s_rt=60"], "walltime"),
        (["-N", "x"], "hsm sets the job name"),
        (["-t", "1-3"], "the array range"),
        (["-tc", "2"], "throttle"),
        (["-cwd"], "working directory"),
        (["-hold_jid", "5"], "dependencies"),
        (["-V"], "environment"),
        (["-S", "/bin/sh"], "the shell"),
        (["-o", "x"], "output path"),
        (["-l"], "needs a value"),
        (["-pe", "smp"], "name and a slot count"),
        (["-pe", "smp", "four"], "slot count"),
        (["-l", "h_vmem=lots"], "a size such as 4G"),
        (["-l", "h_vmem"], "not a Grid Engine resource request"),
        (["-l", "h_vmem=1G", "-l", "h_vmem=2G"], "repeats 'h_vmem'"),
        (["-q", "a", "-q", "b"], "give one queue"),
        (["-w", "e"], "not a Grid Engine resource option"),
        (["-P"], "project name"),
    ],
)
def test_parse_sge_refusals(tokens: list[str], words: str) -> None:
    result = parse_sge(tokens, "$.r")
    assert isinstance(result, Failure), result
    assert words in result.failure().message
    assert result.failure().path == "$.r"


@pytest.mark.parametrize(
    ("tokens", "k", "mark"),
    [
        (["-pe", "smp", "4"], 0, True),
        (["-P", "p"], 0, True),
        (["-l", "h_vmem=4G"], 0, True),
        (["-l", "mem=4gb"], 0, False),  # PBS's
        (["-l", "select=1:ncpus=4"], 0, False),
        (["mem_free=1G"], 0, True),
        (["select=1"], 0, False),
        (["-q", "all.q"], 0, False),  # shared by every dialect
        (["--mem=4G"], 0, False),
        (["-p", "gpu"], 0, False),  # Slurm's partition
        (["-l"], 0, False),
    ],
)
def test_marks(tokens: list[str], k: int, mark: bool) -> None:
    assert is_sge_mark(tokens, k) is mark


@pytest.mark.parametrize(
    ("shape", "lines"),
    [
        (NodeShape(), ()),
        (NodeShape(nodes=1, tasks_per_node=1, cpus_per_task=4), ("-pe smp 4",)),
        (NodeShape(nodes=1, tasks_per_node=4, cpus_per_task=1), ("-pe smp 4",)),
        (NodeShape(mem_per_node=16 * 1024**3), ("-l h_vmem=16G",)),
        (NodeShape(1, 2, 2, 16 * 1024**3), ("-pe smp 4", "-l h_vmem=4G")),
        (NodeShape(1, 1, 3, 3 * 1024**3), ("-pe smp 3", "-l h_vmem=1G")),
        (NodeShape(1, 1, 1, 1536 * 1024**2), ("-l h_vmem=1536M",)),
    ],
)
def test_render_sge(shape: NodeShape, lines: tuple[str, ...]) -> None:
    assert render_sge(shape, "").unwrap() == lines


@pytest.mark.parametrize(
    ("shape", "words"),
    [
        (NodeShape(nodes=2), "2 nodes"),
        (NodeShape(gpus_per_node=1), "no standard GPU"),
        (NodeShape(exclusive=True), "exclusive"),
        (NodeShape(1, 1, 3, 4 * 1024**3), "does not split evenly over 3 slots"),
    ],
)
def test_render_sge_refusals(shape: NodeShape, words: str) -> None:
    result = render_sge(shape, "$.r")
    assert isinstance(result, Failure) and words in result.failure().message


# Through the hub: Slurm and PBS strings become Grid Engine lines, and Grid Engine
# strings become Slurm and PBS lines (NodeShape both ways).
@pytest.mark.parametrize(
    ("text", "target", "lines", "queue"),
    [
        ("--cpus-per-task=4 --mem=8G", "sge", ("-pe smp 4", "-l h_vmem=2G"), None),
        ("--nodes=1 --ntasks-per-node=2 -p short", "sge", ("-pe smp 2",), "short"),
        ("select=1:ncpus=2:mem=4gb", "sge", ("-pe smp 2", "-l h_vmem=2G"), None),
        ("nodes=1:ppn=4", "sge", ("-pe smp 4",), None),
        ("-q all.q -A acct", "sge", (), "all.q"),
        ("-P proj", "sge", ("-P proj",), None),
        ("-P proj", "pbspro", None, None),  # a project cannot be translated
        # job options: qsub -m b/e/a/n, -M, -r y/n
        ("--mail-type=BEGIN,END,FAIL --mail-user=me@x.org", "sge",
         ("-m bea", "-M me@x.org"), None),
        ("--mail-type=NONE --no-requeue", "sge", ("-m n", "-r n"), None),
        ("select=1:ncpus=2 -m ae -r y", "sge", ("-pe smp 2", "-m ea", "-r y"), None),
    ],
)  # fmt: skip
def test_translation_through_the_hub(
    text: str, target: str, lines: tuple[str, ...] | None, queue: str | None
) -> None:
    result = resource_directives(text, target)
    if lines is None:
        assert isinstance(result, Failure)
        assert "'-P proj' has no PBS Pro equivalent" in result.failure().message
        return
    directives = result.unwrap()
    assert (directives.lines, directives.queue) == (lines, queue)


@pytest.mark.parametrize(
    ("text", "target", "words"),
    [
        ("--nodes=2 --ntasks-per-node=4", "sge", "2 nodes"),
        ("--gres=gpu:1", "sge", "GPU"),
        ("--exclusive", "sge", "exclusive"),
        ("select=1:ncpus=4 -q work@pbsserver", "sge", "names a PBS server"),
        ("--export=ALL", "sge", "hsm sets the job's environment itself"),
        ("select=1 -v A=1", "sge", "hsm sets the job's environment itself"),
        ("--mail-type=END,ARRAY_TASKS", "sge", "each array task"),
    ],
)
def test_translation_refusals_through_the_hub(text: str, target: str, words: str) -> None:
    result = resource_directives(text, target)
    assert isinstance(result, Failure) and words in result.failure().message


# Refusals of a translation name the real target and say how to write for it (the
# target record's label and its dialect's advice/lacks) -- never the other dialect.
PBS_REFUSED_FOR_SGE = [
    "-l gpu=1",
    "select=1:ncpus=4:host=n1",
    "select=1:ncpus=2+1:ncpus=4",
    "nodes=n1:ppn=2",
    "nodes=1:ppn=2+2:ppn=4",
    "select=1:ncpus=4 place=group=switch",
    "select=1:ncpus=1 place=shared",
    "select=1:ncpus=1 place=vscatter",
    "-W umask=022",
    "vmem=16gb",
    "select=1:ncpus=0",
    "select=1:ncpus=6:mpiprocs=4",
]
SLURM_REFUSED_FOR_SGE = [
    "--qos=long", "--constraint=x", "--prefer=x", "--signal=B:USR1@60", "--reservation=r",
    "--comment=c", "--nice=5", "--mem-per-gpu=1G", "--export=NONE", "--gres=tmp:1G",
    "--gres=gpu:v100:1", "--mail-type=ARRAY_TASKS",
]  # fmt: skip


@pytest.mark.parametrize("text", PBS_REFUSED_FOR_SGE)
def test_pbs_refusals_for_grid_engine_name_grid_engine(text: str) -> None:
    message = resource_directives(text, "sge").failure().message
    assert "Grid Engine" in message and "Slurm" not in message


@pytest.mark.parametrize("text", SLURM_REFUSED_FOR_SGE)
def test_slurm_refusals_for_grid_engine_name_grid_engine(text: str) -> None:
    message = resource_directives(text, "sge").failure().message
    assert "Grid Engine" in message and "PBS" not in message


@pytest.mark.parametrize(
    ("text", "target", "words"),
    [
        ("-l gpu=1", "sge", "write Grid Engine resources (e.g. -pe smp 4 -l h_vmem=4G"),
        ("--qos=long", "sge", "(Grid Engine has no quality of service; pick a queue with -q)"),
        ("--export=NONE", "sge", "only the SGE_O_* variables"),
        ("-P p -pe smp 2", "slurm", "'-P p' has no Slurm equivalent hsm can translate; write "
         "Slurm options (e.g. --nodes=1 --cpus-per-task=4 --mem=16G) or set hpc.system=sge"),
        ("-P p", "torque", "'-P p' has no Torque equivalent hsm can translate; write the "
         "resources in PBS syntax"),
        # a PBS recipient list: Slurm takes one address, Grid Engine a list
        ("-M a@b.c,d@e.f select=1", "slurm", "Slurm's --mail-user takes one user"),
        ("select=1:ncpus=1 place=shared", "slurm", "is the partition's setting"),
    ],
)  # fmt: skip
def test_refusals_say_how_to_write_for_the_target(text: str, target: str, words: str) -> None:
    assert words in resource_directives(text, target).failure().message


def test_a_pbs_recipient_list_reaches_grid_engine() -> None:
    lines = resource_directives("-M a@b.c,d@e.f select=1:ncpus=2", "sge").unwrap().lines
    assert lines == ("-pe smp 2", "-M a@b.c,d@e.f")


def test_sge_shape_to_slurm() -> None:
    request = parse_sge(["-pe", "smp", "4", "-l", "h_vmem=2G"], "").unwrap()
    assert sge_shape(request, TranslationTarget("Slurm"), "").unwrap() == NodeShape(
        1, 1, 4, 8 * 1024**3
    )
    ranged = parse_sge(["-pe", "smp", "2-4"], "").unwrap()
    assert "slot range" in sge_shape(ranged, TranslationTarget("Slurm"), "").failure().message
    two = parse_sge(["-l", "h_vmem=1G,mem_free=1G"], "").unwrap()
    assert "both ask for memory" in sge_shape(two, TranslationTarget("Slurm"), "").failure().message


# Native Grid Engine strings: PBS marks every -l and Slurm every -p... token, so a token
# several dialects mark narrows the dialect without deciding it (the hub's rule).
@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("-l h_vmem=4G", ("-l h_vmem=4G",)),
        ("-pe smp 4", ("-pe smp 4",)),
        ("-pe smp 4 -l h_vmem=1G -P p", ("-pe smp 4", "-l h_vmem=1G", "-P p")),
        ("-pe smp 4 -l h_vmem=1G", ("-pe smp 4", "-l h_vmem=1G")),
        # A site complex PBS also claims: Grid Engine reads it as written.
        ("-pe smp 4 -l gpu=1", ("-pe smp 4", "-l gpu=1")),
        ("-l gpu=1,h_vmem=1G", ("-l gpu=1", "-l h_vmem=1G")),
        ("-pe mpi 2-8 -q all.q", ("-pe mpi 2-8",)),
    ],
)
def test_native_grid_engine_resources_through_the_hub(text: str, lines: tuple[str, ...]) -> None:
    assert resource_directives(text, "sge").unwrap().lines == lines


# The same strings for the other schedulers: translated through NodeShape, or refused
# with the piece named -- never read as another dialect's options.
@pytest.mark.parametrize(
    ("text", "target", "lines"),
    [
        ("-pe smp 4", "slurm", ("--nodes=1", "--ntasks-per-node=1", "--cpus-per-task=4")),
        ("-pe smp 4", "pbspro", ("-l select=1:ncpus=4:mpiprocs=1",)),
        ("-pe smp 4 -l h_vmem=1G", "slurm",
         ("--nodes=1", "--ntasks-per-node=1", "--cpus-per-task=4", "--mem=4G")),
        ("-l h_vmem=4G", "pbspro", ("-l select=1:ncpus=1:mpiprocs=1:mem=4gb",)),
        ("-l h_vmem=4G", "local", ()),
        ("-pe smp 4 -l gpu=1", "local", ()),
    ],
)  # fmt: skip
def test_native_grid_engine_resources_for_other_schedulers(
    text: str, target: str, lines: tuple[str, ...]
) -> None:
    assert resource_directives(text, target).unwrap().lines == lines


@pytest.mark.parametrize(
    ("text", "target", "words"),
    [
        ("-pe smp 4 -l h_vmem=1G -P p", "slurm", "'-P p' has no Slurm equivalent"),
        # read as Grid Engine (the only dialect that reads it all), then translated
        ("-pe smp 4 -l gpu=1", "slurm", "'gpu=1' has no Slurm equivalent"),
        ("--mem=4G -l h_vmem=4G", "sge", "mixes Slurm options ('--mem=4G') and PBS resources"),
        ("-pe smp4", "sge", "'-pe' needs a name and a slot count"),
    ],
)
def test_grid_engine_strings_that_mix_or_do_not_translate(
    text: str, target: str, words: str
) -> None:
    result = resource_directives(text, target)
    assert isinstance(result, Failure), result
    assert words in result.failure().message


def test_a_resource_check_without_a_target_accepts_native_grid_engine() -> None:
    # config checks read the string for no scheduler in particular (hsm.cli.inputs).
    assert parse_resources("-pe smp 4 -l gpu=1").unwrap().dialect == "sge"
    assert parse_resources("-pe smp 4").unwrap().dialect == "sge"
    assert "mixes" in parse_resources("select=1 --mem=1G").failure().message
    assert "mixes" in parse_resources("-pe smp 4 select=1:ncpus=4").failure().message


# --- hpc.sge.extra ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["-P proj", "-l gpu=1", "-m ea -M me@example.org", " -pe mpi 8 ", "-R y", "-l h_vmem=2G"],
)
def test_extra_lines_grid_engine_accepts(line: str) -> None:
    assert extra_directives([line], "sge").unwrap() == (line.strip(),)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("-N name", "sets -N, which hsm sets itself (the job name)"),
        ("-m ea -t 1-3", "sets -t, which hsm sets itself (the array range)"),
        ("-hold_jid 5", "dependencies (--after)"),
        ("-o /tmp/x", "the output path"),
        ("-cwd", "the working directory"),
        ("-q long.q", "hpc.sge.queue"),
        ("-A acct", "hpc.sge.account"),
        ("-clear", "reset every directive"),
        ("-@ opts.txt", "reads options from a file"),
        ("-l h_rt=1:00:00", "sets the walltime"),
        ("-l mem_free=1G,s_rt=60", "sets the walltime"),
        ("-P p\n#$ -N x", "must be one line"),
        ("#$ -P p", "without '#$' (hsm adds the directive prefix)"),
    ],
)
def test_extra_lines_grid_engine_refuses(line: str, words: str) -> None:
    result = extra_directives([line], "sge", path="$.hpc.sge.extra")
    assert isinstance(result, Failure), result
    assert words in result.failure().message
    assert result.failure().path == "$.hpc.sge.extra[0]"


# --- arrays start at 1 --------------------------------------------------------------------


@given(
    n=st.integers(1, 3000),
    limit=st.integers(1, 400),
    throttle=st.none() | st.integers(1, 9),
)
def test_every_task_is_covered_once_with_indices_from_1_to_the_limit(
    n: int, limit: int, throttle: int | None
) -> None:
    chunks = plan_array_chunks(n, limit, throttle, dense=True, base=1).unwrap()
    covered = [t for chunk in chunks for t in chunk.tasks]
    assert covered == list(range(n))
    for chunk in chunks:
        assert chunk.indices == tuple(range(1, len(chunk.tasks) + 1))
        assert max(chunk.indices) <= limit
        assert chunk.range_text == (f"1-{len(chunk.tasks)}" if len(chunk.tasks) > 1 else "1")


@given(tasks=st.sets(st.integers(0, 5000), min_size=1, max_size=60), limit=st.integers(1, 500))
def test_a_resubmission_is_dense_from_1(tasks: set[int], limit: int) -> None:
    chunks = plan_array_chunks(sorted(tasks), limit, dense=True, base=1).unwrap()
    assert sorted(t for c in chunks for t in c.tasks) == sorted(tasks)
    assert all(c.indices[0] == 1 and 1 <= max(c.indices) <= limit for c in chunks)


# --- dependencies: -hold_jid is afterany only ---------------------------------------------


def _planned(scheduler: str, after: str) -> Result[Any, Any]:
    settings = SweepSettings(
        sweep_id="s",
        scheduler=scheduler,
        mode="array",
        walltime_seconds=60,
        python_path="python",
        script_path="train.py",
        log_dir="logs",
        array_limit=100,
        dependencies=(parse_dependency(after).unwrap(),),
    )
    return plan_jobs(settings, [("a=1",), ("a=2",)])


@pytest.mark.parametrize("after", ["afterok:5", "5", "afternotok:5", "after:5"])
def test_grid_engine_refuses_what_hold_jid_cannot_mean(after: str) -> None:
    result = _planned("sge", after)
    assert isinstance(result, Failure), result
    message = result.failure().message
    assert "cannot be honoured on Grid Engine" in message
    assert "whatever its exit status" in message and "afterany" in message
    assert "\n" not in message


def test_grid_engine_honours_afterany_with_hold_jid() -> None:
    (job,) = _planned("sge", "afterany:5:6").unwrap()
    assert "\n#$ -hold_jid 5,6\n" in job.script


@pytest.mark.parametrize("scheduler", ["slurm", "pbspro", "torque"])
@pytest.mark.parametrize("kind", ["after", "afterok", "afternotok", "afterany"])
def test_other_batch_schedulers_honour_every_kind(scheduler: str, kind: str) -> None:
    assert isinstance(_planned(scheduler, f"{kind}:5"), Success)


def test_local_refuses_dependencies_with_its_reason() -> None:
    message = _planned("local", "afterany:5").failure().message
    assert "cannot be honoured on" in message and "need a batch scheduler" in message


def test_the_dependency_kinds_are_record_facts() -> None:
    assert SCHEDULER.dependency_kinds == ("afterany",)
    assert SCHEDULERS["slurm"].dependency_kinds == DEPENDENCY_KINDS
    assert SCHEDULERS["local"].dependency_kinds == ()


# --- the record and detection -------------------------------------------------------------


def test_scheduler_record() -> None:
    assert SCHEDULERS["sge"] is SCHEDULER
    assert (SCHEDULER.key, SCHEDULER.name, SCHEDULER.label) == ("sge", "sge", "Grid Engine")
    assert (SCHEDULER.submit_command, SCHEDULER.status_command) == ("qsub", "qstat")
    assert (SCHEDULER.index_base, SCHEDULER.dense_arrays) == (1, True)
    assert (SCHEDULER.array_flag, SCHEDULER.index_var) == ("-t ", "SGE_TASK_ID")
    assert SCHEDULER.default_array_limit == 75000
    assert SCHEDULER.job_name_needs_letter and SCHEDULER.job_name_limit == 512
    assert SCHEDULER.render_walltime(100 * 3600 + 61) == "100:01:01"
    assert SCHEDULER.array_log_name("array_000") == "array_000_%a.log"
    assert task_log_name("logs/array_000_%a.log", 7) == "logs/array_000_7.log"


def test_detection_on_the_captured_version_output() -> None:
    said = captured("qstat_version.stderr.txt") + captured("qstat_version.txt")
    asked = SCHEDULER.detection.version_argv if SCHEDULER.detection else ()
    assert asked == ("qstat", "--version")
    assert parse_version(asked, said).key == "sge"
    assert parse_version(asked, captured("qstat_help.txt")).evidence == "SGE 8.1.9"
    probe = ProbeFacts(frozenset({"qsub", "qstat"}), {asked: Answer(said, 1)})
    assert decide_scheduler(probe).unwrap().key == "sge"
    for requested in ("pbs", "pbspro", "torque"):
        assert isinstance(decide_scheduler(probe, requested), Failure)


# --- the script: qsub reads "#$" lines anywhere ---------------------------------------------

# Seen on the cell: a "#$ -N" line after a command, even inside a quoted string, renamed
# the job.  A value with a newline must therefore never start a line of the script.
INJECTIONS = ("a\n#$ -N injected", "x\\y'z\n", "\n#$ -q evil\n#$ -o /etc/x", "é\r\n#$ -V")


@pytest.mark.parametrize("array", [False, True], ids=["single", "array"])
def test_no_value_can_start_a_directive_line(array: bool, tmp_path: Path) -> None:
    argv = ("import sys, json; print(json.dumps(sys.argv[1:]))", *INJECTIONS)
    spec = JobSpec(
        scheduler="sge",
        job_name="inj",
        walltime_seconds=60,
        log_path="inj.log",
        python_path=sys.executable,
        script_path="-c",
        tasks=(Task(1 if array else None, argv),),
        array_text="1" if array else None,
    )
    text = render_script(spec).unwrap()
    lines = text.split("\n")
    directives = [line for line in lines if line.startswith("#$")]
    assert directives == lines[1 : 1 + len(directives)], "a #$ line after the header"
    assert not any("injected" in line or "evil" in line for line in directives)
    script = tmp_path / "job.sh"
    script.write_text(text, encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "SGE_TASK_ID": "1"}
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == list(INJECTIONS)


# accounting(5): ru_wallclock (8.1.9 prints "22s"), hostname, maxvmem ("3.438MB"; 0.000B:
# not sampled).  Values read from the captured records.
MB = 1024**2
USAGE_CASES: list[tuple[str, dict[str, tuple[float | None, str, int | None]]]] = [
    ("qacct_j_h_rt_killed.txt", {"34": (3.0, "vm", round(3.492 * MB))}),
    ("qacct_j_qdel_running.txt", {"25": (23.0, "vm", round(3.410 * MB))}),
    (
        "qacct_j_array_deleted_tasks.txt",
        {"26.1": (22.0, "vm", round(3.438 * MB)), "26.2": (6.0, "vm", round(3.434 * MB))},
    ),
    ("qacct_j_exit3.txt", {"37": (0.0, "vm", None)}),  # a sub-second job: no vmem sample
]


@variant
@pytest.mark.parametrize(("name", "expected"), USAGE_CASES, ids=[c[0] for c in USAGE_CASES])
def test_usage_of_captured_records(
    variant: Callable[[str], str],
    name: str,
    expected: dict[str, tuple[float | None, str, int | None]],
) -> None:
    statuses = ok(parse_history_output(variant(captured(name))))
    assert {k: (statuses[k].elapsed, statuses[k].node, statuses[k].max_mem) for k in expected} == (
        expected
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"ru_wallclock": "3601", "hostname": "n1", "maxvmem": "1.234G"}, (3601.0, "n1",
         round(1.234 * 1024**3))),  # older releases: bare seconds, one-letter units
        ({"ru_wallclock": "12.000", "hostname": "undefined", "maxvmem": "512.000K"}, (12.0, "",
         512 * 1024)),
        ({}, (None, "", None)),
    ],
)  # fmt: skip
def test_usage_of_record_fields(
    fields: dict[str, str], expected: tuple[float | None, str, int | None]
) -> None:
    assert tuple(usage(fields).values()) == expected


@variant
def test_a_running_job_is_on_its_queue_instances_host(variant: Callable[[str], str]) -> None:
    statuses = ok(parse_status_output(variant(captured("qstat_xml_u_all_mixed.txt"))))
    assert (statuses["25"].state, statuses["25"].node) == (R, "vm")  # <queue_name>all.q@vm
    assert statuses["24"].node == ""  # pending: an empty <queue_name>
    assert all(s.elapsed is None and s.max_mem is None for s in statuses.values())
