#!/bin/bash
#PBS -N sweep_task_000
#PBS -l walltime=04:00:00
#PBS -l select=1:ncpus=4:mem=16gb
#PBS -j oe
#PBS -o sweeps/sweep/logs/task_000.log
# hsm: sweep sweep, task 0
cd "$PBS_O_WORKDIR" || exit 1
python train.py "lr=0.001" "batch_size=32"
