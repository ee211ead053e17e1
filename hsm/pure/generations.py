"""Resubmissions as generations: the jobs of a sweep's next generation (``r1_``, ``r2_``...).

A resubmission never edits a job: the tasks go in again as new jobs, planned with the
sweep's settings, the changes of the newest generation that had some, then the new ones;
each job records what it changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from returns.result import Result

from hsm.pure.errors import HSMFailure
from hsm.pure.manifest import Manifest
from hsm.pure.plan import PlannedJob, SweepSettings, key_number, params_json, plan_jobs

#: What a resubmission's job keys start with, before its generation (``r1_array_000``).
PREFIX = "r"


def inherited_changes(manifest: Manifest) -> dict[str, Any]:
    """The changes of the newest generation that had some (jobs are kept in order)."""
    for job in reversed(manifest.jobs):
        if job.changes:
            return dict(job.changes)
    return {}


def next_generation(
    manifest: Manifest, tasks: Sequence[int], changes: Mapping[str, Any], array_limit: int
) -> Result[list[PlannedJob], HSMFailure]:
    """The jobs of the next generation, each recording what it changes."""
    generation = 1 + max((key_number(j.key, PREFIX) for j in manifest.jobs), default=0)
    base = dict(manifest.settings)
    changed = {**inherited_changes(manifest), **changes}
    changed = {key: value for key, value in changed.items() if value != base.get(key)}
    base.update(
        changed,
        mode="array",
        dependencies=(),
        key_prefix=f"{PREFIX}{generation}_",
        job_name=None,
        setup=tuple(base.get("setup", ())),
        extra=tuple(base.get("extra", ())),
        array_limit=array_limit,
    )
    planned = plan_jobs(
        SweepSettings(**base),
        manifest.argvs,
        tasks,
        params_json=[params_json(p) for p in manifest.params],
    )
    return planned.map(lambda jobs: [replace(job, changes=changed or None) for job in jobs])
