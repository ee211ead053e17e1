"""A stand-in training script for jobs run by the fake PBS server.

A PBS job does not inherit the submitter's environment (no ``-V``), so this probe takes
nothing from the test's environment: it writes ``{"argv", "cwd", "env"}`` (the PBS
variables it was started with) as JSON into ``$PBS_O_WORKDIR/probe_out/<unique>.json``
(the submission directory), then sleeps ``sleep=S`` seconds and exits ``exit=N`` when
those arguments are present.
"""

import json
import os
import sys
import time
import uuid

args = sys.argv[1:]
options = dict(a.split("=", 1) for a in args if "=" in a)
keys = ("PBS_JOBID", "PBS_JOBNAME", "PBS_ARRAY_INDEX", "PBS_ARRAYID", "PBS_O_WORKDIR", "PATH")
record = {
    "argv": args,
    "cwd": os.getcwd(),
    "env": {k: os.environ[k] for k in keys if k in os.environ},
}
out = os.path.join(os.environ.get("PBS_O_WORKDIR", os.getcwd()), "probe_out")
os.makedirs(out, exist_ok=True)
path = os.path.join(out, f"{uuid.uuid4().hex}.json")
with open(path + ".tmp", "w", encoding="utf-8") as handle:
    json.dump(record, handle, ensure_ascii=False)
os.replace(path + ".tmp", path)
if "sleep" in options:
    time.sleep(float(options["sleep"]))
sys.exit(int(options.get("exit", "0")))
