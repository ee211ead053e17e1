#!/bin/bash
#PBS -N five_array_002
#PBS -l walltime=00:20:00
#PBS -t 0
#PBS -j oe
#PBS -o sweeps/five/logs/array_002.log
# hsm: sweep five, array 2, 1 tasks, offset 4
cd "$PBS_O_WORKDIR" || exit 1
case "${PBS_ARRAYID:?PBS_ARRAYID is not set}" in
  0) set -- "seed=4" "tag='a b'" ;;
  *) echo "hsm: no task for array index ${PBS_ARRAYID}" >&2; exit 64 ;;
esac
python3 train.py "$@"
