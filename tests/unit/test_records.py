"""The sweep directory's records: one job record, one converter, one owner of the layout."""

from __future__ import annotations

import json
import re
from pathlib import Path

from returns.result import Failure, Success

from hsm import api
from hsm.boundary import result_of
from hsm.effects.sweeps import load_manifest
from hsm.pure import layout
from hsm.pure.errors import StateError
from hsm.pure.plan import JobRecord, PlannedJob, task_log_path
from hsm.pure.records import (
    manifest_digest,
    manifest_from_data,
    manifest_to_data,
    status_to_data,
    statuses_from_data,
    statuses_to_data,
)
from hsm.pure.states import JobState, JobStatus
from tests.unit.test_resubmit_logic import ScriptedBackend

# What the previous version wrote (its own key order), written out by hand.
OLD_MANIFEST = {
    "version": 1,
    "sweep_id": "s",
    "scheduler": "slurm",
    "mode": "array",
    "workdir": "/home/me/proj",
    "settings": {"sweep_id": "s", "setup": ["module load x"], "array_limit": 1001},
    "tasks": [
        {"task": 0, "params": {"lr": 0.1}, "argv": ["lr=0.1"]},
        {"task": 1, "params": {"lr": 0.2}, "argv": ["lr=0.2"]},
    ],
    "jobs": [
        {
            "key": "array_000",
            "job_name": "s_array_000",
            "script": "scripts/array_000.sh",
            "sha256": "ab" * 32,
            "tasks": [0, 1],
            "indices": [0, 1],
            "log_path": "sweeps/s/logs/array_000_%a.log",
            "job_id": "41",
        },
        {
            "key": "r1_array_000",
            "job_name": "s_r1_array_000",
            "script": "scripts/r1_array_000.sh",
            "sha256": "cd" * 32,
            "tasks": [1],
            "indices": [0],
            "log_path": "sweeps/s/logs/r1_array_000_%a.log",
            "job_id": None,
        },
    ],
}


def test_a_manifest_of_the_previous_version_reads_and_writes_back_the_same() -> None:
    manifest = manifest_from_data(OLD_MANIFEST, "m.json").unwrap()
    assert manifest.params == ({"lr": 0.1}, {"lr": 0.2})
    assert manifest.argvs == (("lr=0.1",), ("lr=0.2",))
    assert manifest.job_ids == {"array_000": "41"}
    assert manifest.job("array_000").script_file == "scripts/array_000.sh"
    written = manifest_to_data(manifest)
    # The same content, now sealed with its digest (see test_an_edited_manifest_...).
    assert {k: v for k, v in written.items() if k != "digest"} == OLD_MANIFEST
    assert written["digest"] == manifest_digest(OLD_MANIFEST)
    assert next(iter(written)) == "version"


def test_an_edited_manifest_is_refused_by_submitting_commands(tmp_path: Path) -> None:
    manifest = manifest_from_data(OLD_MANIFEST, "m.json").unwrap()
    data = manifest_to_data(manifest)
    (tmp_path / layout.MANIFEST).write_text(json.dumps(data))
    assert isinstance(result_of(load_manifest(tmp_path, sealed=True)), Success)
    data["tasks"][1]["params"] = {"lr": 999}  # what monitor would show, not what ran
    (tmp_path / layout.MANIFEST).write_text(json.dumps(data))
    refused = result_of(load_manifest(tmp_path, sealed=True)).failure()
    assert "was changed after hsm wrote it" in refused.message
    assert str(tmp_path / layout.MANIFEST) in refused.message
    assert isinstance(result_of(load_manifest(tmp_path)), Success)  # readers still read it


def test_a_manifest_without_a_seal_is_refused_for_submitting(tmp_path: Path) -> None:
    (tmp_path / layout.MANIFEST).write_text(json.dumps(OLD_MANIFEST))
    refused = result_of(load_manifest(tmp_path, sealed=True)).failure()
    assert "has no digest" in refused.message


def test_job_ids_are_carried_by_the_job_records() -> None:
    manifest = manifest_from_data(OLD_MANIFEST, "m.json").unwrap()
    both = manifest.with_job_ids({"array_000": "41", "r1_array_000": "42"})
    assert [j.job_id for j in both.jobs] == ["41", "42"]
    assert manifest_to_data(both)["jobs"][1]["job_id"] == "42"
    assert manifest.with_job_ids({}).job_ids == {}


def test_a_broken_manifest_is_a_state_error_naming_the_file_and_the_field(
    tmp_path: Path,
) -> None:
    broken = json.loads(json.dumps(OLD_MANIFEST))
    broken["jobs"][0]["tasks"] = ["x"]
    del broken["tasks"][1]["argv"]
    (tmp_path / layout.MANIFEST).write_text(json.dumps(broken))
    found = result_of(load_manifest(tmp_path))
    assert isinstance(found, Failure)
    error = found.failure()
    path = str(tmp_path / layout.MANIFEST)
    assert isinstance(error, StateError) and error.path == path
    assert error.message.startswith(f"{path} is not a valid hsm manifest: ")
    assert "@ $.jobs[0].tasks[0]" in error.message
    assert "@ $.tasks[1].argv" in error.message


def test_a_file_that_is_no_manifest_says_so() -> None:
    for data in ([], {"version": 99}, None):
        found = manifest_from_data(data, "x.json")
        assert isinstance(found, Failure)
        assert found.failure().message == (
            "x.json is not a valid hsm manifest: not an hsm manifest (version 1)"
        )


