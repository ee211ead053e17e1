"""A stand-in training script for integration tests.

Writes ``{"argv": [...], "array_index": ..., "job_id": ...}`` as JSON into
``$HSM_TEST_OUT/<unique>.json``; then, if an argument ``exit=N`` is present, exits with
``N``, and if ``sleep=S`` is present, sleeps ``S`` seconds first.
"""

import json
import os
import sys
import time
import uuid

args = sys.argv[1:]
options = dict(a.split("=", 1) for a in args if "=" in a)
record = {
    "argv": args,
    "array_index": os.environ.get("SLURM_ARRAY_TASK_ID") or os.environ.get("HSM_ARRAY_TASK_ID"),
    "job_id": os.environ.get("SLURM_JOB_ID", ""),
    "job_name": os.environ.get("SLURM_JOB_NAME", ""),
}
out = os.environ["HSM_TEST_OUT"]
path = os.path.join(out, f"{uuid.uuid4().hex}.json")
with open(path + ".tmp", "w", encoding="utf-8") as handle:
    json.dump(record, handle)
os.replace(path + ".tmp", path)
if "sleep" in options:
    time.sleep(float(options["sleep"]))
sys.exit(int(options.get("exit", "0")))
