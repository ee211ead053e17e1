"""Scripts as users get them, pinned: ``hsm sweep render`` run on the sweep files in ``sweeps/``.

Strategy: every case in :mod:`tests.golden.expected` runs the real CLI as a subprocess
(``python -m hsm sweep render ...``) in a fresh directory holding a copy of its sweep
file and an empty ``train.py``, with a relative ``--sweep-dir``, so log paths come out
relative and no temporary path can reach a script (a test checks that none does, rather
than papering over one).  Each script written to ``<sweep dir>/scripts/`` must equal its
golden byte for byte, contain the case's hand-written lines, pass ``bash -n``, and come
out identical from a second render in another directory.

Rendering needs no scheduler, but hsm checks that ``sbatch``/``qsub`` exist for
``--system slurm|pbspro|torque``; so PATH is only a stub directory whose ``sbatch`` and
``qsub`` record any call and fail -- the tests assert that none happened.  Without
``qstat``/``scontrol``/``qmgr`` on PATH the array limit is the scheduler's documented
default, the same on every machine.  HOME and XDG_CONFIG_HOME point into the fresh
directory so no user config leaks in.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import hsm
from hsm.pure.schedulers import SCHEDULERS
from tests.golden.expected import CASES, Case, golden_name
from tests.golden.golden_files import check_golden

HERE = Path(__file__).parent
SWEEPS = HERE / "sweeps"
SOURCE_ROOT = Path(hsm.__file__).resolve().parent.parent
TEMPLATES = Path(hsm.__file__).resolve().parent / "pure" / "schedulers"


def _directive_prefix(template: str) -> str | None:
    """The word that starts a directive line in a scheduler's template (``#SBATCH``,
    ``#PBS``, ``#$``): the first ``#`` line that is neither the shebang nor a comment."""
    lines = (TEMPLATES / template).read_text(encoding="utf-8").splitlines()
    found = (line.split(" ", 1)[0] for line in lines if line.startswith("#"))
    return next((word for word in found if word not in ("#", "#!/bin/bash")), None)


#: Every scheduler's directive prefix, read from the templates its record names.
DIRECTIVE_PREFIXES = tuple(
    sorted({p for s in SCHEDULERS.values() if (p := _directive_prefix(s.template)) is not None})
)


@dataclass(frozen=True, slots=True)
class Rendered:
    workspace: Path
    scripts: dict[str, bytes]  # script name without .sh -> bytes as written

    def text(self, name: str) -> str:
        return self.scripts[name].decode("utf-8")


def _stub_path(workspace: Path) -> tuple[Path, Path]:
    """A PATH directory with ``sbatch``/``qsub`` that log their call and fail."""
    stubs = workspace / ".stub-bin"
    stubs.mkdir()
    calls = workspace / ".stub-calls"
    for command in ("sbatch", "qsub"):
        stub = stubs / command
        stub.write_text(
            "#!/bin/sh\n"
            "# render must not submit: record the call and fail\n"
            f'echo "$0 $*" >> {shlex.quote(str(calls))}\n'
            "exit 97\n",
            encoding="utf-8",
        )
        stub.chmod(0o755)
    return stubs, calls


def render_case(name: str, workspace: Path) -> Rendered:
    """Run the case's ``hsm sweep render`` in ``workspace`` (created here)."""
    case = CASES[name]
    workspace.mkdir(parents=True)
    shutil.copyfile(SWEEPS / case.sweep, workspace / case.sweep)
    (workspace / "train.py").write_text("", encoding="utf-8")
    stubs, calls = _stub_path(workspace)
    env = {
        "PATH": str(stubs),
        "HOME": str(workspace),
        "XDG_CONFIG_HOME": str(workspace / ".config"),
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": str(SOURCE_ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "hsm", *case.argv()],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    command = "hsm " + shlex.join(case.argv())
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stderr}"
    assert not calls.exists(), f"{command} ran a scheduler command:\n{calls.read_text()}"
    script_dir = workspace / "sweeps" / case.sweep_id / "scripts"
    return Rendered(workspace, {p.stem: p.read_bytes() for p in sorted(script_dir.glob("*.sh"))})


