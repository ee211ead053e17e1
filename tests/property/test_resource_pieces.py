"""Law: no piece of a resource string is ever silently dropped.

For every resource string hsm accepts, each piece the user wrote is either written into
the script (own dialect: its directive line is among the rendered ``#SBATCH``/``#PBS``/``#$``
lines) or represented in the translation (removing the piece changes what is rendered);
otherwise the whole string must be refused.  The few pieces a translation represents by
*meaning* rather than by a line of their own are listed in :func:`_implied`, each with
its reason -- anything else that leaves no trace fails the law.

Strings are built from the tables below (every piece with the line it becomes on its
own scheduler, written out here independently of the parsers): exhaustively for every
single piece and every pair, and by hypothesis for larger sets.  The law is a plain
function so that :func:`test_the_law_catches_a_dropped_piece` can show it fails when a
translator drops something.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st
from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.jobspec import JobSpec, Task
from hsm.pure.render import render_script
from hsm.pure.resources import Directives, resource_directives

Row = tuple[str, str, str]
Table = tuple[Row, ...]

# (key, text as the user writes it, its directive line on its own scheduler).  Pieces
# with the same key are alternatives: a string holds at most one of them.  Values are
# chosen so that no two pieces ever say the same thing by coincidence (N=2 but T=4 and
# ntasks=6), which would make one of them redundant rather than dropped.
SLURM_PIECES: Table = (
    ("nodes", "-N 2", "--nodes=2"),
    ("nodes", "--nodes=3", "--nodes=3"),
    ("tpn", "--ntasks-per-node=4", "--ntasks-per-node=4"),
    ("ntasks", "--ntasks=6", "--ntasks=6"),
    ("cpus", "-c 3", "--cpus-per-task=3"),
    ("mem", "--mem 8G", "--mem=8G"),
    ("mem", "--mem-per-cpu=1G", "--mem-per-cpu=1G"),
    ("gpu", "--gres=gpu:2", "--gres=gpu:2"),
    ("gpu", "--gpus=4", "--gpus=4"),
    ("gpu", "--gres=gpu:v100:1", "--gres=gpu:v100:1"),
    ("excl", "--exclusive", "--exclusive"),
    ("partition", "-p gpu", "--partition=gpu"),
    ("account", "-A proj", "--account=proj"),
    ("mailtype", "--mail-type=END,FAIL", "--mail-type=END,FAIL"),
    ("mailtype", "--mail-type=BEGIN,ARRAY_TASKS", "--mail-type=BEGIN,ARRAY_TASKS"),
    ("mailtype", "--mail-type=NONE", "--mail-type=NONE"),
    ("mailtype", "--mail-type=ALL", "--mail-type=ALL"),
    ("mailuser", "--mail-user=me@example.org", "--mail-user=me@example.org"),
    ("requeue", "--requeue", "--requeue"),
    ("requeue", "--no-requeue", "--no-requeue"),
    ("export", "--export=ALL", "--export=ALL"),
    ("export", "--export=ALL,OMP_NUM_THREADS=2", "--export=ALL,OMP_NUM_THREADS=2"),
    ("export", "--export=A=1,B", "--export=A=1,B"),
    ("export", "--export=NONE", "--export=NONE"),
    ("signal", "--signal=B:USR1@60", "--signal=B:USR1@60"),
    ("qos", "--qos=long", "--qos=long"),
    ("constraint", "-C skylake", "--constraint=skylake"),
    ("comment", "--comment=nightly", "--comment=nightly"),
    ("nice", "--nice=5", "--nice=5"),
    ("reservation", "--reservation=maint", "--reservation=maint"),
)

PBS_PIECES: Table = (
    ("chunks", "select=2:ncpus=4:mem=8gb", "-l select=2:ncpus=4:mem=8gb"),
    ("chunks", "select=1:ncpus=6:mpiprocs=2", "-l select=1:ncpus=6:mpiprocs=2"),
    ("chunks", "-l select=3:ngpus=1", "-l select=3:ngpus=1"),
    ("chunks", "nodes=2:ppn=4", "-l nodes=2:ppn=4"),
    ("mem", "mem=16gb", "-l mem=16gb"),
    ("place", "place=scatter", "-l place=scatter"),
    ("place", "place=free", "-l place=free"),
    ("place", "place=pack", "-l place=pack"),
    ("place", "place=excl", "-l place=excl"),
    ("place", "-l place=scatter:excl", "-l place=scatter:excl"),
    ("place", "place=vscatter", "-l place=vscatter"),
    ("place", "place=shared", "-l place=shared"),
    ("vmem", "vmem=16gb", "-l vmem=16gb"),
    ("queue", "-q gpu", "-q gpu"),
    ("account", "-A proj", "-A proj"),
    ("mail", "-m ae", "-m ae"),
    ("mail", "-m bej", "-m bej"),
    ("mail", "-m n", "-m n"),
    ("mailuser", "-M me@example.org", "-M me@example.org"),
    ("mailuser", "-M a@example.org,b@example.org", "-M a@example.org,b@example.org"),
    ("rerun", "-r y", "-r y"),
    ("rerun", "-r n", "-r n"),
    ("envall", "-V", "-V"),
    ("env", "-v A=1,B", "-v A=1,B"),
    ("group", "-W group_list=bio", "-W group_list=bio"),
    ("umask", "-Wumask=022", "-W umask=022"),
)

SGE_PIECES: Table = (
    ("pe", "-pe smp 4", "-pe smp 4"),
    ("pe", "-pe mpi 2-8", "-pe mpi 2-8"),
    ("mem", "-l h_vmem=2G", "-l h_vmem=2G"),
    ("mem", "mem_free=3G", "-l mem_free=3G"),
    ("project", "-P bio", "-P bio"),
    ("complex", "-l gpu=1", "-l gpu=1"),
    ("queue", "-q all.q", "-q all.q"),
    ("account", "-A acct", "-A acct"),
)

TARGETS = ("slurm", "pbspro", "torque", "sge")
_OWN = {"slurm": SLURM_PIECES, "pbspro": PBS_PIECES, "torque": PBS_PIECES, "sge": SGE_PIECES}
_PREFIX = {"slurm": "#SBATCH ", "pbspro": "#PBS ", "torque": "#PBS ", "sge": "#$ "}

Translate = Callable[[str, str], Result[Directives, ConfigError]]


def _implied(text: str, others: Sequence[str], target: str) -> bool:
    """Pieces a translation represents by meaning, not by a line of their own.

    - PBS ``place=scatter`` -- and ``place=free`` / ``place=pack`` for a single chunk --
      next to a ``select=``/``nodes=`` piece: one chunk per node is exactly what the
      translated ``--nodes=N`` says, so the node count carries it.  Grid Engine jobs
      from hsm are one node, so there any of the three says nothing for a single chunk.
    """
    words = text.removeprefix("-l ").removeprefix("place=").split(":")
    if target not in ("slurm", "sge") or not text.removeprefix("-l ").startswith("place="):
        return False
    chunks = [o for o in others if o.removeprefix("-l ").startswith(("select=", "nodes="))]
    if not chunks or {"excl", "exclhost"} & set(words):
        return False
    one_chunk = chunks[0].removeprefix("-l ").startswith(("select=1:", "nodes=1:"))
    if target == "sge":
        return one_chunk and words in (["scatter"], ["free"], ["pack"])
    return words == ["scatter"] or (one_chunk and words in (["free"], ["pack"]))


def _rendered_directives(text: str, target: str) -> list[str]:
    spec = JobSpec(
        scheduler=target,
        job_name="job",
        walltime_seconds=600,
        log_path="logs/job.log",
        python_path="python",
        script_path="train.py",
        tasks=(Task(None, ("x=1",)),),
        resources=text,
    )
    script = render_script(spec).unwrap()
    prefix = _PREFIX[target]
    return [line.removeprefix(prefix) for line in script.splitlines() if line.startswith(prefix)]


def dropped_pieces(
    pieces: Sequence[Row],
    table: Sequence[Row],
    target: str,
    translate: Translate,
) -> list[str]:
    """The law, as the list of its violations (empty when it holds).

    ``pieces`` are ``(key, text, own line)`` rows of ``table`` (:data:`SLURM_PIECES` or
    :data:`PBS_PIECES`); ``translate`` is :func:`resource_directives` (or a broken
    stand-in, to show that the law can fail).
    """
    texts = [text for _, text, _ in pieces]
    whole = translate(" ".join(texts), target)
    if not isinstance(whole, Success):
        return []  # refused as a whole: nothing was dropped
    violations: list[str] = []
    if _OWN[target] is table:
        script = _rendered_directives(" ".join(texts), target)
        violations += [
            f"{line!r} missing from the script" for *_, line in pieces if line not in script
        ]
    for k, text in enumerate(texts):
        others = texts[:k] + texts[k + 1 :]
        without = translate(" ".join(others), target)
        same = isinstance(without, Success) and without.unwrap() == whole.unwrap()
        if same and not _implied(text, others, target):
            violations.append(f"{text!r} leaves no trace on {target}")
    return violations


def _combinations(table: Sequence[Row], size: int) -> list[Table]:
    return [c for c in itertools.combinations(table, size) if len({k for k, *_ in c}) == size]


CASES = [
    (combo, table, target)
    for table in (SLURM_PIECES, PBS_PIECES, SGE_PIECES)
    for size in (1, 2)
    for combo in _combinations(table, size)
    for target in TARGETS
]


@pytest.mark.parametrize(
    ("combo", "table", "target"),
    CASES,
    ids=[f"{' '.join(t for _, t, _ in c)}->{g}" for c, _, g in CASES],
)
def test_every_piece_is_written_translated_or_refused(
    combo: Table, table: Table, target: str
) -> None:
    assert dropped_pieces(combo, table, target, resource_directives) == []


@st.composite
def piece_sets(draw: st.DrawFn) -> tuple[list[Row], Table, str]:
    """Three to eight pieces of one table, distinct keys, any order, and a target."""
    table = draw(st.sampled_from([SLURM_PIECES, PBS_PIECES, SGE_PIECES]))
    rows = draw(st.lists(st.sampled_from(table), min_size=3, max_size=8, unique_by=_key))
    return rows, table, draw(st.sampled_from(TARGETS))


def _key(row: Row) -> str:
    return row[0]


@given(piece_sets())
def test_no_piece_is_dropped_in_larger_strings(case: tuple[list[Row], Table, str]) -> None:
    combo, table, target = case
    assert dropped_pieces(combo, table, target, resource_directives) == []


def test_the_tables_are_mostly_accepted() -> None:
    """The law is only as good as the strings it sees: most pairs must be accepted."""
    accepted = sum(
        isinstance(resource_directives(" ".join(t for _, t, _ in combo), target), Success)
        for combo, _, target in CASES
    )
    assert accepted > len(CASES) // 2


def _dropping(piece: str) -> Translate:
    """A translator with the bug the law exists for: it ignores ``piece``."""

    def translate(text: str, target: str) -> Result[Directives, ConfigError]:
        return resource_directives(" ".join(text.replace(piece, " ").split()), target)

    return translate


def _rows(table: Sequence[Row], *texts: str) -> Table:
    return tuple(row for row in table if row[1] in texts)


@pytest.mark.parametrize(
    ("table", "texts", "target", "piece"),
    [
        (
            SLURM_PIECES,
            ("--mem 8G", "--mail-user=me@example.org"),
            "pbspro",
            "--mail-user=me@example.org",
        ),
        (PBS_PIECES, ("select=2:ncpus=4:mem=8gb", "-r y"), "slurm", "-r y"),
        (PBS_PIECES, ("select=2:ncpus=4:mem=8gb", "place=excl"), "slurm", "place=excl"),
        (PBS_PIECES, ("select=2:ncpus=4:mem=8gb", "-V"), "torque", "-V"),
        (SLURM_PIECES, ("-N 2", "--mail-type=END,FAIL"), "slurm", "--mail-type=END,FAIL"),
    ],
)
def test_the_law_catches_a_dropped_piece(
    table: Table, texts: tuple[str, ...], target: str, piece: str
) -> None:
    combo = _rows(table, *texts)
    assert len(combo) == len(texts)
    assert dropped_pieces(combo, table, target, resource_directives) == []
    assert dropped_pieces(combo, table, target, _dropping(piece)) != []


def test_place_is_no_longer_dropped() -> None:
    """The reported bug: placement with nothing to carry it vanished on Slurm."""
    assert isinstance(resource_directives("place=scatter", "slurm"), Failure)
    assert isinstance(resource_directives("select=2:ncpus=4 place=free", "slurm"), Failure)
    assert isinstance(resource_directives("select=2:ncpus=4 place=vscatter", "slurm"), Failure)
