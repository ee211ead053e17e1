#!/bin/bash
#SBATCH --job-name=hostile_task_002
#SBATCH --time=01:30:00
#SBATCH --output=sweeps/hostile/logs/task_002.log
# hsm: sweep hostile, task 2
python train.py "lr=0.01" "model.name='naïve ünïcode ✓ €'"
