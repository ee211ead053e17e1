#!/bin/bash
#SBATCH --job-name=opts_array_000
#SBATCH --time=01:30:00
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --gres=gpu:1
#SBATCH --partition=short
#SBATCH --account=proj42
#SBATCH --array=0-2%2
#SBATCH --dependency=afterok:1001
#SBATCH --output=sweeps/opts/logs/array_000_%a.log
# hsm: sweep opts, array 0, 3 tasks, offset 0
module load python/3.11
source .venv/bin/activate
case "${SLURM_ARRAY_TASK_ID:?SLURM_ARRAY_TASK_ID is not set}" in
  0) set -- "lr=0.1"; hsm_task=0; hsm_params='{"lr": 0.1}' ;;
  1) set -- "lr=0.01"; hsm_task=1; hsm_params='{"lr": 0.01}' ;;
  2) set -- "lr=0.001"; hsm_task=2; hsm_params='{"lr": 0.001}' ;;
  *) echo "hsm: no task for array index ${SLURM_ARRAY_TASK_ID}" >&2; exit 64 ;;
esac
export HSM_SWEEP_ID="opts"
export HSM_SWEEP_DIR="$PWD"/sweeps/opts
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json" || { echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70; }
python train.py "$@"
