#!/bin/bash
#$ -S /bin/bash
#$ -N hostile_task_000
#$ -l h_rt=01:30:00
#$ -cwd
#$ -j y
#$ -o sweeps/hostile/logs/task_000.log
# hsm: sweep hostile, task 0
python train.py "lr=0.01" 'model.name='\''two words; $HOME `id`'\'''
