#!/bin/bash
#PBS -N sweep_task_000
#PBS -l walltime=48:00:30
#PBS -l nodes=1:ppn=4
#PBS -j oe
#PBS -o sweeps/sweep/logs/task_000.log
# hsm: sweep sweep, task 0
cd "$PBS_O_WORKDIR" || exit 1
hsm_task=0
hsm_params='{"lr": 0.001, "batch_size": 32}'
export HSM_SWEEP_ID="sweep"
export HSM_SWEEP_DIR="$PWD"/sweeps/sweep
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json" || { echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70; }
/opt/conda/bin/python train.py "lr=0.001" "batch_size=32"
