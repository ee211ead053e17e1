#!/bin/bash
#SBATCH --job-name=hostile_task_001
#SBATCH --time=01:30:00
#SBATCH --output=sweeps/hostile/logs/task_001.log
# hsm: sweep hostile, task 1
python train.py "lr=0.01" 'model.name='\''it\'\''s "quoted"'\'''
