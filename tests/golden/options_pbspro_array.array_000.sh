#!/bin/bash
#PBS -N opts_array_000
#PBS -l walltime=01:30:00
#PBS -l select=1:ncpus=4:mem=8gb:ngpus=1
#PBS -q short
#PBS -A proj42
#PBS -J 0-2%2
#PBS -W depend=afterok:1001
#PBS -j oe
#PBS -o sweeps/opts/logs/array_000_^array_index^.log
# hsm: sweep opts, array 0, 3 tasks, offset 0
cd "$PBS_O_WORKDIR" || exit 1
module load python/3.11
source .venv/bin/activate
case "${PBS_ARRAY_INDEX:?PBS_ARRAY_INDEX is not set}" in
  0) set -- "lr=0.1"; hsm_task=0; hsm_params='{"lr": 0.1}' ;;
  1) set -- "lr=0.01"; hsm_task=1; hsm_params='{"lr": 0.01}' ;;
  2) set -- "lr=0.001"; hsm_task=2; hsm_params='{"lr": 0.001}' ;;
  *) echo "hsm: no task for array index ${PBS_ARRAY_INDEX}" >&2; exit 64 ;;
esac
export HSM_SWEEP_ID="opts"
export HSM_SWEEP_DIR="$PWD"/sweeps/opts
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json" || { echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70; }
python train.py "$@"
