"""A table of user mistakes: each exits with the right code, one line, and leaves nothing.

Every case runs in a fresh project.  It must exit non-zero with its documented code,
print one ``hsm: error:`` line on stderr (plus at most a ``hint:`` line) and no
traceback, and leave the project tree, the local spool -- and, in the Slurm variant,
the queue -- exactly as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.conftest import Hsm, squeue_jobs, tree

USAGE, SCHEDULER, STATE = 2, 3, 4
RUN = ("sweep", "run", "--config", "examples/sweep.yaml")


def _write(name: str, text: str) -> Callable[[Hsm], None]:
    def setup(hsm: Hsm) -> None:
        path = hsm.cwd / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    return setup


def _rendered_then_tampered(hsm: Hsm) -> None:
    hsm.ok(
        "sweep", "render", "--config", "examples/sweep.yaml", "--system", "local", "--sweep-id", "t"
    )
    script = hsm.cwd / "sweeps/t/scripts/array_000.sh"
    script.write_text(script.read_text().replace("train.py", "evil.py"))


def _rendered_then_script_deleted(hsm: Hsm) -> None:
    hsm.ok(
        "sweep", "render", "--config", "examples/sweep.yaml", "--system", "local", "--sweep-id", "t"
    )
    (hsm.cwd / "sweeps/t/scripts/array_000.sh").unlink()


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    code: int
    says: str  # a phrase the error line must contain (case-insensitive)
    setup: Callable[[Hsm], None] | None = None
    env: tuple[tuple[str, str], ...] = ()


CASES = [
    # walltimes
    Case("walltime-letters", (*RUN, "--walltime", "abc"), USAGE, "walltime 'abc'"),
    Case("walltime-minutes-61", (*RUN, "--walltime", "25:61:00"), USAGE, "minutes=61"),
    Case("walltime-negative", (*RUN, "--walltime=-1:00:00"), USAGE, "sign"),
    Case("walltime-zero", (*RUN, "--walltime", "0:00:00"), USAGE, "zero"),
    Case("walltime-empty", (*RUN, "--walltime", ""), USAGE, "walltime"),
    Case("walltime-four-fields", (*RUN, "--walltime", "1:2:3:4"), USAGE, "recognised form"),
    Case("walltime-env", RUN, USAGE, "HSM_HPC_WALLTIME", env=(("HSM_HPC_WALLTIME", "soon"),)),
    # resources and other directive values with injection attempts
    Case(
        "resources-newline-directive",
        (*RUN, "--resources", "mem=1G\n#SBATCH --wrap=id"),
        USAGE,
        "resource",
    ),
    Case("resources-semicolon", (*RUN, "--resources", "mem=1G; rm -rf ~"), USAGE, "resource"),
    Case("resources-command-substitution", (*RUN, "--resources", "mem=$(id)"), USAGE, "resource"),
    Case("resources-backticks", (*RUN, "--resources", "ncpus=`id`"), USAGE, "resource"),
    Case(
        "partition-injection",
        (*RUN, "--system", "local", "--partition", "a\n#SBATCH -x"),
        USAGE,
        "",
    ),
    Case("after-injection", (*RUN, "--after", "1;touch pwned"), USAGE, "dependency"),
    Case("after-unknown-kind", (*RUN, "--after", "afterok:"), USAGE, "dependency"),
    # modes, systems, flags
    Case("unknown-mode", (*RUN, "--mode", "burst"), USAGE, "invalid choice"),
    Case("unknown-system", (*RUN, "--system", "lsf"), USAGE, "unknown system 'lsf'"),
    Case("unsupported-system", (*RUN, "--system", "gridengine"), USAGE, "unknown system"),
    Case("unknown-system-env", RUN, USAGE, "unknown system", env=(("HSM_HPC_SYSTEM", "lsf"),)),
    Case(
        "mode-local-with-slurm",
        (*RUN, "--mode", "local", "--system", "slurm"),
        USAGE,
        "--mode local",
    ),
    Case("unknown-flag", (*RUN, "--walltim", "1:00:00"), USAGE, "unrecognized"),
    Case("zero-array-size", (*RUN, "--max-array-size", "0"), USAGE, "at least 1"),
    Case("negative-throttle", (*RUN, "--throttle", "-2"), USAGE, "throttle"),
    Case("local-throttle", (*RUN, "--system", "local", "--throttle", "2"), USAGE, "throttle"),
    Case("local-dependency", (*RUN, "--system", "local", "--after", "123"), USAGE, "dependencies"),
    Case("zero-poll-interval", (*RUN, "--wait", "--poll-interval", "0"), USAGE, "seconds"),
    # sweep files
    Case("sweep-file-missing", ("sweep", "run", "--config", "nope.yaml"), USAGE, "does not exist"),
    Case(
        "sweep-file-malformed-yaml",
        ("sweep", "run", "--config", "bad.yaml"),
        USAGE,
        "not valid YAML",
        _write("bad.yaml", "script: t.py\ngrid: {lr: [1, 2\n"),
    ),
    Case(
        "sweep-file-tabs-yaml",
        ("sweep", "run", "--config", "bad.yaml"),
        USAGE,
        "not valid YAML",
        _write("bad.yaml", "grid:\n\tlr: [1]\n"),
    ),
    Case(
        "sweep-file-is-a-list",
        ("sweep", "run", "--config", "list.yaml"),
        USAGE,
        "must be a mapping",
        _write("list.yaml", "- lr: 1\n"),
    ),
    Case(
        "sweep-file-unknown-key",
        ("sweep", "run", "--config", "k.yaml"),
        USAGE,
        "did you mean 'grid'",
        _write("k.yaml", "script: examples/train.py\ngird: {}\n"),
    ),
    Case(
        "unequal-paired-lists",
        ("sweep", "run", "--config", "p.yaml"),
        USAGE,
        "different lengths",
        _write("p.yaml", "script: examples/train.py\npaired:\n  - {a: [1, 2], b: [1]}\n"),
    ),
    Case(
        "duplicate-grid-value",
        ("sweep", "run", "--config", "d.yaml"),
        USAGE,
        "appears twice",
        _write("d.yaml", "script: examples/train.py\ngrid: {lr: [1, 1]}\n"),
    ),
    Case(
        "empty-axis",
        ("sweep", "run", "--config", "e.yaml"),
        USAGE,
        "empty list",
        _write("e.yaml", "script: examples/train.py\ngrid: {lr: []}\n"),
    ),
    Case(
        "sweep-text-axis",
        ("sweep", "run", "--config", "s.yaml"),
        USAGE,
        "reads as a sweep",
        _write("s.yaml", "script: examples/train.py\ngrid:\n  lr: 0.1,0.01\n"),
    ),
    Case(
        "nul-in-value",
        ("sweep", "run", "--config", "n.yaml"),
        USAGE,
        "NUL",
        _write("n.yaml", 'script: examples/train.py\ngrid: {name: ["a\\0b"]}\n'),
    ),
    Case(
        "bad-parameter-name",
        ("sweep", "run", "--config", "b.yaml"),
        USAGE,
        "",
        _write("b.yaml", "script: examples/train.py\ngrid: {'a b': [1]}\n"),
    ),
    Case(
        "missing-script-in-file",
        ("sweep", "run", "--config", "m.yaml"),
        USAGE,
        "does not exist",
        _write("m.yaml", "script: missing.py\ngrid: {lr: [1]}\n"),
    ),
    Case(
        "missing-script-flag",
        ("sweep", "run", "--script", "nope.py", "lr=1"),
        USAGE,
        "does not exist",
    ),
    Case("no-script-at-all", ("sweep", "run", "lr=1,2"), USAGE, "no program to run"),
    Case(
        "sweep-file-hpc-unknown-key",
        ("sweep", "run", "--config", "h.yaml"),
        USAGE,
        "unknown key 'walltime'",
        _write("h.yaml", "script: examples/train.py\ngrid: {lr: [1]}\nhpc: {walltime: 1}\n"),
    ),
    # command-line shorthand
    Case("shorthand-no-equals", (*RUN, "lr"), USAGE, "key=value"),
    Case("shorthand-unbalanced", (*RUN, "lr=[1,2"), USAGE, "cannot read"),
    Case("shorthand-twice", (*RUN, "lr=1", "lr=2"), USAGE, "twice"),
    Case("shorthand-empty-value", (*RUN, "lr="), USAGE, "no value"),
    Case("shorthand-bad-key", (*RUN, "~lr=1"), USAGE, ""),
    # sweep ids and directories
    Case("sweep-id-traversal", (*RUN, "--sweep-id", "../../etc"), USAGE, "sweep id"),
    Case("sweep-id-space", (*RUN, "--sweep-id", "a b"), USAGE, "sweep id"),
    Case("sweep-id-injection", (*RUN, "--sweep-id", "x;rm -rf ~"), USAGE, "sweep id"),
    Case("sweep-dir-traversal", (*RUN, "--sweep-dir", "sweeps/../../outside"), USAGE, "'..'"),
    Case(
        "sweep-dir-under-a-file",
        (*RUN, "--sweep-dir", "afile/sweep"),
        USAGE,
        "not a writable directory",
        _write("afile", "x"),
    ),
    Case(
        "sweep-dir-unwritable",
        (*RUN, "--sweep-dir", "/proc/hsm-sweep"),
        USAGE,
        "cannot create sweep directory",
    ),
    Case(
        "sweep-dir-not-a-sweep",
        (*RUN, "--sweep-dir", "data"),
        USAGE,
        "not an hsm sweep directory",
        _write("data/keep.txt", "precious"),
    ),
    Case("sweep-dir-with-space", (*RUN, "--sweep-dir", "my sweeps/x"), USAGE, "whitespace"),
    # config files
    Case(
        "config-unknown-key",
        (*RUN, "--hsm-config", "c.yaml"),
        USAGE,
        "did you mean default_walltime",
        _write("c.yaml", "hpc:\n  defualt_walltime: '1:00:00'\n"),
    ),
    Case(
        "config-number-for-text",
        (*RUN, "--hsm-config", "c.yaml"),
        USAGE,
        "quote it",
        _write("c.yaml", "hpc:\n  python_interpreter: 3.11\n"),
    ),
    Case(
        "config-malformed-yaml",
        (*RUN, "--hsm-config", "c.yaml"),
        USAGE,
        "not valid YAML",
        _write("c.yaml", "hpc: [\n"),
    ),
    Case(
        "config-discovered-bad", RUN, USAGE, "unknown key", _write("hsm_config.yaml", "hcp: {}\n")
    ),
    Case("config-missing", (*RUN, "--hsm-config", "none.yaml"), USAGE, "does not exist"),
    # sweep directories that are missing or tampered
    Case(
        "tampered-rendered-script",
        ("sweep", "submit", "sweeps/t"),
        STATE,
        "array_000.sh was changed",
        _rendered_then_tampered,
    ),
    Case(
        "deleted-rendered-script",
        ("sweep", "submit", "sweeps/t"),
        STATE,
        "array_000.sh",
        _rendered_then_script_deleted,
    ),
    Case(
        "submit-not-a-sweep", ("sweep", "submit", "examples"), STATE, "not an hsm sweep directory"
    ),
    Case(
        "monitor-missing-sweep",
        ("monitor", "--sweep-id", "ghost"),
        STATE,
        "no sweep at sweeps/ghost (`hsm sweep list`",
    ),
    Case(
        "monitor-damaged-manifest",
        ("monitor", "--sweep-dir", "broken"),
        STATE,
        "not valid JSON",
        _write("broken/manifest.json", "{"),
    ),
    Case("monitor-no-sweep-named", ("monitor",), USAGE, "--sweep-id"),
    Case(
        "resubmit-missing-sweep",
        ("sweep", "resubmit", "--sweep-id", "ghost"),
        STATE,
        "no sweep at sweeps/ghost (`hsm sweep list`",
    ),
    Case("cancel-nothing-named", ("cancel",), USAGE, "either --sweep-id"),
    Case(
        "cancel-bad-job-id",
        ("cancel", "1;reboot", "--system", "local"),
        USAGE,
        "not a local job id",
    ),
]


def _check(hsm: Hsm, case: Case, system: str | None) -> None:
    if case.setup is not None:
        case.setup(hsm)
    before = tree(hsm.cwd)
    spool_before = hsm.spool_jobs()
    args = case.args
    if (
        system
        and args[:2] == ("sweep", "run")
        and "--system" not in args
        and not any(k == "HSM_HPC_SYSTEM" for k, _ in case.env)
    ):
        args = (*args, "--system", system)
    run = hsm(*args, env=dict(case.env))
    assert run.code == case.code, str(run)
    lines = run.err.splitlines()
    assert lines and lines[0].startswith("hsm: error: "), str(run)
    assert len(lines) <= 2 and (len(lines) == 1 or lines[1].startswith("hint: ")), str(run)
    assert "Traceback" not in run.err and run.out == "", str(run)
    assert case.says.lower() in lines[0].lower(), str(run)
    assert tree(hsm.cwd) == before, "the failed command left files behind"
    assert hsm.spool_jobs() == spool_before, "the failed command submitted a job"


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_on_local(case: Case, hsm: Hsm) -> None:
    _check(hsm, case, "local")
    assert not Path(hsm.cwd, "sweeps", "ghost").exists()


@pytest.mark.slurm
@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.args[:2] == ("sweep", "run")],
    ids=[c.name for c in CASES if c.args[:2] == ("sweep", "run")],
)
def test_bad_input_on_slurm_submits_nothing(case: Case, hsm: Hsm, slurm_clean: str) -> None:
    before = set(squeue_jobs(""))
    _check(hsm, case, "slurm")
    assert set(squeue_jobs("")) <= before, "a job reached the Slurm queue"
