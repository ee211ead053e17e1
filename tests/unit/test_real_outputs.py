"""Every parser on every real scheduler output in ``../shared/real-outputs``.

The samples are other projects' captured ``sbatch``/``squeue``/``sacct``/``qsub``/``qstat``
output; beside each ``NAME.txt``, ``NAME.expected`` holds ``JOBID<TAB>STATE<TAB>EXIT`` per
job (``-``: no exit code) or, for submit output, the job id.  ``SOURCES.tsv`` says where
each comes from and which format options produced it.  They are reference data, read in
place and never copied here: the tests skip when the folder is absent (CI has it at
``../shared/real-outputs`` beside the checkout; a git worktree one level deeper finds it
one level up).

Samples printed with other options than hsm's own argv are first cut down to hsm's
columns as SOURCES.tsv's ``mapping`` column describes (``SELECT``), rather than teaching
the production parsers formats hsm never asks for.  Each case also runs with CRLF line
endings, trailing blank lines and no final newline.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from returns.result import Result, Success

from hsm.pure.errors import ParseError
from hsm.pure.schedulers.base import Statuses
from hsm.pure.schedulers.pbs import commands as pbs
from hsm.pure.schedulers.slurm import commands as slurm
from hsm.pure.states import JobStatus

ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = [base / "shared" / "real-outputs" for base in (ROOT.parent, ROOT.parent.parent)]
REAL = next((path for path in _CANDIDATES if path.is_dir()), None)

StatusParser = Callable[[str], Result[Statuses, ParseError]]
SubmitParser = Callable[[str], Result[str, ParseError]]

# Folder -> the parsers that must read it: the scheduler record's own first, then the
# format-specific and the form-detecting ones.
STATUS_PARSERS: dict[str, list[StatusParser]] = {
    "slurm_squeue": [slurm.parse_status_output],
    "slurm_sacct": [slurm.parse_history_output],
    "pbs_qstat_f": [pbs.parse_pro_status_output, pbs.parse_qstat_full, pbs.parse_status_output],
    "pbs_qstat_json": [
        pbs.parse_pro_status_output,
        pbs.parse_qstat_json,
        pbs.parse_status_output,
    ],
    "torque_qstat_f": [
        pbs.parse_torque_status_output,
        pbs.parse_qstat_full,
        pbs.parse_status_output,
    ],
}
SUBMIT_PARSERS: dict[str, SubmitParser] = {
    "slurm_sbatch": slurm.parse_submit_output,
    "pbs_qsub": pbs.parse_submit_output,
    "torque_qsub": pbs.parse_submit_output,
}
SLURM_FOLDERS = {"slurm_squeue", "slurm_sacct"}


def _fields(sep: str, *numbers: int) -> Callable[[str], str]:
    """Keep fields ``numbers`` (1-based) of every non-blank line, joined with ``|``."""

    def select(text: str) -> str:
        rows = (line.split(sep) for line in text.splitlines() if line.strip())
        return "".join("|".join(row[n - 1] for n in numbers) + "\n" for row in rows)

    return select


def _by_header(*names: str) -> Callable[[str], str]:
    """Keep the columns ``names`` of a ``|``-separated table with a header line (a column
    the sample lacks is left empty); the header itself is dropped."""

    def select(text: str) -> str:
        header, *rows = (line.split("|") for line in text.splitlines() if line.strip())
        where = {name: i for i, name in enumerate(header)}
        picked = (
            [row[where[n]] if n in where and where[n] < len(row) else "" for n in names]
            for row in rows
        )
        return "".join("|".join(row) + "\n" for row in picked)

    return select


def _as_is(text: str) -> str:
    return text


_SACCT_BY_HEADER = _by_header("JobID", "State", "ExitCode")
# Sample -> how SOURCES.tsv's mapping column turns it into hsm's columns (squeue
# %i|%T|%r -- a compact %t state reads the same -- and sacct JobID|State|ExitCode|Reason).
SELECT: dict[str, Callable[[str], str]] = {
    "slurm_squeue/aiida__squeue_caret_separated": _fields("^^^", 1, 2, 3),
    "slurm_squeue/firecrest__squeue_allusers_pending": _fields("|", 1, 11, 12),
    "slurm_squeue/firecrest__squeue_by_name_running": _fields("|", 1, 11, 12),
    "slurm_squeue/firecrest__squeue_one_job_running": _fields("|", 1, 11, 12),
    "slurm_squeue/prometheus_slurm_exporter__squeue_A_T": _fields(",", 1, 2),
    "slurm_squeue/pysqa__squeue_A_u_t_j_Z": _fields("|", 1, 3),
    "slurm_sacct/firecrest__sacct_allusers": _fields("|", 1, 11, 4, 12),
    "slurm_sacct/firecrest__sacct_by_name_with_step": _fields("|", 1, 11, 4, 12),
    "slurm_sacct/firecrest__sacct_one_job": _fields("|", 1, 11, 4, 12),
    "slurm_sacct/mavis__sacct_array_tasks_no_exitcode": _SACCT_BY_HEADER,
    "slurm_sacct/mavis__sacct_array_timeout": _SACCT_BY_HEADER,
    "slurm_sacct/mavis__sacct_long_array_parsable": _SACCT_BY_HEADER,
    "slurm_sacct/mavis__sacct_long_cancelled_by": _SACCT_BY_HEADER,
    "slurm_sacct/mavis__sacct_pending_array_range": _SACCT_BY_HEADER,
    "slurm_sacct/submitit__sacct_jobid_state": _SACCT_BY_HEADER,
    # JobIDRaw,State,ExitCode: hsm's column order already (no Reason column).
    "slurm_sacct/toil__sacct_jobidraw_state_exitcode": _as_is,
}

VARIANTS: dict[str, Callable[[str], str]] = {
    "as-is": _as_is,
    "crlf": lambda t: t.replace("\r\n", "\n").replace("\n", "\r\n"),
    "trailing-blank-lines": lambda t: t + "\n\n  \n",
    "no-final-newline": lambda t: t.rstrip("\r\n"),
}


def _samples() -> list[str]:
    if REAL is None:
        return []
    return sorted(f"{p.parent.name}/{p.stem}" for p in REAL.glob("*/*.txt"))


SAMPLES = _samples()
needs_samples = pytest.mark.skipif(
    REAL is None, reason=f"no real outputs at {' or '.join(map(str, _CANDIDATES))}"
)


def _exit_as_printed(status: JobStatus, folder: str) -> str:
    """The exit value the scheduler printed, as .expected writes it.

    Slurm: ExitCode's N (the signal is kept apart).  PBS: the Exit_status number, which
    hsm keeps as the exit code (0-255) or names in the reason (``exit status 271 =
    256+15``, ``exit status -29, JOB_EXEC_KILL_WALLTIME``).
    """
    if folder not in SLURM_FOLDERS:
        printed = re.search(r"\bexit status (-?\d+)", status.reason)
        if printed:
            return printed.group(1)
    return "-" if status.exit_code is None else str(status.exit_code)


def _expected(sample: str) -> list[list[str]]:
    assert REAL is not None
    text = (REAL / f"{sample}.expected").read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip()]


@needs_samples
def test_every_sample_has_an_expected_file_and_a_known_parser() -> None:
    assert SAMPLES, f"{REAL} holds no samples"
    for sample in SAMPLES:
        folder = sample.split("/")[0]
        assert folder in STATUS_PARSERS or folder in SUBMIT_PARSERS, f"no parser for {folder}"
        assert REAL is not None and (REAL / f"{sample}.expected").is_file()


@needs_samples
def test_column_selection_follows_sources_tsv() -> None:
    # Every sample whose SOURCES.tsv row names a column mapping has a selector here, and
    # no other sample is touched.
    assert REAL is not None
    with (REAL / "SOURCES.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    mapped = {row["file"].removesuffix(".txt") for row in rows if row["mapping"].strip()}
    assert mapped == set(SELECT)
    assert {row["file"].removesuffix(".txt") for row in rows} == set(SAMPLES)


@needs_samples
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.split("/")[0] in STATUS_PARSERS])
def test_status_parsers_read_real_outputs_as_expected(sample: str, variant: str) -> None:
    assert REAL is not None
    folder = sample.split("/")[0]
    raw = (REAL / f"{sample}.txt").read_text(encoding="utf-8")
    text = VARIANTS[variant](SELECT.get(sample, _as_is)(raw))
    want = {job_id: (state, exit_value) for job_id, state, exit_value in _expected(sample)}
    for parser in STATUS_PARSERS[folder]:
        result = parser(text)
        assert isinstance(result, Success), f"{parser.__qualname__}: {result}"
        statuses = result.unwrap()
        got = {k: (s.state.value, _exit_as_printed(s, folder)) for k, s in statuses.items()}
        assert got == want, parser.__qualname__
        assert all(s.job_id == k for k, s in statuses.items())


@needs_samples
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.split("/")[0] in SUBMIT_PARSERS])
def test_submit_parsers_read_real_outputs_as_expected(sample: str, variant: str) -> None:
    assert REAL is not None
    raw = (REAL / f"{sample}.txt").read_text(encoding="utf-8")
    (job_id,) = (line[0] for line in _expected(sample))
    parser = SUBMIT_PARSERS[sample.split("/")[0]]
    assert parser(VARIANTS[variant](raw)) == Success(job_id)


# Usage (Elapsed, NodeList, MaxRSS) of the samples that have those columns, read by eye
# from the sample text: sacct puts MaxRSS on the .batch step only, and hsm gives it to the
# step's job.  Selected by header name like the state columns above.
_SACCT_USAGE = _by_header("JobID", "State", "ExitCode", "Reason", "Elapsed", "NodeList", "MaxRSS")
USAGE_SAMPLES: dict[str, dict[str, tuple[float | None, str, int | None]]] = {
    "slurm_sacct/mavis__sacct_array_timeout": {
        "1873472_162": (10 * 3600 + 18 * 60 + 26, "", 11725204 * 1024),
        "1873472_168": (16 * 3600 + 6, "", 11771032 * 1024),  # TIMEOUT: batch step CANCELLED
    },
    "slurm_sacct/mavis__sacct_array_tasks_no_exitcode": {
        "1697503_3": (10, "", 904 * 1024),
        "1697503_1": (2, "", 896 * 1024),  # CANCELLED by 1365 while running
    },
    "slurm_sacct/mavis__sacct_pending_array_range": {
        "1701003_1": (300, "", None),  # running: no step measured yet
        "1701003_37": (None, "", None),  # pending: no usage at all
    },
}


@needs_samples
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("sample", USAGE_SAMPLES)
def test_sacct_usage_of_real_outputs(sample: str, variant: str) -> None:
    assert REAL is not None
    raw = (REAL / f"{sample}.txt").read_text(encoding="utf-8")
    statuses = slurm.parse_history_output(VARIANTS[variant](_SACCT_USAGE(raw))).unwrap()
    for job_id, expected in USAGE_SAMPLES[sample].items():
        assert (statuses[job_id].elapsed, statuses[job_id].node, statuses[job_id].max_mem) == (
            expected
        ), job_id


@needs_samples
def test_sacct_node_of_real_outputs() -> None:
    # firecrest's NodeList is field 8 ("localhost"); fields 1,11,4,12 are its state columns.
    assert REAL is not None
    raw = (REAL / "slurm_sacct/firecrest__sacct_by_name_with_step.txt").read_text("utf-8")
    text = "".join(
        "|".join([*(row[n - 1] for n in (1, 11, 4, 12)), "00:01:01", row[7], ""]) + "\n"
        for row in (line.split("|") for line in raw.splitlines() if line.strip())
    )
    status = slurm.parse_history_output(text).unwrap()["12"]
    assert (status.state.value, status.elapsed, status.node) == ("completed", 61.0, "localhost")


# PBS / Torque usage, read by eye: exec_host's hosts, resources_used.walltime and .mem.
PBS_USAGE_SAMPLES: dict[str, dict[str, tuple[float | None, str, int | None]]] = {
    "pbs_qstat_f/griffith__qstat_xf_failed_walltime": {
        "49223.gc-prd-hpcadm": (49, "gc-prd-hpcn001", 3548 * 1024)
    },
    "torque_qstat_f/mavis__torque_single_complete": {
        "9.torque01.bcgsc.ca": (60, "torque01.bcgsc.ca", 3624 * 1024)
    },
    "pbs_qstat_json/buildtest__qstat_x_f_json_doc": {"40.pbs": (10, "pbs", 5620 * 1024)},
}


@needs_samples
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("sample", PBS_USAGE_SAMPLES)
def test_pbs_usage_of_real_outputs(sample: str, variant: str) -> None:
    assert REAL is not None
    text = VARIANTS[variant]((REAL / f"{sample}.txt").read_text(encoding="utf-8"))
    for parser in STATUS_PARSERS[sample.split("/")[0]]:
        statuses = parser(text).unwrap()
        for job_id, expected in PBS_USAGE_SAMPLES[sample].items():
            got = statuses[job_id]
            assert (got.elapsed, got.node, got.max_mem) == expected, parser.__qualname__
