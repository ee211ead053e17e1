"""The local backend: scripts run on this machine by hsm's own supervisor.

There is no batch system to talk to (:attr:`Scheduler.commands` is None): the effects
layer (:mod:`hsm.effects.local`) runs the scripts and :mod:`.states` decides their states
from the spool's files.  The rest of what hsm knows about local jobs is in this record.
"""

from __future__ import annotations

from hsm.pure.schedulers.base import Scheduler, hms
from hsm.pure.schedulers.local import states


def array_log_name(key: str) -> str:
    """The supervisor fills in ``%a`` with the task's index, as Slurm does."""
    return f"{key}_%a.log"


def task_log_name(pattern: str, index: int) -> str:
    """The file task ``index`` of an array writes."""
    return pattern.replace("%a", str(index))


def launcher(walltime_seconds: int) -> str:
    """No scheduler enforces the walltime, so ``timeout`` does; ``--foreground`` keeps the
    program in the job's process group so cancelling the group still reaches it."""
    return f"timeout --foreground --kill-after=30s {walltime_seconds}s "


SCHEDULER = Scheduler(
    key="local",
    name="local",
    label="local",
    template="local/job.sh.j2",
    array_flag="",
    index_var="HSM_ARRAY_TASK_ID",
    array_log_name=array_log_name,
    task_log_name=task_log_name,
    job_name_limit=200,
    job_name_needs_letter=False,
    render_walltime=hms,
    dialect=None,
    render_resources=None,
    # One array holds the whole sweep: the supervisor reads indices from a file.
    default_array_limit=1_000_000,
    # The supervisor starts a task as soon as a CPU is free: it has no job dependencies,
    # and it never runs more tasks than CPUs, which is the only throttle it offers.
    dependency_kinds=(),
    dependency_note="job dependencies need a batch scheduler, and the local backend runs "
    "jobs as soon as a CPU is free; submit the sweep after the job finishes",
    throttle=False,
    launcher=launcher,
    task_id=states.task_id,
    split_task_id=states.split_task_id,
    is_job_id=states.is_job_id,
    job_id_examples="12, 12_3",
    states=states.STATES,
    finished_note="local `exited` with a non-zero status becomes `failed`",
    commands=None,
)

__all__ = ["SCHEDULER"]
