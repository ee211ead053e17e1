#!/bin/bash
# hsm local job: hostile_array_000
# hsm: sweep hostile, array 0, 3 tasks, offset 0
case "${HSM_ARRAY_TASK_ID:?HSM_ARRAY_TASK_ID is not set}" in
  0) set -- "lr=0.01" 'model.name='\''two words; $HOME `id`'\'''; hsm_task=0; hsm_params='{"lr": 0.01, "model.name": "two words; $HOME `id`"}' ;;
  1) set -- "lr=0.01" 'model.name='\''it\'\''s "quoted"'\'''; hsm_task=1; hsm_params='{"lr": 0.01, "model.name": "it'\''s \"quoted\""}' ;;
  2) set -- "lr=0.01" "model.name='naïve ünïcode ✓ €'"; hsm_task=2; hsm_params='{"lr": 0.01, "model.name": "naïve ünïcode ✓ €"}' ;;
  *) echo "hsm: no task for array index ${HSM_ARRAY_TASK_ID}" >&2; exit 64 ;;
esac
export HSM_SWEEP_ID="hostile"
export HSM_SWEEP_DIR="$PWD"/sweeps/hostile
export HSM_TASK_INDEX="$hsm_task"
export HSM_TASK_DIR="$HSM_SWEEP_DIR/tasks/$hsm_task"
mkdir -p "$HSM_TASK_DIR" && printf '%s\n' "$hsm_params" > "$HSM_TASK_DIR/params.json" || { echo "hsm: cannot write $HSM_TASK_DIR/params.json" >&2; exit 70; }
timeout --foreground --kill-after=30s 5400s python train.py "$@"
hsm_rc=$?
if [ -n "${HSM_EXIT_FILE:-}" ]; then
  printf '%s\n' "$hsm_rc" > "$HSM_EXIT_FILE.tmp" && mv -f "$HSM_EXIT_FILE.tmp" "$HSM_EXIT_FILE"
fi
exit "$hsm_rc"
