"""Exactly once on the real Slurm (issue 8): interrupt ``hsm sweep run`` anywhere, recover
by any path, and every task ends with exactly one job.

Each scenario runs a 300-task sweep through the CLI (``python -m hsm sweep run``, as
individual jobs, or as arrays of 30 = 10 chunks), interrupts it with SIGINT or SIGKILL at
a seeded point -- a time after start (import, planning, rendering, submitting), the
journal reaching k lines (between any two journal writes, i.e. around submit calls), or
``scripts/`` reaching m entries (mid-rendering) -- then recovers by one of these paths,
rotating so that each is covered in both modes:

* ``rerun``: the same command again (with ``--sweep-id``);
* ``rerun_no_id``: the first run and the re-run both without ``--sweep-id`` (the default
  id is derived from the inputs, so the re-run resumes the same sweep);
* ``resubmit``: ``hsm sweep resubmit --sweep-id X --failed`` (it must refuse or find
  nothing to do: every task is pending), then the same command again;
* ``submit_dir``: ``hsm sweep submit sweeps/X``, then the same command again;
* ``concurrent``: two ``hsm sweep run --sweep-id X`` started at once (with the per-sweep
  lock, one proceeds and the other waits or refuses).

Then the jobs are counted per job name in squeue and sacct: exactly one job per task
(per array chunk), none missing, none extra; and ``hsm cancel`` leaves nothing of the
sweep waiting.  Jobs never run: the sweep file adds ``--begin=now+1hour`` through
``hpc.slurm.extra`` (Slurm's ``--begin`` is not on hsm's resource allow-list), and every
scenario's jobs are cancelled by name at its end, failed or not.

After SIGINT the ``rerun`` path runs exactly the resume command hsm printed, when it
printed one.  A run interrupted mid-rendering leaves a directory the re-run refuses (a
known bug, now fixed; its test is below); the matrix notes the hit, removes that
directory -- it holds no journal, so no job -- and goes on hunting duplicates.

Below the matrix, deterministic repros: the bugs this hunt found (each fixed now:
a lost sbatch answer, an orphaned sbatch, cancel missing an in-flight job, the
rendering refusal), an interrupted resubmit, Ctrl-C then the advised command, and
``hsm cancel --sweep-id`` reaching every generation.

The fault points come from ``HSM_HUNT_SEED`` (default 8); a failure prints the seed, the
scenario, where the signal really landed and the journal's tail.  Re-run one scenario
with ``HSM_HUNT_SEED=<seed> pytest tests/integration/test_exactly_once.py -k <id>``.
"""

from __future__ import annotations

import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from returns.result import Failure

from hsm import api
from hsm.boundary import result_of
from hsm.effects.runner import RetryPolicy
from hsm.effects.scheduler_backend import SchedulerBackend
from hsm.pure import layout
from hsm.pure.schedulers import SCHEDULERS
from tests.helpers.interrupt import Interrupted, Trigger, interrupt, sweep_dir_in
from tests.helpers.slurm_jobs import (
    active_jobs,
    scancel_prefixes,
    stable_jobs_by_name,
    wait_none_active,
)

pytestmark = [pytest.mark.slurm, pytest.mark.usefixtures("slurm")]

REPO = Path(__file__).resolve().parents[2]
TASK = REPO / "tests" / "helpers" / "task.py"
SEED = int(os.environ.get("HSM_HUNT_SEED", "8"))
N_TASKS = 300
ARRAY_LIMIT = 30  # --max-array-size: indices 0..29, so 10 chunks of 30
CHUNKS = N_TASKS // ARRAY_LIMIT
#: Unique per test session, so job names never meet an earlier run's (sacct keeps a week,
#: and hsm's name lookup reads it); the fault points depend on SEED only.
NONCE = uuid.uuid4().hex[:4]
SIGNALS = (signal.SIGINT, signal.SIGKILL)
RECOVERIES = ("rerun", "resubmit", "submit_dir", "rerun_no_id", "concurrent")


