#!/bin/bash
#$ -S /bin/bash
#$ -N five_array_002
#$ -l h_rt=00:20:00
#$ -t 1
#$ -cwd
#$ -j y
#$ -o sweeps/five/logs/array_002_$TASK_ID.log
# hsm: sweep five, array 2, 1 tasks, offset 3
case "${SGE_TASK_ID:?SGE_TASK_ID is not set}" in
  1) set -- "seed=4" "tag='a b'" ;;
  *) echo "hsm: no task for array index ${SGE_TASK_ID}" >&2; exit 64 ;;
esac
python3 train.py "$@"
