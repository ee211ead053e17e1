#!/bin/bash
#PBS -N five_array_002
#PBS -l walltime=00:20:00
#PBS -J 0
#PBS -j oe
#PBS -o sweeps/five/logs/array_002_^array_index^.log
# hsm: sweep five, array 2, 1 tasks, offset 4
cd "$PBS_O_WORKDIR" || exit 1
case "${PBS_ARRAY_INDEX:?PBS_ARRAY_INDEX is not set}" in
  0) set -- "seed=4" "tag='a b'" ;;
  *) echo "hsm: no task for array index ${PBS_ARRAY_INDEX}" >&2; exit 64 ;;
esac
python3 train.py "$@"
