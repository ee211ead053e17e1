"""The local backend's supervisor: ``python -m hsm.effects.local_runner SPOOL``.

Strategy: one supervisor per spool, detached from whoever submitted (own session, stdin
from /dev/null), holding ``supervisor.lock`` for its whole life.  It keeps the FIFO queue
in memory: on start it reads every job in the spool (tasks never started are queued,
tasks a dead predecessor left running are adopted and watched through ``/proc``), then
each time ``counter`` grows it loads the new jobs.  Each round, under the spool lock, it
reaps finished children (writing their end record before anyone can see them gone),
starts queued tasks while fewer than ``max_parallel`` run -- skipping cancelled ones --
and, when nothing is queued or running, releases ``supervisor.lock`` *while still holding
the spool lock* and exits: a submit that recorded its job before that moment is seen, one
that comes after finds the lock free and starts a new supervisor.  Between rounds it
sleeps until a child exits (SIGCHLD through a wakeup pipe) or a short timeout, which is
how new submissions are noticed.

Each task runs as ``bash script.sh`` in its own session, so ``cancel`` can signal its
whole process group; its stdout and stderr go to its log file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

from hsm.effects.local_spool import (
    Job,
    Spool,
    proc_start_ticks,
    put_json,
    read_json,
    run_record_alive,
)
from hsm.pure.schedulers.local import SCHEDULER as LOCAL
from hsm.pure.schedulers.local.states import expand_log_path

_IDLE_SECONDS = 0.2  # how often new submissions and adopted tasks are looked at


class Supervisor:
    """Runs the queued tasks of one spool; see the module docstring."""

    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self.queue: deque[tuple[Job, str]] = deque()
        # task id -> its job, its process and when it started (for the end record)
        self.children: dict[str, tuple[Job, subprocess.Popen[bytes], float]] = {}
        self.adopted: dict[str, dict[str, Any]] = {}
        self.environments: dict[str, dict[str, str]] = {}  # the current job's only
        self.seen = 0
        self.max_parallel = 1

    def run(self) -> int:
        """Run until nothing is queued or running; 0 also when another one runs already."""
        lock = os.open(
            self.spool.root / "supervisor.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
        )
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock)
            return 0
        wake = _wakeup_pipe()
        _log(f"supervisor {os.getpid()} started for {self.spool.root}")
        with self.spool.locked(exclusive=True):
            self._recover()
        while True:
            with self.spool.locked(exclusive=True):
                self._reap()
                self._discover()
                self._start()
                if not (self.queue or self.children or self.adopted):
                    os.close(lock)  # still under the spool lock: see the module docstring
                    _log(f"supervisor {os.getpid()} done")
                    return 0
            if select.select([wake], [], [], _IDLE_SECONDS)[0]:
                with contextlib.suppress(BlockingIOError):
                    while os.read(wake, 512):
                        pass

    # -- bookkeeping, always under the exclusive spool lock ---------------------------

    def _recover(self) -> None:
        """Queue what was never started; adopt what a previous supervisor left running."""
        self.max_parallel = self.spool.max_parallel()
        self.seen = self.spool.counter()
        for job_id in self.spool.job_ids():
            job = self.spool.load_job(job_id)
            if job is None:
                continue
            names = set(os.listdir(self.spool.job_dir(job_id)))
            for tid in job.task_ids:
                if {f"{tid}.exit", f"{tid}.end", f"{tid}.cancel"} & names:
                    continue
                if f"{tid}.run" not in names:
                    self.queue.append((job, tid))
                    continue
                run = read_json(self.spool.task_file(job_id, tid, "run")) or {}
                if run_record_alive(run):
                    self.adopted[tid] = run
                    _log(f"adopted task {tid} (pid {run.get('pid')})")

    def _discover(self) -> None:
        """Queue the tasks of jobs submitted since the last look."""
        counter = self.spool.counter()
        if counter <= self.seen:
            return
        for number in range(self.seen + 1, counter + 1):
            job = self.spool.load_job(str(number))
            if job is not None:
                self.queue.extend((job, tid) for tid in job.task_ids)
        self.seen = counter
        self.max_parallel = self.spool.max_parallel()

    def _reap(self) -> None:
        for tid, (job, proc, started) in list(self.children.items()):
            returncode = proc.poll()
            if returncode is None:
                continue
            put_json(
                self.spool.task_file(job.job_id, tid, "end"),
                {"returncode": returncode, "started": started, "ended": time.time()},
            )
            del self.children[tid]
            _log(f"task {tid} ended with status {returncode}")
        for tid, run in list(self.adopted.items()):
            if not run_record_alive(run):
                del self.adopted[tid]

    def _start(self) -> None:
        while self.queue and len(self.children) + len(self.adopted) < self.max_parallel:
            job, tid = self.queue.popleft()
            if any(
                self.spool.task_file(job.job_id, tid, kind).exists()
                for kind in ("cancel", "run", "end")
            ):
                continue  # cancelled while queued (or already handled)
            try:
                self.children[tid] = (job, *self._launch(job, tid))
            except OSError as exc:
                why = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
                put_json(self.spool.task_file(job.job_id, tid, "end"), {"error": why})
                _log(f"task {tid} could not be started: {why}")

    def _launch(self, job: Job, tid: str) -> tuple[subprocess.Popen[bytes], float]:
        """Start task ``tid``; its process and when it started (seconds since the epoch)."""
        index = job.index_of(tid)
        if job.job_id not in self.environments:
            saved = read_json(self.spool.job_dir(job.job_id) / "env.json") or {}
            self.environments = {job.job_id: {str(k): str(v) for k, v in saved.items()}}
        env = dict(self.environments[job.job_id])
        env["HSM_JOB_ID"] = job.job_id
        env["HSM_EXIT_FILE"] = str(self.spool.task_file(job.job_id, tid, "exit"))
        if index is not None:
            env[LOCAL.index_var] = str(index)
        else:
            env.pop(LOCAL.index_var, None)
        log_path = Path(job.cwd, expand_log_path(job.log_pattern, job.job_id, index))
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                ["bash", str(self.spool.job_dir(job.job_id) / "script.sh")],
                cwd=job.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
            )
        started = time.time()
        # The child is not reaped before this record is written, so its pid is still its.
        put_json(
            self.spool.task_file(job.job_id, tid, "run"),
            {
                "pid": proc.pid,
                "pgid": proc.pid,
                "start_ticks": proc_start_ticks(proc.pid),
                "started": started,
                "log": str(log_path),
            },
        )
        _log(f"task {tid} started as pid {proc.pid}")
        return proc, started


def _wakeup_pipe() -> int:
    """A pipe that becomes readable when a child exits (SIGCHLD), so no round is missed."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, _ignore)
    return read_end


def _ignore(signum: int, frame: object) -> None:
    """A handler that does nothing: the wakeup pipe is what matters."""


def _log(message: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} {message}", flush=True)


def main(argv: list[str]) -> int:
    """Entry point: ``python -m hsm.effects.local_runner SPOOL``."""
    if len(argv) != 1:
        print("usage: python -m hsm.effects.local_runner SPOOL", file=sys.stderr)
        return 2
    return Supervisor(Spool(Path(argv[0]))).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
