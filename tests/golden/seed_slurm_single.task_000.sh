#!/bin/bash
#SBATCH --job-name=sweep_task_000
#SBATCH --time=04:00:00
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=4
#SBATCH --mem=16G
#SBATCH --output=sweeps/sweep/logs/task_000.log
# hsm: sweep sweep, task 0
python train.py "lr=0.001" "batch_size=32"
