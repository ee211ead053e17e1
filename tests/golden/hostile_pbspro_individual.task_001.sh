#!/bin/bash
#PBS -N hostile_task_001
#PBS -l walltime=01:30:00
#PBS -j oe
#PBS -o sweeps/hostile/logs/task_001.log
# hsm: sweep hostile, task 1
cd "$PBS_O_WORKDIR" || exit 1
hsm_task=1
hsm_params='{"lr": 0.01, "model.name": "it'\''s \"quoted\""}'
export HSM_SWEEP_ID="hostile"
export HSM_SWEEP_DIR="$PWD"/sweeps/hostile
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json" || { echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70; }
python train.py "lr=0.01" 'model.name='\''it\'\''s "quoted"'\'''
