"""A tiny stand-in for a training script: reads Hydra-style ``key=value`` arguments.

It prints what it received, "trains" for a moment, and writes its metrics as
``metrics.json`` into its task directory (``$HSM_TASK_DIR``, which hsm gives every task;
``results/`` when run by hand), which is what ``hsm results`` reads.  Only the standard
library is used, so it runs in any Python 3 environment.

    python examples/train.py lr=0.01 model=mlp epochs=3
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path


def parse_overrides(argv: list[str]) -> dict[str, str]:
    """``["lr=0.1", "model=mlp"]`` -> ``{"lr": "0.1", "model": "mlp"}``."""
    params: dict[str, str] = {}
    for arg in argv:
        key, sep, value = arg.partition("=")
        if not sep:
            sys.exit(f"train.py: expected key=value, got {arg!r}")
        params[key.lstrip("+")] = value.strip("'\"")
    return params


def main() -> None:
    params = parse_overrides(sys.argv[1:])
    print(f"train.py received: {params}", flush=True)
    lr = float(params.get("lr", "0.1"))
    epochs = int(params.get("epochs", "3"))
    loss = 1.0
    for epoch in range(epochs):
        loss *= math.exp(-lr * (epoch + 1))
        print(f"epoch {epoch + 1}/{epochs}: loss {loss:.4f}", flush=True)
        time.sleep(0.05)
    out = Path(os.environ.get("HSM_TASK_DIR") or "results")
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(
        json.dumps({"loss": loss, "epochs": epochs}, indent=1) + "\n", encoding="utf-8"
    )
    print(f"final loss {loss:.4f}; wrote {out / 'metrics.json'}")

if __name__ == "__main__":
    main()
