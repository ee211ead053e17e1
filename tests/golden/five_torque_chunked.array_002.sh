#!/bin/bash
#PBS -N five_array_002
#PBS -l walltime=00:20:00
#PBS -t 0
#PBS -j oe
#PBS -o sweeps/five/logs/array_002.log
# hsm: sweep five, array 2, 1 tasks, offset 4
cd "$PBS_O_WORKDIR" || exit 1
case "${PBS_ARRAYID:?PBS_ARRAYID is not set}" in
  0) set -- "seed=4" "tag='a b'"; hsm_task=4; hsm_params='{"seed": 4, "tag": "a b"}' ;;
  *) echo "hsm: no task for array index ${PBS_ARRAYID}" >&2; exit 64 ;;
esac
export HSM_SWEEP_ID="five"
export HSM_SWEEP_DIR="$PWD"/sweeps/five
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json" || { echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70; }
python3 train.py "$@"
