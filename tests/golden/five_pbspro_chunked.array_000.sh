#!/bin/bash
#PBS -N five_array_000
#PBS -l walltime=00:20:00
#PBS -J 0-1
#PBS -j oe
#PBS -o sweeps/five/logs/array_000_^array_index^.log
# hsm: sweep five, array 0, 2 tasks, offset 0
cd "$PBS_O_WORKDIR" || exit 1
case "${PBS_ARRAY_INDEX:?PBS_ARRAY_INDEX is not set}" in
  0) set -- "seed=0" "tag='a b'"; hsm_task=0; hsm_params='{"seed": 0, "tag": "a b"}' ;;
  1) set -- "seed=1" "tag='a b'"; hsm_task=1; hsm_params='{"seed": 1, "tag": "a b"}' ;;
  *) echo "hsm: no task for array index ${PBS_ARRAY_INDEX}" >&2; exit 64 ;;
esac
export HSM_SWEEP_ID="five"
export HSM_SWEEP_DIR="$PWD"/sweeps/five
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json" || { echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70; }
python3 train.py "$@"
