"""The local backend's pure decisions: spool facts -> JobStatus, ids, log paths, /proc.

One table of facts drives the state tests; every phase task_phase can produce must be in
STATES, and no fact combination may read as completed unless exit status 0 was recorded.
"""

from __future__ import annotations

import itertools

import pytest

from hsm.pure.schedulers.local.states import (
    STATES,
    ProcStat,
    TaskFacts,
    collect_statuses,
    expand_log_path,
    parse_exit_text,
    parse_job_ref,
    parse_proc_stat,
    process_alive,
    task_phase,
    task_status,
)
from hsm.pure.states import JobState

F, R, C, X, Q = (
    JobState.FAILED,
    JobState.RUNNING,
    JobState.COMPLETED,
    JobState.CANCELLED,
    JobState.QUEUED,
)

# (facts, state, raw, exit_code, signal, words in the reason)
CASES = [
    (TaskFacts("1"), Q, "queued", None, None, ""),
    (TaskFacts("1", started=True, alive=True), R, "running", None, None, ""),
    (TaskFacts("1", started=True, exit_text="0\n"), C, "exited", 0, None, ""),
    (TaskFacts("1", started=True, exit_text="0", returncode=0), C, "exited", 0, None, ""),
    (TaskFacts("1", started=True, returncode=0), C, "exited", 0, None, ""),
    (TaskFacts("1", started=True, exit_text="3\n", returncode=3), F, "exited", 3, None, "status 3"),
    (TaskFacts("1", started=True, exit_text="124\n"), F, "exited", 124, None, "walltime exceeded"),
    (TaskFacts("1", started=True, exit_text="137\n"), F, "exited", 137, 9, "SIGKILL"),
    (TaskFacts("1", started=True, exit_text="143"), F, "exited", 143, 15, "SIGTERM"),
    (TaskFacts("1", started=True, exit_text="200"), F, "exited", 200, None, "status 200"),
    # The script was killed before it could write its exit file; the supervisor reaped it.
    (TaskFacts("1", started=True, returncode=-9), F, "exited", None, 9, "SIGKILL"),
    (TaskFacts("1", started=True, returncode=-40), F, "exited", None, 40, "signal 40"),
    # The script's own `exit 64` (no task for its index) happens before the exit file.
    (TaskFacts("1", started=True, returncode=64), F, "exited", 64, None, "status 64"),
    # An exit file still alive (written, process not yet gone) counts as exited.
    (TaskFacts("1", started=True, alive=True, exit_text="0"), C, "exited", 0, None, ""),
    # Started, process gone, nothing recorded: lost -> failed, never completed.
    (TaskFacts("1", started=True), F, "lost", None, None, "lost"),
    (TaskFacts("1", started=True, exit_text="garbage"), F, "lost", None, None, "lost"),
    (
        TaskFacts("1", start_error="No such file or directory: /gone"),
        F,
        "unstartable",
        None,
        None,
        "could not be started: No such file",
    ),
    (TaskFacts("1", cancelled=True), X, "cancelled", None, None, "cancelled"),
    (
        TaskFacts("1", started=True, alive=True, cancelled=True),
        X,
        "cancelled",
        None,
        None,
        "cancelled",
    ),
    (
        TaskFacts("1", started=True, returncode=-15, cancelled=True),
        X,
        "cancelled",
        None,
        15,
        "cancelled",
    ),
    (
        TaskFacts("1", started=True, exit_text="143", cancelled=True),
        X,
        "cancelled",
        143,
        15,
        "cancelled",
    ),
]


@pytest.mark.parametrize(("facts", "state", "raw", "exit_code", "signal", "reason"), CASES)
def test_task_status_table(
    facts: TaskFacts,
    state: JobState,
    raw: str,
    exit_code: int | None,
    signal: int | None,
    reason: str,
) -> None:
    status = task_status(facts)
    assert (status.job_id, status.state, status.raw, status.exit_code, status.signal) == (
        facts.task_id,
        state,
        raw,
        exit_code,
        signal,
    )
    assert reason in status.reason
    assert status.source == "local"


def _all_facts() -> list[TaskFacts]:
    values = itertools.product(
        (False, True),
        (False, True),
        (None, "0", "1", "124", "x"),
        (None, 0, 2, -9),
        (False, True),
        ("", "boom"),
    )
    return [
        TaskFacts("7", started, alive, exit_text, returncode, cancelled, error)
        for started, alive, exit_text, returncode, cancelled, error in values
    ]


def test_every_phase_is_in_the_state_table() -> None:
    phases = {task_phase(facts) for facts in _all_facts()}
    assert phases == set(STATES)


def test_completed_needs_a_recorded_zero_exit() -> None:
    for facts in _all_facts():
        if task_status(facts).state is JobState.COMPLETED:
            assert not facts.cancelled
            code = parse_exit_text(facts.exit_text)
            assert code == 0 or (code is None and facts.returncode == 0)


