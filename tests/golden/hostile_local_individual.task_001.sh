#!/bin/bash
# hsm local job: hostile_task_001
# hsm: sweep hostile, task 1
timeout --foreground --kill-after=30s 5400s python train.py "lr=0.01" 'model.name='\''it\'\''s "quoted"'\'''
hsm_rc=$?
if [ -n "${HSM_EXIT_FILE:-}" ]; then
  printf '%s\n' "$hsm_rc" > "$HSM_EXIT_FILE.tmp" && mv -f "$HSM_EXIT_FILE.tmp" "$HSM_EXIT_FILE"
fi
exit "$hsm_rc"
