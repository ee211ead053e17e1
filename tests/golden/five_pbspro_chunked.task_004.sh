#!/bin/bash
#PBS -N five_task_004
#PBS -l walltime=00:20:00
#PBS -j oe
#PBS -o sweeps/five/logs/task_004.log
# hsm: sweep five, task 4
cd "$PBS_O_WORKDIR" || exit 1
hsm_task=4
hsm_params='{"seed": 4, "tag": "a b"}'
export HSM_SWEEP_ID="five"
export HSM_SWEEP_DIR="$PWD"/sweeps/five
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json" || { echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70; }
python3 train.py "seed=4" "tag='a b'"
