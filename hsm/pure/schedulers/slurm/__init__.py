"""Slurm: ``sbatch`` / ``squeue`` / ``sacct`` / ``scancel``, ``#SBATCH`` scripts.

Everything hsm knows about Slurm is in this folder; :data:`SCHEDULER` is the record the
rest of hsm reads (see :mod:`hsm.pure.schedulers.base`).
"""

from __future__ import annotations

from hsm.pure.schedulers.base import (
    Commands,
    ResourceDialect,
    Scheduler,
)
from hsm.pure.schedulers.slurm import commands, limits
from hsm.pure.schedulers.slurm.detect import DETECTION
from hsm.pure.schedulers.slurm.failures import (
    classify_failure,
    infrastructure_failure,
    submit_hint,
)
from hsm.pure.schedulers.slurm.resources import check_slurm_extra, is_slurm_mark, parse_slurm
from hsm.pure.schedulers.slurm.section import SECTION
from hsm.pure.schedulers.slurm.translate import refuse_pbs_server, render_slurm, slurm_shape


def render_walltime(seconds: int) -> str:
    """``HH:MM:SS`` below one day, ``D-HH:MM:SS`` from one day on (sbatch(1) ``--time``).

    >>> render_walltime(4 * 3600), render_walltime(100 * 3600 + 1)
    ('04:00:00', '4-04:00:01')
    """
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{days}-{hours:02d}:{mins:02d}:{secs:02d}"
    return f"{hours:02d}:{mins:02d}:{secs:02d}"


def array_log_name(key: str) -> str:
    """sbatch(1) replaces ``%a`` in ``--output`` with the array index."""
    return f"{key}_%a.log"


def task_log_name(pattern: str, index: int) -> str:
    """The file task ``index`` of an array writes (``%a`` filled in)."""
    return pattern.replace("%a", str(index))


DIALECT = ResourceDialect(
    label="Slurm options",
    name="slurm",
    marks=is_slurm_mark,
    parse=parse_slurm,
    shape=slurm_shape,
    check_extra=check_slurm_extra,
    advice="write Slurm options (e.g. --nodes=1 --cpus-per-task=4 --mem=16G)",
    lacks={
        "mail-user-list": "Slurm's --mail-user takes one user or address",
        "place=shared": "whether Slurm shares a node with other jobs is the partition's setting",
    },
)

SCHEDULER = Scheduler(
    key="slurm",
    name="slurm",
    label="Slurm",
    template="slurm/job.sh.j2",
    array_flag="--array=",
    index_var="SLURM_ARRAY_TASK_ID",
    array_log_name=array_log_name,
    task_log_name=task_log_name,
    # sbatch accepts long names; 200 keeps squeue/sacct columns readable.
    job_name_limit=200,
    job_name_needs_letter=False,
    render_walltime=render_walltime,
    dialect=DIALECT,
    render_resources=render_slurm,
    check_queue=refuse_pbs_server,
    # slurm.conf(5): MaxArraySize defaults to 1001, so indices 0..1000.
    default_array_limit=1001,
    task_id=commands.task_id,
    split_task_id=commands.split_task_id,
    is_job_id=commands.is_job_id,
    job_id_examples="123, 123_4",
    never_starts=commands.never_starts,
    infrastructure_failure=infrastructure_failure,
    states=commands.STATES,
    finished_note="Slurm `COMPLETED` with a non-zero `ExitCode` becomes `failed`",
    config_section=SECTION,
    commands=Commands(
        submit_command="sbatch",
        status_command="squeue",
        submit_argv=commands.submit_argv,
        parse_submit_output=commands.parse_submit_output,
        status_argv=commands.status_argv,
        parse_status_output=commands.parse_status_output,
        history_argv=commands.history_argv,
        parse_history_output=commands.parse_history_output,
        cancel_argv=commands.cancel_argv,
        parse_cancel_output=commands.parse_cancel_output,
        classify_failure=classify_failure,
        submit_hint=submit_hint,
        name_query_argvs=commands.name_query_argvs,
        parse_name_query=commands.parse_name_query,
        user_query_argv=commands.user_query_argv,
        parse_user_query=commands.parse_user_query,
        limit_argv=commands.LIMIT_ARGV,
        parse_limit=commands.parse_limit,
        no_room=limits.no_room,
        submit_limits_argvs=limits.submit_limits_argvs,
        parse_submit_limits=limits.parse_submit_limits,
        queued_argv=limits.queued_argv,
    ),
    detection=DETECTION,
)

__all__ = ["DIALECT", "SCHEDULER"]
