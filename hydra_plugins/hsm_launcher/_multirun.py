"""The work of ``hydra/launcher=hsm``: a Hydra multirun submitted as one hsm sweep.

(Hydra imports every plugin module without a leading ``_`` when any Hydra app starts;
this one, and hsm with it, is imported only when a multirun uses the launcher.)

Strategy: the launcher is one more front end of ``hsm sweep run``.  It turns the batch
of job overrides Hydra's sweeper hands it into tasks (:mod:`.tasks`), resolves hsm's
settings the way the CLI does (launcher config as flags, then ``HSM_HPC_*``, then hsm's
config file), composes the tasks' configs in this process with Hydra's own loader
(every task of a small sweep, a covering set of a big one) and refuses the sweep, with
zero jobs submitted, when one does not compose -- then hands one
:class:`~hsm.cli.requests.SweepRequest` to :func:`hsm.cli.sweep.run`.  So the sweep
directory, manifest, journal, lock, job names, resume, ``--wait`` and Ctrl-C are the
CLI's own, and ``hsm monitor / results / sweep resubmit --failed / cancel`` work on it.

The sweep id is derived from the multirun's inputs with its sweep folder *unresolved*,
so the same command run again after a crash resumes the same sweep (and keeps writing
into the Hydra folder it started), submitting nothing twice.  Hydra gets back nothing
until the tasks have run: without ``wait`` the launcher returns no job results; with
``wait`` it returns one per job, FAILED (with the reason) unless hsm saw it complete.
"""

import argparse
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.types import HydraContext, RunMode
from omegaconf import DictConfig, OmegaConf
from returns.io import IOFailure, IOResult
from returns.pipeline import is_successful
from returns.result import Failure

from hsm import api
from hsm.boundary import result_of
from hsm.cli.exits import EXIT_INTERRUPTED, EXIT_OK, EXIT_TASKS_FAILED
from hsm.cli.inputs import backend, check_settings, settings
from hsm.cli.output import Console, Reply, error_text, exit_code, report
from hsm.cli.requests import Settings, SweepRequest
from hsm.cli.sweep import run as run_sweep
from hsm.cli.sweep_inputs import job_options, new_sweep_dir
from hsm.effects.backend import Backend
from hsm.effects.hydra_check import refusal
from hsm.effects.hydra_compose_child import key_of
from hsm.effects.sweeps import load_manifest
from hsm.pure import layout
from hsm.pure.covering import covering_tasks
from hsm.pure.errors import ConfigError, HSMFailure
from hsm.pure.plan import check_sweep_id
from hsm.pure.states import JobState
from hsm.pure.states import JobStatus as TaskStatus
from hsm.pure.sweep_id import default_sweep_id
from hydra_plugins.hsm_launcher._tasks import (
    recorded_sweep_dir,
    sweep_inputs,
    task_argv,
    task_hydra_overrides,
    task_params,
)

_MODES = ("array", "individual", "local")
_SKIP = "(hydra.launcher.check=false skips this check)"


class HSMTaskError(RuntimeError):
    """A task of an hsm-launched multirun that did not complete (its JobReturn's value)."""


@dataclass(frozen=True)
class _Batch:
    """One batch of a multirun, ready to become a sweep."""

    request: SweepRequest
    overrides: tuple[tuple[str, ...], ...]
    hydra_sweep_dir: str


