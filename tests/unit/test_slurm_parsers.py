"""Table-driven tests of hsm.pure.schedulers.slurm.commands: argv builders, parsers, state table.

Every parser case runs in several line-ending variants (as printed, CRLF, trailing and
leading blank lines, no final newline); empty and header-only output give an empty
mapping.  Outputs follow what Slurm 22.05.8 prints (see SLURM_NOTES.md); captured real
outputs in tests/data/slurm/ (if any) are parsed as well.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from returns.result import Failure, Result, Success

from hsm.pure.errors import ParseError
from hsm.pure.schedulers.base import CancelOutcome, FailureKind
from hsm.pure.schedulers.slurm import SCHEDULER
from hsm.pure.schedulers.slurm.commands import (
    STATES,
    cancel_argv,
    history_argv,
    parse_cancel_output,
    parse_history_output,
    parse_state,
    parse_status_output,
    parse_submit_output,
    status_argv,
    submit_argv,
)
from hsm.pure.schedulers.slurm.failures import classify_failure, submit_hint
from hsm.pure.states import JobState

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


def ok(result: Result[Any, ParseError]) -> Any:
    assert isinstance(result, Success), result
    return result.unwrap()


def err(result: Result[Any, ParseError]) -> ParseError:
    assert isinstance(result, Failure), result
    error = result.failure()
    assert isinstance(error, ParseError)
    return error


# --- state table ------------------------------------------------------------------------

# JOB STATE CODES of squeue(1) and sacct(1), Slurm 22.05 (long name, compact code).
# fmt: off
DOCUMENTED = [
    ("BOOT_FAIL", "BF"), ("CANCELLED", "CA"), ("COMPLETED", "CD"), ("CONFIGURING", "CF"),
    ("COMPLETING", "CG"), ("DEADLINE", "DL"), ("FAILED", "F"), ("NODE_FAIL", "NF"),
    ("OUT_OF_MEMORY", "OOM"), ("PENDING", "PD"), ("PREEMPTED", "PR"), ("RUNNING", "R"),
    ("RESV_DEL_HOLD", "RD"), ("REQUEUE_FED", "RF"), ("REQUEUE_HOLD", "RH"),
    ("REQUEUED", "RQ"), ("RESIZING", "RS"), ("REVOKED", "RV"), ("SIGNALING", "SI"),
    ("SPECIAL_EXIT", "SE"), ("STAGE_OUT", "SO"), ("STOPPED", "ST"), ("SUSPENDED", "S"),
    ("TIMEOUT", "TO"),
]
# fmt: on


@pytest.mark.parametrize(("name", "code"), DOCUMENTED)
def test_every_documented_state_is_in_the_table(name: str, code: str) -> None:
    assert name in STATES
    assert code in STATES
    assert STATES[name] is STATES[code]


def test_table_has_nothing_undocumented() -> None:
    assert set(STATES) == {n for pair in DOCUMENTED for n in pair}


# DESIGN.md policy, written out independently of the module's table.
# fmt: off
POLICY = {
    "PENDING": Q, "CONFIGURING": Q, "REQUEUED": Q, "REQUEUE_HOLD": Q, "REQUEUE_FED": Q,
    "RESV_DEL_HOLD": Q, "SUSPENDED": Q, "STOPPED": Q, "SPECIAL_EXIT": Q,
    "RUNNING": R, "COMPLETING": R, "RESIZING": R, "SIGNALING": R, "STAGE_OUT": R,
    "COMPLETED": CD,
    "FAILED": F, "TIMEOUT": F, "OUT_OF_MEMORY": F, "NODE_FAIL": F, "BOOT_FAIL": F,
    "DEADLINE": F, "PREEMPTED": F,
    "CANCELLED": CA,
    "REVOKED": U,
}
# fmt: on


@pytest.mark.parametrize(("name", "state"), POLICY.items())
def test_state_policy(name: str, state: JobState) -> None:
    assert parse_state(name) is state


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("CANCELLED by 0", CA),
        ("CANCELLED by 1234", CA),
        ("CANCELLED+", CA),  # sacct, fixed-width column
        ("OUT_OF_ME+", F),
        ("CONFIGURI+", Q),
        ("REQUEUE_+", Q),  # REQUEUE_FED or REQUEUE_HOLD: both queued
        ("RE+", U),  # REQUEUED, RESIZING, REVOKED...: ambiguous
        ("+", U),
        ("running", R),
        ("  PENDING  ", Q),
        ("EXPEDITING", U),
        ("", U),
    ],
)
def test_parse_state_forms(raw: str, state: JobState) -> None:
    assert parse_state(raw) is state


# --- sbatch -----------------------------------------------------------------------------


def test_submit_argv() -> None:
    assert submit_argv("/sweeps/a b/job.sh") == ["sbatch", "--parsable", "/sweeps/a b/job.sh"]


SUBMIT_CASES = [
    ("parsable", "416\n", "416"),
    ("parsable-cluster", "416;linux\n", "416"),
    ("plain", "Submitted batch job 416\n", "416"),
    ("plain-cluster", "Submitted batch job 416 on cluster linux\n", "416"),
    ("warning-first", "sbatch: warning: can't honor --ntasks-per-node set to 4\n417\n", "417"),
    (
        "info-lines",
        "sbatch: info: Job will be charged to account proj\n"
        "sbatch: Verify job submission ...\nSubmitted batch job 9001\n",
        "9001",
    ),
    ("site-wrapper-banner", "Welcome to ExampleHPC\nYour job id is below\n123456\n", "123456"),
    ("bare-number-padded", "   77   \n", "77"),
]


@variant
@pytest.mark.parametrize(
    ("text", "job_id"), [c[1:] for c in SUBMIT_CASES], ids=[c[0] for c in SUBMIT_CASES]
)
def test_parse_submit_output(variant: Callable[[str], str], text: str, job_id: str) -> None:
    assert ok(parse_submit_output(variant(text))) == job_id


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("garbage\n", "garbage"),
        ("sbatch: warning: x\nJob submitted, maybe\n", "Job submitted, maybe"),
        (
            "sbatch: error: Batch job submission failed: Invalid partition name specified\n",
            "sbatch: error: Batch job submission failed: Invalid partition name specified",
        ),
        ("Submitted batch job\n", "Submitted batch job"),
        ("416;\n", "416;"),
        ("-5\n", "-5"),
    ],
)
def test_parse_submit_garbage_quotes_the_line(text: str, quoted: str) -> None:
    error = err(parse_submit_output(text))
    assert error.line == quoted
    assert repr(quoted) in str(error)


@pytest.mark.parametrize("text", ["", "\n", "\r\n", "  \n\n"])
def test_parse_submit_empty_is_an_error(text: str) -> None:
    assert "no job id" in str(err(parse_submit_output(text)))


# --- squeue -----------------------------------------------------------------------------


def test_status_argv_is_one_call_for_all_ids() -> None:
    assert status_argv(["416", "418", "416", "420_3"]) == [
        "squeue",
        "--noheader",
        "--array",
        "--states=all",
        "--format=%i|%T|%r|%M|%N",
        "--jobs=416,418,420_3",
    ]


@pytest.mark.parametrize("builder", [status_argv, cancel_argv, history_argv])
@pytest.mark.parametrize("ids", [[], ["416", "--me"], ["41 6"], ["416;rm"]])
def test_argv_builders_refuse_empty_or_odd_ids(
    builder: Callable[[list[str]], list[str]], ids: list[str]
) -> None:
    with pytest.raises(ValueError):
        builder(ids)


STATUS_CASES = [
    ("single-running", "416|RUNNING|None\n", {"416": (R, "RUNNING", "")}),
    (
        "mixed-queue",
        "416|RUNNING|None\n417|PENDING|Resources\n418|PENDING|Priority\n"
        "419|PENDING|Dependency\n420|PENDING|JobHeldUser\n421|COMPLETING|None\n",
        {
            "416": (R, "RUNNING", ""),
            "417": (Q, "PENDING", "Resources"),
            "418": (Q, "PENDING", "Priority"),
            "419": (Q, "PENDING", "Dependency"),
            "420": (Q, "PENDING", "JobHeldUser"),
            "421": (R, "COMPLETING", ""),
        },
    ),
    (
        "finished-still-in-memory",
        "430|COMPLETED|None\n431|FAILED|NonZeroExitCode\n432|TIMEOUT|TimeLimit\n"
        "433|CANCELLED|None\n434|OUT_OF_MEMORY|OutOfMemory\n435|NODE_FAIL|NodeDown\n",
        {
            "430": (CD, "COMPLETED", ""),
            "431": (F, "FAILED", "NonZeroExitCode"),
            "432": (F, "TIMEOUT", "TimeLimit"),
            "433": (CA, "CANCELLED", ""),
            "434": (F, "OUT_OF_MEMORY", "OutOfMemory"),
            "435": (F, "NODE_FAIL", "NodeDown"),
        },
    ),
    (
        "array-one-line-per-task",
        "3_1|RUNNING|None\n3_2|RUNNING|None\n3_3|PENDING|JobArrayTaskLimit\n"
        "3_4|PENDING|JobArrayTaskLimit\n",
        {
            "3_1": (R, "RUNNING", ""),
            "3_2": (R, "RUNNING", ""),
            "3_3": (Q, "PENDING", "JobArrayTaskLimit"),
            "3_4": (Q, "PENDING", "JobArrayTaskLimit"),
        },
    ),
    (
        "array-compressed-pending",
        "3_[1-3,7%2]|PENDING|JobArrayTaskLimit\n",
        {f"3_{i}": (Q, "PENDING", "JobArrayTaskLimit") for i in (1, 2, 3, 7)},
    ),
    (
        "array-compressed-with-running",
        "5_0|RUNNING|None\n5_[1-2]|PENDING|Resources\n",
        {
            "5_0": (R, "RUNNING", ""),
            "5_1": (Q, "PENDING", "Resources"),
            "5_2": (Q, "PENDING", "Resources"),
        },
    ),
    (
        "reason-with-spaces-and-commas",
        "440|PENDING|ReqNodeNotAvail, Reserved for maintenance\n",
        {"440": (Q, "PENDING", "ReqNodeNotAvail, Reserved for maintenance")},
    ),
    ("no-reason-column", "441|SUSPENDED\n", {"441": (Q, "SUSPENDED", "")}),
    (
        "heterogeneous",
        "450+0|RUNNING|None\n450+1|PENDING|Resources\n",
        {"450+0": (R, "RUNNING", ""), "450+1": (Q, "PENDING", "Resources")},
    ),
    ("unknown-code-kept", "460|EXPEDITING|None\n", {"460": (U, "EXPEDITING", "")}),
    ("revoked", "461|REVOKED|None\n", {"461": (U, "REVOKED", "")}),
    ("header-then-row", "JOBID|STATE|REASON\n462|PENDING|None\n", {"462": (Q, "PENDING", "")}),
]


@variant
@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in STATUS_CASES], ids=[c[0] for c in STATUS_CASES]
)
def test_parse_status_output(
    variant: Callable[[str], str], text: str, expected: dict[str, tuple[JobState, str, str]]
) -> None:
    statuses = ok(parse_status_output(variant(text)))
    got = {k: (s.state, s.raw, s.reason) for k, s in statuses.items()}
    assert got == expected
    assert all(s.source == "squeue" and s.job_id == k for k, s in statuses.items())
    assert all(s.exit_code is None and s.signal is None for s in statuses.values())


# squeue(1) %M "Time used by the job or job step ... days-hours:minutes:seconds. The days
# and hours are printed only as needed" (0:00 while pending); %N "List of nodes allocated"
# (empty while pending).  Lines as 22.05 prints --format=%i|%T|%r|%M|%N.
LIVE_USAGE_CASES = [
    ("running", "416|RUNNING|None|1:05|vm\n", {"416": (R, 65.0, "vm")}),
    (
        "running-hours-days",
        "417|RUNNING|None|2-03:04:05|n[1-4]\n",
        {"417": (R, 183845.0, "n[1-4]")},
    ),
    ("pending-has-none", "418|PENDING|Resources|0:00|\n", {"418": (Q, None, "")}),
    (
        "pending-range-has-none",
        "7_[1-2%1]|PENDING|JobArrayTaskLimit|0:00|\n",
        {"7_1": (Q, None, ""), "7_2": (Q, None, "")},
    ),
    ("finished-still-in-memory", "419|COMPLETED|None|0:03|vm\n", {"419": (CD, 3.0, "vm")}),
    ("three-fields-read-as-before", "420|RUNNING|None\n", {"420": (R, None, "")}),
    ("unreadable-time-is-blank", "421|RUNNING|None|INVALID|vm\n", {"421": (R, None, "vm")}),
]


@variant
@pytest.mark.parametrize(
    ("text", "expected"),
    [c[1:] for c in LIVE_USAGE_CASES],
    ids=[c[0] for c in LIVE_USAGE_CASES],
)
def test_parse_status_usage(
    variant: Callable[[str], str], text: str, expected: dict[str, tuple[Any, ...]]
) -> None:
    statuses = ok(parse_status_output(variant(text)))
    assert {k: (s.state, s.elapsed, s.node) for k, s in statuses.items()} == expected
    assert all(s.max_mem is None for s in statuses.values())  # squeue measures no memory


@pytest.mark.parametrize("text", ["", "\n", "\r\n", "\n\n  \n", "JOBID|STATE|REASON\n"])
def test_parse_status_empty_or_header_only(text: str) -> None:
    assert ok(parse_status_output(text)) == {}


def test_squeue_cut_array_range_drops_the_partial_last_piece() -> None:
    # Slurm formats the range into SLURM_BITSTR_LEN (64) bytes and cuts silently:
    # here "1024" became "102".  The cut piece is dropped, not misread as task 102.
    ranges = ",".join(str(i) for i in range(1000, 1100, 2))[:63]
    assert ranges.endswith(",1022,102")
    statuses = ok(parse_status_output(f"8_[{ranges}]|PENDING|Priority\n"))
    assert sorted(statuses) == [f"8_{i}" for i in range(1000, 1024, 2)]


# A line with a job id but no state is unknown for that id; a line without one is skipped.
SQUEUE_ODD_LINES = [
    ("this is not squeue output", []),
    ("416 RUNNING None", []),  # another separator: no job id field
    ("418|", ["418"]),
    ("418||None", ["418"]),
    ("418", ["418"]),  # cut short after the id
    ("9_[1-2]|", ["9_1", "9_2"]),
    ("abc|RUNNING|None", []),
    ("416.batch|RUNNING|None", []),
    ("5_[3-1]|PENDING|None", []),
    ("5_[x]|PENDING|None", []),
    ("slurm_load_jobs error: Invalid job id specified", []),
    ("416|", []),  # never replaces 416's readable line
    ("JOBID|STATE|REASON", []),
]


@variant
@pytest.mark.parametrize(
    ("line", "unknown"), SQUEUE_ODD_LINES, ids=[c[0] for c in SQUEUE_ODD_LINES]
)
def test_parse_status_odd_line_is_unknown_or_skipped_and_the_rest_reads(
    variant: Callable[[str], str], line: str, unknown: list[str]
) -> None:
    for text in (
        f"416|RUNNING|None\n{line}\n417|PENDING|None\n",
        f"{line}\n416|RUNNING|None\n417|PENDING|None\n",
    ):
        statuses = ok(parse_status_output(variant(text)))
        assert statuses.pop("416")[:7] == ("416", R, "RUNNING", None, None, "", "squeue"), (
            "an odd line must not change its neighbours"
        )
        assert statuses.pop("417").state is Q
        assert sorted(statuses) == sorted(unknown)
        for status in statuses.values():
            assert (status.state, status.source) == (U, "squeue")
            assert "could not read squeue output" in status.reason and repr(line) in status.reason


@pytest.mark.parametrize(
    "text",
    [
        "this is not squeue output\n",
        "\n416 RUNNING None\r\n",
        "abc|RUNNING|None\n5_[x]|PENDING|None\n",
        "slurm_load_jobs error: Invalid job id specified\n\n",
        "\ufffd\ufffd<html><body>502 Bad Gateway</body></html>\x00\nsqueue%%%\n",  # FAKE_MODE=garbage
    ],
)
def test_parse_status_with_no_readable_line_is_an_error_quoting_it(text: str) -> None:
    error = err(parse_status_output(text))
    assert error.line == text.strip().splitlines()[0].strip()
    assert repr(error.line) in str(error)


# --- sacct ------------------------------------------------------------------------------


def test_history_argv() -> None:
    assert history_argv(["416", "418_2"]) == [
        "sacct",
        "--noheader",
        "--parsable2",
        "--format=JobID,State,ExitCode,Reason,Elapsed,NodeList,MaxRSS",
        "--jobs=416,418_2",
    ]


HISTORY_CASES = [
    ("completed", "416|COMPLETED|0:0|None\n", {"416": (CD, "COMPLETED", 0, None, "")}),
    ("completed-three-fields", "416|COMPLETED|0:0\n", {"416": (CD, "COMPLETED", 0, None, "")}),
    (
        "steps-skipped",
        "416|COMPLETED|0:0|None\n416.batch|COMPLETED|0:0|\n416.extern|COMPLETED|0:0|\n"
        "416.0|FAILED|2:0|\n",
        {"416": (CD, "COMPLETED", 0, None, "")},
    ),
    (
        "failed",
        "417|FAILED|3:0|NonZeroExitCode\n",
        {"417": (F, "FAILED", 3, None, "NonZeroExitCode")},
    ),
    ("cancelled-by", "419|CANCELLED by 0|0:0|None\n", {"419": (CA, "CANCELLED by 0", 0, None, "")}),
    (
        "cancelled-running-signal",
        "423|CANCELLED by 1000|0:15|None\n",
        {"423": (CA, "CANCELLED by 1000", 0, 15, "")},
    ),
    ("cancelled-truncated", "424|CANCELLED+|0:0|None\n", {"424": (CA, "CANCELLED+", 0, None, "")}),
    (
        "array-tasks",
        "418_1|COMPLETED|0:0|None\n418_2|FAILED|1:0|NonZeroExitCode\n418_3|TIMEOUT|0:0|TimeLimit\n",
        {
            "418_1": (CD, "COMPLETED", 0, None, ""),
            "418_2": (F, "FAILED", 1, None, "NonZeroExitCode"),
            "418_3": (F, "TIMEOUT", 0, None, "TimeLimit"),
        },
    ),
    (
        "cancelled-pending-range",
        "6_0|COMPLETED|0:0|None\n6_2|CANCELLED by 0|0:0|None\n6_[1,3]|CANCELLED by 0|0:0|None\n",
        {
            "6_0": (CD, "COMPLETED", 0, None, ""),
            "6_1": (CA, "CANCELLED by 0", 0, None, ""),
            "6_2": (CA, "CANCELLED by 0", 0, None, ""),
            "6_3": (CA, "CANCELLED by 0", 0, None, ""),
        },
    ),
    (
        "pending-array-meta",
        "7_[0-2%1]|PENDING|0:0|JobArrayTaskLimit\n",
        {f"7_{i}": (Q, "PENDING", None, None, "JobArrayTaskLimit") for i in range(3)},
    ),
    # sacct prints 0:0 for a job that has not ended: no exit code yet.
    ("running", "425|RUNNING|0:0|None\n", {"425": (R, "RUNNING", None, None, "")}),
    (
        "requeued-held-keeps-its-exit-code",
        "425|SPECIAL_EXIT|3:0|None\n",
        {"425": (Q, "SPECIAL_EXIT", 3, None, "")},
    ),
    (
        "oom",
        "426|OUT_OF_MEMORY|0:125|OutOfMemory\n",
        {"426": (F, "OUT_OF_MEMORY", 0, 125, "OutOfMemory")},
    ),
    ("node-fail", "427|NODE_FAIL|0:0|None\n", {"427": (F, "NODE_FAIL", 0, None, "")}),
    (
        "completed-nonzero-is-failed",
        "428|COMPLETED|2:0|None\n",
        {"428": (F, "COMPLETED", 2, None, "")},
    ),
    ("completed-signal-is-failed", "429|COMPLETED|0:9|None\n", {"429": (F, "COMPLETED", 0, 9, "")}),
    (
        "requeued-last-line-wins",
        "430|REQUEUED|0:0|None\n430|NODE_FAIL|0:0|None\n430|COMPLETED|0:0|None\n",
        {"430": (CD, "COMPLETED", 0, None, "")},
    ),
    ("empty-exit-code", "431|PENDING||Priority\n", {"431": (Q, "PENDING", None, None, "Priority")}),
    ("unknown-code-kept", "432|EXPEDITING|0:0|None\n", {"432": (U, "EXPEDITING", 0, None, "")}),
    (
        "header-then-row",
        "JobID|State|ExitCode|Reason\n433|DEADLINE|0:0|None\n",
        {"433": (F, "DEADLINE", 0, None, "")},
    ),
]


@variant
@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in HISTORY_CASES], ids=[c[0] for c in HISTORY_CASES]
)
def test_parse_history_output(
    variant: Callable[[str], str], text: str, expected: dict[str, tuple[Any, ...]]
) -> None:
    statuses = ok(parse_history_output(variant(text)))
    got = {k: (s.state, s.raw, s.exit_code, s.signal, s.reason) for k, s in statuses.items()}
    assert got == expected
    assert all(s.source == "sacct" and s.job_id == k for k, s in statuses.items())


# sacct(1) --format: Elapsed "[DD-[HH:]]MM:SS"; NodeList a host list ("None assigned"
# before the job has nodes); MaxRSS per step with a binary suffix (K, M, G), empty on the
# allocation line.  Lines as 22.05 prints JobID,State,ExitCode,Reason,Elapsed,NodeList,MaxRSS.
K, M, G = 1024, 1024**2, 1024**3
USAGE_CASES = [
    (
        "batch-step-memory-folded-into-its-job",
        "416|COMPLETED|0:0|None|00:01:05|vm|\n416.batch|COMPLETED|0:0||00:01:05|vm|904K\n"
        "416.extern|COMPLETED|0:0||00:01:05|vm|12G\n",
        {"416": (65.0, "vm", 904 * K)},
    ),
    (
        "largest-step-wins-extern-ignored",
        "417|FAILED|3:0|NonZeroExitCode|1-02:03:04|n[1-2]|\n"
        "417.batch|FAILED|3:0||1-02:03:04|n1|12M\n417.extern|COMPLETED|0:0||1-02:03:04|n[1-2]|9G\n"
        "417.0|FAILED|3:0||1-02:00:00|n[1-2]|1.5G\n417.ext+|COMPLETED|0:0||1-02:03:04|n1|8G\n",
        {"417": (93784.0, "n[1-2]", int(1.5 * G))},
    ),
    (
        "array-tasks-each-their-own",
        "418_1|COMPLETED|0:0|None|10:18:26|n106|\n"
        "418_1.batch|COMPLETED|0:0||10:18:26|n106|11725204K\n"
        "418_2|TIMEOUT|0:0|TimeLimit|12:34|n107|\n418_2.batch|CANCELLED|0:15||12:35|n107|3M\n",
        {"418_1": (37106.0, "n106", 11725204 * K), "418_2": (754.0, "n107", 3 * M)},
    ),
    (
        "no-accounting-gather-gives-no-memory",
        "419|COMPLETED|0:0|None|00:00:01|vm|\n419.batch|COMPLETED|0:0||00:00:01|vm|0\n",
        {"419": (1.0, "vm", None)},
    ),
    (
        "pending-and-cancelled-before-start",
        "420|PENDING|0:0|Priority|00:00:00|None assigned|\n"
        "421|CANCELLED by 0|0:0|None|00:00:00|None assigned|\n",
        {"420": (None, "", None), "421": (0.0, "", None)},
    ),
    (
        "running-has-elapsed-so-far",
        "422|RUNNING|0:0|None|00:00:42|vm|\n422.batch|RUNNING|0:0||00:00:42|vm|\n",
        {"422": (42.0, "vm", None)},
    ),
    (
        "pending-range-has-no-usage",
        "7_[0-1%1]|PENDING|0:0|JobArrayTaskLimit|00:00:00|None assigned|\n",
        {"7_0": (None, "", None), "7_1": (None, "", None)},
    ),
    (
        "unreadable-usage-is-blank-not-an-error",
        "423|COMPLETED|0:0|None|INVALID|vm|\n423.batch|COMPLETED|0:0||INVALID|vm|lots\n",
        {"423": (None, "vm", None)},
    ),
    (
        "four-fields-read-as-before",
        "424|COMPLETED|0:0|None\n424.batch|COMPLETED|0:0|\n",
        {"424": (None, "", None)},
    ),
]


@variant
@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in USAGE_CASES], ids=[c[0] for c in USAGE_CASES]
)
def test_parse_history_usage(
    variant: Callable[[str], str], text: str, expected: dict[str, tuple[Any, ...]]
) -> None:
    statuses = ok(parse_history_output(variant(text)))
    assert {k: (s.elapsed, s.node, s.max_mem) for k, s in statuses.items()} == expected


def test_usage_does_not_change_the_state() -> None:
    plain = ok(parse_history_output("417|FAILED|3:0|NonZeroExitCode\n"))["417"]
    full = ok(
        parse_history_output(
            "417|FAILED|3:0|NonZeroExitCode|00:00:02|vm|\n417.batch|FAILED|3:0||00:00:02|vm|2M\n"
        )
    )["417"]
    assert full[:7] == plain[:7]
    assert full[7:] == (2.0, "vm", 2 * M)


@pytest.mark.parametrize("text", ["", "\n", "\r\n", "\n\n  \n", "JobID|State|ExitCode|Reason\n"])
def test_parse_history_empty_or_header_only(text: str) -> None:
    assert ok(parse_history_output(text)) == {}


SACCT_ODD_LINES = [
    ("Slurm accounting storage is disabled", []),
    ("418|COMPLETED", ["418"]),  # no ExitCode: cannot tell completed from failed
    ("418||0:0|None", ["418"]),
    ("418|FAILED|x:y|None", ["418"]),
    ("418|FAILED|3|None", ["418"]),
    ("9_[1-2]|CANCELLED by 0|x|None", ["9_1", "9_2"]),
    ("job416|FAILED|3:0|None", []),
    ("6_[3-1]|CANCELLED by 0|0:0|None", []),
    ("www.example.org|RUNNING|0:0|None", []),  # not a step: no job id before the dot
    ("416|FAILED", []),  # never replaces 416's readable line
]


@variant
@pytest.mark.parametrize(("line", "unknown"), SACCT_ODD_LINES, ids=[c[0] for c in SACCT_ODD_LINES])
def test_parse_history_odd_line_is_unknown_or_skipped_and_the_rest_reads(
    variant: Callable[[str], str], line: str, unknown: list[str]
) -> None:
    good = "416|COMPLETED|0:0|None", "417|FAILED|3:0|NonZeroExitCode"
    for text in ("\n".join([good[0], line, good[1]]), "\n".join([line, *good])):
        statuses = ok(parse_history_output(variant(text + "\n")))
        assert statuses.pop("416")[:7] == ("416", CD, "COMPLETED", 0, None, "", "sacct")
        assert statuses.pop("417").state is F
        assert sorted(statuses) == sorted(unknown)
        for status in statuses.values():
            assert (status.state, status.source, status.exit_code) == (U, "sacct", None)
            assert "could not read sacct output" in status.reason and repr(line) in status.reason


@pytest.mark.parametrize(
    "line",
    ["Slurm accounting storage is disabled", "job416|FAILED|3:0|None", "6_[3-1]|CANCELLED|0:0|"],
)
def test_parse_history_with_no_readable_line_is_an_error_quoting_it(line: str) -> None:
    error = err(parse_history_output(f"\n{line}\n"))
    assert error.line == line
    assert repr(line) in str(error)


def test_steps_alone_are_readable_and_give_nothing() -> None:
    assert ok(parse_history_output("416.batch|COMPLETED|0:0|\n416.extern|COMPLETED|0:0|\n")) == {}


# --- scancel ----------------------------------------------------------------------------


def test_cancel_argv() -> None:
    assert cancel_argv(["416", "418_2", "416", "419_[1-3]"]) == [
        "scancel",
        "--verbose",  # so unknown and finished ids are reported (scancel exits 0 for them)
        "416",
        "418_2",
        "419_[1-3]",
    ]


@pytest.mark.parametrize(
    ("said", "outcome"),
    [
        ("Invalid job id specified", "no such job"),
        ("Job/step already completing or completed", "had already finished"),
        ("Access/permission denied", "refused"),
    ],
)
def test_parse_cancel_output(said: str, outcome: str) -> None:
    # scancel --verbose as Slurm 22.05 prints it (SLURM_NOTES.md), on stderr.
    text = (
        f"scancel: Terminating job 6396\nscancel: error: Kill job error on job id 6397_7: {said}\n"
    )
    for variant in (text, text.replace("\n", "\r\n"), text + "\n\n"):
        found = parse_cancel_output(variant, ["6396", "6397_7"])
        assert found["6396"][0].value == "cancelled"
        assert found["6397_7"] == (CancelOutcome(outcome), said)


# --- failures and hints -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "sbatch: error: Batch job submission failed: Unable to contact slurm controller "
            "(connect failure)",
            FailureKind.TRANSIENT,
        ),
        (
            "squeue: error: slurm_receive_msg: Socket timed out on send/recv operation",
            FailureKind.TRANSIENT,
        ),
        ("slurm_load_jobs error: Socket timed out on send/recv operation", FailureKind.TRANSIENT),
        ("sbatch: error: Munge decode failed: Expired credential", FailureKind.TRANSIENT),
        ("squeue: error: Invalid authentication credential", FailureKind.TRANSIENT),
        ("slurm_load_jobs error: Protocol authentication error", FailureKind.TRANSIENT),
        ("slurm_load_jobs error: Zero Bytes were transmitted or received", FailureKind.TRANSIENT),
        (
            "sbatch: error: Batch job submission failed: Resource temporarily unavailable",
            FailureKind.TRANSIENT,
        ),
        (
            "sacct: error: Problem talking to the database: Connection refused",
            FailureKind.TRANSIENT,
        ),
        ("sbatch: error: Rate limit exceeded, please retry momentarily", FailureKind.TRANSIENT),
        ("slurm_load_jobs error: Invalid job id specified", FailureKind.UNKNOWN_JOB),
        (
            "scancel: error: Kill job error on job id 99: Invalid job id specified",
            FailureKind.UNKNOWN_JOB,
        ),
        (
            "sbatch: error: Batch job submission failed: Invalid partition name specified",
            FailureKind.PERMANENT,
        ),
        (
            "sbatch: error: Batch job submission failed: Invalid account or account/partition "
            "combination specified",
            FailureKind.PERMANENT,
        ),
        (
            "sbatch: error: Batch job submission failed: Invalid qos specification",
            FailureKind.PERMANENT,
        ),
        (
            "sbatch: error: Batch job submission failed: Requested node configuration is not "
            "available",
            FailureKind.PERMANENT,
        ),
        (
            "sbatch: error: Batch job submission failed: Requested time limit is invalid "
            "(missing or exceeds some limit)",
            FailureKind.PERMANENT,
        ),
        ("Slurm accounting storage is disabled", FailureKind.PERMANENT),
        ("", FailureKind.PERMANENT),
    ],
)
def test_classify_failure(text: str, kind: FailureKind) -> None:
    assert classify_failure(text) is kind


@pytest.mark.parametrize(
    ("text", "must_mention"),
    [
        (
            "sbatch: error: Batch job submission failed: Invalid partition name specified",
            "sinfo -s",
        ),
        (
            "sbatch: error: Batch job submission failed: Invalid account or account/partition "
            "combination specified",
            "sacctmgr",
        ),
        ("sbatch: error: Batch job submission failed: Invalid qos specification", "QOS"),
        (
            "sbatch: error: Batch job submission failed: Requested node configuration is not "
            "available",
            "no node",
        ),
        (
            "sbatch: error: Batch job submission failed: Requested time limit is invalid "
            "(missing or exceeds some limit)",
            "time limit",
        ),
        (
            "sbatch: error: Batch job submission failed: Job violates accounting/QOS policy "
            "(job submit limit, user's size and/or time limits)",
            "hsm feeds the sweep in waves",
        ),
    ],
)
def test_submit_hint(text: str, must_mention: str) -> None:
    assert must_mention in submit_hint(text)


def test_submit_hint_is_empty_when_nothing_applies() -> None:
    assert submit_hint("sbatch: error: something new") == ""


def test_scheduler_record() -> None:
    s = SCHEDULER
    assert (s.name, s.key) == ("slurm", "slurm")
    assert (s.submit_command, s.status_command) == ("sbatch", "squeue")
    assert s.index_var == "SLURM_ARRAY_TASK_ID"
    assert s.array_flag == "--array="
    assert s.states is STATES
    assert s.commands is not None
    assert s.commands.submit_argv("x.sh")[0] == "sbatch"
    assert s.commands.parse_history_output is parse_history_output


# --- captured real outputs (tests/data/slurm/, written from a real Slurm 22.05.8) -------

DATA = Path(__file__).resolve().parents[1] / "data" / "slurm"


def _captured(name: str) -> str:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{path} not captured yet")
    return path.read_text(encoding="utf-8")


# squeue --states=all --format=%i|%T|%r, with and without --array, on the same queue.
_REAL_QUEUE = {
    "12": (CA, "CANCELLED", "Priority"),
    **{str(i): (CD, "COMPLETED", "") for i in (1, 2, 3, 4, 6)},
    "7": (F, "FAILED", "NonZeroExitCode"),
    **{f"8_{i}": (Q, "PENDING", "JobArrayTaskLimit") for i in range(5, 10)},
    "10": (Q, "PENDING", "Resources"),
    **{f"11_{i}": (Q, "PENDING", "Priority") for i in (1, 2, 3)},
    "13": (Q, "PENDING", "JobHeldUser"),
    **{i: (R, "RUNNING", "") for i in ("5", "8_1", "8_2", "8_3", "8_4", "9")},
}
# sacct --noheader --parsable2 --format=JobID,State,ExitCode [-X], same cluster, later.
_REAL_HISTORY = {
    "5": (F, "TIMEOUT", 0, None),
    "6": (CD, "COMPLETED", 0, None),
    "7": (F, "FAILED", 3, None),
    "9": (CA, "CANCELLED by 0", 0, None),
}
_REAL_HISTORY_X = {
    **_REAL_HISTORY,
    **{i: (CD, "COMPLETED", 0, None) for i in ("10", "13", "11_1", "11_2", "11_3")},
    **{f"8_{i}": (CD, "COMPLETED", 0, None) for i in range(1, 10)},
    "12": (CA, "CANCELLED by 0", 0, None),
}
CAPTURED_CASES = [
    ("sbatch_parsable.txt", parse_submit_output, "6"),
    ("sbatch_plain.txt", parse_submit_output, "7"),
    ("squeue_r_states_all.txt", parse_status_output, _REAL_QUEUE),
    ("squeue_states_all.txt", parse_status_output, _REAL_QUEUE),
    ("sacct_with_steps.txt", parse_history_output, _REAL_HISTORY),
    ("sacct_X_mixed.txt", parse_history_output, _REAL_HISTORY_X),
    ("sacct_array_task.txt", parse_history_output, {"11_2": (CD, "COMPLETED", 0, None)}),
]


@variant
@pytest.mark.parametrize(
    ("name", "parser", "expected"), CAPTURED_CASES, ids=[c[0] for c in CAPTURED_CASES]
)
def test_captured_output(
    variant: Callable[[str], str],
    name: str,
    parser: Callable[[str], Result[Any, ParseError]],
    expected: object,
) -> None:
    value = ok(parser(variant(_captured(name))))
    if parser is parse_status_output:
        value = {k: (s.state, s.raw, s.reason) for k, s in value.items()}
    elif parser is parse_history_output:
        value = {k: (s.state, s.raw, s.exit_code, s.signal) for k, s in value.items()}
    assert value == expected


def test_captured_purged_job_stderr_is_unknown_job() -> None:
    # Transcript: "$ squeue -j 1 ... exit=1 --- stdout: --- stderr: slurm_load_jobs error..."
    stderr = _captured("squeue_purged.txt").split("--- stderr:", 1)[-1]
    assert classify_failure(stderr) is FailureKind.UNKNOWN_JOB
