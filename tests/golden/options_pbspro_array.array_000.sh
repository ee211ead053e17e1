#!/bin/bash
#PBS -N opts_array_000
#PBS -l walltime=01:30:00
#PBS -l select=1:ncpus=4:mem=8gb:ngpus=1
#PBS -q short
#PBS -A proj42
#PBS -J 0-2%2
#PBS -W depend=afterok:1001
#PBS -j oe
#PBS -o sweeps/opts/logs/array_000_^array_index^.log
# hsm: sweep opts, array 0, 3 tasks, offset 0
cd "$PBS_O_WORKDIR" || exit 1
module load python/3.11
source .venv/bin/activate
case "${PBS_ARRAY_INDEX:?PBS_ARRAY_INDEX is not set}" in
  0) set -- "lr=0.1" ;;
  1) set -- "lr=0.01" ;;
  2) set -- "lr=0.001" ;;
  *) echo "hsm: no task for array index ${PBS_ARRAY_INDEX}" >&2; exit 64 ;;
esac
python train.py "$@"
