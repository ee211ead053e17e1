"""What the reading commands decide from data: varying parameters, exit column, states,
job-id order, durations."""

from __future__ import annotations

from typing import Any

import pytest

from hsm.pure.cli_text import job_id_key, status_row
from hsm.pure.states import JobState, JobStatus
from hsm.pure.summary import (
    capped,
    duration_text,
    exit_text,
    parse_states,
    real_exit_code,
    split_params,
)

SPLITS: list[tuple[list[dict[str, Any]], tuple[str, ...], dict[str, Any]]] = [
    ([], (), {}),
    ([{"lr": 0.1, "e": 2}], ("lr", "e"), {}),  # one task: nothing to compare, show all
    ([{"lr": 0.1, "e": 2}, {"lr": 0.1, "e": 2}], (), {"lr": 0.1, "e": 2}),
    (
        [{"e": 2, "lr": 0.1, "m": "a"}, {"e": 2, "lr": 0.01, "m": "a"}],
        ("lr",),
        {"e": 2, "m": "a"},
    ),
    ([{"n": 1}, {"n": 1.0}], ("n",), {}),  # 1 and 1.0 are different arguments
    ([{"n": 1}, {"n": True}], ("n",), {}),
    ([{"a": 1}, {"a": 1, "b": 2}], ("b",), {"a": 1}),  # a key some tasks lack varies
    ([{"a": 1, "b": 2}, {"a": 1}], ("b",), {"a": 1}),
    ([{"l": [1, 2]}, {"l": [1, 2]}, {"l": [1, 3]}], ("l",), {}),
    ([{"x": None}, {"x": None}], (), {"x": None}),
    # order: the first task's key order, then keys as they appear
    ([{"z": 1, "a": 1}, {"z": 2, "a": 2, "c": 0}], ("z", "a", "c"), {}),
]


@pytest.mark.parametrize(("params", "varying", "constants"), SPLITS)
def test_split_params(
    params: list[dict[str, Any]], varying: tuple[str, ...], constants: dict[str, Any]
) -> None:
    split = split_params(params)
    assert split.varying == varying
    assert dict(split.constants) == constants
    assert list(split.constants) == [k for k in (params[0] if params else {}) if k in constants]


def test_split_params_on_a_big_sweep_keeps_only_what_differs() -> None:
    params = [{"seed": i, "lr": 0.1 * (i % 3), "epochs": 10, "model": "mlp"} for i in range(5000)]
    split = split_params(params)
    assert split.varying == ("seed", "lr")
    assert split.constants == {"epochs": 10, "model": "mlp"}


#: (state, raw, exit code, signal) -> the EXIT column; no success claimed for a job that
#: the scheduler ended (Slurm reports ExitCode 0:0 for TIMEOUT, 0:15 for CANCELLED).
EXITS = [
    (JobState.COMPLETED, "COMPLETED", 0, None, "0"),
    (JobState.FAILED, "FAILED", 3, None, "3"),
    (JobState.FAILED, "FAILED", 1, 9, "1 (signal 9)"),
    (JobState.FAILED, "TIMEOUT", 0, None, ""),
    (JobState.FAILED, "TIMEOUT", 0, 15, "signal 15"),
    (JobState.FAILED, "OUT_OF_MEMORY", 0, 9, "signal 9"),
    (JobState.FAILED, "NODE_FAIL", None, None, ""),
    (JobState.CANCELLED, "CANCELLED by 0", 0, 15, ""),
    (JobState.CANCELLED, "cancelled", None, None, ""),
    (JobState.QUEUED, "PENDING", None, None, ""),
    (JobState.RUNNING, "RUNNING", 0, None, ""),
    (JobState.UNKNOWN, "NOT_FOUND", None, None, ""),
    (JobState.COMPLETED, "F", None, None, ""),
]


@pytest.mark.parametrize(("state", "raw", "code", "signal", "shown"), EXITS)
def test_exit_column_claims_only_real_exit_codes(
    state: JobState, raw: str, code: int | None, signal: int | None, shown: str
) -> None:
    status = JobStatus("7_1", state, raw, code, signal)
    assert exit_text(status) == shown
    assert status_row(1, {}, status)[5] == shown
    if state is not JobState.COMPLETED:
        assert real_exit_code(status) != 0


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], set()),
        (["failed"], {"failed"}),
        (["failed,cancelled"], {"failed", "cancelled"}),
        (["FAILED", " queued , running "], {"failed", "queued", "running"}),
        (["failed,", ""], {"failed"}),
    ],
)
def test_parse_states(values: list[str], expected: set[str]) -> None:
    assert {s.value for s in parse_states(values).unwrap()} == expected


@pytest.mark.parametrize("bad", ["done", "fail", "failed;rm", "completed,oops"])
def test_parse_states_names_the_bad_word_and_the_good_ones(bad: str) -> None:
    message = parse_states([bad]).failure().message
    assert "--state" in message and "queued, running, completed" in message


def test_job_ids_sort_as_numbers() -> None:
    ids = ["10", "9", "100", "12_10", "12_3", "12_[4-9]", "12", "11_2", "abc", "8.srv"]
    assert sorted(ids, key=job_id_key) == [
        "8.srv",
        "9",
        "10",
        "11_2",
        "12",
        "12_3",
        "12_10",
        "12_[4-9]",
        "100",
        "abc",
    ]


def test_pbs_array_ids_sort_by_job_then_index() -> None:
    ids = ["12[10].srv", "12[3].srv", "9[1].srv", "13.srv"]
    assert sorted(ids, key=job_id_key) == [
        "9[1].srv",
        "12[3].srv",
        "12[10].srv",
        "13.srv",
    ]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(-5, "0s"), (0, "0s"), (59.9, "59s"), (60, "1m00s"), (3599, "59m59s"), (3600, "1h00m")],
)
def test_duration_text(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_capped() -> None:
    assert capped(list(range(25)), 10) == (list(range(10)), 15)
    assert capped([1], 10) == ([1], 0)
    assert capped(list(range(25)), None) == (list(range(25)), 0)
