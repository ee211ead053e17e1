#!/bin/bash
#PBS -N hostile_task_000
#PBS -l walltime=01:30:00
#PBS -j oe
#PBS -o sweeps/hostile/logs/task_000.log
# hsm: sweep hostile, task 0
cd "$PBS_O_WORKDIR" || exit 1
python train.py "lr=0.01" 'model.name='\''two words; $HOME `id`'\'''
