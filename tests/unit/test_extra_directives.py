"""The escape hatch: ``hpc.slurm.extra`` / ``hpc.pbs.extra`` directive lines.

Accepted lines are written verbatim, one ``#SBATCH``/``#PBS`` line each, after hsm's own
directives; a line that could start another line, or that sets what hsm sets itself (or
needs), is refused with the reason and the index of the line.
"""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Success

from hsm.api import JobOptions, sweep_settings
from hsm.pure.errors import ConfigError
from hsm.pure.jobspec import JobSpec, Task
from hsm.pure.plan import plan_jobs
from hsm.pure.render import render_script
from hsm.pure.resources import extra_directives

PREFIX = {"slurm": "#SBATCH ", "pbspro": "#PBS ", "torque": "#PBS ", "sge": "#$ "}


def spec(target: str, extra: tuple[str, ...] = (), resources: str = "") -> JobSpec:
    return JobSpec(
        scheduler=target,
        job_name="job",
        walltime_seconds=600,
        log_path="logs/job.log",
        python_path="python",
        script_path="train.py",
        tasks=(Task(None, ("x=1",)),),
        resources=resources,
        extra=extra,
    )


def refusal(lines: list[str], target: str) -> ConfigError:
    result = extra_directives(lines, target, path="$.hpc.x.extra")
    failure = result.failure()
    assert isinstance(failure, ConfigError), result
    return failure


# ------------------------------------------------------------------ accepted, rendered

ACCEPTED = [
    ("slurm", "--gpu-freq=high"),
    ("slurm", '--comment="two words"'),
    ("slurm", "--error=logs/err_%j.log"),
    ("slurm", "-e logs/err.log"),
    ("slurm", "--time-min=01:00:00"),
    ("slurm", "--hold"),
    ("slurm", "--mail-type=END --mail-user=me@example.org"),
    ("slurm", "--licenses=matlab:1"),
    ("slurm", "--acctg-freq=task=30"),
    ("slurm", "--wckey=proj"),
    ("pbspro", "-l software=abaqus"),
    ("pbspro", "-W umask=022"),
    ("pbspro", "-W max_run_subjobs=4"),
    ("pbspro", "-P project42"),
    ("pbspro", "-m ae -M me@example.org"),
    ("pbspro", "-S /bin/bash"),
    ("torque", "-l nodes=1:ppn=4:bigmem"),
    ("torque", "-d /scratch/me"),
    ("torque", "-p 10"),
    ("sge", "-P project42"),
    ("sge", "-l gpu=1"),
    ("sge", "-m ea -M me@example.org"),
]


@pytest.mark.parametrize(("target", "line"), ACCEPTED)
def test_accepted_lines_are_written_verbatim_after_hsms_directives(target: str, line: str) -> None:
    plain = render_script(spec(target)).unwrap().splitlines()
    with_extra = render_script(spec(target, (line,))).unwrap().splitlines()
    log_line = next(
        k
        for k, text in enumerate(plain)
        if text.startswith(PREFIX[target] + ("-o " if target != "slurm" else "--output="))
    )
    assert with_extra == [*plain[: log_line + 1], PREFIX[target] + line, *plain[log_line + 1 :]]


def test_lines_keep_their_order_and_surrounding_spaces_go() -> None:
    got = extra_directives(["  --qos=long ", "--gpu-freq=high"], "slurm").unwrap()
    assert got == ("--qos=long", "--gpu-freq=high")


def test_no_extra_changes_nothing() -> None:
    for target in PREFIX:
        assert render_script(spec(target)).unwrap() == render_script(spec(target, ())).unwrap()


def test_local_ignores_extra_lines_after_screening_them() -> None:
    assert extra_directives(["--qos=long"], "local").unwrap() == ()
    assert render_script(spec("local", ("--qos=long",))).unwrap() == (
        render_script(spec("local")).unwrap()
    )
    assert isinstance(extra_directives(["--qos=x\nrm -rf /"], "local"), Failure)


def test_extra_lines_travel_from_job_options_to_every_script(tmp_path: Path) -> None:
    options = JobOptions(extra=("--gpu-freq=high",), project_dir=tmp_path)
    settings = sweep_settings(options, "slurm", "individual", "s1", tmp_path / "s1", 1001)
    jobs = plan_jobs(settings.unwrap(), [("a=1",), ("a=2",)]).unwrap()
    assert len(jobs) == 2
    assert all("\n#SBATCH --gpu-freq=high\n" in job.script for job in jobs)


def test_a_bad_extra_line_stops_planning_and_names_the_setting(tmp_path: Path) -> None:
    options = JobOptions(extra=("--qos=x", "--job-name=y"), project_dir=tmp_path)
    # checked with the other settings, before anything is planned ...
    failure = sweep_settings(options, "slurm", "array", "s1", tmp_path / "s1", 1001).failure()
    assert "--job-name" in failure.message
    assert failure.path == "$.hpc.slurm.extra[1]"
    # ... and refused the same way by the planner when settings come from elsewhere
    good = sweep_settings(
        JobOptions(project_dir=tmp_path), "slurm", "array", "s1", tmp_path / "s1", 1001
    ).unwrap()
    assert plan_jobs(replace(good, extra=options.extra), [("a=1",)]).failure() == failure


# ------------------------------------------------------------------ refused

