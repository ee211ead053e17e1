#!/bin/bash
#SBATCH --job-name=five_array_001
#SBATCH --time=00:20:00
#SBATCH --array=0-1
#SBATCH --output=sweeps/five/logs/array_001_%a.log
# hsm: sweep five, array 1, 2 tasks, offset 2
case "${SLURM_ARRAY_TASK_ID:?SLURM_ARRAY_TASK_ID is not set}" in
  0) set -- "seed=2" "tag='a b'" ;;
  1) set -- "seed=3" "tag='a b'" ;;
  *) echo "hsm: no task for array index ${SLURM_ARRAY_TASK_ID}" >&2; exit 64 ;;
esac
python3 train.py "$@"
