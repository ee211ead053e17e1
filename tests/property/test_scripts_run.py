"""Law: any argument survives rendering and reaches the program unchanged when bash runs
the rendered script -- single jobs and arrays, on every scheduler's template.

The "program" is tests/helpers/argv_dump.py, which writes its argv as JSON.  Scheduler
directives are comments to bash, so running the script with the scheduler's environment
variables set (``PBS_O_WORKDIR``, the array index variable) exercises exactly the body a
compute node would run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsm.pure.jobspec import JobSpec, Task
from hsm.pure.render import render_script
from hsm.pure.schedulers import SCHEDULERS as RECORDS

DUMP = Path(__file__).resolve().parents[1] / "helpers" / "argv_dump.py"
SCHEDULERS = sorted(RECORDS)

# Anything a program can receive: every code point but NUL and lone surrogates.
ARG = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)
HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "a b",
        "'",
        '"',
        "$HOME",
        "${PATH}",
        "`id`",
        "$(id)",
        "; echo pwned",
        "\n",
        "a\nb",
        "\\",
        "\\'",
        "!",
        "*",
        "?",
        "~",
        "-n",
        "--",
        "--help",
        "é ü 漢字 🎉",
        "\t",
        "%A %a",
        "\r\n",
        "'\"'\"'",
        "lr=0.1; rm -rf /",
    ]
)
ARGV = st.lists(st.one_of(HOSTILE, ARG), min_size=0, max_size=6).map(tuple)


def _spec(scheduler: str, tasks: tuple[Task, ...], array: bool) -> JobSpec:
    return JobSpec(
        scheduler=scheduler,
        job_name="prop",
        walltime_seconds=600,
        log_path="prop.log",
        python_path=sys.executable,
        script_path=str(DUMP),
        tasks=tasks,
        array_text=",".join(str(t.index) for t in tasks) if array else None,
    )


def _run(script: str, scheduler: str, tmp: Path, index: int | None) -> list[str]:
    path = tmp / "job.sh"
    out = tmp / "argv.json"
    path.write_text(script, encoding="utf-8")
    env = {"PATH": os.environ["PATH"], "ARGV_OUT": str(out), "PBS_O_WORKDIR": str(tmp)}
    if index is not None:
        env[RECORDS[scheduler].index_var] = str(index)
    done = subprocess.run(
        ["bash", str(path)],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(out.read_text(encoding="utf-8")))


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(argv=ARGV)
def test_single_job_passes_argv_unchanged(
    scheduler: str, argv: tuple[str, ...], tmp_path: Path
) -> None:
    script = render_script(_spec(scheduler, (Task(None, argv),), array=False)).unwrap()
    assert _run(script, scheduler, tmp_path, None) == list(argv)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(argvs=st.lists(ARGV, min_size=1, max_size=5), first=st.integers(0, 5000))
def test_array_task_gets_exactly_its_argv(
    scheduler: str, argvs: list[tuple[str, ...]], first: int, tmp_path: Path
) -> None:
    tasks = tuple(Task(first + i, argv) for i, argv in enumerate(argvs))
    script = render_script(_spec(scheduler, tasks, array=True)).unwrap()
    for task in tasks:
        assert _run(script, scheduler, tmp_path, task.index) == list(task.argv)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_array_index_without_a_task_fails_loudly(scheduler: str, tmp_path: Path) -> None:
    script = render_script(_spec(scheduler, (Task(0, ("a=1",)),), array=True)).unwrap()
    path = tmp_path / "job.sh"
    path.write_text(script, encoding="utf-8")
    env = {
        "PATH": os.environ["PATH"],
        "ARGV_OUT": str(tmp_path / "o"),
        "PBS_O_WORKDIR": str(tmp_path),
        RECORDS[scheduler].index_var: "7",
    }
    done = subprocess.run(
        ["bash", str(path)], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 64
    assert "no task for array index 7" in done.stderr


@pytest.mark.parametrize("scheduler", SCHEDULERS)
@settings(max_examples=30, deadline=None)
@given(argvs=st.lists(ARGV, min_size=1, max_size=4))
def test_rendering_is_deterministic(scheduler: str, argvs: list[tuple[str, ...]]) -> None:
    tasks = tuple(Task(i, argv) for i, argv in enumerate(argvs))
    first = render_script(_spec(scheduler, tasks, array=True)).unwrap()
    assert first == render_script(_spec(scheduler, tasks, array=True)).unwrap()
