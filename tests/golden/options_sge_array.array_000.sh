#!/bin/bash
#$ -S /bin/bash
#$ -N opts_array_000
#$ -l h_rt=01:30:00
#$ -pe smp 4
#$ -l h_vmem=2G
#$ -q short.q
#$ -A proj42
#$ -t 1-3
#$ -tc 2
#$ -hold_jid 1001
#$ -cwd
#$ -j y
#$ -o sweeps/opts/logs/array_000_$TASK_ID.log
#$ -P bio
# hsm: sweep opts, array 0, 3 tasks, offset -1
module load python/3.11
source .venv/bin/activate
case "${SGE_TASK_ID:?SGE_TASK_ID is not set}" in
  1) set -- "lr=0.1"; hsm_task=0; hsm_params='{"lr": 0.1}' ;;
  2) set -- "lr=0.01"; hsm_task=1; hsm_params='{"lr": 0.01}' ;;
  3) set -- "lr=0.001"; hsm_task=2; hsm_params='{"lr": 0.001}' ;;
  *) echo "hsm: no task for array index ${SGE_TASK_ID}" >&2; exit 64 ;;
esac
export HSM_SWEEP_ID="opts"
export HSM_SWEEP_DIR="$PWD"/sweeps/opts
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
if ! { mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json"; }; then
  echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70
fi
python train.py "$@"
