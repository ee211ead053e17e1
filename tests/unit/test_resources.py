"""Tests for hsm.pure.resources: native pass-through, cross translation, refusals, units.

The last section holds hypothesis laws (round trips through the other dialect, and
"nothing with a control character is ever accepted").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hsm.pure.errors import ConfigError
from hsm.pure.resources import (
    Directives,
    NodeShape,
    parse_resources,
    request_shape,
    resource_directives,
)
from hsm.pure.schedulers.pbs import resources as pbs_resources
from hsm.pure.schedulers.pbs import translate as pbs_translate
from hsm.pure.schedulers.pbs.sizes import pbs_size_bytes, render_pbs_size
from hsm.pure.schedulers.slurm import resources as slurm_resources
from hsm.pure.schedulers.slurm.sizes import render_slurm_size, slurm_size_bytes

GiB = 1024**3
MiB = 1024**2
ALL_TARGETS = ("slurm", "pbspro", "torque", "local")


def directives(text: str, target: str) -> Directives:
    return resource_directives(text, target).unwrap()


def error(text: str, target: str) -> ConfigError:
    result = resource_directives(text, target)
    failure = result.failure()
    assert isinstance(failure, ConfigError), result
    return failure


# ------------------------------------------------------------------ the seed case


def test_seed_resources_on_pbs_pro_pass_through_exactly() -> None:
    assert directives("select=1:ncpus=4:mem=16gb", "pbspro") == Directives(
        ("-l select=1:ncpus=4:mem=16gb",), None, None
    )


def test_seed_resources_on_slurm_are_translated() -> None:
    assert directives("select=1:ncpus=4:mem=16gb", "slurm").lines == (
        "--nodes=1",
        "--ntasks-per-node=1",
        "--cpus-per-task=4",
        "--mem=16G",
    )


# ------------------------------------------------------------------ native Slurm

SLURM_NATIVE = [
    # text, lines, queue, account
    (
        "--nodes=2 --ntasks-per-node=8 --mem=32G --gres=gpu:v100:2 --partition=gpu",
        ("--nodes=2", "--ntasks-per-node=8", "--mem=32G", "--gres=gpu:v100:2"),
        "gpu",
        None,
    ),
    ("--mem 16G", ("--mem=16G",), None, None),
    ("-p gpu", (), "gpu", None),
    ("-pgpu -N2", ("--nodes=2",), "gpu", None),
    ("-N 2", ("--nodes=2",), None, None),
    ("-c 4", ("--cpus-per-task=4",), None, None),
    ("-n 4", ("--ntasks=4",), None, None),
    ("-A acct", (), None, "acct"),
    ("--account acct --partition a,b", (), "a,b", "acct"),
    ("--gpus=2", ("--gpus=2",), None, None),
    ("-G 2", ("--gpus=2",), None, None),
    ("--gpus-per-node=a100:4", ("--gpus-per-node=a100:4",), None, None),
    ("--cpus-per-task 8 --mem-per-cpu 2G", ("--cpus-per-task=8", "--mem-per-cpu=2G"), None, None),
    ("--constraint=skylake --qos=long", ("--constraint=skylake", "--qos=long"), None, None),
    ("-C skylake -q long", ("--constraint=skylake", "--qos=long"), None, None),
    ("--exclusive", ("--exclusive",), None, None),
    ("--exclusive --nodes 2", ("--exclusive", "--nodes=2"), None, None),
    ("--exclusive=user", ("--exclusive=user",), None, None),
    ("--nodes=2-4", ("--nodes=2-4",), None, None),
    ("--mem=0", ("--mem=0",), None, None),
    ("--mem=4096", ("--mem=4096",), None, None),
    ("--gres=gpu:2,tmp:10G", ("--gres=gpu:2,tmp:10G",), None, None),
    (
        "--nodelist=node[01-04] --exclude=node05",
        ("--nodelist=node[01-04]", "--exclude=node05"),
        None,
        None,
    ),
    ("   --nodes=1    --mem=1G   ", ("--nodes=1", "--mem=1G"), None, None),
    ("--reservation=maint --tmp=100G", ("--reservation=maint", "--tmp=100G"), None, None),
    # job options on the allow-list (see the README's resources table)
    (
        "--mail-type=END,FAIL --mail-user=me@example.org",
        ("--mail-type=END,FAIL", "--mail-user=me@example.org"),
        None,
        None,
    ),
    ("--mail-type=time_limit_80", ("--mail-type=time_limit_80",), None, None),
    ("--signal=B:USR1@300", ("--signal=B:USR1@300",), None, None),
    ("--signal USR2", ("--signal=USR2",), None, None),
    ("--requeue", ("--requeue",), None, None),
    ("--no-requeue", ("--no-requeue",), None, None),
    ("--export=ALL", ("--export=ALL",), None, None),
    ("--export=NONE", ("--export=NONE",), None, None),
    ("--export ALL,OMP_NUM_THREADS=4,X=", ("--export=ALL,OMP_NUM_THREADS=4,X=",), None, None),
    ("--export A=1 --nodes=1", ("--export=A=1", "--nodes=1"), None, None),
    ("--comment=nightly-run", ("--comment=nightly-run",), None, None),
    ("--nice", ("--nice",), None, None),
    ("--nice=100", ("--nice=100",), None, None),
    (
        "--exclusive --qos=high -C a100",
        ("--exclusive", "--qos=high", "--constraint=a100"),
        None,
        None,
    ),
    ("-m block:cyclic", ("--distribution=block:cyclic",), None, None),
]


@pytest.mark.parametrize(("text", "lines", "queue", "account"), SLURM_NATIVE)
def test_slurm_native_is_kept_in_long_form(
    text: str,
    lines: tuple[str, ...],
    queue: str | None,
    account: str | None,
) -> None:
    assert directives(text, "slurm") == Directives(lines, queue, account)


# ------------------------------------------------------------------ native PBS

PBS_NATIVE = [
    ("select=1:ncpus=4:mem=16gb", ("-l select=1:ncpus=4:mem=16gb",), None, None),
    ("select=2:ncpus=8:mem=32gb:ngpus=1", ("-l select=2:ncpus=8:mem=32gb:ngpus=1",), None, None),
    ("select=1:ncpus=8+2:ncpus=4", ("-l select=1:ncpus=8+2:ncpus=4",), None, None),
    ("nodes=1:ppn=4", ("-l nodes=1:ppn=4",), None, None),
    ("nodes=2:ppn=8:gpus=1", ("-l nodes=2:ppn=8:gpus=1",), None, None),
    ("mem=16gb", ("-l mem=16gb",), None, None),
    ("place=scatter", ("-l place=scatter",), None, None),
    ("select=1:ncpus=4,place=free", ("-l select=1:ncpus=4", "-l place=free"), None, None),
    ("select=1:ncpus=4 place=free", ("-l select=1:ncpus=4", "-l place=free"), None, None),
    ("-l select=1:ncpus=4 -l place=free", ("-l select=1:ncpus=4", "-l place=free"), None, None),
    ("-lselect=1:ncpus=4", ("-l select=1:ncpus=4",), None, None),
    ("-l select=1:ncpus=4 -q gpu -A proj", ("-l select=1:ncpus=4",), "gpu", "proj"),
    ("-q gpu@server1", (), "gpu@server1", None),
    ("select=1:ncpus=4:host=node01", ("-l select=1:ncpus=4:host=node01",), None, None),
    ("nodes=node01:ppn=4+node02:ppn=2", ("-l nodes=node01:ppn=4+node02:ppn=2",), None, None),
    ("select=1:mem=8GB", ("-l select=1:mem=8GB",), None, None),
    ("mem=8g,vmem=16gb", ("-l mem=8g", "-l vmem=16gb"), None, None),
    ("software=matlab", ("-l software=matlab",), None, None),
    # job options on the allow-list (see the README's resources table)
    ("-m abe -M me@example.org", ("-m abe", "-M me@example.org"), None, None),
    ("-mae", ("-m ae",), None, None),
    ("-m n", ("-m n",), None, None),
    ("-m bj", ("-m bj",), None, None),
    ("-M a@x.org,b", ("-M a@x.org,b",), None, None),
    ("-r y", ("-r y",), None, None),
    ("-r n select=1:ncpus=2", ("-r n", "-l select=1:ncpus=2"), None, None),
    ("-V", ("-V",), None, None),
    ("-V -v OMP_NUM_THREADS=4,DEBUG", ("-V", "-v OMP_NUM_THREADS=4,DEBUG"), None, None),
    ("-W group_list=bio", ("-W group_list=bio",), None, None),
    ("-Wsandbox=PRIVATE -W umask=022", ("-W sandbox=PRIVATE", "-W umask=022"), None, None),
    ("-W stagein=in.dat@host:/data/in.dat", ("-W stagein=in.dat@host:/data/in.dat",), None, None),
    ("-W run_count=3", ("-W run_count=3",), None, None),
    ("-q gpu -m e -V", ("-m e", "-V"), "gpu", None),
]


@pytest.mark.parametrize(("text", "lines", "queue", "account"), PBS_NATIVE)
@pytest.mark.parametrize("target", ["pbspro", "torque"])
def test_pbs_native_is_kept_piece_by_piece(
    target: str,
    text: str,
    lines: tuple[str, ...],
    queue: str | None,
    account: str | None,
) -> None:
    assert directives(text, target) == Directives(lines, queue, account)


@pytest.mark.parametrize("text", [t for t, *_ in SLURM_NATIVE + PBS_NATIVE])
def test_local_ignores_resources(text: str) -> None:
    assert directives(text, "local") == Directives()


@pytest.mark.parametrize("target", ALL_TARGETS)
@pytest.mark.parametrize("text", ["", " ", "    "])
def test_blank_means_no_resources(text: str, target: str) -> None:
    assert directives(text, target) == Directives()
    assert parse_resources(text).unwrap().dialect == "empty"


# ------------------------------------------------------------------ Slurm -> PBS

SLURM_TO_PBS = [
    # text, pbspro lines, torque lines
    (
        "--nodes=2 --ntasks-per-node=8 --mem=32G --gres=gpu:2",
        ("-l select=2:ncpus=8:mpiprocs=8:mem=32gb:ngpus=2", "-l place=scatter"),
        ("-l nodes=2:ppn=8:gpus=2", "-l mem=64gb"),
    ),
    (
        "--cpus-per-task=4 --mem=16G",
        ("-l select=1:ncpus=4:mpiprocs=1:mem=16gb",),
        ("-l nodes=1:ppn=4", "-l mem=16gb"),
    ),
    ("-N 1 --ntasks-per-node=2 -c 4", ("-l select=1:ncpus=8:mpiprocs=2",), ("-l nodes=1:ppn=8",)),
    ("-N 2 -n 8", ("-l select=2:ncpus=4:mpiprocs=4", "-l place=scatter"), ("-l nodes=2:ppn=4",)),
    (
        "-N 2 -n 8 --ntasks-per-node=4",
        ("-l select=2:ncpus=4:mpiprocs=4", "-l place=scatter"),
        ("-l nodes=2:ppn=4",),
    ),
    ("--mem=512M", ("-l select=1:mem=512mb",), ("-l mem=512mb",)),
    ("--mem=1536M", ("-l select=1:mem=1536mb",), ("-l mem=1536mb",)),
    ("--mem=1T", ("-l select=1:mem=1tb",), ("-l mem=1tb",)),
    ("--mem=100K", ("-l select=1:mem=100kb",), ("-l mem=100kb",)),
    ("--mem=2048", ("-l select=1:mem=2gb",), ("-l mem=2gb",)),  # bare Slurm = MB
    ("--mem=16g", ("-l select=1:mem=16gb",), ("-l mem=16gb",)),
    (
        "--mem-per-cpu=2G -c 4 -N 2",
        ("-l select=2:ncpus=4:mpiprocs=1:mem=8gb", "-l place=scatter"),
        ("-l nodes=2:ppn=4", "-l mem=16gb"),
    ),
    ("--mem-per-cpu=1G", ("-l select=1:mem=1gb",), ("-l mem=1gb",)),
    ("--gres=gpu", ("-l select=1:ngpus=1",), ("-l nodes=1:gpus=1",)),
    ("--gres=gpu:4", ("-l select=1:ngpus=4",), ("-l nodes=1:gpus=4",)),
    ("--gpus-per-node=2 -N 3", ("-l select=3:ngpus=2", "-l place=scatter"), ("-l nodes=3:gpus=2",)),
    ("--gpus=4 -N 2", ("-l select=2:ngpus=2", "-l place=scatter"), ("-l nodes=2:gpus=2",)),
    ("-G 2", ("-l select=1:ngpus=2",), ("-l nodes=1:gpus=2",)),
    ("-N 2", ("-l select=2", "-l place=scatter"), ("-l nodes=2",)),
    ("-p gpu -A acct", (), ()),
]


@pytest.mark.parametrize(("text", "pbspro", "torque"), SLURM_TO_PBS)
def test_slurm_translates_to_pbs(
    text: str, pbspro: tuple[str, ...], torque: tuple[str, ...]
) -> None:
    assert directives(text, "pbspro").lines == pbspro
    assert directives(text, "torque").lines == torque


FLAGS_SLURM_TO_PBS = [
    # text, lines on PBS Pro and Torque (same for both)
    ("--mail-type=END,FAIL", ("-m ae",)),
    ("--mail-type=fail,end", ("-m ae",)),
    ("--mail-type=BEGIN,END,FAIL", ("-m abe",)),
    ("--mail-type=NONE", ("-m n",)),
    ("--mail-user=me@example.org", ("-M me@example.org",)),
    ("--requeue", ("-r y",)),
    ("--no-requeue", ("-r n",)),
    ("--export=ALL", ("-V",)),
    ("--export=ALL,A=1,B", ("-V", "-v A=1,B")),
    ("--export=A=1,B", ("-v A=1,B",)),
    (
        "--mem=8G --mail-type=END --mail-user=me --requeue --export=ALL",
        ("-l select=1:mem=8gb", "-m e", "-M me", "-r y", "-V"),
    ),
]


@pytest.mark.parametrize(("text", "lines"), FLAGS_SLURM_TO_PBS)
@pytest.mark.parametrize("target", ["pbspro", "torque"])
def test_slurm_job_options_translate_to_pbs(text: str, lines: tuple[str, ...], target: str) -> None:
    got = directives(text, target).lines
    if target == "torque":
        lines = tuple(line.replace("-l select=1:mem=8gb", "-l mem=8gb") for line in lines)
    assert got == lines


def test_array_task_mail_is_pbs_pro_j() -> None:
    assert directives("--mail-type=END,ARRAY_TASKS", "pbspro").lines == ("-m ej",)
    assert "no Torque equivalent" in error("--mail-type=END,ARRAY_TASKS", "torque").message


FLAGS_PBS_TO_SLURM = [
    ("-m ae", ("--mail-type=END,FAIL",)),
    ("-m abe", ("--mail-type=BEGIN,END,FAIL",)),
    ("-m bej", ("--mail-type=BEGIN,END,ARRAY_TASKS",)),
    ("-m n", ("--mail-type=NONE",)),
    ("-M me@example.org", ("--mail-user=me@example.org",)),
    ("-r y", ("--requeue",)),
    ("-r n", ("--no-requeue",)),
    ("-V", ("--export=ALL",)),
    ("-V -v A=1,B", ("--export=ALL,A=1,B",)),
    ("-v A=1,B", ("--export=A=1,B",)),
    (
        "select=1:ncpus=2 -m e -r y -V",
        (
            "--nodes=1",
            "--ntasks-per-node=1",
            "--cpus-per-task=2",
            "--mail-type=END",
            "--requeue",
            "--export=ALL",
        ),
    ),
]


@pytest.mark.parametrize(("text", "lines"), FLAGS_PBS_TO_SLURM)
def test_pbs_job_options_translate_to_slurm(text: str, lines: tuple[str, ...]) -> None:
    assert directives(text, "slurm").lines == lines


@pytest.mark.parametrize("text", [t for t, _ in FLAGS_SLURM_TO_PBS])
def test_job_options_survive_a_round_trip(text: str) -> None:
    pbs = " ".join(directives(text, "pbspro").lines)
    back = " ".join(directives(pbs, "slurm").lines)
    assert _shape(back, "pbspro").flags == _shape(text, "pbspro").flags


def test_slurm_queue_and_account_travel_separately() -> None:
    got = directives("-p gpu -A acct --nodes=1 --cpus-per-task=2", "pbspro")
    assert got == Directives(("-l select=1:ncpus=2:mpiprocs=1",), "gpu", "acct")


def test_slurm_exclusive_on_pbs_pro() -> None:
    assert directives("--exclusive", "pbspro").lines == ("-l place=excl",)
    assert directives("--exclusive -N 2", "pbspro").lines == (
        "-l select=2",
        "-l place=scatter:excl",
    )


# ------------------------------------------------------------------ PBS -> Slurm

PBS_TO_SLURM = [
    (
        "select=2:ncpus=8:mem=32gb:ngpus=1",
        ("--nodes=2", "--ntasks-per-node=1", "--cpus-per-task=8", "--mem=32G", "--gres=gpu:1"),
    ),
    ("select=2:ncpus=8:mpiprocs=8", ("--nodes=2", "--ntasks-per-node=8", "--cpus-per-task=1")),
    (
        "select=1:ncpus=8:mpiprocs=2:ompthreads=4",
        ("--nodes=1", "--ntasks-per-node=2", "--cpus-per-task=4"),
    ),
    ("select=ncpus=4", ("--nodes=1", "--ntasks-per-node=1", "--cpus-per-task=4")),
    ("select=3", ("--nodes=3",)),
    ("select=1:mem=1536MB", ("--nodes=1", "--mem=1536M")),
    ("select=1:mem=2097152kb", ("--nodes=1", "--mem=2G")),
    ("select=1:mem=8g", ("--nodes=1", "--mem=8G")),
    ("select=1:mem=1048576", ("--nodes=1", "--mem=1M")),  # bare PBS = bytes
    ("select=1:ngpus=0", ("--nodes=1",)),
    (
        "-l select=2:ncpus=2 -l place=scatter",
        ("--nodes=2", "--ntasks-per-node=1", "--cpus-per-task=2"),
    ),
    (
        "select=2:ncpus=2,place=scatter:excl",
        ("--nodes=2", "--ntasks-per-node=1", "--cpus-per-task=2", "--exclusive"),
    ),
    ("select=1:ncpus=2 place=pack", ("--nodes=1", "--ntasks-per-node=1", "--cpus-per-task=2")),
    ("place=exclhost", ("--exclusive",)),
    ("nodes=1:ppn=4", ("--nodes=1", "--ntasks-per-node=4")),
    ("nodes=2:ppn=8:gpus=1", ("--nodes=2", "--ntasks-per-node=8", "--gres=gpu:1")),
    ("nodes=2:ppn=8,mem=32gb", ("--nodes=2", "--ntasks-per-node=8", "--mem=16G")),
    ("nodes=2:ppn=8 mem=15gb", ("--nodes=2", "--ntasks-per-node=8", "--mem=7680M")),
    ("mem=16gb", ("--mem=16G",)),
    (
        "select=1:ncpus=4 mem=16gb",
        ("--nodes=1", "--ntasks-per-node=1", "--cpus-per-task=4", "--mem=16G"),
    ),
]


@pytest.mark.parametrize(("text", "lines"), PBS_TO_SLURM)
def test_pbs_translates_to_slurm(text: str, lines: tuple[str, ...]) -> None:
    assert directives(text, "slurm").lines == lines


def test_pbs_queue_and_account_travel_separately() -> None:
    got = directives("-l select=1:ncpus=4 -q gpu -A proj", "slurm")
    assert got.queue == "gpu"
    assert got.account == "proj"


# ------------------------------------------------------------------ refusals

INJECTIONS = [
    "select=1\n#SBATCH --wrap=rm",
    "select=1\r\n#PBS -N x",
    "select=1\r#SBATCH --wrap=rm",
    "--mem=1G\n--wrap=rm",
    "--mem=1G; rm -rf /",
    "--mem=1G && rm -rf /",
    "--mem=1G || true",
    "--mem=1G | tee x",
    "--partition=$(id)",
    "--partition=${HOME}",
    "--partition=$HOME",
    "--partition=`id`",
    "-l select=1 # x",
    "#SBATCH --wrap=rm",
    "select=1#x",
    "--mem=1G > /etc/passwd",
    "--mem=1G < /dev/zero",
    "--constraint='a'",
    '--constraint="a"',
    "--constraint=a\\ b",
    "select=1\x00",
    "select=1\x1b[31m",
    "select=1\x7f",
    "select=1\x85",
    "select=1\u2028#SBATCH --wrap=rm",
    "select=1\t-l place=free",
    "select=1\x0bx",
    "select=1\x0cx",
    "select=ncpus=é",
    "--partition=gpu\u200b",
    "--mem=1G\u00a0--wrap=x",
    "--partition=(gpu)",
    "--partition=gpu*",
    "--partition=gpu!",
    "--partition=~/x",
    "--partition={a,b}",
]


@pytest.mark.parametrize("target", ALL_TARGETS)
@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_attempts_are_refused_on_every_target(text: str, target: str) -> None:
    failure = error(text, target)
    assert "is not allowed in a resource string" in failure.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("select=1\n#SBATCH --wrap=rm", "control character U+000A"),
        ("select=1\r", "control character U+000D"),
        ("select=1\x00", "control character U+0000"),
        ("-l select=1 # x", "'#'"),
        ("--mem=1G; rm -rf /", "';' (a semicolon) in '--mem=1G;'"),
        ("--partition=$(id)", "'$' (a dollar sign) in '--partition=$(id)'"),
        ("--constraint='a'", "quote"),
        ("select=ncpus=é", "U+00E9"),
    ],
)
def test_refusal_messages_name_the_piece(text: str, words: str) -> None:
    assert words in error(text, "slurm").message


REFUSED = [
    # text, target, words in the message
    ("--time=10", "slurm", "walltime"),
    ("-t 10", "slurm", "walltime"),
    ("--time-min=10", "slurm", "walltime"),
    ("walltime=01:00:00", "pbspro", "walltime"),
    ("-l walltime=01:00:00", "torque", "walltime"),
    ("--wrap=rm", "slurm", "--wrap would replace it"),
    ("--output=x.log", "slurm", "hsm sets --output itself"),
    ("-o x.log", "slurm", "hsm sets --output itself"),
    ("--error=x", "slurm", "split tracebacks away"),
    ("-e x", "slurm", "put --error in hpc.slurm.extra"),
    ("--array=0-9", "slurm", "hsm sets --array itself"),
    ("--job-name=x", "slurm", "hsm sets --job-name itself"),
    ("-J x", "slurm", "hsm sets --job-name itself"),
    ("--dependency=afterok:1", "slurm", "hsm sets --dependency itself"),
    ("--chdir=/tmp", "slurm", "relative to the directory hsm submits from"),
    ("-D /tmp", "slurm", "--chdir would lose both"),
    ("--wait", "slurm", "hsm submits and then polls"),
    ("-W", "slurm", "hsm submits and then polls"),
    ("--test-only", "slurm", "submit nothing"),
    ("--parsable", "slurm", "put the line in hpc.slurm.extra"),
    ("--hold", "slurm", "not a Slurm resource option hsm knows"),
    ("-N job", "pbspro", "hsm sets -N itself (the job name"),
    ("-o x", "pbspro", "hsm sets -o itself (the log path"),
    ("-J 1-10", "pbspro", "hsm sets -J itself (the array range)"),
    ("-t 1-10", "torque", "hsm sets -t itself (the array range)"),
    ("-W depend=afterok:1", "pbspro", "hsm sets dependencies itself"),
    ("-Wdepend=afterok:1", "torque", "hsm sets dependencies itself"),
    ("-W block=true", "pbspro", "hsm submits and then polls"),
    ("-W foo=bar", "pbspro", "put other attributes in hpc.pbs.extra"),
    ("-W umask", "pbspro", "put other attributes in hpc.pbs.extra"),
    ("-W umask=999", "pbspro", "not a valid umask value"),
    ("-W sandbox=TMP", "pbspro", "not a valid sandbox value"),
    ("-e err.log", "pbspro", "PBS would ignore -e"),
    ("-j oe", "pbspro", "hsm sets -j itself (log joining"),
    ("-k oe", "torque", "away from the -o path"),
    ("-z", "pbspro", "would not print the job id"),
    ("-I", "pbspro", "not interactive ones"),
    ("-S /bin/sh", "pbspro", "put other options in hpc.pbs.extra"),
    ("-m x", "pbspro", "-m takes mail events"),
    ("-m j", "pbspro", "j only together with a, b or e"),
    ("-m an", "pbspro", "-m takes mail events"),
    ("-M a,,b", "pbspro", "-M takes mail recipients"),
    ("-r yes", "pbspro", "-r takes y or n"),
    ("-v 1A", "pbspro", "-v takes NAME"),
    ("-V x", "pbspro", "'x' is not a PBS resource"),
    ("-Vx", "pbspro", "-V takes no value"),
    ("-m ae -m b", "pbspro", "repeats option '-m'"),
    ("-W umask=022 -W umask=077", "pbspro", "repeats option '-W umask'"),
    ("--mail-type=SOMETIMES", "slurm", "'SOMETIMES' is not a --mail-type"),
    ("--mail-type=NONE,END", "slurm", "NONE cannot be combined"),
    ("--mail-user=a,b", "slurm", "Slurm has no list of recipients"),
    ("--signal=USR1@x", "slurm", "--signal must be"),
    ("--export=NONE,A", "slurm", "--export=NONE stands alone"),
    ("--export=1A", "slurm", "--export takes ALL, NONE, NIL"),
    ("--nice=-5", "slurm", "a whole number of 0 or more"),
    ("--requeue --no-requeue", "slurm", "contradicts '--requeue'"),
    ("--requeue=yes", "slurm", "takes no value"),
    ("--part=gpu", "slurm", "not a Slurm resource option hsm knows"),
    ("-Z", "slurm", "not a Slurm resource option hsm knows"),
    ("--", "slurm", "not a Slurm option"),
    ("gpu", "slurm", "'gpu' is not a Slurm option"),
    ("-N 2 gpu", "slurm", "'gpu' is not a Slurm option"),
    ("--exclusive user", "slurm", "'user' is not a Slurm option"),
    ("gpu", "pbspro", "'gpu' is not a PBS resource"),
    ("--mem", "slurm", "needs a value"),
    ("--mem=", "slurm", "empty value"),
    ("-p", "slurm", "needs a value"),
    ("--nodes -2", "slurm", "needs a value"),
    ("-l", "pbspro", "needs a value"),
    ("-q", "pbspro", "needs a value"),
    ("-N=2", "slurm", "after a space"),
    ("--nodes=0", "slurm", "positive number"),
    ("--nodes=two", "slurm", "positive number"),
    ("--ntasks=0", "slurm", "positive whole number"),
    ("-c x", "slurm", "positive whole number"),
    ("--mem=16X", "slurm", "must be a size"),
    ("--mem=16GB", "slurm", "must be a size"),
    ("--mem=-1", "slurm", "must be a size"),
    ("--exclusive=all", "slurm", "user, mcs, topo"),
    ("--contiguous=yes", "slurm", "takes no value"),
    ("--mem=1G --mem=2G", "slurm", "repeats '--mem=1G'"),
    ("-N 2 --nodes=3", "slurm", "repeats '-N 2'"),
    ("--partition=a:b", "slurm", "--partition must be a name"),
    ("--qos==x", "slurm", "must not start with '='"),
    ("select=1 --mem=1G", "slurm", "mixes Slurm options"),
    ("-l select=1 -N 2", "pbspro", "mixes Slurm options"),
    ("select=1,,mem=1gb", "pbspro", "empty piece"),
    ("select=1,", "pbspro", "empty piece"),
    ("select=", "pbspro", "not a PBS resource"),
    ("=1", "pbspro", "not a PBS resource"),
    ("1select=1", "pbspro", "not a PBS resource"),
    ("select=1:ncpus=x", "pbspro", "whole number for ncpus"),
    ("select=0:ncpus=1", "pbspro", "positive chunk count"),
    ("select=1:ncpus", "pbspro", "chunks joined by '+'"),
    ("select=1:ncpus=1:ncpus=2", "pbspro", "chunks joined by '+'"),
    ("select=1:mem=lots", "pbspro", "a size such as 16gb"),
    ("mem=16xb", "pbspro", "a size such as 16gb"),
    ("nodes=0:ppn=4", "torque", "N or a host name"),
    ("nodes=1:ppn=x", "torque", "ppn/gpus with a positive number"),
    ("place=everywhere", "pbspro", "free, pack, scatter"),
    ("mem=1gb mem=2gb", "pbspro", "repeats resource 'mem'"),
    ("select=1 nodes=1", "pbspro", "cannot be combined"),
    ("-q a -q b", "pbspro", "give one queue"),
    ("-A a -A b", "pbspro", "give one account"),
    ("-q gpu --", "pbspro", "'--' is not a Slurm option"),
    ("--mem=1G", "lsf", "unknown scheduler 'lsf'"),
]


@pytest.mark.parametrize(("text", "target", "words"), REFUSED)
def test_refusals(text: str, target: str, words: str) -> None:
    assert words in error(text, target).message


CROSS_REFUSED = [
    # Slurm -> PBS
    (
        "--constraint=skylake",
        "pbspro",
        "'--constraint=skylake' has no PBS Pro equivalent hsm can translate (PBS asks for node "
        "features as site-defined chunk resources); write the resources in PBS syntax "
        "(e.g. select=1:ncpus=4:mem=16gb) or set hpc.system=slurm",
    ),
    ("--qos=long", "torque", "'--qos=long' has no Torque equivalent"),
    ("--mem-per-gpu=8G", "pbspro", "no PBS Pro equivalent"),
    ("--nodelist=n01", "pbspro", "no PBS Pro equivalent"),
    ("--gres=gpu:v100:2", "pbspro", "names GPU type 'v100'"),
    ("--gres=gpu:v100:2", "torque", "drop the type (--gres=gpu:2)"),
    ("--gpus-per-node=a100:4", "pbspro", "names GPU type 'a100'"),
    ("--gpus=v100:2", "pbspro", "names GPU type 'v100'"),
    ("--gres=tmp:10G", "pbspro", "only --gres=gpu:N is"),
    ("--gres=gpu:2,tmp:10G", "pbspro", "not a GPU count"),
    ("--gres=gpu:0", "pbspro", "not a GPU count"),
    ("--gres=gpu:2 --gpus-per-node=2", "pbspro", "both ask for GPUs"),
    ("--gpus=3 -N 2", "pbspro", "does not split evenly over 2 nodes"),
    ("--ntasks=4", "pbspro", "without --nodes cannot be translated"),
    ("--ntasks=5 --nodes=2", "pbspro", "does not split evenly"),
    ("--ntasks=8 --nodes=2 --ntasks-per-node=3", "pbspro", "does not split evenly"),
    ("--nodes=2-4", "pbspro", "a node range cannot be translated"),
    ("--mem=0", "pbspro", "all of a node's memory"),
    ("--mem-per-cpu=0", "torque", "must be a positive size"),
    ("--mem=1G --mem-per-cpu=1G", "pbspro", "cannot be combined"),
    ("--exclusive=user", "pbspro", "use --exclusive alone"),
    ("--exclusive", "torque", "has no Torque equivalent"),
    ("--partition=a,b", "pbspro", "partition list 'a,b'"),
    # PBS -> Slurm
    ("select=1:ncpus=8+2:ncpus=4", "slurm", "different kinds of chunk"),
    (
        "select=1:ncpus=4:host=node01",
        "slurm",
        "'host=node01' in 'select=1:ncpus=4:host=node01' has no Slurm equivalent hsm can "
        "translate; write Slurm options",
    ),
    ("select=1:ncpus=4:mpiprocs=3", "slurm", "not a multiple of mpiprocs=3"),
    ("select=1:mpiprocs=3", "slurm", "give ncpus= with mpiprocs="),
    ("select=1:ncpus=0", "slurm", "must be at least 1"),
    ("select=1:ncpus=8:ompthreads=3", "slurm", "ompthreads must equal"),
    ("select=1:mem=1gw", "slurm", "word units"),
    ("select=1:mem=1000b", "slurm", "not a whole number of kilobytes"),
    ("select=1:mem=8gb mem=8gb", "slurm", "repeats the memory"),
    ("mem=1gw", "slurm", "word units"),
    ("nodes=2:ppn=8 mem=3b", "slurm", "does not split evenly over 2 nodes"),
    ("nodes=node01:ppn=4", "slurm", "names host 'node01'"),
    ("nodes=1:ppn=4+1:ppn=2", "slurm", "joins different node specs"),
    ("nodes=1:ppn=4:bigmem", "slurm", "'bigmem' in 'nodes=1:ppn=4:bigmem'"),
    ("select=2:ncpus=1 place=pack", "slurm", "puts all chunks on one host"),
    ("place=group=switch", "slurm", "no Slurm equivalent"),
    ("vmem=16gb", "slurm", "'vmem=16gb' has no Slurm equivalent"),
    ("software=matlab", "slurm", "no Slurm equivalent"),
    ("-l select=1 -q gpu@server1", "slurm", "names a PBS server"),
    # placement: translated by the node count, or refused -- never dropped
    ("place=scatter", "slurm", "without select= or nodes= there is one chunk"),
    ("place=free", "slurm", "without select= or nodes= there is one chunk"),
    ("select=2:ncpus=1 place=free", "slurm", "use place=scatter for one chunk per node"),
    ("nodes=2:ppn=1 place=free", "slurm", "several chunks on one host"),
    ("select=2:ncpus=1 place=vscatter", "slurm", "a vnode is not a node"),
    ("select=1:ncpus=1 place=shared", "slurm", "the partition's setting"),
    # job options
    ("--qos=long", "pbspro", "PBS has no quality of service; pick a queue with -q"),
    ("--signal=B:USR1@60", "torque", "no warning signal before the walltime"),
    ("--reservation=r1", "pbspro", "use -q R<id>"),
    ("--comment=x", "pbspro", "qsub sets no job comment"),
    ("--nice=5", "pbspro", "a different scale"),
    ("--constraint=a100", "torque", "site-defined chunk resources"),
    ("--mail-type=ALL", "pbspro", "write --mail-type=BEGIN,END,FAIL (PBS -m abe)"),
    ("--mail-type=END,REQUEUE", "pbspro", "no mail when a job is requeued"),
    ("--mail-type=TIME_LIMIT_90", "torque", "as the walltime nears"),
    ("--mail-type=ARRAY_TASKS", "pbspro", "only together with begin, end or abort"),
    ("--export=NONE", "pbspro", "already start without your environment"),
    ("--export=NIL", "torque", "already start without your environment"),
    ("-M a@x.org,b@x.org", "slurm", "takes one user or address"),
    ("-W group_list=bio", "slurm", "'-W group_list=bio' has no Slurm equivalent"),
    ("-W umask=022 select=1", "slurm", "no Slurm equivalent"),
]


@pytest.mark.parametrize(("text", "target", "words"), CROSS_REFUSED)
def test_cross_refusals_name_the_piece_and_say_how(text: str, target: str, words: str) -> None:
    assert words in error(text, target).message


def test_ambiguous_q_needs_a_dialect() -> None:
    assert "ambiguous" in parse_resources("-q gpu").failure().message
    assert directives("-q gpu", "pbspro").queue == "gpu"
    assert directives("-q gpu", "slurm") == Directives(("--qos=gpu",), None, None)


def test_account_alone_works_in_both_dialects() -> None:
    assert directives("-A proj", "slurm").account == "proj"
    assert directives("-A proj", "torque").account == "proj"


def test_errors_carry_the_path() -> None:
    failure = resource_directives("--wrap=x", "slurm", path="$.hpc.default_resources").failure()
    assert failure.path == "$.hpc.default_resources"


def test_every_error_is_one_sentence() -> None:
    for text, target, _ in REFUSED + CROSS_REFUSED:
        message = error(text, target).message
        assert "\n" not in message
        assert not message.endswith(".")


# ------------------------------------------------------------------ units


@pytest.mark.parametrize(
    ("text", "nbytes"),
    [
        ("16gb", 16 * GiB),
        ("16GB", 16 * GiB),
        ("16Gb", 16 * GiB),
        ("16g", 16 * GiB),
        ("512mb", 512 * MiB),
        ("1kb", 1024),
        ("1tb", 1024 * GiB),
        ("1pb", 1024**5),
        ("100", 100),
        ("100b", 100),
        ("0", 0),
        ("1gw", None),
        ("1w", None),
        ("1.5gb", None),
        ("gb", None),
        ("-1gb", None),
        ("1xb", None),
        ("1 gb", None),
    ],
)
def test_pbs_sizes(text: str, nbytes: int | None) -> None:
    assert pbs_size_bytes(text) == nbytes


@pytest.mark.parametrize(
    ("text", "nbytes"),
    [
        ("32G", 32 * GiB),
        ("32g", 32 * GiB),
        ("512M", 512 * MiB),
        ("4096", 4096 * MiB),
        ("100K", 100 * 1024),
        ("1T", 1024 * GiB),
        ("0", 0),
        ("32GB", None),
        ("1.5G", None),
        ("G", None),
        ("1P", None),
        ("-1G", None),
    ],
)
def test_slurm_sizes(text: str, nbytes: int | None) -> None:
    assert slurm_size_bytes(text) == nbytes


@pytest.mark.parametrize(
    ("nbytes", "pbs", "slurm"),
    [
        (16 * GiB, "16gb", "16G"),
        (1536 * MiB, "1536mb", "1536M"),
        (1024 * GiB, "1tb", "1T"),
        (3 * 1024, "3kb", "3K"),
        (100, "100b", None),
        (GiB + 1, f"{GiB + 1}b", None),
    ],
)
def test_size_rendering(nbytes: int, pbs: str, slurm: str | None) -> None:
    assert render_pbs_size(nbytes) == pbs
    assert render_slurm_size(nbytes) == slurm
    assert pbs_size_bytes(pbs) == nbytes


# ------------------------------------------------------------------ laws (hypothesis)

sizes = st.integers(1, 4096).map(lambda n: n * MiB)


@st.composite
def slurm_requests(draw: st.DrawFn) -> str:
    """Sane Slurm resource strings in a mix of spellings."""
    parts = []
    nodes = draw(st.none() | st.integers(1, 16))
    if nodes is not None:
        parts.append(draw(st.sampled_from([f"--nodes={nodes}", f"-N {nodes}", f"-N{nodes}"])))
    tasks = draw(st.none() | st.integers(1, 64))
    if tasks is not None:
        parts.append(f"--ntasks-per-node={tasks}")
    cpus = draw(st.none() | st.integers(1, 64))
    if cpus is not None:
        parts.append(draw(st.sampled_from([f"--cpus-per-task={cpus}", f"-c {cpus}"])))
    mem = draw(st.none() | st.integers(1, 4096))
    if mem is not None:
        parts.append(draw(st.sampled_from([f"--mem={mem}M", f"--mem {mem}", f"--mem={mem}G"])))
    gpus = draw(st.none() | st.integers(1, 8))
    if gpus is not None:
        parts.append(draw(st.sampled_from([f"--gres=gpu:{gpus}", f"--gpus-per-node={gpus}"])))
    if draw(st.booleans()):
        parts.append("-p gpu")
    return " ".join(draw(st.permutations(parts)))


def _shape(text: str, target: str) -> NodeShape:
    return request_shape(parse_resources(text).unwrap(), target).unwrap()


def _portable(shape: NodeShape) -> tuple[int, int | None, int | None, int | None]:
    return (shape.nodes or 1, shape.cpus_per_node, shape.mem_per_node, shape.gpus_per_node)


@given(slurm_requests())
def test_slurm_to_pbspro_and_back_keeps_nodes_cpus_mem_gpus(text: str) -> None:
    pbs = " ".join(line.removeprefix("-l ") for line in directives(text, "pbspro").lines)
    back = " ".join(directives(pbs, "slurm").lines)
    assert _portable(_shape(back, "")) == _portable(_shape(text, "pbspro"))


@given(slurm_requests())
def test_slurm_to_torque_and_back_keeps_nodes_cpus_mem_gpus(text: str) -> None:
    torque = " ".join(directives(text, "torque").lines)
    back = " ".join(directives(torque, "slurm").lines)
    assert _portable(_shape(back, "")) == _portable(_shape(text, "torque"))


@given(slurm_requests())
def test_translating_twice_is_stable(text: str) -> None:
    once = " ".join(directives(text, "pbspro").lines)
    back = " ".join(directives(once, "slurm").lines)
    assert " ".join(directives(back, "pbspro").lines) == once


_CONTROL = [chr(c) for c in [*range(32), *range(127, 160)]] + ["\u2028", "\u2029"]


@given(
    st.one_of(slurm_requests(), st.text()),
    st.sampled_from(_CONTROL),
    st.integers(0, 80),
    st.sampled_from(ALL_TARGETS),
)
def test_no_string_with_a_control_character_is_accepted(
    text: str,
    char: str,
    at: int,
    target: str,
) -> None:
    at = min(at, len(text))
    assert isinstance(
        resource_directives(text[:at] + char + text[at:], target).failure(), ConfigError
    )


FRAGMENTS = [
    "-l",
    "-q",
    "-A",
    "-N",
    "-n",
    "-c",
    "-p",
    "-t",
    "--mem",
    "--nodes",
    "--exclusive",
    "gpu",
    "2",
    "16G",
    "select=2:ncpus=4",
    "nodes=1:ppn=2",
    "mem=1gb",
    "place=scatter",
    "--gres=gpu:1",
    "--gpus=2",
    "-N2",
    "select=1:ncpus=8+1:ncpus=2",
    "--ntasks=4",
    "place=excl",
    "mem=3b",
]
_SAFE_LINE = re.compile(r"[A-Za-z0-9 _.:+=@%/,\-\[\]]+", re.ASCII)


@given(
    st.one_of(
        slurm_requests(),
        st.text(),
        st.text(alphabet=" -=:,+abcdeglmnpqsA0123#$;\n"),
        st.text(alphabet=" -=:,+@%/._[]abcdegilmnpqrstuwxANGCLOW0123456789"),
        st.lists(st.sampled_from(FRAGMENTS)).map(" ".join),
    ),
    st.sampled_from(ALL_TARGETS),
)
def test_accepted_strings_give_safe_single_lines(text: str, target: str) -> None:
    result = resource_directives(text, target)
    if isinstance(result.value_or(None), Directives):
        got = result.unwrap()
        for line in got.lines:
            assert _SAFE_LINE.fullmatch(line), line
            assert re.fullmatch(r"--[a-z-]+(=\S+)?|-[lmMrvW] \S+|-V", line), line
        for name in (got.queue, got.account):
            assert name is None or _SAFE_LINE.fullmatch(name)


# ------------------------------------------------------------------ the README's tables

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
RESOURCES_DOC = README.split("### Resources: what passes", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize(
    "option",
    [
        *(f"--{name}" for name in slurm_resources.SET_BY_HSM),
        *(f"--{name}" for name in slurm_resources.BREAKS_HSM),
        *(f"--{name}" for name in slurm_resources.RESOURCES_ONLY_REFUSED),
        *(f"--{name}" for name in pbs_translate.LACKS if "=" not in name),
        *(f"--{name}" for name in ("mail-type", "mail-user", "requeue", "no-requeue", "export")),
        *(f"-{letter}" for letter in pbs_resources.SET_BY_HSM),
        *(f"-{letter}" for letter in pbs_resources.BREAKS_HSM),
        *(f"-{letter}" for letter in pbs_resources.JOB_OPTIONS),
        *(f"{attr}" for attr in pbs_resources.W_ATTRIBUTES),
        *(f"-W {attr}=" for attr in pbs_resources.W_REFUSED),
    ],
)
def test_readme_names_every_allowed_and_refused_option(option: str) -> None:
    assert f"`{option}" in RESOURCES_DOC or f" {option}`" in RESOURCES_DOC
