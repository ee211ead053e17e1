"""Stand-in program for the local backend's tests: says when it ran, as what, then waits.

At start it writes ``<name>.started`` (its pid, process group and start time), then sleeps
``$TASK_SLEEP`` seconds, writes ``<name>.json`` (its argv without argv[0], start and end
times) and exits with ``$TASK_EXIT``.  ``<name>`` is ``$HSM_ARRAY_TASK_ID`` for an array
task, else ``single``; files go to ``$TASK_OUT_DIR``.  Files are written atomically so a
test never reads half of one.
"""

import json
import os
import sys
import time


def _put(path: str, value: object) -> None:
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        json.dump(value, out)
    os.replace(path + ".tmp", path)


start = time.time()
base = os.path.join(os.environ["TASK_OUT_DIR"], os.environ.get("HSM_ARRAY_TASK_ID", "single"))
_put(base + ".started", {"pid": os.getpid(), "pgid": os.getpgid(0), "start": start})
time.sleep(float(os.environ.get("TASK_SLEEP", "0")))
_put(base + ".json", {"argv": sys.argv[1:], "start": start, "end": time.time()})
sys.exit(int(os.environ.get("TASK_EXIT", "0")))
