#!/bin/bash
#PBS -N five_task_004
#PBS -l walltime=00:20:00
#PBS -j oe
#PBS -o sweeps/five/logs/task_004.log
# hsm: sweep five, task 4
cd "$PBS_O_WORKDIR" || exit 1
python3 train.py "seed=4" "tag='a b'"
