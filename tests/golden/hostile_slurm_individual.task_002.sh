#!/bin/bash
#SBATCH --job-name=hostile_task_002
#SBATCH --time=01:30:00
#SBATCH --output=sweeps/hostile/logs/task_002.log
# hsm: sweep hostile, task 2
hsm_task=2
hsm_params='{"lr": 0.01, "model.name": "naïve ünïcode ✓ €"}'
export HSM_SWEEP_ID="hostile"
export HSM_SWEEP_DIR="$PWD"/sweeps/hostile
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json" || { echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70; }
python train.py "lr=0.01" "model.name='naïve ünïcode ✓ €'"
