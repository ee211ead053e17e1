"""The seed facade on the local backend: the same calls as on a cluster, plain values back,
and one exception family for mistakes."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from hsm import HPCJobManager, HSMError
from hsm.api import make_backend
from hsm.hpc import HSMConfigError, LocalJobManager

TASK = Path(__file__).resolve().parents[1] / "helpers" / "task.py"


@pytest.fixture
def manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalJobManager:
    monkeypatch.setenv("HSM_LOCAL_SPOOL", str(tmp_path / "spool"))
    monkeypatch.setenv("HSM_TEST_OUT", str(tmp_path))
    return LocalJobManager(
        walltime="00:05:00", python_path=sys.executable, script_path=str(TASK), project_dir=tmp_path
    )


def _wait(manager: HPCJobManager, ids: list[str]) -> dict[str, str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = {i: manager.get_job_status(i) for i in ids}
        if all(s in ("completed", "failed", "cancelled") for s in states.values()):
            return states
        time.sleep(0.2)
    pytest.fail(f"jobs did not finish: {states}")


def test_seed_calls_on_the_local_backend(manager: LocalJobManager, tmp_path: Path) -> None:
    assert (manager.scheduler_name, manager.submit_command, manager.status_command) == (
        "local",
        "bash",
        "ps",
    )
    array = manager.submit_array_job([{"lr": 0.1}, {"lr": 0.2, "exit": 2}], "arr", tmp_path / "a")
    single = manager.submit_single_job({"lr": 0.5}, "sweep_task_001", tmp_path / "s", "s")
    ids = manager.submit_sweep([{"x": 1}, {"x": 2}], "individual", tmp_path / "i", "ind")
    states = _wait(manager, [array, single, *ids])
    assert states[array] == "failed"  # one task exited 2: the array's roll-up is failed
    assert states[single] == "completed"
    assert [states[i] for i in ids] == ["completed", "completed"]
    statuses = manager.get_job_statuses([array])
    assert statuses[array].raw == "array"
    argvs = sorted(json.loads(p.read_text())["argv"][0] for p in tmp_path.glob("*.json"))
    assert argvs == ["lr=0.1", "lr=0.2", "lr=0.5", "x=1", "x=2"]
    assert manager.get_job_status("99999") == "unknown"


def test_mistakes_raise_one_exception_family(manager: LocalJobManager, tmp_path: Path) -> None:
    with pytest.raises(HSMConfigError, match="walltime"):
        LocalJobManager(walltime="25:99", backend=make_backend("local")).submit_sweep(
            [{"a": 1}], sweep_dir=tmp_path / "w", sweep_id="w"
        )
    with pytest.raises(HSMError, match="sweep id"):
        manager.submit_sweep([{"a": 1}], sweep_dir=tmp_path / "x", sweep_id="../escape")
    assert not (tmp_path / "w").exists() and not (tmp_path / "x").exists()


def test_a_missing_script_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    manager = LocalJobManager(walltime="00:01:00", script_path="nope.py", project_dir=tmp_path)
    with pytest.raises(HSMConfigError, match=r"script nope.py does not exist"):
        manager.submit_sweep([{"x": 1}], "individual", tmp_path / "sw", "missing")
    assert not (tmp_path / "sw").exists()


def test_a_malformed_job_id_is_an_hsm_error(manager: LocalJobManager) -> None:
    with pytest.raises(HSMConfigError, match="not a local job id"):
        manager.get_job_status("1; reboot")
    with pytest.raises(HSMConfigError, match="not a local job id"):
        manager.cancel(["../12"])