def test_statuses_round_trip_with_the_state_as_its_string() -> None:
    statuses = {
        0: JobStatus("7_0", JobState.FAILED, "FAILED", 3, None, "NonZeroExitCode", "sacct"),
        12: JobStatus("7_12", JobState.QUEUED, "PENDING"),
    }
    data = json.loads(json.dumps(statuses_to_data(statuses)))
    assert data["0"] == {
        "job_id": "7_0",
        "state": "failed",
        "raw": "FAILED",
        "exit_code": 3,
        "signal": None,
        "reason": "NonZeroExitCode",
        "source": "sacct",
        "elapsed": None,
        "node": "",
        "max_mem": None,
    }
    assert type(status_to_data(statuses[0])["state"]) is str
    assert statuses_from_data(data) == statuses


def test_usage_round_trips_and_an_older_cache_without_it_still_reads() -> None:
    measured = JobStatus("7_0", JobState.COMPLETED, "COMPLETED", 0, None, "", "sacct", 61.0,
                         "n[1-2]", 904 * 1024)  # fmt: skip
    data = json.loads(json.dumps(statuses_to_data({0: measured})))
    assert (data["0"]["elapsed"], data["0"]["node"], data["0"]["max_mem"]) == (
        61.0, "n[1-2]", 904 * 1024,
    )  # fmt: skip
    assert statuses_from_data(data) == {0: measured}
    # status.json as hsm wrote it before these fields existed
    old = {"3": {"job_id": "7_3", "state": "failed", "raw": "FAILED", "exit_code": 2,
                 "signal": None, "reason": "", "source": "sacct"}}  # fmt: skip
    assert statuses_from_data(old) == {3: JobStatus("7_3", JobState.FAILED, "FAILED", 2, None,
                                                    "", "sacct")}  # fmt: skip


def test_a_planned_job_is_the_job_record_plus_its_script() -> None:
    planned = PlannedJob(
        "array_000", "s_array_000", "scripts/array_000.sh", (5, 6), (0, 1), "l_%a.log", "h", "#!"
    )
    record = planned.record()
    assert isinstance(planned, JobRecord) and type(record) is JobRecord
    assert record == JobRecord(
        "array_000", "s_array_000", "scripts/array_000.sh", (5, 6), (0, 1), "l_%a.log", "h"
    )
    assert task_log_path(record, "slurm", 6) == "l_1.log"


def _submitted(tmp_path: Path, mode: str) -> tuple[Path, ScriptedBackend]:
    backend = ScriptedBackend([{}])
    (tmp_path / "train.py").write_text("")  # the script must exist to be submitted
    options = api.JobOptions(walltime="10", project_dir=tmp_path)
    params = [{"i": i} for i in range(3)]
    sweep_dir = tmp_path / "sw"
    result_of(
        api.submit_sweep(options, backend, params, mode=mode, sweep_dir=sweep_dir, sweep_id="s")
    ).unwrap()
    return sweep_dir, backend


def test_the_sweep_directory_holds_what_the_layout_names(tmp_path: Path) -> None:
    sweep_dir, _ = _submitted(tmp_path, "array")
    found = sorted(str(p.relative_to(sweep_dir)) for p in sweep_dir.rglob("*"))
    assert found == sorted(
        [
            layout.MANIFEST,
            layout.JOURNAL,
            layout.LOCK,
            layout.SCRIPTS,
            layout.LOGS,
            layout.script_file("array_000"),
        ]
    )
    manifest = result_of(load_manifest(sweep_dir)).unwrap()
    assert manifest.job("array_000").job_id == "101"


def test_task_views_give_each_task_its_params_status_and_log(tmp_path: Path) -> None:
    sweep_dir, backend = _submitted(tmp_path, "array")
    backend.answers = [{"101_1": JobStatus("101_1", JobState.RUNNING, "RUNNING")}]
    report = result_of(api.sweep_status(sweep_dir, backend)).unwrap()
    views = api.task_views(report)
    assert [(v.task, v.params, v.status.job_id, v.status.state) for v in views] == [
        (0, {"i": 0}, "101_0", JobState.UNKNOWN),
        (1, {"i": 1}, "101_1", JobState.RUNNING),
        (2, {"i": 2}, "101_2", JobState.UNKNOWN),
    ]
    assert [v.log for v in views] == [
        str(tmp_path / "sw" / "logs" / f"array_000_{i}.log") for i in range(3)
    ]


def test_task_views_of_individual_jobs(tmp_path: Path) -> None:
    sweep_dir, backend = _submitted(tmp_path, "individual")
    report = result_of(api.sweep_status(sweep_dir, backend)).unwrap()
    views = api.task_views(report)
    assert [v.status.job_id for v in views] == ["101", "102", "103"]
    assert [v.log for v in views] == [
        str(tmp_path / "sw" / "logs" / f"task_{i:03d}.log") for i in range(3)
    ]


# Files that still spell out a sweep-directory name; each must switch to hsm.pure.layout.
NOT_YET_ASKING_LAYOUT: set[str] = set()


def test_only_the_layout_module_names_the_sweep_directory_files() -> None:
    root = Path(__file__).resolve().parents[2] / "hsm"
    name = re.compile(r"""["'](manifest\.json|journal\.jsonl|status\.json|scripts/)""")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "layout.py"
        and str(path.relative_to(root)) not in NOT_YET_ASKING_LAYOUT
        and name.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
