"""A real ``@hydra.main`` app with a config group, for the launcher and check tests.

It sleeps ``sleep`` seconds (to be interrupted), fails with exit 3 when a file named
``broken-<lr>`` exists in the directory it was started from (so a test can break a
task and mend it before a resubmission), and otherwise writes what it received into
its Hydra output directory (``done.json``) and ``$HSM_TASK_DIR/metrics.json``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.utils import get_original_cwd
from omegaconf import DictConfig, OmegaConf


@hydra.main(version_base=None, config_path="conf", config_name="config")
def main(cfg: DictConfig) -> None:
    time.sleep(cfg.sleep)
    if Path(get_original_cwd(), f"broken-{cfg.lr}").exists():
        sys.exit(3)
    hydra_cfg = HydraConfig.get()
    done = {
        "lr": cfg.lr,
        "model": cfg.model,
        "optim": cfg.optim.name,
        "num": None if OmegaConf.is_missing(hydra_cfg.job, "num") else hydra_cfg.job.num,
        "mode": str(hydra_cfg.mode),
        "output_dir": hydra_cfg.runtime.output_dir,
        "task_index": os.environ.get("HSM_TASK_INDEX"),
    }
    Path(hydra_cfg.runtime.output_dir, "done.json").write_text(json.dumps(done))
    task_dir = os.environ.get("HSM_TASK_DIR")
    if task_dir:
        Path(task_dir, "metrics.json").write_text(json.dumps({"loss": float(cfg.lr) * 10}))


if __name__ == "__main__":
    main()