def _renderer(root: Path) -> Callable[[str], Rendered]:
    done: dict[str, Rendered] = {}

    def get(name: str) -> Rendered:
        if name not in done:
            done[name] = render_case(name, root / name)
        return done[name]

    return get


@pytest.fixture(scope="session")
def first_render(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Rendered]:
    return _renderer(tmp_path_factory.mktemp("render-a"))


@pytest.fixture(scope="session")
def second_render(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Rendered]:
    return _renderer(tmp_path_factory.mktemp("render-b"))


CASE_NAMES = sorted(CASES)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_render_writes_exactly_the_expected_scripts(
    name: str, first_render: Callable[[str], Rendered]
) -> None:
    assert sorted(first_render(name).scripts) == sorted(CASES[name].scripts)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_rendered_scripts_match_goldens(
    name: str, first_render: Callable[[str], Rendered], update_golden: bool
) -> None:
    problems = []
    for script, rendered in first_render(name).scripts.items():
        golden = HERE / golden_name(name, script)
        problem = check_golden(golden, rendered, update=update_golden)
        if problem is not None:
            problems.append(problem)
    if problems:
        pytest.fail("\n".join(problems))


def _missing_lines(case: Case, script: str, text: str) -> list[str]:
    lines = text.splitlines()
    return [line for line in case.scripts[script] if line not in lines]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_rendered_scripts_hold_the_expected_lines(
    name: str, first_render: Callable[[str], Rendered]
) -> None:
    case = CASES[name]
    rendered = first_render(name)
    for script in case.scripts:
        text = rendered.text(script)
        missing = _missing_lines(case, script, text)
        if missing:
            pytest.fail(f"{script}.sh lacks expected lines {missing}:\n{text}")
        assert str(rendered.workspace) not in text, f"{script}.sh holds the render's tmp path"


@pytest.mark.parametrize("name", CASE_NAMES)
def test_goldens_hold_the_expected_lines(name: str) -> None:
    """The stored goldens too: ``--update-golden`` cannot write one that lacks a line."""
    case = CASES[name]
    for script in case.scripts:
        golden = HERE / golden_name(name, script)
        if not golden.exists():
            pytest.fail(f"{golden} is missing; run pytest --update-golden and review it")
        text = golden.read_text(encoding="utf-8")
        missing = _missing_lines(case, script, text)
        if missing:
            pytest.fail(f"{golden.name} lacks expected lines {missing}")


def test_every_batch_scheduler_has_a_directive_prefix() -> None:
    assert DIRECTIVE_PREFIXES == ("#$", "#PBS", "#SBATCH")


@pytest.mark.parametrize("name", CASE_NAMES)
def test_directives_come_before_the_first_command(
    name: str, first_render: Callable[[str], Rendered]
) -> None:
    """sbatch and PBS's qsub stop reading directives at the first command line (and Grid
    Engine's qsub reads ``#$`` lines anywhere): none may follow it."""
    for script, data in first_render(name).scripts.items():
        lines = data.decode("utf-8").splitlines()
        first_command = next(
            i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")
        )
        late = [line for line in lines[first_command:] if line.startswith(DIRECTIVE_PREFIXES)]
        assert not late, f"{script}.sh: directives after the first command: {late}"


@pytest.mark.parametrize("name", CASE_NAMES)
def test_rendered_scripts_parse_with_bash(
    name: str, first_render: Callable[[str], Rendered]
) -> None:
    rendered = first_render(name)
    script_dir = rendered.workspace / "sweeps" / CASES[name].sweep_id / "scripts"
    for script in rendered.scripts:
        done = subprocess.run(
            ["bash", "-n", str(script_dir / f"{script}.sh")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{script}.sh: {done.stderr}"


@pytest.mark.parametrize("name", CASE_NAMES)
def test_rendering_twice_gives_identical_bytes(
    name: str,
    first_render: Callable[[str], Rendered],
    second_render: Callable[[str], Rendered],
) -> None:
    first, second = first_render(name), second_render(name)
    assert first.workspace != second.workspace
    assert first.scripts == second.scripts
