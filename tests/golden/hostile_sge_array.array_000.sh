#!/bin/bash
#$ -S /bin/bash
#$ -N hostile_array_000
#$ -l h_rt=01:30:00
#$ -t 1-3
#$ -cwd
#$ -j y
#$ -o sweeps/hostile/logs/array_000_$TASK_ID.log
# hsm: sweep hostile, array 0, 3 tasks, offset -1
case "${SGE_TASK_ID:?SGE_TASK_ID is not set}" in
  1) set -- "lr=0.01" 'model.name='\''two words; $HOME `id`'\''' ;;
  2) set -- "lr=0.01" 'model.name='\''it\'\''s "quoted"'\''' ;;
  3) set -- "lr=0.01" "model.name='naïve ünïcode ✓ €'" ;;
  *) echo "hsm: no task for array index ${SGE_TASK_ID}" >&2; exit 64 ;;
esac
python train.py "$@"
