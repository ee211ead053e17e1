"""A real Hydra application, as researchers write them, for the end-to-end tests.

Its config (``conf/config.yaml``) has ``lr`` and a nested ``model.name``; it checks their
types (a Hydra app given ``lr`` as text would crash), and writes ``metrics.json`` into
Hydra's own output directory of this run -- which, under ``hsm --hydra``, is the task's
directory -- plus the values it received.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig


@hydra.main(version_base=None, config_path="conf", config_name="config")
def main(cfg: DictConfig) -> None:
    if not isinstance(cfg.lr, float):
        raise TypeError(f"lr must be a float, got {type(cfg.lr).__name__} {cfg.lr!r}")
    out = Path(HydraConfig.get().runtime.output_dir)
    metrics = {
        "loss": cfg.lr * 10 + len(cfg.model.name),
        "lr": cfg.lr,
        "model": cfg.model.name,
        "task_dir": os.environ.get("HSM_TASK_DIR"),
        "task_index": os.environ.get("HSM_TASK_INDEX"),
    }
    (out / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")


if __name__ == "__main__":
    main()
