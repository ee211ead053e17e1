#!/bin/bash
#PBS -N sweep_task_001
#PBS -l walltime=04:00:00
#PBS -l select=1:ncpus=4:mem=16gb
#PBS -j oe
#PBS -o logs/task_001.log
cd "$PBS_O_WORKDIR" || exit 1
python train.py "lr=0.001" "batch_size=32"
