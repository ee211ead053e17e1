"""PBS Pro / OpenPBS and Torque: ``qsub`` / ``qstat`` / ``qdel``, ``#PBS`` scripts.

Everything hsm knows about the PBS family is in this folder; :data:`PBSPRO` and
:data:`TORQUE` are the records the rest of hsm reads (see :mod:`hsm.pure.schedulers.base`).
"""

from __future__ import annotations

from dataclasses import replace

from hsm.pure.schedulers.base import (
    Commands,
    ResourceDialect,
    Scheduler,
    hms,
)
from hsm.pure.schedulers.pbs import commands, limits, qstat
from hsm.pure.schedulers.pbs.detect import PRO_DETECTION, TORQUE_DETECTION
from hsm.pure.schedulers.pbs.resources import check_pbs_extra, is_pbs_mark, parse_pbs
from hsm.pure.schedulers.pbs.section import SECTION
from hsm.pure.schedulers.pbs.translate import (
    ADVICE,
    LACKS,
    pbs_shape,
    refuse_partition_list,
    render_pbspro_lines,
    render_torque,
)


def pro_array_log_name(key: str) -> str:
    """PBS Pro replaces ``^array_index^`` in ``-o`` with the subjob's index (qsub(1B))."""
    return f"{key}_^array_index^.log"


def pro_task_log_name(pattern: str, index: int) -> str:
    """The file subjob ``index`` writes (``^array_index^`` filled in)."""
    return pattern.replace("^array_index^", str(index))


def torque_array_log_name(key: str) -> str:
    """Torque takes ``-o`` as the array's base name (see :func:`torque_task_log_name`)."""
    return f"{key}.log"


def torque_task_log_name(pattern: str, index: int) -> str:
    """Torque appends ``-<index>`` to an array's ``-o`` path for each subjob."""
    return f"{pattern}-{index}"


DIALECT = ResourceDialect(
    label="PBS resources",
    name="pbs",
    marks=is_pbs_mark,
    parse=parse_pbs,
    shape=pbs_shape,
    check_extra=check_pbs_extra,
    advice=ADVICE,
    lacks=LACKS,
)

PRO_COMMANDS = Commands(
    submit_command="qsub",
    status_command="qstat",
    submit_argv=commands.submit_argv,
    parse_submit_output=commands.parse_submit_output,
    status_argv=qstat.status_argv,
    parse_status_output=qstat.parse_pro_status_output,
    history_argv=qstat.history_argv,
    parse_history_output=qstat.parse_pro_status_output,
    cancel_argv=commands.cancel_argv,
    parse_cancel_output=commands.parse_cancel_output,
    classify_failure=commands.classify_failure,
    submit_hint=commands.submit_hint,
    name_query_argvs=commands.pro_name_query_argvs,
    parse_name_query=commands.parse_name_query,
    user_query_argv=commands.user_query_argv,
    parse_user_query=commands.parse_user_query,
    limit_argv=commands.LIMIT_ARGV,
    parse_limit=commands.parse_limit,
    no_room=limits.no_room,
    submit_limits_argvs=limits.submit_limits_argvs,
    parse_submit_limits=limits.parse_submit_limits,
    queued_argv=limits.queued_argv,
)

PBSPRO = Scheduler(
    key="pbspro",
    name="pbs",
    label="PBS Pro",
    template="pbs/job.sh.j2",
    array_flag="-J ",
    index_var="PBS_ARRAY_INDEX",
    array_log_name=pro_array_log_name,
    task_log_name=pro_task_log_name,
    # PBS Pro accepts job names of up to 236 characters that start with a letter.
    job_name_limit=236,
    job_name_needs_letter=True,
    render_walltime=hms,
    dialect=DIALECT,
    render_resources=render_pbspro_lines,
    check_queue=refuse_partition_list,
    # PBS Pro server attribute max_array_size defaults to 10000 subjobs.
    default_array_limit=10000,
    # qsub -J takes start-end[:step] only: no list of indices.
    dense_arrays=True,
    # OpenPBS refuses a one-subjob array (`-J 0-0`: "qsub: illegal -J value", exit 2).
    min_array_tasks=2,
    task_id=commands.array_task_id,
    split_task_id=commands.split_array_task_id,
    is_job_id=commands.is_job_id,
    job_id_examples="123.server, 123[].server, 123[4].server",
    never_starts=commands.never_starts,
    infrastructure_failure=qstat.pro_infrastructure_failure,
    states=qstat.PRO_STATES,
    # Torque's record is a copy of this one, so the note speaks for both.
    finished_note="PBS `F`/`X`/`C` are decided by `Exit_status`/`exit_status` and "
    "`substate`: 0 -> completed, deleted by `qdel` (substate 91, Torque 271, or no exit "
    "status at all) -> cancelled, anything else -> failed (negative JOB_EXEC codes and "
    "signals named in the reason)",
    config_section=SECTION,
    commands=PRO_COMMANDS,
    detection=PRO_DETECTION,
)

# Torque shares qsub/qdel/qselect and the qstat -f text with PBS Pro; it differs in the
# array option and index variable, has no history query (-x means XML there), and its own
# letters.
TORQUE = replace(
    PBSPRO,
    key="torque",
    label="Torque",
    array_flag="-t ",
    index_var="PBS_ARRAYID",
    array_log_name=torque_array_log_name,
    task_log_name=torque_task_log_name,
    job_name_limit=230,
    render_resources=render_torque,
    # Torque's max_job_array_size is unset (no limit) by default; 1000 keeps each
    # script small and matches common site settings.
    default_array_limit=1000,
    dense_arrays=False,
    min_array_tasks=1,  # Torque accepts `-t 0`
    states=qstat.TORQUE_STATES,
    infrastructure_failure=qstat.torque_infrastructure_failure,
    commands=replace(
        PRO_COMMANDS,
        status_argv=qstat.torque_status_argv,
        parse_status_output=qstat.parse_torque_status_output,
        history_argv=None,
        parse_history_output=None,
        name_query_argvs=commands.torque_name_query_argvs,
    ),
    detection=TORQUE_DETECTION,
)

__all__ = ["DIALECT", "PBSPRO", "TORQUE"]
