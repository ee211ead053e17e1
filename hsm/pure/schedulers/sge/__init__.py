"""Grid Engine (Son of Grid Engine 8.1.9 and kin): ``qsub`` / ``qstat`` / ``qacct`` /
``qdel``, ``#$`` scripts.

Everything hsm knows about Grid Engine is in this folder; :data:`SCHEDULER` is the record
the rest of hsm reads (see :mod:`hsm.pure.schedulers.base`).  Facts that shape the record,
each seen on a real cell (tests/data/sge/README.md):

- ``-t`` indices start at 1 (``-t 0-3`` is refused): ``index_base=1``, and the
  planner numbers every array's tasks from 1.  ``-t`` takes one range only, so arrays
  are dense (a resubmission of tasks 3, 17, 42 is ``-t 1-3``).
- ``max_aj_tasks`` (``qconf -sconf``, 75000 by default) is the largest task index.
- Scripts run under the queue's ``/bin/sh`` unless ``-S /bin/bash``, in ``$HOME``
  unless ``-cwd``; hsm's template sets both.
- ``-o`` expands ``$TASK_ID``; hsm's directive checks refuse ``$`` in a log path, so the
  planner's ``%a`` pattern is kept in the manifest and the template writes ``$TASK_ID``.
- Job names must not start with a digit and are at most 512 characters.
- ``login_shells`` lists bash by default, so ``-S /bin/bash`` runs the script as a login
  shell: the user's profile runs before the script (as ``module`` users expect).
"""

from __future__ import annotations

from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.schedulers.base import (
    Commands,
    ResourceDialect,
    Scheduler,
    hms,
)
from hsm.pure.schedulers.sge import commands, qacct, qstat
from hsm.pure.schedulers.sge.detect import DETECTION
from hsm.pure.schedulers.sge.failures import classify_failure, submit_hint
from hsm.pure.schedulers.sge.resources import (
    ADVICE,
    LACKS,
    check_sge_extra,
    is_sge_mark,
    parse_sge,
    render_sge,
    sge_shape,
)
from hsm.pure.schedulers.sge.section import SECTION

#: What the planner's array log pattern holds in place of the task index.
TASK_PATTERN = "%a"


def array_log_name(key: str) -> str:
    """The array's log name; the template turns ``%a`` into qsub's ``$TASK_ID``."""
    return f"{key}_{TASK_PATTERN}.log"


def task_log_name(pattern: str, index: int) -> str:
    """The file task ``index`` writes (the pattern's ``%a`` filled in).

    >>> task_log_name("logs/array_000_%a.log", 3)
    'logs/array_000_3.log'
    """
    return pattern.replace(TASK_PATTERN, str(index))


def check_queue(queue: str, path: str) -> Result[str, ConfigError]:
    """A PBS ``queue@server`` means a queue *instance* on a host to Grid Engine: refused.

    >>> print(check_queue("q@srv", "").failure())
    queue 'q@srv' names a PBS server; give the Grid Engine queue name alone
    """
    if "@" in queue:
        return Failure(
            ConfigError(
                f"queue {queue!r} names a PBS server; give the Grid Engine queue name alone", path
            )
        )
    return Success(queue)


DIALECT = ResourceDialect(
    label="Grid Engine resources",
    name="sge",
    marks=is_sge_mark,
    parse=parse_sge,
    shape=sge_shape,
    check_extra=check_sge_extra,
    advice=ADVICE,
    lacks=LACKS,
)

SCHEDULER = Scheduler(
    key="sge",
    name="sge",
    label="Grid Engine",
    template="sge/job.sh.j2",
    array_flag="-t ",
    index_var="SGE_TASK_ID",
    array_log_name=array_log_name,
    task_log_name=task_log_name,
    # qsub refuses longer names ("job name too long, maximum allowed length is 512").
    job_name_limit=512,
    # qsub: '"1abc" is not a valid object name (cannot start with a digit)'.
    job_name_needs_letter=True,
    # -l h_rt=HH:MM:SS, hours above 24 allowed (sge_types(5) time_specifier).
    render_walltime=hms,
    dialect=DIALECT,
    render_resources=render_sge,
    check_queue=check_queue,
    # sge_conf(5): max_aj_tasks defaults to 75000.
    default_array_limit=75000,
    dense_arrays=True,
    task_id=commands.task_id,
    split_task_id=commands.split_task_id,
    is_job_id=commands.is_job_id,
    job_id_examples="25, 26.3",
    never_starts=commands.never_starts,
    infrastructure_failure=qacct.infrastructure_failure,
    # qsub(1): -hold_jid makes the job wait until the named jobs have *finished*, with no
    # condition on their exit status -- afterany only (afterok would silently weaken).
    dependency_kinds=("afterany",),
    dependency_note="its -hold_jid waits for a job to end whatever its exit status; "
    "write --after afterany:JOBID if that is what you want",
    states=qstat.STATES,
    finished_note="Grid Engine jobs that left `qstat` are decided by their `qacct` record: "
    "`failed 0` and `exit_status 0` -> completed, `failed 100` with `exit_status 137` (how "
    "`qdel` of a running job is recorded) -> cancelled, any other `failed` value or exit "
    "status -> failed",
    # hpc.sge.queue / .account (--queue / --account set them, as for PBS).
    config_section=SECTION,
    commands=Commands(
        submit_command="qsub",
        status_command="qstat",
        submit_argv=commands.submit_argv,
        parse_submit_output=commands.parse_submit_output,
        status_argv=qstat.status_argv,
        parse_status_output=qstat.parse_status_output,
        history_argv=qacct.history_argv,
        parse_history_output=qacct.parse_history_output,
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
    ),
    detection=DETECTION,
    index_base=1,
)

__all__ = ["DIALECT", "SCHEDULER"]
