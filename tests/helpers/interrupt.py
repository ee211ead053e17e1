"""Interrupt a running ``hsm`` at a chosen point: a time after its start, the journal
reaching k lines, or the scripts directory reaching m entries (issue 8 hunts).

The point is watched by polling every millisecond, so the signal lands at most about one
journal append (or script file) after the point; :class:`Interrupted` records where it
really landed (the journal's line count once the process is gone).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from hsm.pure import layout


@dataclass(frozen=True)
class Trigger:
    """``kind``: ``time`` (``value`` seconds after start), ``journal`` (the journal has at
    least ``value`` lines) or ``scripts`` (``scripts/`` holds at least ``value`` entries,
    temp files included: the sweep is being rendered)."""

    kind: str
    value: float

    def __str__(self) -> str:
        unit = {"time": "s after start", "journal": " journal lines", "scripts": " script files"}
        shown = f"{self.value:.2f}" if self.kind == "time" else f"{int(self.value)}"
        return f"{shown}{unit[self.kind]}"


@dataclass(frozen=True)
class Interrupted:
    """What the interrupted process had done: was the signal sent before it finished,
    when, its exit status, and the journal/scripts/manifest it left."""

    sent: bool
    seconds: float
    returncode: int
    journal_lines: int
    scripts: int
    manifest: bool
    stderr: str

    def __str__(self) -> str:
        what = f"signal sent at {self.seconds:.2f}s" if self.sent else "finished before the point"
        return (
            f"{what}; exit {self.returncode}; left {self.journal_lines} journal lines, "
            f"{self.scripts} script files, manifest {'present' if self.manifest else 'absent'}"
        )


def journal_lines(sweep_dir: Path | None) -> int:
    if sweep_dir is None:
        return 0
    try:
        return (sweep_dir / layout.JOURNAL).read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def script_entries(sweep_dir: Path | None) -> int:
    if sweep_dir is None:
        return 0
    try:
        return len(os.listdir(sweep_dir / "scripts"))
    except FileNotFoundError:
        return 0


def sweep_dir_in(sweeps: Path) -> Path | None:
    """The one sweep directory under ``sweeps`` (None while there is none)."""
    try:
        found = sorted(p for p in sweeps.iterdir() if p.is_dir())
    except FileNotFoundError:
        return None
    return found[0] if found else None


def interrupt(
    argv: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    sweeps: Path,
    trigger: Trigger,
    sig: signal.Signals,
    log: Path,
) -> Interrupted:
    """Run ``argv`` and send ``sig`` when ``trigger`` fires; wait for the process to end.

    ``sweeps`` is the directory the sweep directory appears under (its one subdirectory
    is watched, so a default sweep id works too).
    """
    started = time.monotonic()
    with log.open("w") as err:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
        sent = False
        try:
            size = -1
            lines = 0
            while proc.poll() is None:
                elapsed = time.monotonic() - started
                if trigger.kind == "time":
                    fired = elapsed >= trigger.value
                else:
                    sweep_dir = sweep_dir_in(sweeps)
                    if trigger.kind == "journal":
                        path = None if sweep_dir is None else sweep_dir / layout.JOURNAL
                        now = path.stat().st_size if path and path.exists() else 0
                        if now != size:
                            size, lines = now, journal_lines(sweep_dir)
                        fired = lines >= trigger.value
                    else:
                        fired = script_entries(sweep_dir) >= trigger.value
                if fired:
                    proc.send_signal(sig)
                    sent = True
                    break
                time.sleep(0.001)
            seconds = time.monotonic() - started
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    sweep_dir = sweep_dir_in(sweeps)
    return Interrupted(
        sent=sent,
        seconds=seconds,
        returncode=proc.returncode,
        journal_lines=journal_lines(sweep_dir),
        scripts=script_entries(sweep_dir),
        manifest=sweep_dir is not None and (sweep_dir / layout.MANIFEST).exists(),
        stderr=log.read_text(errors="replace"),
    )
