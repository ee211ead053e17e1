"""A stand-in training script for jobs run by the fake PBS server.

A PBS job does not inherit the submitter's environment (no ``-V``), so this probe takes
nothing from the test's environment: it writes ``{"argv", "cwd", "env"}`` (the PBS
variables it was started with) as JSON into ``$PBS_O_WORKDIR/probe_out/<unique>.json``
(the submission directory); then, when these arguments are present, waits until the file
``wait=NAME`` exists in that directory (at most 120 s: the test decides when the task
ends), sleeps ``sleep=S`` seconds, and exits ``exit=N``.
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
    "env": {
        k: v for k, v in os.environ.items() if k in keys or k.startswith("PROBE_")
    },  # PROBE_*: set by the sweep's setup lines
}
workdir = os.environ.get("PBS_O_WORKDIR", os.getcwd())
out = os.path.join(workdir, "probe_out")
os.makedirs(out, exist_ok=True)
path = os.path.join(out, f"{uuid.uuid4().hex}.json")
with open(path + ".tmp", "w", encoding="utf-8") as handle:
    json.dump(record, handle, ensure_ascii=False)
os.replace(path + ".tmp", path)
if "wait" in options:
    deadline = time.monotonic() + 120
    while not os.path.exists(os.path.join(workdir, options["wait"])):
        if time.monotonic() > deadline:
            sys.exit(124)
        time.sleep(0.05)
if "sleep" in options:
    time.sleep(float(options["sleep"]))
sys.exit(int(options.get("exit", "0")))
