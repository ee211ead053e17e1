"""The frozen records a command is handed: what :mod:`hsm.cli.inputs` gathered and checked.

Command modules read these and nothing else of the command line, so a command never
looks at a flag, a variable or a file again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hsm import api
from hsm.effects.backend import Backend
from hsm.pure.config import Config
from hsm.pure.config_layers import ResolvedConfig
from hsm.pure.states import JobState


@dataclass(frozen=True, slots=True)
class Settings:
    """The resolved configuration and the files it came from."""

    resolved: ResolvedConfig
    files: tuple[str, ...]

    @property
    def config(self) -> Config:
        """The effective config."""
        return self.resolved.config


@dataclass(frozen=True, slots=True)
class SweepRequest:
    """``sweep run`` / ``sweep render`` (or the Hydra launcher): a new sweep, checked
    before anything is touched.

    ``wait`` is the poll interval of ``--wait`` (``None``: do not wait).  ``check``: for
    a Hydra app (``options.hydra``), compose task configs with the app before submitting
    (``--no-check`` turns it off).  ``cancel_on_interrupt``: Ctrl-C under ``--wait``
    cancels the sweep's jobs instead of leaving them running.  ``argvs``: the tasks'
    arguments when they come ready (the Hydra launcher's overrides) rather than
    rendered from ``points``.  ``resume_command``: what to run again after Ctrl-C
    (default: this ``hsm`` command with ``--sweep-id``).
    """

    options: api.JobOptions
    points: Sequence[Mapping[str, Any]]
    mode: str
    sweep_id: str
    sweep_dir: Path
    backend: Backend
    dry_run: bool = False
    wait: float | None = None
    check: bool = True
    cancel_on_interrupt: bool = False
    argvs: tuple[tuple[str, ...], ...] | None = None
    resume_command: str | None = None
    feed_interval: float = 30.0
    retries: int = 0
    retry_on: str = "infrastructure"


@dataclass(frozen=True, slots=True)
class SweepRef:
    """An existing sweep: its directory and the backend its manifest names."""

    sweep_dir: Path
    backend: Backend


@dataclass(frozen=True, slots=True)
class SubmitRequest:
    """``sweep submit`` / ``sweep resubmit``; ``wait`` as in :class:`SweepRequest`;
    ``walltime`` / ``resources``: what a resubmission changes (None: unchanged)."""

    sweep: SweepRef
    wait: float | None
    walltime: str | None = None
    resources: str | None = None


@dataclass(frozen=True, slots=True)
class MonitorRequest:
    """``monitor``: ``watch`` is the refresh interval (``None``: show once).

    ``lines`` is ``--lines`` (None: the view's default), ``states`` ``--state`` (empty:
    all), ``every`` ``--all``.
    """

    sweep: SweepRef
    watch: float | None
    lines: int | None
    states: frozenset[JobState] = frozenset()
    every: bool = False


@dataclass(frozen=True, slots=True)
class QueueRequest:
    """``queue``: whose jobs, on which backend; ``watch`` as in :class:`MonitorRequest`."""

    backend: Backend
    user: str
    watch: float | None


@dataclass(frozen=True, slots=True)
class JobsRef:
    """Jobs named by id (``cancel JOBID...``) and the backend they run on."""

    backend: Backend
    job_ids: tuple[str, ...]


#: ``cancel``: a whole sweep, or jobs by id.
CancelRequest = SweepRef | JobsRef


@dataclass(frozen=True, slots=True)
class ResultsRequest:
    """``results``: which metrics file, how to order and cut the rows, which format.

    ``sort`` is a column (None: task order), ``top`` how many rows to keep (None: all),
    ``fmt`` ``table``, ``csv`` or ``json``.
    """

    sweep: SweepRef
    file: str
    sort: str | None
    descending: bool
    top: int | None
    states: frozenset[JobState]
    fmt: str


@dataclass(frozen=True, slots=True)
class LogsRequest:
    """``logs``: one task's log; ``lines`` the last N (None: all), ``follow`` the poll
    interval of ``-f`` (None: print once)."""

    sweep: SweepRef
    task: int
    lines: int | None
    follow: float | None


@dataclass(frozen=True, slots=True)
class SweepListRequest:
    """``sweep list``: the sweeps under ``root``; ``refresh`` polls each one."""

    root: Path
    refresh: bool
