#!/bin/bash
#SBATCH --job-name=hostile_task_000
#SBATCH --time=01:30:00
#SBATCH --output=sweeps/hostile/logs/task_000.log
# hsm: sweep hostile, task 0
python train.py "lr=0.01" 'model.name='\''two words; $HOME `id`'\'''
