"""``hsm results`` from data: metrics files, rows, sorting, CSV and JSON."""

from __future__ import annotations

import csv
import json
import math
from typing import Any

import pytest
from returns.result import Failure, Success

from hsm.pure.results import (
    ResultRow,
    check_metrics_file,
    flatten,
    parse_metrics,
    result_record,
    result_row,
    results_csv,
    row_cells,
    sort_rows,
    table_columns,
)
from hsm.pure.states import JobState, JobStatus

METRICS = [
    ('{"loss": 0.5}', {"loss": 0.5}),
    ('{"acc": {"top1": 0.9, "top5": {"x": 1}}}', {"acc.top1": 0.9, "acc.top5.x": 1}),
    ('{"empty": {}, "list": [1, {"a": 2}]}', {"empty": {}, "list": [1, {"a": 2}]}),
    ('{"nan": NaN, "s": "text", "b": true, "n": null}', {"nan": math.nan, "s": "text"}),
    ("{}", {}),
    ('\ufeff{"loss": 1}', None),  # a BOM is not JSON: reported, not guessed around
]


@pytest.mark.parametrize(("text", "expected"), METRICS)
def test_parse_metrics(text: str, expected: dict[str, Any] | None) -> None:
    parsed = parse_metrics(text)
    if expected is None:
        assert isinstance(parsed, Failure)
        return
    got = parsed.unwrap()
    for key, value in expected.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(got[key])
        else:
            assert got[key] == value


@pytest.mark.parametrize("text", ["", "{", "[1]", "3", '"loss"', "null", "{'a': 1}"])
def test_unusable_metrics_say_why(text: str) -> None:
    reason = parse_metrics(text).failure()
    assert reason.startswith(("not valid JSON", "not a JSON object"))


def test_flatten_keeps_key_order() -> None:
    assert list(flatten({"b": 1, "a": {"z": 1, "y": 2}, "c": 3})) == ["b", "a.z", "a.y", "c"]


@pytest.mark.parametrize("name", ["metrics.json", "eval/scores.json", "a.b.json"])
def test_metrics_file_inside_the_task_dir(name: str) -> None:
    assert check_metrics_file(name).unwrap() == name


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../x.json", "a/../../b", "a//b", "./m"])
def test_metrics_file_outside_the_task_dir_is_refused(name: str) -> None:
    assert "--file" in check_metrics_file(name).failure().message


def _row(task: int, metrics: dict[str, Any] | None, **params: Any) -> ResultRow:
    return ResultRow(task, params, JobState.COMPLETED, f"1_{task}", 0, metrics=metrics)


ROWS = (
    _row(0, {"loss": 0.5, "acc": 0.7}, lr=0.1),
    _row(1, None, lr=0.2),
    _row(2, {"loss": 0.25, "acc": 0.9}, lr=0.3),
    _row(3, {"loss": math.nan}, lr=0.4),
    _row(4, {"loss": "diverged"}, lr=0.5),
    _row(5, {"loss": 0.25, "acc": 0.8}, lr=0.6),
    _row(6, {"loss": True}, lr=0.7),
)


@pytest.mark.parametrize(
    ("column", "descending", "order"),
    [
        # numbers (ties in task order), then other values as text, then rows without it
        ("loss", False, [2, 5, 0, 4, 6, 1, 3]),
        ("loss", True, [0, 2, 5, 6, 4, 1, 3]),
        ("acc", True, [2, 5, 0, 1, 3, 4, 6]),
        ("lr", True, [6, 5, 4, 3, 2, 1, 0]),
        ("task", True, [6, 5, 4, 3, 2, 1, 0]),
    ],
)
def test_sort_rows(column: str, descending: bool, order: list[int]) -> None:
    assert [r.task for r in sort_rows(ROWS, column, descending).unwrap()] == order


def test_sorting_by_a_column_no_task_has_names_the_columns() -> None:
    message = sort_rows(ROWS, "los").failure().message
    assert "'los'" in message and "lr, loss, acc, task" in message


