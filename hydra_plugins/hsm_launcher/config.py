"""The ``hydra/launcher=hsm`` config: what ``hydra.launcher.*`` may set.

Hydra imports every module under ``hydra_plugins`` at start-up; importing this one
registers the launcher in Hydra's ConfigStore.  Settings left at ``None`` come from
hsm's own configuration (``hsm_config.yaml``, ``HSM_HPC_*``), as for ``hsm sweep run``;
a value set here wins, as a command-line flag does.
"""

from dataclasses import dataclass, field
from typing import Optional

from hydra.core.config_store import ConfigStore

from hsm.pure import layout

# No ``from __future__ import annotations`` in this package's modules: Hydra's plugin
# scan runs each module without registering it in sys.modules, and a dataclass with
# string annotations then cannot be built.  OmegaConf reads these annotations at run
# time and knows ``Optional[...]``, so they keep that spelling.


@dataclass
class HSMLauncherConf:
    """``hydra.launcher.*`` (see README "From Hydra").

    Attributes:
        system: ``auto``, ``slurm``, ``pbs``, ``pbspro``, ``torque``, ``sge`` or ``local``
            (None: ``hpc.system`` of hsm's config, else auto-detect).
        mode: ``array`` (one array job per chunk), ``individual`` (a job per task) or
            ``local`` (= ``system=local``).
        walltime, resources, partition, queue, account: as ``hsm sweep run``'s flags.
        python: the interpreter that runs each task (None: the one running the
            multirun, so tasks get the same environment).
        setup: shell lines run before each task (``module load ...``).
        max_array_size, throttle, after: as ``--max-array-size``, ``--throttle``,
            ``--after`` (a list).
        sweep_root: where the sweep's hsm record goes (``<sweep_root>/<sweep_id>``).
        sweep_id: the sweep's name (None: derived from the multirun's inputs, so the
            same command run again resumes the same sweep).
        wait: follow the sweep until every task ended and return each task's result
            (False: return once everything is submitted).
        poll_interval: seconds between polls when waiting.
        check: compose the tasks' configs before submitting (a covering set of a big
            sweep); a task that does not compose refuses the whole sweep.
        cancel_on_interrupt: with ``wait``, Ctrl-C cancels the sweep's jobs (default:
            they keep running).
    """

    _target_: str = "hydra_plugins.hsm_launcher.launcher.HSMLauncher"
    system: Optional[str] = None  # noqa: UP045
    mode: str = "array"
    walltime: Optional[str] = None  # noqa: UP045
    resources: Optional[str] = None  # noqa: UP045
    partition: Optional[str] = None  # noqa: UP045
    queue: Optional[str] = None  # noqa: UP045
    account: Optional[str] = None  # noqa: UP045
    python: Optional[str] = None  # noqa: UP045
    setup: Optional[list[str]] = None  # noqa: UP045
    max_array_size: Optional[int] = None  # noqa: UP045
    throttle: Optional[int] = None  # noqa: UP045
    after: list[str] = field(default_factory=list)
    sweep_root: str = layout.SWEEPS_ROOT
    sweep_id: Optional[str] = None  # noqa: UP045
    wait: bool = False
    poll_interval: float = 5.0
    check: bool = True
    cancel_on_interrupt: bool = False


ConfigStore.instance().store(
    group="hydra/launcher", name="hsm", node=HSMLauncherConf, provider="hsm"
)
