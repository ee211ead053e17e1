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
  0) set -- "lr=0.1" ;;
  1) set -- "lr=0.01" ;;
  2) set -- "lr=0.001" ;;
  *) echo "hsm: no task for array index ${SLURM_ARRAY_TASK_ID}" >&2; exit 64 ;;
esac
python train.py "$@"
