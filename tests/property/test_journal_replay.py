"""Laws of the submission journal (issue 8): a crash anywhere, then resume, leaves exactly
one job per job key.

Model.  A run of ``submit_jobs`` walks the plan's keys in order and, for each key the
replayed journal does not show submitted, makes these atomic steps (as the real code
writes them):

* a key whose ``submitting`` record is the journal's last word about it (in flight at a
  crash) is first looked up by its unique job name; if found: ``recovered`` and next key;
* ``submitting`` -> the submit call (the scheduler accepts the job, or not) ->
  ``submitted`` with the id, or ``failed`` (and the run stops: ``submit_jobs`` returns at
  the first failure).

The scheduler is a dict job name -> ids.  A crash may hit between any two steps (also
between the scheduler accepting a job and ``submitted`` being written) and may leave a
torn, unfinished last line in the journal.  Any number of crashed runs is followed by one
run that is not interrupted; the law: afterwards every key has exactly one job, the
journal names that job, and the clean run submitted exactly the keys with no
``submitted`` record, after looking up exactly the in-flight ones.

The resume decision is re-stated here (:func:`resume_plan`) from
``hsm/effects/sweeps.py::submit_jobs``, which inlines it; it should be extracted as a pure
``keys_to_submit(state, keys)`` so these laws call the real thing.  Until then,
:func:`test_real_submit_jobs_survives_any_crash` drives the real ``submit_jobs`` against
an in-memory scheduler, so the re-statement cannot drift from the code unnoticed.

Journal text is written exactly as ``append_journal`` writes it and read back with the
real ``read_journal`` (its torn-line handling is part of the law), then folded with the
real ``replay_journal``.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns.io import IOFailure, IOResult, IOSuccess

from hsm import api
from hsm.boundary import result_of
from hsm.effects import sweeps
from hsm.effects.files import read_journal
from hsm.pure import layout
from hsm.pure.errors import CommandError, HSMFailure, SubmissionError
from hsm.pure.manifest import JournalState, replay_journal, resume_action

Action = Literal["skip", "lookup", "submit"]
# What one submit call does: the scheduler accepts the job and sbatch answers ("ok"); it
# refuses ("refused", nothing reached it); it accepts the job but the answer is lost
# (a timed-out sbatch: "lost_answer", a transient failure); or the submitter dies
# before / after the scheduler accepted it ("crash_before" / "crash_after").
Fate = Literal["ok", "refused", "lost_answer", "crash_before", "crash_after"]


def resume_plan(state: JournalState, keys: Sequence[str]) -> list[tuple[str, Action]]:
    """What ``submit_jobs`` does with each key: the real decision, ``resume_action``."""
    return [(key, cast(Action, resume_action(state, key))) for key in keys]


def journal_line(record: Mapping[str, Any]) -> bytes:
    """One record exactly as ``append_journal`` writes it."""
    return (
        json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    ).encode("utf-8")


def torn_prefix(line: bytes, fraction: float) -> bytes:
    """What a crash mid-append leaves of ``line``: some of its bytes, never its newline."""
    return line[: max(1, min(len(line) - 1, int(len(line) * fraction)))]


def read_back(data: bytes) -> list[dict[str, Any]]:
    """The records the real ``read_journal`` gets from these bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.jsonl"
        path.write_bytes(data)
        return result_of(read_journal(path)).unwrap()


class Crash(BaseException):
    """The submitter dies here (kill -9 / Ctrl-C): nothing after this step happens."""


@dataclass
class World:
    """The journal's bytes and the scheduler's jobs (name -> ids), across runs."""

    journal: bytes = b""
    jobs: dict[str, list[str]] = field(default_factory=dict)
    next_id: int = 100

    def accept(self, key: str) -> str:
        self.next_id += 1
        self.jobs.setdefault(key, []).append(str(self.next_id))
        return str(self.next_id)

    def state(self) -> JournalState:
        return replay_journal(read_back(self.journal))