REFUSED = [
    # target, line, words in the message
    ("slurm", "--job-name=x", "sets --job-name, which hsm sets itself"),
    ("slurm", "-J x", "sets --job-name"),
    ("slurm", "-Jx", "sets --job-name"),
    ("slurm", "--job=x", "sets --job-name"),  # sbatch takes unambiguous prefixes
    ("slurm", "--output=x.log", "sets --output"),
    ("slurm", "--out x.log", "sets --output"),
    ("slurm", "-o x.log", "sets --output"),
    ("slurm", "--array=0-3", "sets --array"),
    ("slurm", "-a 0-3", "sets --array"),
    ("slurm", "--dependency=afterok:1", "sets --dependency"),
    ("slurm", "-d afterok:1", "sets --dependency"),
    ("slurm", "--time=10", "sets --time"),
    ("slurm", "-t 10", "sets --time"),
    ("slurm", "--partition=gpu", "hpc.slurm.partition"),
    ("slurm", "-p gpu", "sets --partition"),
    ("slurm", "--account=a", "sets --account"),
    ("slurm", "-A a", "sets --account"),
    ("slurm", "--qos=long --job-name=x", "sets --job-name"),  # every option on the line
    ("slurm", "--wrap=rm", "--wrap would replace it"),
    ("slurm", "--chdir=/tmp", "--chdir would lose both"),
    ("slurm", "-D /tmp", "--chdir would lose both"),
    ("slurm", "--wait", "hsm submits and then polls"),
    ("slurm", "-W", "hsm submits and then polls"),
    ("slurm", "--test-only", "submit nothing"),
    ("slurm", "-HJx", "write short options one by one"),
    ("pbspro", "-N name", "sets -N, which hsm sets itself"),
    ("pbspro", "-o x.log", "sets -o"),
    ("pbspro", "-j eo", "sets -j"),
    ("pbspro", "-J 1-4", "sets -J"),
    ("torque", "-t 1-4", "sets -t"),
    ("pbspro", "-q gpu", "hpc.pbs.queue"),
    ("torque", "-A acct", "hpc.pbs.account"),
    ("pbspro", "-l walltime=01:00:00", "sets the walltime"),
    ("pbspro", "-l select=1:ncpus=2,walltime=1:00:00", "sets the walltime"),
    ("pbspro", "-lwalltime=1:00:00", "sets the walltime"),
    ("pbspro", "-W depend=afterok:1", "hsm sets dependencies itself"),
    ("pbspro", "-W umask=022,depend=afterok:1", "hsm sets dependencies itself"),
    ("pbspro", "-W block=true", "hsm submits and then polls"),
    ("pbspro", "-e err.log", "PBS would ignore -e"),
    ("torque", "-k oe", "away from the -o path"),
    ("pbspro", "-z", "would not print the job id"),
    ("pbspro", "-I", "not interactive ones"),
    ("pbspro", "-Vz", "bundles several options"),
    ("pbspro", "-m ae -N x", "sets -N"),
    # not an option, or not one line
    ("slurm", "#SBATCH --qos=long", "without '#SBATCH' (hsm adds the directive prefix)"),
    ("pbspro", "#PBS -m ae", "without '#PBS'"),
    ("sge", "  #$ -l h_vmem=1G", "without '#$'"),
    ("slurm", "qos=long", "must start with an option"),
    ("slurm", "", "must start with an option"),
    ("pbspro", "   ", "must start with an option"),
]


@pytest.mark.parametrize(("target", "line", "words"), REFUSED)
def test_refused_lines_say_why(target: str, line: str, words: str) -> None:
    failure = refusal(["--qos=ok" if target == "slurm" else "-m ae", line], target)
    assert words in failure.message
    assert failure.path == "$.hpc.x.extra[1]"
    assert "\n" not in failure.message


INJECTIONS = [
    "--qos=x\n#SBATCH --wrap=rm -rf ~",
    "--qos=x\nrm -rf ~",
    "--qos=x\r\n#PBS -N evil",
    "--qos=x\rrm -rf ~",
    "--qos=x\x00",
    "--qos=x\x0bx",
    "--qos=x\x0cx",
    "--qos=x\x1b[31m",
    "--qos=x\x85rm",
    "--qos=x\u2028rm",
    "--qos=x\u2029rm",
    "--qos=x\tx",
    "-m ae\n#PBS -W depend=afterok:1",
]


@pytest.mark.parametrize("target", ["slurm", "pbspro", "torque", "local"])
@pytest.mark.parametrize("line", INJECTIONS)
def test_nothing_can_start_another_line(target: str, line: str) -> None:
    assert "must be one line" in refusal([line], target).message
    assert isinstance(render_script(spec(target, (line,))), Failure)


@given(
    st.one_of(st.text(), st.text().map("--comment={}".format), st.text().map("-W x={}".format)),
    st.sampled_from(["slurm", "pbspro", "torque"]),
)
def test_any_accepted_line_is_exactly_one_comment_line(line: str, target: str) -> None:
    result = extra_directives([line], target)
    if not isinstance(result, Success):
        return
    (checked,) = result.unwrap()
    plain = render_script(spec(target)).unwrap().splitlines()
    got = render_script(spec(target, (line,))).unwrap().splitlines()
    assert len(got) == len(plain) + 1
    assert PREFIX[target] + checked in got
    assert set(got) - set(plain) == {PREFIX[target] + checked}


@pytest.mark.parametrize(("target", "line"), ACCEPTED)
def test_scripts_with_extra_lines_still_parse_as_bash(
    target: str, line: str, tmp_path: Path
) -> None:
    script = tmp_path / "job.sh"
    script.write_text(render_script(spec(target, (line,))).unwrap(), encoding="utf-8")
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
