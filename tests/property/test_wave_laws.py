"""Laws of feeding a sweep in waves (:mod:`hsm.pure.waves`).

However the room comes and goes, every task is planned exactly once, in sweep order; no
wave holds more tasks than the room it was planned for; no array is larger than the room
or the array limit, and every index stays below the array limit; keys and job names never
repeat; a job is taken from the unsubmitted ones only when it fits whole.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hsm import api
from hsm.pure import plan
from hsm.pure.manifest import Manifest
from hsm.pure.plan import JobRecord
from hsm.pure.schedulers import SCHEDULERS
from hsm.pure.waves import (
    fed_manifest,
    is_fed,
    plan_wave,
    progress,
    unsubmitted_that_fit,
    waiting_tasks,
)


def _fed(scheduler: str, mode: str, tasks: int) -> Manifest:
    params = [{"x": i} for i in range(tasks)]
    planned = api.plan_sweep(
        api.JobOptions(script_path="t.py", project_dir=Path("/tmp")),
        scheduler,
        1 if mode == "individual" else SCHEDULERS[scheduler].default_array_limit,
        "laws",
        Path("/tmp/sweeps/laws"),
        params,
        mode,
    ).unwrap()
    return fed_manifest(planned[0])


@settings(max_examples=60, deadline=None)
@given(
    scheduler=st.sampled_from(["slurm", "pbspro", "torque", "sge"]),
    mode=st.sampled_from(["array", "individual"]),
    tasks=st.integers(1, 120),
    array_limit=st.integers(1, 40),
    rooms=st.lists(st.integers(0, 50), min_size=1, max_size=200),
)
def test_waves_plan_every_task_exactly_once(
    scheduler: str, mode: str, tasks: int, array_limit: int, rooms: list[int]
) -> None:
    manifest = _fed(scheduler, mode, tasks)
    assert is_fed(manifest) and waiting_tasks(manifest) == list(range(tasks))
    params_json = [plan.params_json(p) for p in manifest.params]
    base = SCHEDULERS[scheduler].index_base
    step = 0
    while waiting_tasks(manifest):
        free = rooms[step % len(rooms)] or (1 if step >= len(rooms) else 0)
        step += 1
        before = waiting_tasks(manifest)
        jobs = plan_wave(manifest, free, array_limit, params_json).unwrap()
        wave = [t for job in jobs for t in job.tasks]
        assert len(wave) <= free
        assert sorted(wave) == before[: len(wave)]  # the first waiting tasks, in order
        for job in jobs:
            if job.indices is not None:
                assert len(job.tasks) <= min(array_limit, free)
                assert all(base <= i < min(array_limit, free) + base for i in job.indices)
        manifest = replace(manifest, jobs=manifest.jobs + tuple(j.record() for j in jobs))
    covered = [t for job in manifest.jobs for t in job.tasks]
    assert sorted(covered) == list(range(tasks))
    assert len({j.key for j in manifest.jobs}) == len(manifest.jobs)
    assert len({j.job_name for j in manifest.jobs}) == len(manifest.jobs)
    ids = {j.key: str(n) for n, j in enumerate(manifest.jobs)}
    assert progress(manifest, ids).waiting == 0


@given(
    sizes=st.lists(st.integers(1, 30), max_size=20),
    submitted=st.sets(st.integers(0, 19)),
    in_flight=st.sets(st.integers(0, 19)),
    free=st.integers(0, 100),
)
def test_unsubmitted_jobs_go_in_whole_and_in_order(
    sizes: list[int], submitted: set[int], in_flight: set[int], free: int
) -> None:
    jobs = [
        JobRecord(f"j{n}", f"s_j{n}", "x", tuple(range(size)), None, "", "")
        for n, size in enumerate(sizes)
    ]
    ids = {f"j{n}": str(n) for n in submitted if n < len(jobs)}
    flying = frozenset(f"j{n}" for n in in_flight if n < len(jobs)) - set(ids)
    keys, left = unsubmitted_that_fit(jobs, ids, flying, free)
    assert not set(keys) & set(ids)
    assert flying <= set(keys)  # in-flight jobs are always looked up
    new = [k for k in keys if k not in flying]
    size = {j.key: len(j.tasks) for j in jobs}
    assert sum(size[k] for k in new) <= free
    assert 0 <= left <= free
    # order is kept: a job not taken blocks every later one that is not in flight
    pending = [j.key for j in jobs if j.key not in ids and j.key not in flying]
    assert new == pending[: len(new)]