@dataclass
class Run:
    """One run of the model submitter; ``budget`` atomic steps before it crashes (None:
    never); ``torn`` = how much of the next journal line a crash leaves behind."""

    world: World
    fate: Callable[[str], Fate]
    budget: int | None
    torn: float
    looked_up: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)

    def step(self) -> None:
        if self.budget is not None:
            if self.budget == 0:
                raise Crash
            self.budget -= 1

    def write(self, record: Mapping[str, Any]) -> None:
        line = journal_line(record)
        if self.budget == 0 and self.torn > 0:
            # The first bytes of a line reached the file; never its newline.
            self.world.journal += torn_prefix(line, self.torn)
        self.step()
        # The next append first cuts what a crash left after the last newline.
        self.world.journal = self.world.journal[: self.world.journal.rfind(b"\n") + 1] + line

    def go(self, keys: Sequence[str]) -> None:
        state = self.world.state()
        for key, action in resume_plan(state, keys):
            if action == "skip":
                continue
            if action == "lookup":
                self.looked_up.append(key)
                ids = self.world.jobs.get(key, [])
                if ids:
                    self.found.append(key)
                    self.write({"event": "recovered", "key": key, "job_id": ids[0]})
                    continue
            self.write({"event": "submitting", "key": key})
            fate = self.fate(key)
            self.step()
            if fate == "crash_before":
                raise Crash
            if fate == "refused":
                self.write({"event": "failed", "key": key, "error": "sbatch refused"})
                return
            job_id = self.world.accept(key)
            if fate == "crash_after":
                raise Crash
            if fate == "lost_answer":
                self.write({"event": "failed", "key": key, "error": "sbatch timed out"})
                return
            self.submitted.append(key)
            self.write({"event": "submitted", "key": key, "job_id": job_id})


def _keys(n: int) -> list[str]:
    return [f"task_{i:03d}" for i in range(n)]


FATES_DEFINITE: tuple[Fate, ...] = ("ok", "ok", "ok", "refused", "crash_before", "crash_after")


def _check_crash_then_resume(data: st.DataObject, fates: Sequence[Fate]) -> None:
    keys = _keys(data.draw(st.integers(1, 7), label="keys"))
    world = World()
    fate_of = lambda key: data.draw(st.sampled_from(fates), label=f"fate {key}")  # noqa: E731
    for _ in range(data.draw(st.integers(1, 3), label="crashed runs")):
        budget = data.draw(st.integers(0, 4 * len(keys) + 2), label="steps before the crash")
        torn = data.draw(st.sampled_from([0.0, 0.0, 0.3, 0.9]), label="torn")
        run = Run(world, fate_of, budget, torn)
        with suppress(Crash):
            run.go(keys)
        state = world.state()
        # Replay tells the truth about the prefix: every submitted record names a job the
        # scheduler holds under that key.
        for key, job_id in state.submitted.items():
            assert job_id in world.jobs.get(key, []), (key, job_id, world.jobs)
    before = world.state()
    # In flight at the crash, or failed (a failed call may have lost the answer): unsure.
    unsure = (before.in_flight | set(before.failed)) - set(before.submitted)
    reached = {k for k in unsure if world.jobs.get(k)}
    last = Run(world, lambda key: "ok", None, 0.0)
    last.go(keys)
    after = world.state()
    expected_lookups = [k for k in keys if k in unsure]
    assert last.looked_up == expected_lookups
    assert set(last.found) == reached, "the lookup finds an unsure job iff it reached"
    assert sorted(last.submitted) == sorted(
        k for k in keys if k not in before.submitted and k not in reached
    )
    journal = world.journal.decode()
    assert {k: len(world.jobs.get(k, [])) for k in keys} == dict.fromkeys(keys, 1), journal
    assert after.submitted == {k: world.jobs[k][0] for k in keys}, journal
    assert not after.in_flight


@settings(max_examples=400)
@given(st.data())
def test_any_crash_point_then_resume_leaves_exactly_one_job_per_key(data: st.DataObject) -> None:
    _check_crash_then_resume(data, FATES_DEFINITE)


@settings(max_examples=400)
@given(st.data())
def test_a_lost_answer_is_looked_up_before_resubmitting(data: st.DataObject) -> None:
    _check_crash_then_resume(data, (*FATES_DEFINITE, "lost_answer"))


def test_resume_plan_examples() -> None:
    state = replay_journal(
        [
            {"event": "submitting", "key": "a"},
            {"event": "submitted", "key": "a", "job_id": "1"},
            {"event": "submitting", "key": "b"},
            {"event": "submitting", "key": "c"},
            {"event": "failed", "key": "c", "error": "x"},
            {"event": "submitting", "key": "d"},
            {"event": "recovered", "key": "d", "job_id": "4"},
        ]
    )
    assert resume_plan(state, ["a", "b", "c", "d", "e"]) == [
        ("a", "skip"),
        ("b", "lookup"),
        ("c", "lookup"),  # failed: the answer may have been lost, so look first
        ("d", "skip"),
        ("e", "submit"),
    ]


