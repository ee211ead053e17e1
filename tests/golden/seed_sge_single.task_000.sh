#!/bin/bash
#$ -S /bin/bash
#$ -N sweep_task_000
#$ -l h_rt=04:00:00
#$ -pe smp 4
#$ -l h_vmem=4G
#$ -cwd
#$ -j y
#$ -o sweeps/sweep/logs/task_000.log
# hsm: sweep sweep, task 0
python train.py "lr=0.001" "batch_size=32"