def test_sorting_nothing_is_nothing() -> None:
    assert sort_rows((), "loss") == Success(())


def test_a_timed_out_task_has_no_exit_code_and_a_missing_file_no_error() -> None:
    status = JobStatus("5_2", JobState.FAILED, "TIMEOUT", 0)
    row = result_row(2, {"lr": 1}, status, None)
    assert row.exit_code is None and row.metrics is None and row.metrics_error == ""
    bad = result_row(2, {"lr": 1}, status, Failure("not a JSON object"))
    assert bad.metrics is None and bad.metrics_error == "not a JSON object"
    record = result_record(bad)
    assert record["state"] == "failed" and record["exit_code"] is None
    assert record["metrics"] is None and record["metrics_error"] == "not a JSON object"
    assert json.loads(json.dumps(record)) == record


def test_table_shows_varying_params_then_outcome_then_metrics() -> None:
    headers, fields = table_columns(ROWS, ["lr"])
    assert headers == ("TASK", "lr", "STATE", "EXIT", "loss", "acc")
    assert row_cells(ROWS[1], fields) == ["1", "0.2", "completed", "0", "", ""]
    timed = (ResultRow(0, {}, JobState.COMPLETED, elapsed=61.6, elapsed_source="sacct"),)
    assert table_columns(timed, [])[0] == ("TASK", "STATE", "EXIT", "ELAPSED (s)")


def test_a_metric_named_like_a_parameter_shadows_neither() -> None:
    rows = (
        ResultRow(
            0, {"epochs": 3, "lr": 0.1}, JobState.COMPLETED, exit_code=0, metrics={"epochs": 2}
        ),
    )
    headers, fields = table_columns(rows, ["epochs", "lr"])
    assert headers == ("TASK", "epochs", "lr", "STATE", "EXIT", "metric:epochs")
    assert row_cells(rows[0], fields) == ["0", "3", "0.1", "completed", "0", "2"]
    table = list(csv.reader(results_csv(rows, ["epochs"]).splitlines()))
    assert table == [
        ["task", "epochs", "state", "exit_code", "elapsed", "metric:epochs"],
        ["0", "3", "completed", "0", "", "2"],
    ]


def test_csv_round_trips_every_value() -> None:
    rows = (
        _row(0, {"loss": 0.123456789012, "note": 'a,"b"\nc'}, lr=0.1, m="x y"),
        _row(1, None, lr=0.2, m="x y"),
    )
    text = results_csv(rows, ["lr"])
    table = list(csv.reader(text.splitlines(keepends=True)))
    assert table[0] == ["task", "lr", "state", "exit_code", "elapsed", "loss", "note"]
    assert table[1] == ["0", "0.1", "completed", "0", "", "0.123456789012", 'a,"b"\nc']
    assert table[2] == ["1", "0.2", "completed", "0", "", "", ""]


@pytest.mark.parametrize(
    ("status", "elapsed", "source"),
    [
        (JobStatus("9_1", JobState.COMPLETED, "COMPLETED", 0, None, "", "sacct", 61.0), 61.0,
         "sacct"),
        (JobStatus("9_2", JobState.RUNNING, "RUNNING", None, None, "", "squeue", 5.0), 5.0,
         "squeue"),
        (JobStatus("3", JobState.FAILED, "failed=0", 3, None, "", "qacct", 0.0), 0.0, "qacct"),
        (JobStatus("9_3", JobState.QUEUED, "PENDING", source="squeue"), None, ""),
    ],
)  # fmt: skip
def test_elapsed_comes_from_the_schedulers_answer(
    status: JobStatus, elapsed: float | None, source: str
) -> None:
    row = result_row(0, {}, status, None)
    assert (row.elapsed, row.elapsed_source) == (elapsed, source)
    record = result_record(row)
    assert (record["elapsed"], record["elapsed_source"]) == (elapsed, source or None)
