"""Settings that land in job scripts are checked in one place.

:func:`hsm.pure.job_settings.check_job_values` owns every rule; the API (planning and
resubmission), the CLI's early check and the renderer call it, and the CLI only adds
where a bad value came from.  These tests fail if a caller re-implements a check or a
parser is called from a second place.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

import pytest
from returns.result import Failure

import hsm.pure.job_settings as job_settings
from hsm import api
from hsm.cli.inputs import check_settings, settings
from hsm.pure.errors import ConfigError
from hsm.pure.job_settings import FIELDS, JobValues, check_job_values

HSM = Path(__file__).resolve().parents[2] / "hsm"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project: no config file anywhere, no ``HSM_HPC_*`` variable."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in [n for n in os.environ if n.startswith("HSM_")]:
        monkeypatch.delenv(name)
    return tmp_path


def _api_error(tmp_path: Path, **options: object) -> ConfigError:
    chosen = api.JobOptions(project_dir=tmp_path, **options)  # type: ignore[arg-type]
    return api.sweep_settings(chosen, "slurm", "array", "s", tmp_path / "s", 1001).failure()


def _cli_error(flags: dict[str, object], files: list[tuple[str, object]]) -> str:
    args = argparse.Namespace(hsm_config=None)
    return str(settings(args, flags, files).bind(check_settings).failure())


SOURCES = [
    ("flag", {"walltime": "bogus"}, [], {}, "option --walltime: "),
    ("env", {}, [], {"HSM_HPC_WALLTIME": "bogus"}, "environment variable HSM_HPC_WALLTIME: "),
    (
        "file",
        {},
        [("c.yaml", {"hpc": {"default_walltime": "bogus"}})],
        {},
        "c.yaml (hpc.default_walltime): ",
    ),
]


@pytest.fixture(params=SOURCES, ids=lambda source: source[0])
def source(
    request: pytest.FixtureRequest, project: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, object], list[tuple[str, object]], str]:
    """Where the bad walltime comes from (its variables set): flags, files, the label."""
    _, flags, files, env, label = request.param
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return flags, files, label


def test_the_cli_names_the_source_of_the_apis_own_walltime_error(
    project: Path, source: tuple[dict[str, object], list[tuple[str, object]], str]
) -> None:
    flags, files, label = source
    expected = _api_error(project, walltime="bogus")
    assert expected.message.startswith("walltime 'bogus' ")
    assert _cli_error(flags, files) == label + expected.message


def test_cli_and_api_walltime_errors_come_from_the_same_function(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: tuple[dict[str, object], list[tuple[str, object]], str],
) -> None:
    """Replace the one parser check_job_values calls: every caller must see the change."""
    flags, files, label = source
    seen: list[str] = []

    def parse(text: str, *, path: str = "") -> Failure[ConfigError]:
        seen.append(text)
        return Failure(ConfigError(f"sentinel for {text}"))

    monkeypatch.setattr(job_settings, "parse_walltime", parse)
    assert _api_error(project, walltime="bogus").message == "sentinel for bogus"
    assert _cli_error(flags, files) == label + "sentinel for bogus"
    resubmit = api._checked_changes(api.Changes(walltime="bogus")).failure()
    assert str(resubmit) == "sentinel for bogus @ --walltime"
    assert seen == ["bogus", "bogus", "bogus"]


def test_resubmit_walltime_error_is_the_run_error_naming_the_option(project: Path) -> None:
    run = _api_error(project, walltime="1:60:00")
    resubmit = api._checked_changes(api.Changes(walltime="1:60:00")).failure()
    assert resubmit == ConfigError(run.message, "--walltime")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (JobValues(walltime="0"), "walltime"),
        (JobValues(resources="mem=1G; rm -rf ~"), "resources"),
        (JobValues(queue="a b"), "queue"),
        (JobValues(account="x#y"), "account"),
        (JobValues(setup=("ok", "two\nlines")), "setup"),
        (JobValues(throttle=0), "throttle"),
        (JobValues(dependencies=("afterok:",)), "dependencies"),
    ],
)
def test_each_failure_names_its_field(values: JobValues, field: str) -> None:
    bad = check_job_values(values).failure()
    assert bad.field == field and field in FIELDS


def test_extra_lines_are_checked_once_the_scheduler_is_known() -> None:
    values = JobValues(extra=("--job-name=y",))
    assert check_job_values(values).unwrap().walltime_seconds is None
    bad = check_job_values(values, "slurm").failure()
    assert bad.field == "extra" and bad.error.path == "$.hpc.slurm.extra[0]"
    assert check_job_values(JobValues(), "lsf").failure().field == "scheduler"


def test_the_cli_relabels_a_partition_error_without_changing_it(
    project: Path,
) -> None:
    own = check_job_values(JobValues(queue="a b", queue_name="partition")).failure()
    assert _cli_error({"partition": "a b"}, []) == f"option --partition: {own.error.message}"


def _callers(name: str, *owners: str) -> list[str]:
    """Every ``hsm/`` module (outside ``owners``) that calls ``name``."""
    call = re.compile(rf"\b{name}\(")
    found = []
    for path in sorted(HSM.rglob("*.py")):
        relative = str(path.relative_to(HSM.parent))
        if relative in owners:
            continue
        text = "\n".join(
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith((">>>", "..."))  # doctests are examples
        )
        if call.search(text):
            found.append(relative)
    return found


@pytest.mark.parametrize(
    ("name", "owners"),
    [
        ("parse_walltime", ("hsm/pure/walltime.py",)),
        ("parse_dependency", ("hsm/pure/jobspec.py",)),
        ("parse_resources", ("hsm/pure/resources.py",)),
        ("extra_directives", ("hsm/pure/resources.py",)),
    ],
)
def test_each_setting_is_read_from_one_place(name: str, owners: tuple[str, ...]) -> None:
    assert _callers(name, *owners) == ["hsm/pure/job_settings.py"]
