#!/bin/bash
#PBS -N hostile_array_000
#PBS -l walltime=01:30:00
#PBS -J 0-2
#PBS -j oe
#PBS -o sweeps/hostile/logs/array_000_^array_index^.log
# hsm: sweep hostile, array 0, 3 tasks, offset 0
cd "$PBS_O_WORKDIR" || exit 1
case "${PBS_ARRAY_INDEX:?PBS_ARRAY_INDEX is not set}" in
  0) set -- "lr=0.01" 'model.name='\''two words; $HOME `id`'\'''; hsm_task=0; hsm_params='{"lr": 0.01, "model.name": "two words; $HOME `id`"}' ;;
  1) set -- "lr=0.01" 'model.name='\''it\'\''s "quoted"'\'''; hsm_task=1; hsm_params='{"lr": 0.01, "model.name": "it'\''s \"quoted\""}' ;;
  2) set -- "lr=0.01" "model.name='naïve ünïcode ✓ €'"; hsm_task=2; hsm_params='{"lr": 0.01, "model.name": "naïve ünïcode ✓ €"}' ;;
  *) echo "hsm: no task for array index ${PBS_ARRAY_INDEX}" >&2; exit 64 ;;
esac
export HSM_SWEEP_ID="hostile"
export HSM_SWEEP_DIR="$PWD"/sweeps/hostile
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json" || { echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70; }
python train.py "$@"