# -- the real submit_jobs against an in-memory scheduler -----------------------------------


@dataclass
class FakeScheduler:
    """Enough of :class:`hsm.effects.backend.Backend` for ``submit_jobs``; each submit
    call does what ``fate`` says."""

    fate: Callable[[str], Fate]
    jobs: dict[str, list[str]] = field(default_factory=dict)
    next_id: int = 500
    key: str = "slurm"

    def submit(
        self,
        script: Path,
        *,
        cwd: Path,
        job_name: str,
        indices: Sequence[int] | None,
        log_path: str | None = None,
    ) -> IOResult[str, HSMFailure]:
        fate = self.fate(job_name)
        if fate == "crash_before":
            raise Crash
        if fate == "refused":
            return IOFailure(SubmissionError("sbatch refused it"))
        self.next_id += 1
        self.jobs.setdefault(job_name, []).append(str(self.next_id))
        if fate == "crash_after":
            raise Crash
        if fate == "lost_answer":
            return IOFailure(CommandError("sbatch timed out", transient=True))
        return IOSuccess(str(self.next_id))

    def find_by_name(self, job_name: str) -> IOResult[tuple[str, ...], CommandError]:
        return IOSuccess(tuple(self.jobs.get(job_name, [])))


@contextmanager
def crashing_journal(budget: int | None, torn: float) -> Iterator[None]:
    """Let ``budget`` journal appends through, then die in the next one, leaving the
    first ``torn`` of its line behind (unfinished)."""
    real = sweeps._journal
    left = [budget]

    def journal(path: Path, record: Mapping[str, object]) -> Any:
        if left[0] is not None:
            if left[0] == 0:
                if torn:
                    line = journal_line({"time": "2026-01-01T00:00:00.000+00:00", **record})
                    with path.open("ab") as handle:
                        handle.write(torn_prefix(line, torn))
                raise Crash
            left[0] -= 1
        return real(path, record)

    with mock.patch.object(sweeps, "_journal", journal):
        yield


def _real_sweep(root: Path, n: int) -> tuple[Path, Any]:
    options = api.JobOptions(walltime="00:01:00", script_path="train.py", project_dir=root)
    sweep_dir = root / "sweep"
    planned = api.plan_sweep(
        options, "slurm", 1, "law", sweep_dir, [{"i": i} for i in range(n)], "individual"
    ).unwrap()
    manifest = result_of(sweeps.write_sweep(sweep_dir, *planned)).unwrap()
    return sweep_dir, manifest


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_real_submit_jobs_survives_any_crash(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 5), label="jobs")
    with tempfile.TemporaryDirectory() as tmp:
        sweep_dir, manifest = _real_sweep(Path(tmp), n)
        names = [job.job_name for job in manifest.jobs]
        scheduler = FakeScheduler(
            lambda name: data.draw(st.sampled_from(FATES_DEFINITE), label=f"fate {name}")
        )
        for _ in range(data.draw(st.integers(1, 3), label="crashed runs")):
            budget = data.draw(st.integers(0, 3 * n + 1), label="journal appends before crash")
            torn = data.draw(st.sampled_from([0.0, 0.5]), label="torn")
            with crashing_journal(budget, torn), suppress(Crash):
                sweeps.submit_jobs(sweep_dir, manifest, scheduler, Path(tmp))
        state = result_of(sweeps.journal_state(sweep_dir)).unwrap()
        reached = {name for name in names if scheduler.jobs.get(name)}
        # The re-stated decision is the one the real code is about to make.
        planned = dict(resume_plan(state, [job.key for job in manifest.jobs]))
        scheduler.fate = lambda name: "ok"
        done = result_of(sweeps.submit_jobs(sweep_dir, manifest, scheduler, Path(tmp))).unwrap()
        for job in manifest.jobs:
            action = planned[job.key]
            if action == "skip":
                assert job.key not in done.submitted and job.key not in done.recovered
            elif action == "submit":
                assert job.key in done.submitted
            else:
                assert (job.key in done.recovered) == (job.job_name in reached)
        journal = (sweep_dir / layout.JOURNAL).read_text()
        assert {name: len(scheduler.jobs.get(name, [])) for name in names} == dict.fromkeys(
            names, 1
        ), journal
        assert done.job_ids == {job.key: scheduler.jobs[job.job_name][0] for job in manifest.jobs}
