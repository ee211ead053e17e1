#!/bin/bash
#$ -S /bin/bash
#$ -N hostile_task_001
#$ -l h_rt=01:30:00
#$ -cwd
#$ -j y
#$ -o sweeps/hostile/logs/task_001.log
# hsm: sweep hostile, task 1
python train.py "lr=0.01" 'model.name='\''it\'\''s "quoted"'\'''
