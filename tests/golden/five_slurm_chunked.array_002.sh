#!/bin/bash
#SBATCH --job-name=five_array_002
#SBATCH --time=00:20:00
#SBATCH --array=0
#SBATCH --output=sweeps/five/logs/array_002_%a.log
# hsm: sweep five, array 2, 1 tasks, offset 4
case "${SLURM_ARRAY_TASK_ID:?SLURM_ARRAY_TASK_ID is not set}" in
  0) set -- "seed=4" "tag='a b'" ;;
  *) echo "hsm: no task for array index ${SLURM_ARRAY_TASK_ID}" >&2; exit 64 ;;
esac
python3 train.py "$@"
