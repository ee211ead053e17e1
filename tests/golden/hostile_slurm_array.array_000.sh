#!/bin/bash
#SBATCH --job-name=hostile_array_000
#SBATCH --time=01:30:00
#SBATCH --array=0-2
#SBATCH --output=sweeps/hostile/logs/array_000_%a.log
# hsm: sweep hostile, array 0, 3 tasks, offset 0
case "${SLURM_ARRAY_TASK_ID:?SLURM_ARRAY_TASK_ID is not set}" in
  0) set -- "lr=0.01" 'model.name='\''two words; $HOME `id`'\'''; hsm_task=0; hsm_params='{"lr": 0.01, "model.name": "two words; $HOME `id`"}' ;;
  1) set -- "lr=0.01" 'model.name='\''it\'\''s "quoted"'\'''; hsm_task=1; hsm_params='{"lr": 0.01, "model.name": "it'\''s \"quoted\""}' ;;
  2) set -- "lr=0.01" "model.name='naïve ünïcode ✓ €'"; hsm_task=2; hsm_params='{"lr": 0.01, "model.name": "naïve ünïcode ✓ €"}' ;;
  *) echo "hsm: no task for array index ${SLURM_ARRAY_TASK_ID}" >&2; exit 64 ;;
esac
export HSM_SWEEP_ID="hostile"
export HSM_SWEEP_DIR="$PWD"/sweeps/hostile
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json" || { echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70; }
python train.py "$@"
