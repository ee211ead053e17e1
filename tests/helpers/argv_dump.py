"""Stand-in for the user's training script: writes its argv (without argv[0]) as JSON.

The file is named by ``$ARGV_OUT``; used by tests that run rendered scripts with bash.
"""

import json
import os
import sys

with open(os.environ["ARGV_OUT"], "w", encoding="utf-8") as out:
    json.dump(sys.argv[1:], out)
sys.exit(int(os.environ.get("ARGV_EXIT", "0")))
