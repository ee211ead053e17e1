"""Compose a Hydra app's task configs on the submit host before anything is submitted.

Strategy: a typo such as ``lrr=0.1`` passes hsm's own checks (hsm does not know the
app's config) and would fail every task on the cluster.  So before submitting, the tasks
chosen by :func:`hsm.pure.covering.covering_tasks` (all of a small sweep) are composed
with the app's own ``@hydra.main`` -- in ONE subprocess of the interpreter the tasks run
with, started in the directory they run in (:mod:`hsm.effects.hydra_compose_child`) --
and the first task that does not compose refuses the sweep, naming the task, the key
and Hydra's reason.  One process for all tasks keeps a 1,000-task check to about a
second (BENCHMARKS.md).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

from returns.io import IOFailure, IOResult, IOSuccess
from returns.result import Failure

from hsm.effects.runner import run
from hsm.pure.cli_text import one_line
from hsm.pure.covering import covering_tasks
from hsm.pure.errors import ConfigError, HSMFailure

#: How long composing may take before the check gives up (an app's imports can be slow).
CHECK_TIMEOUT = 600.0
_CHILD = Path(__file__).with_name("hydra_compose_child.py")
_SKIP = "(--no-check skips this check)"


def check_hydra_tasks(
    python: str, script: str, argvs: Sequence[Sequence[str]], project_dir: Path
) -> IOResult[int, HSMFailure]:
    """Compose the configs of a covering set of tasks (see :mod:`hsm.pure.covering`) with
    the app ``script`` run by ``python`` in ``project_dir``; the number checked, or a
    ConfigError naming the first task that does not compose."""
    chosen = covering_tasks(argvs)
    with tempfile.TemporaryDirectory(prefix="hsm-check-") as scratch:
        request = Path(scratch) / "request.json"
        answer = Path(scratch) / "answer.json"
        tasks = [[index, list(argvs[index])] for index in chosen]
        request.write_text(json.dumps({"script": script, "tasks": tasks}), encoding="utf-8")
        argv = [python, "-c", _CHILD.read_text(encoding="utf-8"), str(request), str(answer)]
        done = run(argv, timeout=CHECK_TIMEOUT, cwd=project_dir, ok_codes=range(256))
        if isinstance(done, Failure):
            return IOFailure(
                ConfigError(f"cannot check the Hydra app's configs: {done.failure()} {_SKIP}")
            )
        try:
            found = json.loads(answer.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            tail = one_line(done.unwrap().stderr)[-300:]
            return IOFailure(
                ConfigError(f"cannot check the Hydra app's configs with {python}: {tail} {_SKIP}")
            )
    if "checked" in found:
        return IOSuccess(int(found["checked"]))
    if "task" in found:
        task = int(found["task"])
        key = found.get("key")
        return IOFailure(
            refusal(script, task, argvs[task], str(found.get("message", "")), key and str(key))
        )
    return IOFailure(ConfigError(f"cannot check the Hydra app's configs: {found['error']} {_SKIP}"))


def refusal(
    script: str, task: int, argv: Sequence[str], message: str, key: str | None, skip: str = _SKIP
) -> ConfigError:
    """The one-line refusal of a sweep whose task ``task`` (arguments ``argv``) does not
    compose: the task, the key and the argument that sets it, and Hydra's reason."""
    culprit = next((a for a in argv if key and _key(a) == key), None)
    reason = one_line(message.split("Config search path:", 1)[0])  # the search path is noise
    named = f"key '{key}'" + (f" ({culprit})" if culprit else "") if key else "its config"
    return ConfigError(
        f"task {task} does not compose with the Hydra app {script}: {named}: "
        f"{reason}; nothing was submitted {skip}"
    )


def _key(arg: str) -> str:
    """``lrr`` for ``lrr=0.1``, ``+seed=1``, ``++x=1`` and ``db@pkg=x`` alike (``db``)."""
    return arg.split("=", 1)[0].lstrip("+~").split("@", 1)[0]
