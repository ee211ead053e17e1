#!/bin/bash
#PBS -N sweep_task_000
#PBS -l walltime=48:00:30
#PBS -l nodes=1:ppn=4
#PBS -j oe
#PBS -o sweeps/sweep/logs/task_000.log
# hsm: sweep sweep, task 0
cd "$PBS_O_WORKDIR" || exit 1
/opt/conda/bin/python train.py "lr=0.001" "batch_size=32"
