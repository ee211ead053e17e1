#!/bin/bash
#PBS -N five_array_001
#PBS -l walltime=00:20:00
#PBS -t 0-1
#PBS -j oe
#PBS -o sweeps/five/logs/array_001.log
# hsm: sweep five, array 1, 2 tasks, offset 2
cd "$PBS_O_WORKDIR" || exit 1
case "${PBS_ARRAYID:?PBS_ARRAYID is not set}" in
  0) set -- "seed=2" "tag='a b'" ;;
  1) set -- "seed=3" "tag='a b'" ;;
  *) echo "hsm: no task for array index ${PBS_ARRAYID}" >&2; exit 64 ;;
esac
python3 train.py "$@"