class MultirunSweep:
    """One batch of a multirun, run as one hsm sweep with the launcher's ``settings``."""

    def __init__(
        self, settings: Mapping[str, Any], config: DictConfig, hydra_context: HydraContext
    ) -> None:
        self.settings = settings
        self.config = config
        self.hydra_context = hydra_context

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        """Submit the batch as one hsm sweep; with ``wait``, follow it and return each
        job's result.  A mistake prints one ``hsm: error:`` line and exits (code 2 for a
        config that does not compose, as ``hsm sweep run``), submitting nothing."""
        console = Console()
        try:
            prepared = result_of(self._prepare(job_overrides, initial_job_idx))
        except KeyboardInterrupt:
            sys.stderr.write("\nhsm: interrupted; nothing was submitted\n")
            raise SystemExit(EXIT_INTERRUPTED) from None
        if isinstance(prepared, Failure):
            failure = prepared.failure()
            sys.stderr.write(error_text(failure))
            raise SystemExit(exit_code(failure))
        multirun = prepared.unwrap()
        code = report(partial(self._submit, console, multirun), console)
        if code not in (EXIT_OK, EXIT_TASKS_FAILED):
            raise SystemExit(code)
        if multirun.request.wait is None:
            return []
        return self._job_returns(multirun, initial_job_idx)

    # -- preparing the sweep --------------------------------------------------------------

    def _prepare(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> IOResult[_Batch, HSMFailure]:
        conf = self.settings
        mode = str(conf.get("mode") or "array")
        if mode not in _MODES:
            return IOFailure(
                ConfigError(f"hydra.launcher.mode must be one of {', '.join(_MODES)}, not {mode}")
            )
        hydra = self.config.hydra
        project = Path(str(hydra.runtime.cwd))
        script = Path(sys.argv[0]).resolve()
        kept = task_hydra_overrides(list(hydra.overrides.hydra))
        overrides = tuple(tuple(o) for o in job_overrides)
        inputs = sweep_inputs(
            cwd=str(project.resolve()),
            script=str(script),
            config_name=hydra.job.config_name,
            hydra_overrides=kept,
            job_overrides=overrides,
            initial_job_idx=initial_job_idx,
            sweep_folder=OmegaConf.to_container(hydra.sweep, resolve=False),  # type: ignore[arg-type]
            launcher=conf,
        )
        sweep_id = conf.get("sweep_id") or default_sweep_id(script.stem, inputs)
        checked_id = check_sweep_id(sweep_id)
        if isinstance(checked_id, Failure):
            return IOFailure(checked_id.failure())
        placed = new_sweep_dir(
            str(Path(conf.get("sweep_root") or layout.SWEEPS_ROOT) / sweep_id), sweep_id
        )
        if isinstance(placed, Failure):
            return IOFailure(placed.failure())
        sweep_dir = placed.unwrap()
        folder = self._hydra_sweep_dir(sweep_dir, project)
        argvs = tuple(
            task_argv(kept, o, folder, initial_job_idx + n) for n, o in enumerate(overrides)
        )
        if conf.get("check", True):
            composed = self._compose(argvs, initial_job_idx, script.name)
            if composed is not None:
                return IOFailure(composed)
        return self._backend(mode).map(
            partial(
                self._request, sweep_id, sweep_dir, script, project, overrides, argvs, mode, folder
            )
        )

    def _hydra_sweep_dir(self, sweep_dir: Path, project: Path) -> str:
        """The multirun's Hydra folder: the one a resumed sweep was planned with, else
        this run's ``hydra.sweep.dir`` (absolute, so tasks find it from any directory).

        On a resume, the folder Hydra's sweeper has just made for this run (holding
        only its ``multirun.yaml``) is removed: nothing will ever be written there.
        """
        this_run = (project / str(self.config.hydra.sweep.dir)).resolve()
        loaded = result_of(load_manifest(sweep_dir))
        if is_successful(loaded) and loaded.unwrap().tasks:
            recorded = recorded_sweep_dir(loaded.unwrap().tasks[0].argv)
            if recorded is not None and Path(recorded) != this_run:
                _remove_if_unused(this_run)
                return recorded
        return str(this_run)

    def _compose(
        self, argvs: Sequence[tuple[str, ...]], first: int, script: str
    ) -> ConfigError | None:
        """Compose the configs of every task of a small sweep, of a covering set of a big
        one, exactly as each task will (run mode, its own arguments)."""
        loader = self.hydra_context.config_loader
        for index in covering_tasks(argvs):
            try:
                loader.load_configuration(
                    config_name=self.config.hydra.job.config_name,
                    overrides=list(argvs[index]),
                    run_mode=RunMode.RUN,
                )
            except Exception as error:  # any of Hydra's composition errors
                return refusal(
                    script, first + index, argvs[index], str(error), key_of(error), _SKIP
                )
        return None

    def _backend(self, mode: str) -> IOResult[tuple[Settings, Backend], HSMFailure]:
        conf = self.settings
        flags = {
            "walltime": conf.get("walltime"),
            "resources": conf.get("resources"),
            "system": "local" if mode == "local" else conf.get("system"),
            "python": conf.get("python"),
            "partition": conf.get("partition"),
            "queue": conf.get("queue"),
            "account": conf.get("account"),
            "max-array-size": conf.get("max_array_size"),
        }
        setup = conf.get("setup")
        layers = [] if setup is None else [("hydra.launcher", {"hpc": {"setup": list(setup)}})]
        resolved = settings(argparse.Namespace(), flags, layers).bind(check_settings)
        return IOResult.from_result(resolved).bind(_with_backend)

    def _request(
        self,
        sweep_id: str,
        sweep_dir: Path,
        script: Path,
        project: Path,
        overrides: tuple[tuple[str, ...], ...],
        argvs: tuple[tuple[str, ...], ...],
        mode: str,
        folder: str,
        chosen: tuple[Settings, Backend],
    ) -> _Batch:
        resolved, found = chosen
        conf = self.settings
        options = job_options(
            resolved,
            found.key,
            script,
            project,
            throttle=conf.get("throttle"),
            dependencies=tuple(conf.get("after") or ()),
            hydra=True,
        )
        if resolved.resolved.sources.get("hpc.python_interpreter") == "default":
            # Neither the launcher nor hsm's config names one: tasks get the interpreter
            # running the multirun (and so its environment), as Hydra's launchers do.
            options = replace(options, python_path=sys.executable)
        wait = float(conf.get("poll_interval") or 5.0) if conf.get("wait") else None
        request = SweepRequest(
            options=options,
            points=[task_params(o) for o in overrides],
            mode="individual" if mode == "individual" else "array",
            sweep_id=sweep_id,
            sweep_dir=sweep_dir,
            backend=found,
            wait=wait,
            check=False,  # composed above, in this process, with Hydra's own loader
            cancel_on_interrupt=bool(conf.get("cancel_on_interrupt")),
            argvs=argvs,
            resume_command=shlex.join(["python", *sys.argv]),
        )
        return _Batch(request, overrides, folder)

    # -- submitting and reporting ---------------------------------------------------------

    def _submit(self, console: Console, multirun: _Batch) -> IOResult[Reply, HSMFailure]:
        request = multirun.request
        console.note(
            f"hsm: {len(multirun.overrides)} Hydra jobs -> sweep {request.sweep_id} on "
            f"{request.backend.key}; Hydra output in {multirun.hydra_sweep_dir}"
        )
        return run_sweep(console, request)

    def _job_returns(self, multirun: _Batch, first: int) -> list[JobReturn]:
        request = multirun.request
        polled = result_of(api.sweep_status(request.sweep_dir, request.backend))
        if isinstance(polled, Failure):
            sys.stderr.write(error_text(polled.failure()))
            raise SystemExit(exit_code(polled.failure()))
        statuses = polled.unwrap().statuses
        returns = []
        for number, overrides in enumerate(multirun.overrides):
            status = statuses.get(number)
            completed = status is not None and status.state is JobState.COMPLETED
            returns.append(
                JobReturn(
                    overrides=list(overrides),
                    hydra_cfg=self.config,
                    working_dir=multirun.hydra_sweep_dir,
                    task_name=Path(sys.argv[0]).stem,
                    status=JobStatus.COMPLETED if completed else JobStatus.FAILED,
                    _return_value=None
                    if completed
                    else HSMTaskError(_failure_text(request, number, first + number, status)),
                )
            )
        return returns


def _remove_if_unused(folder: Path) -> None:
    """Remove a multirun folder that holds nothing but the sweeper's ``multirun.yaml``."""
    try:
        if [p.name for p in folder.iterdir()] == ["multirun.yaml"]:
            (folder / "multirun.yaml").unlink()
            folder.rmdir()
    except OSError:
        pass  # a folder we cannot tidy is left as it is


def _with_backend(resolved: Settings) -> IOResult[tuple[Settings, Backend], HSMFailure]:
    return backend(resolved).map(partial(_pair, resolved))


def _pair(resolved: Settings, found: Backend) -> tuple[Settings, Backend]:
    return resolved, found


def _failure_text(request: SweepRequest, task: int, job: int, status: TaskStatus | None) -> str:
    state = "unknown" if status is None else status.state.value
    exit_part = "" if status is None or status.exit_code is None else f" (exit {status.exit_code})"
    return (
        f"Hydra job #{job} (hsm task {task} of sweep {request.sweep_id}) ended {state}"
        f"{exit_part}; its log: hsm logs --sweep-id {request.sweep_id} {task}"
    )
