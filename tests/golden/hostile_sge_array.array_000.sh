#!/bin/bash
#$ -S /bin/bash
#$ -N hostile_array_000
#$ -l h_rt=01:30:00
#$ -t 1-3
#$ -cwd
#$ -j y
#$ -o sweeps/hostile/logs/array_000_$TASK_ID.log
# hsm: sweep hostile, array 0, 3 tasks, offset -1
case "${SGE_TASK_ID:?SGE_TASK_ID is not set}" in
  1) set -- "lr=0.01" 'model.name='\''two words; $HOME `id`'\'''; hsm_task=0; hsm_params='{"lr": 0.01, "model.name": "two words; $HOME `id`"}' ;;
  2) set -- "lr=0.01" 'model.name='\''it\'\''s "quoted"'\'''; hsm_task=1; hsm_params='{"lr": 0.01, "model.name": "it'\''s \"quoted\""}' ;;
  3) set -- "lr=0.01" "model.name='naïve ünïcode ✓ €'"; hsm_task=2; hsm_params='{"lr": 0.01, "model.name": "naïve ünïcode ✓ €"}' ;;
  *) echo "hsm: no task for array index ${SGE_TASK_ID}" >&2; exit 64 ;;
esac
export HSM_SWEEP_ID="hostile"
export HSM_SWEEP_DIR="$PWD"/sweeps/hostile
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
if ! { mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json"; }; then
  echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70
fi
python train.py "$@"
