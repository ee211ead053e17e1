"""A tiny stand-in for a training script: reads Hydra-style ``key=value`` arguments.

It prints what it received, "trains" for a moment, and writes a small JSON result file
under ``results/`` (next to where it runs), so a sweep has something to show.  Only the
standard library is used, so it runs in any Python 3 environment.

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
    task = os.environ.get("SLURM_ARRAY_TASK_ID") or os.environ.get("PBS_ARRAY_INDEX") or \
        os.environ.get("HSM_ARRAY_TASK_ID") or "single"
    out = Path("results")
    out.mkdir(exist_ok=True)
    name = "_".join(f"{k}-{v}" for k, v in sorted(params.items())) or "default"
    (out / f"{name}.json").write_text(
        json.dumps({"params": params, "loss": loss, "task": task}, indent=1) + "\n",
        encoding="utf-8")
    print(f"final loss {loss:.4f}; wrote results/{name}.json")


if __name__ == "__main__":
    main()