@dataclass(frozen=True)
class Case:
    number: int
    mode: str
    sig: signal.Signals
    trigger: Trigger
    recovery: str

    @property
    def id(self) -> str:
        sig = "int" if self.sig is signal.SIGINT else "kill"
        return f"{self.number:02d}-{self.mode}-{sig}-{self.trigger.kind}-{self.recovery}"

    def __str__(self) -> str:
        return (
            f"{self.mode} sweep of {N_TASKS} tasks, {self.sig.name} at {self.trigger}, "
            f"recovered by {self.recovery}"
        )


def _cases(seed: int) -> list[Case]:
    """15 individual and 12 array scenarios, recoveries rotating, points drawn from seed."""
    rng = random.Random(seed)
    cases: list[Case] = []
    for mode, count, units, seconds in (
        ("individual", 15, 2 * N_TASKS, 4.6),
        ("array", 12, 2 * CHUNKS, 1.3),
    ):
        scripts = N_TASKS if mode == "individual" else CHUNKS
        # Every trigger kind meets both signals; the order is the seed's.
        combos = [(k, sig) for k in ("time", "journal", "scripts") for sig in SIGNALS]
        rng.shuffle(combos)
        free = forced = 0
        for i in range(count):
            recovery = RECOVERIES[i % len(RECOVERIES)]
            if recovery in ("rerun_no_id", "concurrent"):
                # Mid-submission, with work left for the resumes to race over.
                sig = SIGNALS[forced % 2]
                forced += 1
                trigger = Trigger("journal", rng.randint(1, max(2, units // 3)))
                cases.append(Case(len(cases), mode, sig, trigger, recovery))
                continue
            kind, sig = combos[free % len(combos)]
            free += 1
            if kind == "time":
                trigger = Trigger(kind, round(rng.uniform(0.05, seconds), 3))
            elif kind == "journal":
                trigger = Trigger(kind, rng.randint(1, units - 1))
            else:
                trigger = Trigger(kind, rng.randint(1, scripts))
            cases.append(Case(len(cases), mode, sig, trigger, recovery))
    return cases


def _param(case: Case) -> Any:
    return pytest.param(case, id=case.id)


CASES = _cases(SEED)


@dataclass
class Project:
    """A throw-away project holding one sweep file and the stand-in script."""

    root: Path
    sweep_id: str
    env: dict[str, str]
    trace: list[str] = field(default_factory=list)
    known_bug_hits: list[str] = field(default_factory=list)

    @property
    def sweeps(self) -> Path:
        return self.root / "sweeps"

    @property
    def prefix(self) -> str:
        return f"{self.sweep_id}_"

    def hsm(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "hsm", *args]

    def run_argv(self, mode: str, with_id: bool) -> list[str]:
        argv = self.hsm("sweep", "run", "--config", "sweep.yaml", "--system", "slurm")
        argv += ["--mode", mode, "-q"]
        if mode == "array":
            argv += ["--max-array-size", str(ARRAY_LIMIT)]
        if with_id:
            argv += ["--sweep-id", self.sweep_id]
        return argv

    def call(self, argv: list[str], what: str) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        done = subprocess.run(
            argv,
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        self.trace.append(
            f"{what}: exit {done.returncode} in {time.monotonic() - started:.1f}s"
            + (f" ({_last_line(done.stderr)})" if done.stderr.strip() else "")
        )
        return done

    def rerun(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        """The same command again; a run interrupted while rendering (before the manifest
        was written) leaves a directory that a re-run refuses (see
        test_interrupted_while_rendering_the_same_command_resumes): that hit is noted and
        the documented way out taken -- remove the directory, which holds no journal and
        so no job -- so the hunt for duplicates goes on."""
        done = self.call(argv, "re-run")
        sweep_dir = sweep_dir_in(self.sweeps)
        if (
            done.returncode != 0
            and "is not an hsm sweep directory" in done.stderr
            and sweep_dir is not None
            and not (sweep_dir / layout.MANIFEST).exists()
            and not (sweep_dir / layout.JOURNAL).exists()
        ):
            self.known_bug_hits.append("re-run refused a directory left mid-rendering")
            shutil.rmtree(sweep_dir)
            done = self.call(argv, "re-run after removing the half-rendered directory")
        return done


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HSM_") and k not in ("NO_COLOR", "PYTHONPATH")
    }
    env.update(
        PYTHONPATH=str(REPO),
        HSM_LOCAL_SPOOL=str(tmp / "spool"),
        XDG_CONFIG_HOME=str(tmp / "xdg"),
        NO_COLOR="1",
    )
    return env


def _sweep_file(script: str) -> str:
    return textwrap.dedent(f"""\
        script: {script}
        grid:
          i: {json.dumps(list(range(N_TASKS)))}
        hpc:
          default_walltime: "00:05:00"
          python_interpreter: python3
          slurm:
            extra: ["--begin=now+1hour"]   # every job pends: nothing runs
        """)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """A project whose jobs (named ``<sweep id>_...``) are all cancelled at the end."""
    sweep_id = f"hunt{NONCE}_{uuid.uuid4().hex[:4]}"
    root = tmp_path / "project"
    root.mkdir()
    # The script is named after the sweep id, so a default sweep id (derived from the
    # script's name) still starts with it and the finalizer finds its jobs.
    shutil.copy(TASK, root / f"{sweep_id}.py")
    (root / "sweep.yaml").write_text(_sweep_file(f"{sweep_id}.py"))
    made = Project(root, sweep_id, _clean_env(tmp_path))
    yield made
    prefixes = [made.prefix]
    if made.sweeps.is_dir():
        prefixes += [f"{p.name}_" for p in made.sweeps.iterdir()]
    scancel_prefixes(prefixes)


def _manifest(sweep_dir: Path) -> dict[str, Any]:
    return json.loads((sweep_dir / layout.MANIFEST).read_text())


def _journal_tail(sweep_dir: Path | None, lines: int = 6) -> str:
    if sweep_dir is None or not (sweep_dir / layout.JOURNAL).exists():
        return "(no journal)"
    text = (sweep_dir / layout.JOURNAL).read_text().splitlines()
    return "\n".join(f"    {line}" for line in text[-lines:])


def _count_problems(proj: Project, mode: str, since: str) -> list[str]:
    """Exactly one job per planned job name, nothing else with the sweep's prefix."""
    problems: list[str] = []
    dirs = sorted(p for p in proj.sweeps.iterdir() if p.is_dir()) if proj.sweeps.is_dir() else []
    if len(dirs) != 1:
        problems.append(
            f"{len(dirs)} sweep directories after recovery ({', '.join(d.name for d in dirs)}): "
            "the recovery started another sweep instead of resuming"
        )
    if not dirs:
        return problems
    expected: dict[str, str] = {}  # job name -> key
    for sweep_dir in dirs:
        manifest = _manifest(sweep_dir)
        jobs = manifest["jobs"]
        want = N_TASKS if mode == "individual" else CHUNKS
        if len(jobs) != want:
            problems.append(f"{sweep_dir.name}: manifest plans {len(jobs)} jobs, not {want}")
        covered = sorted(t for job in jobs for t in job["tasks"])
        if covered != list(range(N_TASKS)):
            problems.append(f"{sweep_dir.name}: manifest jobs do not cover each task once")
        expected.update({job["job_name"]: job["key"] for job in jobs})
    prefixes = [proj.prefix, *(f"{d.name}_" for d in dirs)]
    found = stable_jobs_by_name(prefixes, since)
    per_key: dict[str, list[str]] = {}
    for name, key in expected.items():
        per_key.setdefault(key, []).extend(sorted(found.get(name, ())))
    twice = {key: ids for key, ids in per_key.items() if len(ids) > 1}
    missing = sorted(key for key, ids in per_key.items() if not ids)
    extra = sorted(set(found) - set(expected))
    if twice:
        sample = ", ".join(f"{k}: {v}" for k, v in sorted(twice.items())[:5])
        problems.append(f"DUPLICATES: {len(twice)} job keys have more than one job ({sample})")
    if missing:
        problems.append(f"LOST: {len(missing)} job keys have no job ({missing[:5]})")
    if extra:
        problems.append(f"{len(extra)} unexpected job names: {extra[:5]}")
    proj.trace.append(
        f"counted {sum(len(v) for v in per_key.values())} jobs for {len(per_key)} keys"
    )
    return problems


def _cancel_problems(proj: Project) -> list[str]:
    problems: list[str] = []
    dirs = sorted(p for p in proj.sweeps.iterdir() if p.is_dir()) if proj.sweeps.is_dir() else []
    for sweep_dir in dirs:
        done = proj.call(proj.hsm("cancel", "--sweep-dir", str(sweep_dir)), "hsm cancel")
        if done.returncode != 0:
            problems.append(f"hsm cancel --sweep-dir {sweep_dir.name} exited {done.returncode}")
    left = wait_none_active([proj.prefix, *(f"{d.name}_" for d in dirs)], timeout=15)
    if left:
        sample = list(left.items())[:5]
        problems.append(f"after hsm cancel, {len(left)} jobs of the sweep still wait: {sample}")
    return problems


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_interrupt_and_recover_leaves_exactly_one_job_per_task(
    case: Case, project: Project
) -> None:
    _scenario(case, project)


@pytest.mark.parametrize("mode", ["individual", "array"])
def test_ctrl_c_mid_submission_then_the_advised_command_resumes(
    project: Project, mode: str
) -> None:
    """Ctrl-C prints the command that resumes; running exactly it leaves one job each."""
    lines = 2 * N_TASKS // 3 + 1 if mode == "individual" else 2 * CHUNKS // 2 + 1
    case = Case(99, mode, signal.SIGINT, Trigger("journal", lines), "rerun")
    _scenario(case, project)
    assert any("advised" in line for line in project.trace), project.trace


def _scenario(case: Case, proj: Project) -> None:
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - 60))
    with_id = case.recovery != "rerun_no_id"
    argv = proj.run_argv(case.mode, with_id)
    hit = interrupt(
        argv,
        cwd=proj.root,
        env=proj.env,
        sweeps=proj.sweeps,
        trigger=case.trigger,
        sig=case.sig,
        log=proj.root.parent / "first-run.err",
    )
    proj.trace.append(f"first run: {hit}")
    problems = _recover(case, proj, argv, hit)
    problems += _count_problems(proj, case.mode, since)
    problems += _cancel_problems(proj)
    if proj.known_bug_hits:
        proj.trace.append(f"known bug hit (and worked around): {proj.known_bug_hits}")
    print(f"seed={SEED} {case.id}: {case}", *proj.trace, sep="\n  ")  # shown with -rP
    if problems:
        pytest.fail(
            f"seed={SEED} scenario {case.id}: {case}\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\n  sequence:\n"
            + "\n".join(f"    {t}" for t in proj.trace)
            + f"\n  journal tail:\n{_journal_tail(sweep_dir_in(proj.sweeps))}",
            pytrace=False,
        )


def _advised(stderr: str) -> list[str] | None:
    """The arguments of the resume command an interrupted ``hsm sweep run`` printed."""
    for line in stderr.splitlines():
        if line.startswith("hsm: interrupted") and "Resume it" in line:
            words = shlex.split(line.rsplit("):", 1)[1])
            return words[1:] if words[:1] == ["hsm"] else words
    return None


def _recover(case: Case, proj: Project, argv: list[str], hit: Interrupted) -> list[str]:
    problems: list[str] = []
    if case.recovery in ("rerun", "rerun_no_id"):
        advised = _advised(hit.stderr) if case.recovery == "rerun" else None
        if advised is not None:
            proj.trace.append(f"the interrupt message advised: hsm {shlex.join(advised)}")
            if advised[:2] != ["sweep", "run"] or proj.sweep_id not in advised:
                problems.append(f"the advised command is not this sweep's run: {advised}")
        done = proj.rerun(argv if advised is None else proj.hsm(*advised))
        if done.returncode != 0:
            problems.append(f"the re-run failed: {_last_line(done.stderr)}")
    elif case.recovery in ("resubmit", "submit_dir"):
        if case.recovery == "resubmit":
            first = proj.call(
                proj.hsm("sweep", "resubmit", "--sweep-id", proj.sweep_id, "--failed"),
                "hsm sweep resubmit --failed",
            )
        else:
            first = proj.call(
                proj.hsm("sweep", "submit", str(Path("sweeps") / proj.sweep_id)),
                "hsm sweep submit DIR",
            )
        if first.returncode not in (0, 4) or "Traceback" in first.stderr:
            problems.append(f"{case.recovery} exited {first.returncode}: {first.stderr[-300:]}")
        done = proj.rerun(argv)
        if done.returncode != 0:
            problems.append(f"the re-run failed: {_last_line(done.stderr)}")
    else:
        started = time.monotonic()
        procs = [
            subprocess.Popen(
                argv,
                cwd=proj.root,
                env=proj.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outs = [p.communicate(timeout=300)[1] for p in procs]
        codes = [p.returncode for p in procs]
        proj.trace.append(
            f"two concurrent re-runs: exits {codes} in {time.monotonic() - started:.1f}s "
            + " | ".join(_last_line(o) for o in outs if o.strip())
        )
        if 0 not in codes or any("Traceback" in o for o in outs):
            problems.append(f"neither concurrent re-run succeeded cleanly: {codes}")
    return problems


# -- deterministic hunts --------------------------------------------------------------------


def test_interrupted_while_rendering_the_same_command_resumes(project: Project) -> None:
    proj = project
    argv = proj.run_argv("array", with_id=True)
    hit = interrupt(
        argv,
        cwd=proj.root,
        env=proj.env,
        sweeps=proj.sweeps,
        trigger=Trigger("scripts", 1),
        sig=signal.SIGKILL,
        log=proj.root.parent / "first-run.err",
    )
    if hit.manifest or not hit.sent:
        pytest.skip(f"the kill landed after rendering ({hit}); nothing to show")
    done = proj.call(argv, "re-run")
    assert done.returncode == 0, f"{hit}\n{done.stderr}"
    assert not _count_problems(proj, "array", "now-1hours")


def _sbatch_losing_its_answer(tmp_path: Path) -> Path:
    """An sbatch that fails three times with a transient error (nothing submitted), then
    submits for real and hangs past hsm's timeout (the controller took the job; the answer
    never came back), then behaves."""
    wrap = tmp_path / "wrapbin"
    wrap.mkdir()
    real = shutil.which("sbatch")
    assert real
    script = wrap / "sbatch"
    script.write_text(
        textwrap.dedent(f"""\
        #!/bin/bash
        n=$(( $(cat "$HSM_WRAP_COUNT" 2>/dev/null || echo 0) + 1 ))
        echo "$n" > "$HSM_WRAP_COUNT"
        if [ "$n" -le 3 ]; then
            echo "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation" >&2
            exit 1
        fi
        if [ "$n" -eq 4 ]; then
            {real} "$@"
            sleep 30
        fi
        exec {real} "$@"
        """)
    )
    script.chmod(0o755)
    return wrap


def test_a_lost_sbatch_answer_then_resume_leaves_one_job(tmp_path: Path, project: Project) -> None:
    wrap = _sbatch_losing_its_answer(tmp_path)
    env = {
        **os.environ,
        "PATH": f"{wrap}:{os.environ['PATH']}",
        "HSM_WRAP_COUNT": str(tmp_path / "calls"),
    }
    options = api.JobOptions(
        walltime="00:05:00",
        python_path="python3",
        script_path=str(TASK),
        project_dir=project.root,
        extra=("--begin=now+1hour",),
    )
    sweep_dir = project.sweeps / project.sweep_id
    params = [{"i": i} for i in range(3)]
    flaky = SchedulerBackend(
        SCHEDULERS["slurm"],
        env=env,
        policy=RetryPolicy(attempts=4, first_delay=0.05, max_delay=0.1, jitter=0.0),
        timeout=3,
    )
    first = result_of(
        api.submit_sweep(
            options,
            flaky,
            params,
            mode="individual",
            sweep_dir=sweep_dir,
            sweep_id=project.sweep_id,
        )
    )
    journal = (sweep_dir / layout.JOURNAL).read_text()
    assert isinstance(first, Failure), first
    assert '"failed"' in journal and "was not submitted" in journal, journal
    resumed = result_of(
        api.submit_sweep(
            options,
            SchedulerBackend(SCHEDULERS["slurm"]),
            params,
            mode="individual",
            sweep_dir=sweep_dir,
            sweep_id=project.sweep_id,
        )
    ).unwrap()
    found = stable_jobs_by_name([project.prefix])
    journal = (sweep_dir / layout.JOURNAL).read_text()
    assert {name: len(ids) for name, ids in found.items()} == {
        f"{project.sweep_id}_task_{i:03d}": 1 for i in range(3)
    }, f"first run: {first}\nresumed: {resumed}\njournal:\n{journal}"


def _slow_sbatch(
    tmp_path: Path, call: int, seconds: float, *, answer_late: bool = False
) -> tuple[dict[str, str], Path]:
    """An environment whose sbatch takes ``seconds`` before its ``call``-th submission (a
    loaded controller) -- or, with ``answer_late``, submits it and then takes ``seconds``
    to answer -- and the file counting the calls."""
    wrap = tmp_path / "slowbin"
    wrap.mkdir()
    real = shutil.which("sbatch")
    assert real
    calls = tmp_path / "sbatch_calls"
    (wrap / "sbatch").write_text(
        textwrap.dedent(f"""\
        #!/bin/bash
        n=$(( $(cat "{calls}" 2>/dev/null || echo 0) + 1 ))
        echo "$n" > "{calls}"
        if [ "$n" -eq {call} ] && [ "{answer_late}" = True ]; then
            {real} "$@"; sleep {seconds}; exit 0
        fi
        if [ "$n" -eq {call} ]; then sleep {seconds}; fi
        exec {real} "$@"
        """)
    )
    (wrap / "sbatch").chmod(0o755)
    return {"PATH": f"{wrap}:{os.environ['PATH']}"}, calls


def _signal_during_slow_submit(
    proj: Project, argv: list[str], calls: Path, call: int, sig: signal.Signals
) -> Interrupted:
    """Send ``sig`` to ``argv`` (run with ``proj.env``, whose sbatch is slowed on its
    ``call``-th call) while that sbatch is in flight.  After SIGKILL the sbatch, in its
    own session, goes on; after SIGINT hsm kills it."""
    started = time.monotonic()
    with (proj.root.parent / "interrupted.err").open("w+") as err:
        proc = subprocess.Popen(
            argv, cwd=proj.root, env=proj.env, stdout=subprocess.DEVNULL, stderr=err
        )
        while proc.poll() is None and not (
            calls.exists() and calls.read_text().strip() == str(call)
        ):
            time.sleep(0.002)
        time.sleep(0.1)
        proc.send_signal(sig)
        proc.wait(timeout=60)
        err.seek(0)
        stderr = err.read()
    sweep_dir = proj.sweeps / proj.sweep_id
    lines = (sweep_dir / layout.JOURNAL).read_text().splitlines()
    assert json.loads(lines[-1])["event"] == "submitting", lines
    seconds = time.monotonic() - started
    return Interrupted(True, seconds, proc.returncode, len(lines), 0, True, stderr)


def _kill_9_during_third_submit(proj: Project, tmp_path: Path) -> Interrupted:
    """kill -9 ``hsm sweep run`` (arrays, 10 chunks) while its third sbatch -- slowed to
    3 s -- is in flight; that sbatch runs in its own session and goes on."""
    extra, calls = _slow_sbatch(tmp_path, call=3, seconds=3)
    proj.env.update(extra)
    argv = proj.run_argv("array", with_id=True)
    return _signal_during_slow_submit(proj, argv, calls, 3, signal.SIGKILL)


def test_resume_while_an_orphaned_sbatch_is_still_submitting(
    project: Project, tmp_path: Path
) -> None:
    proj = project
    hit = _kill_9_during_third_submit(proj, tmp_path)
    done = proj.call(proj.run_argv("array", with_id=True), "re-run")
    assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 10  # let the orphan finish
    while time.monotonic() < deadline and len(stable_jobs_by_name([proj.prefix])) < CHUNKS:
        time.sleep(0.5)
    time.sleep(3)
    problems = _count_problems(proj, "array", "now-1hours")
    assert not problems, f"{hit}\n{proj.trace}\n{problems}"


def test_cancel_after_an_interrupt_reaches_the_in_flight_job(
    project: Project, tmp_path: Path
) -> None:
    proj = project
    # The third sbatch reaches the controller, then its answer is late: kill -9 then
    # leaves a job the journal knows only as 'submitting'.
    extra, calls = _slow_sbatch(tmp_path, call=3, seconds=3, answer_late=True)
    proj.env.update(extra)
    hit = _signal_during_slow_submit(
        proj, proj.run_argv("array", with_id=True), calls, 3, signal.SIGKILL
    )
    in_flight = f"{proj.sweep_id}_array_002"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and in_flight not in stable_jobs_by_name([proj.prefix]):
        time.sleep(0.5)
    assert in_flight in stable_jobs_by_name([proj.prefix]), f"{hit}: the job never reached"
    done = proj.call(proj.hsm("cancel", "--sweep-id", proj.sweep_id), "hsm cancel")
    assert done.returncode == 0, done.stderr
    assert wait_none_active([proj.prefix]) == {}, f"{hit}\n{proj.trace}"


# -- hsm cancel reaches every generation ---------------------------------------------------


def _json_run(proj: Project, *args: str) -> dict[str, Any]:
    done = proj.call(proj.hsm(*args, "--json"), " ".join(args[:2]))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _small_array_sweep(proj: Project) -> dict[str, str]:
    """Submit 25 tasks as arrays of 10, 10 and 5; their keys and ids."""
    (proj.root / "sweep.yaml").write_text(
        _sweep_file(f"{proj.sweep_id}.py").replace(
            json.dumps(list(range(N_TASKS))), json.dumps(list(range(25)))
        )
    )
    argv = proj.run_argv("array", with_id=True)
    argv[argv.index(str(ARRAY_LIMIT))] = "10"
    done = proj.call(argv, "hsm sweep run")
    assert done.returncode == 0, done.stderr
    manifest = _manifest(proj.sweeps / proj.sweep_id)
    ids = {job["key"]: job["job_id"] for job in manifest["jobs"]}
    assert sorted(ids) == ["array_000", "array_001", "array_002"]
    return ids


@pytest.mark.parametrize("sig", SIGNALS, ids=["int", "kill"])
def test_interrupted_resubmit_then_the_advised_command_leaves_one_job_per_generation(
    project: Project, tmp_path: Path, sig: signal.Signals
) -> None:
    proj = project
    ids = _small_array_sweep(proj)
    assert proj.call(proj.hsm("cancel", ids["array_002"]), "hsm cancel array_002").returncode == 0
    extra, calls = _slow_sbatch(tmp_path, call=1, seconds=3)
    proj.env.update(extra)
    resubmit = proj.hsm("sweep", "resubmit", "--sweep-id", proj.sweep_id, "--failed")
    hit = _signal_during_slow_submit(proj, resubmit, calls, 1, sig)
    proj.trace.append(f"resubmit: {hit}")
    r1 = f"{proj.sweep_id}_r1_array_000"
    if sig is signal.SIGKILL:  # the orphaned sbatch goes on: let it land
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and r1 not in stable_jobs_by_name([proj.prefix]):
            time.sleep(0.5)
        advice = ["sweep", "submit", str(Path("sweeps") / proj.sweep_id)]
    else:
        assert "hsm sweep submit" in hit.stderr, hit.stderr
        advice = shlex.split(hit.stderr.rsplit("):", 1)[1].strip().splitlines()[0])[1:]
    # A second resubmission must not plan another generation over the unfinished one.
    again = proj.call(resubmit, "hsm sweep resubmit again")
    assert again.returncode != 0 and "hsm sweep submit" in again.stderr, again.stderr
    finish = proj.call(proj.hsm(*advice), f"hsm {' '.join(advice)}")
    assert finish.returncode == 0, finish.stderr
    found = stable_jobs_by_name([proj.prefix])
    counts = {name: len(job_ids) for name, job_ids in found.items()}
    assert counts == {
        f"{proj.sweep_id}_{key}": 1
        for key in ("array_000", "array_001", "array_002", "r1_array_000")
    }, f"{proj.trace}\n{found}"
    everything = proj.call(proj.hsm("cancel", "--sweep-id", proj.sweep_id), "hsm cancel")
    assert everything.returncode == 0, everything.stderr
    assert wait_none_active([proj.prefix]) == {}, proj.trace


def test_cancel_reaches_every_job_of_every_generation(project: Project) -> None:
    proj = project
    ids = _small_array_sweep(proj)
    # Generation 0 loses two tasks of its first array and its whole last array ...
    cancel = proj.hsm("cancel", f"{ids['array_000']}_3", f"{ids['array_000']}_4", ids["array_002"])
    assert proj.call(cancel, "hsm cancel 3 ids").returncode == 0
    # Slurm forgets a pending array task cancelled alone; hsm journaled asking for it.
    shown = _json_run(proj, "monitor", "--sweep-id", proj.sweep_id)
    states = {task["task"]: task["state"] for task in shown["tasks"]}
    assert {t: states[t] for t in (3, 4, 20)} == dict.fromkeys((3, 4, 20), "cancelled"), states
    first = _json_run(proj, "sweep", "resubmit", "--sweep-id", proj.sweep_id, "--failed")
    assert set(first["resubmitted_tasks"]) >= {3, 4, 20, 21, 22, 23, 24}, first
    # ... generation 1 loses one task, and generation 2 takes it up.
    manifest = _manifest(proj.sweeps / proj.sweep_id)
    ids = {job["key"]: job["job_id"] for job in manifest["jobs"]}
    assert "r1_array_000" in ids, sorted(ids)
    r1 = next(job for job in manifest["jobs"] if job["key"] == "r1_array_000")
    one = f"{r1['job_id']}_{r1['indices'][0]}"
    assert proj.call(proj.hsm("cancel", one), "hsm cancel r1 task").returncode == 0
    second = _json_run(proj, "sweep", "resubmit", "--sweep-id", proj.sweep_id, "--failed")
    assert second["resubmitted_tasks"], second
    manifest = _manifest(proj.sweeps / proj.sweep_id)
    ids = {job["key"]: job["job_id"] for job in manifest["jobs"]}
    assert any(key.startswith("r2_") for key in ids), sorted(ids)
    waiting = active_jobs([proj.prefix])
    assert {entry.split()[0] for entry in waiting.values()} >= {
        f"{proj.sweep_id}_{key}" for key in ("array_000", "array_001", "r1_array_000")
    }, waiting

    everything = _json_run(proj, "cancel", "--sweep-id", proj.sweep_id)
    asked = set(everything["outcomes"])
    assert set(ids.values()) <= asked, (ids, everything)
    assert wait_none_active([proj.prefix]) == {}, "a job of the sweep is still waiting"
    print(*proj.trace, sep="\n")  # shown with -rP