def test_cancel_wins_and_running_needs_a_live_process() -> None:
    for facts in _all_facts():
        status = task_status(facts)
        if facts.cancelled:
            assert status.state is JobState.CANCELLED
        if status.state is JobState.RUNNING:
            assert facts.started and facts.alive


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("0\n", 0),
        ("3", 3),
        (" 255 \r\n", 255),
        ("", None),
        ("\n", None),
        ("-1", None),
        ("3.0", None),
        ("1234", None),
        ("abc", None),
        (None, None),
    ],
)
def test_parse_exit_text(text: str | None, code: int | None) -> None:
    assert parse_exit_text(text) == code


def test_an_array_gets_a_rolled_up_entry_and_a_plain_job_does_not() -> None:
    facts = {
        "5_0": TaskFacts("5_0", started=True, exit_text="0"),
        "5_2": TaskFacts("5_2", started=True, alive=True),
    }
    statuses = collect_statuses("5", (0, 2, 9), facts)
    assert list(statuses) == ["5", "5_0", "5_2", "5_9"]
    assert statuses["5"].state is JobState.RUNNING
    assert statuses["5"].raw == "array"
    assert statuses["5_9"].state is JobState.QUEUED  # no facts yet: waiting
    plain = collect_statuses("6", None, {"6": TaskFacts("6", started=True, exit_text="1")})
    assert list(plain) == ["6"] and plain["6"].state is JobState.FAILED


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("12", ("12", None)),
        ("12_0", ("12", 0)),
        ("12_34", ("12", 34)),
        (" 7 ", ("7", None)),
        ("0", None),
        ("012", None),
        ("12_", None),
        ("12_01", None),
        ("_1", None),
        ("12_3_4", None),
        ("../12", None),
        ("12/13", None),
        ("12[3]", None),
        ("", None),
        ("abc", None),
        ("1" * 19, None),
    ],
)
def test_parse_job_ref(text: str, ref: tuple[str, int | None] | None) -> None:
    assert parse_job_ref(text) == ref


@pytest.mark.parametrize(
    ("pattern", "job", "index", "path"),
    [
        ("logs/x_%a.log", "12", 3, "logs/x_3.log"),
        ("logs/%A_%a.log", "12", 0, "logs/12_0.log"),
        ("logs/%j.log", "12", 3, "logs/12_3.log"),
        ("logs/%j.log", "12", None, "logs/12.log"),
        ("logs/x_%a.log", "12", None, "logs/x_.log"),
        ("100%%_%a", "1", 2, "100%_2"),
        ("%x_%", "1", 2, "%x_%"),
        ("plain.log", "1", 2, "plain.log"),
    ],
)
def test_expand_log_path(pattern: str, job: str, index: int | None, path: str) -> None:
    assert expand_log_path(pattern, job, index) == path


STAT = (
    "4242 (bash) S 1000 4242 4242 0 -1 4194560 300 0 0 0 1 0 0 0 20 0 1 0 "
    "987654 1000000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
)


@pytest.mark.parametrize(
    ("text", "stat"),
    [
        (STAT, ProcStat("S", 1000, 4242, 987654)),
        (STAT.replace("(bash)", "(a b) (c))"), ProcStat("S", 1000, 4242, 987654)),
        (STAT.replace(" S ", " Z "), ProcStat("Z", 1000, 4242, 987654)),
        (STAT + "\n", ProcStat("S", 1000, 4242, 987654)),
        ("", None),
        ("4242 (bash) S 1 2", None),
        ("no paren here at all", None),
        (STAT.replace("987654", "x"), None),
    ],
)
def test_parse_proc_stat(text: str, stat: ProcStat | None) -> None:
    assert parse_proc_stat(text) == stat


@pytest.mark.parametrize(
    ("stat", "ticks", "alive"),
    [
        (ProcStat("S", 50, 70, 100), 100, True),
        (ProcStat("R", 50, 70, 100), None, True),  # no start time recorded (no /proc then)
        (None, 100, False),
        (ProcStat("S", 50, 70, 101), 100, False),  # pid reused
        (ProcStat("Z", 50, 70, 100), 100, True),  # its parent (the supervisor) will reap it
        (ProcStat("Z", 1, 70, 100), 100, False),  # orphaned zombie: nobody will
    ],
)
def test_process_alive(stat: ProcStat | None, ticks: int | None, alive: bool) -> None:
    assert process_alive(stat, ticks) is alive


def test_the_module_doctests_hold() -> None:
    import doctest

    import hsm.pure.schedulers.local.states as local

    failures, tried = doctest.testmod(local, optionflags=doctest.ELLIPSIS)
    assert tried > 10 and failures == 0
