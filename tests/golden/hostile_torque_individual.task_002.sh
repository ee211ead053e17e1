#!/bin/bash
#PBS -N hostile_task_002
#PBS -l walltime=01:30:00
#PBS -j oe
#PBS -o sweeps/hostile/logs/task_002.log
# hsm: sweep hostile, task 2
cd "$PBS_O_WORKDIR" || exit 1
python train.py "lr=0.01" "model.name='naïve ünïcode ✓ €'"
