"""``hydra/launcher=hsm``: the Launcher Hydra instantiates (see :mod:`.config`).

It only keeps what Hydra hands it; the work is :class:`._multirun.MultirunSweep`,
imported when a multirun starts -- Hydra imports this module whenever any Hydra app
starts, and hsm should cost those apps nothing.
"""

from collections.abc import Sequence
from typing import Any

from hydra.core.utils import JobReturn
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig


class HSMLauncher(Launcher):
    """Runs each job of a Hydra multirun as a task of one hsm sweep."""

    def __init__(self, **settings: Any) -> None:
        self.settings: dict[str, Any] = settings
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.task_function: TaskFunction | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config = config
        self.hydra_context = hydra_context
        self.task_function = task_function

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        """Submit the batch as one hsm sweep (see :meth:`._multirun.MultirunSweep.launch`)."""
        from hydra_plugins.hsm_launcher._multirun import MultirunSweep

        if self.config is None or self.hydra_context is None:
            raise RuntimeError("HSMLauncher.launch() before setup()")
        sweep = MultirunSweep(self.settings, self.config, self.hydra_context)
        return sweep.launch(job_overrides, initial_job_idx)
