#!/bin/bash
# hsm local job: hsm_demo_array
# hsm: sweep demo, tasks 0-2 (offset 0)
module load python/3.11
source .venv/bin/activate
case "${HSM_ARRAY_TASK_ID:?HSM_ARRAY_TASK_ID is not set}" in
  0) set -- "lr=0.1" "model.name=resnet" ;;
  1) set -- "lr=0.01" 'model.name='\''two words; $HOME `id`'\''' ;;
  2) set -- "lr=0.001" 'model.name='\''it\'\''s "quoted"'\''' ;;
  *) echo "hsm: no task for array index ${HSM_ARRAY_TASK_ID}" >&2; exit 64 ;;
esac
timeout --foreground --kill-after=30s 5400s python train.py "$@"
hsm_rc=$?
if [ -n "${HSM_EXIT_FILE:-}" ]; then
  printf '%s\n' "$hsm_rc" > "$HSM_EXIT_FILE.tmp" && mv -f "$HSM_EXIT_FILE.tmp" "$HSM_EXIT_FILE"
fi
exit "$hsm_rc"
