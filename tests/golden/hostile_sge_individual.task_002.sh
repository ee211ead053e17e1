#!/bin/bash
#$ -S /bin/bash
#$ -N hostile_task_002
#$ -l h_rt=01:30:00
#$ -cwd
#$ -j y
#$ -o sweeps/hostile/logs/task_002.log
# hsm: sweep hostile, task 2
python train.py "lr=0.01" "model.name='naïve ünïcode ✓ €'"
