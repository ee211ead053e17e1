#!/bin/bash
#PBS -N hsm_demo_array
#PBS -l walltime=01:30:00
#PBS -l nodes=1:ppn=4
#PBS -l mem=8gb
#PBS -q short
#PBS -A proj42
#PBS -t 0-2%2
#PBS -W depend=afterok:1001
#PBS -j oe
#PBS -o logs/hsm_demo_array.log
# hsm: sweep demo, tasks 0-2 (offset 0)
cd "$PBS_O_WORKDIR" || exit 1
module load python/3.11
source .venv/bin/activate
case "${PBS_ARRAYID:?PBS_ARRAYID is not set}" in
  0) set -- "lr=0.1" "model.name=resnet" ;;
  1) set -- "lr=0.01" 'model.name='\''two words; $HOME `id`'\''' ;;
  2) set -- "lr=0.001" 'model.name='\''it\'\''s "quoted"'\''' ;;
  *) echo "hsm: no task for array index ${PBS_ARRAYID}" >&2; exit 64 ;;
esac
python train.py "$@"
