"""Submit limits and "no room" refusals: Slurm's sacctmgr/scontrol text and sbatch's
words, PBS's qmgr text (``print server`` and ``list server``) and qsub's words.

Each parser case also runs with CRLF endings, trailing blank lines, no final newline and
empty output (which states nothing).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.schedulers.base import Limit, count_lines, max_queued
from hsm.pure.schedulers.pbs import limits as pbs
from hsm.pure.schedulers.slurm import limits as slurm

VARIANTS: dict[str, Callable[[str], str]] = {
    "as printed": lambda t: t,
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "trailing blank lines": lambda t: t + "\n\n",
    "no final newline": lambda t: t.rstrip("\n"),
}

# What Slurm 22.05 printed on this project's cluster (scripts/slurm-cluster.sh).
SLURM_ASSOC = "hsmusers||||hsmcap|hsmcap\n"
SLURM_QOS = "normal|||\nhsmcap|20||\n"
SLURM_CONFIG = "MaxArraySize            = 10001\nMaxJobCount             = 100000\n"

SLURM_CASES = [
    (
        "QOS per-user cap, default QOS",
        [SLURM_ASSOC, SLURM_QOS, SLURM_CONFIG],
        {
            ("MaxSubmitJobsPerUser", 20, True),
            ("MaxJobCount", 100000, False),
            ("MaxArraySize", 10001, False),
        },
        20,
    ),
    (
        "association cap stricter than its QOS",
        ["acct||5||hsmcap|hsmcap\n", SLURM_QOS, ""],
        {("MaxSubmitJobs", 5, True), ("MaxSubmitJobsPerUser", 20, True)},
        5,
    ),
    (
        "group and per-account caps are reported, not binding",
        ["acct|||300|q|q\n", "q||50|400\n", ""],
        {
            ("GrpSubmitJobs", 300, False),
            ("MaxSubmitJobsPerAccount", 50, False),
            ("GrpSubmitJobs", 400, False),
        },
        None,
    ),
    (
        "no default QOS: every QOS the association allows, strictest wins",
        ["acct||||a,b|\n", "a|30||\nb|10||\nc|1||\n", ""],
        {("MaxSubmitJobsPerUser", 30, True), ("MaxSubmitJobsPerUser", 10, True)},
        10,
    ),
    ("nothing stated", [SLURM_ASSOC, "normal|||\nhsmcap|||\n", ""], set(), None),
    ("commands that could not be asked", ["", "", ""], set(), None),
]


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize(
    ("texts", "expected", "binding"),
    [c[1:] for c in SLURM_CASES],
    ids=[c[0] for c in SLURM_CASES],
)
def test_slurm_limits(
    texts: list[str], expected: set[tuple[str, int, bool]], binding: int | None, variant: str
) -> None:
    found = slurm.parse_submit_limits([VARIANTS[variant](t) for t in texts], "ann")
    assert {(x.name, x.value, x.binds) for x in found} == expected
    assert max_queued(found) == binding
    assert all(x.source for x in found)


PBS_PRINT = (
    "create queue workq\n"
    "set queue workq queue_type = Execution\n"
    "set queue workq max_queued = [u:PBS_GENERIC=9]\n"
    "set server max_array_size = 10000\n"
    "set server max_queued = [u:PBS_GENERIC=7]\n"
)
PBS_LIST = "Server pbs01\n    max_array_size = 10000\n    max_queued = [u:PBS_GENERIC=100]\n"
PBS_CASES = [
    (
        "print server: server and queue",
        PBS_PRINT,
        {("max_queued", 7, True), ("max_queued", 9, True), ("max_array_size", 10000, False)},
        7,
    ),
    (
        "list server",
        PBS_LIST,
        {("max_queued", 100, True), ("max_array_size", 10000, False)},
        100,
    ),
    (
        "the user's own entry beats the generic one; overall is reported",
        'set server max_queued = "[u:PBS_GENERIC=10],[u:ann=25],[o:PBS_ALL=500]"\n',
        {("max_queued", 25, True), ("max_queued", 500, False)},
        25,
    ),
    (
        "another user's entry does not bind ann",
        "set server max_queued = [u:bob=3]\n",
        set(),
        None,
    ),
    (
        "Torque's per-queue cap",
        "set queue batch max_user_queuable = 40\n",
        {("max_user_queuable", 40, True)},
        40,
    ),
    (
        "no limit set",
        "set server max_array_size = 10000\n",
        {("max_array_size", 10000, False)},
        None,
    ),
    ("empty output", "", set(), None),
]


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize(
    ("text", "expected", "binding"),
    [c[1:] for c in PBS_CASES],
    ids=[c[0] for c in PBS_CASES],
)
def test_pbs_limits(
    text: str, expected: set[tuple[str, int, bool]], binding: int | None, variant: str
) -> None:
    found = pbs.parse_submit_limits([VARIANTS[variant](text)], "ann")
    assert {(x.name, x.value, x.binds) for x in found} == expected
    assert max_queued(found) == binding


NO_ROOM = [
    (
        "slurm",
        "sbatch: error: QOSMaxSubmitJobPerUserLimit\nsbatch: error: Batch job submission "
        "failed: Job violates accounting/QOS policy (job submit limit, user's size and/or "
        "time limits)\n",
        True,
    ),
    ("slurm", "sbatch: error: AssocMaxSubmitJobLimit\nsbatch: error: Batch job ...", True),
    ("slurm", "sbatch: error: AssocGrpSubmitJobsLimit\n", True),
    ("slurm", "sbatch: error: QOSGrpSubmitJobsLimit\n", True),
    ("slurm", "sbatch: error: QOSMaxSubmitJobPerAccountLimit\n", True),
    # The same generic line for a time or size limit: a real refusal.
    (
        "slurm",
        "sbatch: error: QOSMaxWallDurationPerJobLimit\nsbatch: error: Batch job submission "
        "failed: Job violates accounting/QOS policy (job submit limit, user's size and/or "
        "time limits)\n",
        False,
    ),
    (
        "slurm",
        "sbatch: error: Batch job submission failed: Invalid partition name specified",
        False,
    ),
    ("pbspro", "qsub: would exceed complex's per-user limit\n", True),
    ("pbspro", "qsub: would exceed queue generic's per-user limit\n", True),
    (
        "torque",
        "qsub: submit error (Maximum number of jobs already in queue for user MSG=total "
        "number of current user's jobs exceeds the queue limit: user ann@login, queue batch)",
        True,
    ),
    ("pbspro", "qsub: Job exceeds queue resource limits\n", False),
    ("pbspro", "qsub: Unknown queue\n", False),
]


@pytest.mark.parametrize(("key", "text", "expected"), NO_ROOM)
def test_no_room(key: str, text: str, expected: bool) -> None:
    commands = SCHEDULERS[key].commands
    assert commands is not None
    assert commands.no_room(text) is expected
    assert commands.no_room(text.replace("\n", "\r\n")) is expected


def test_queued_listing_counts_every_array_task() -> None:
    argv = slurm.queued_argv("ann")
    assert "--array" in argv and "--user=ann" in argv
    assert count_lines("12\n13_0\n13_1\n\n") == 3
    assert count_lines("") == 0


def test_the_strictest_binding_limit_wins() -> None:
    assert max_queued([Limit("a", 9, "x"), Limit("b", 3, "y", binds=False)]) == 9
    assert max_queued([]) is None
