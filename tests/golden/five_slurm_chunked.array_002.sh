#!/bin/bash
#SBATCH --job-name=five_array_002
#SBATCH --time=00:20:00
#SBATCH --array=0
#SBATCH --output=sweeps/five/logs/array_002_%a.log
# hsm: sweep five, array 2, 1 tasks, offset 4
case "${SLURM_ARRAY_TASK_ID:?SLURM_ARRAY_TASK_ID is not set}" in
  0) set -- "seed=4" "tag='a b'"; hsm_task=4; hsm_params='{"seed": 4, "tag": "a b"}' ;;
  *) echo "hsm: no task for array index ${SLURM_ARRAY_TASK_ID}" >&2; exit 64 ;;
esac
export HSM_SWEEP_ID="five"
export HSM_SWEEP_DIR="$PWD"/sweeps/five
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json" || { echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70; }
python3 train.py "$@"
