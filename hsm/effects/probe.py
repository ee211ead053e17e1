"""Collect the facts auto-detection decides from: PATH, the rules' version commands, where
commands really live, and the environment (what to look for comes from :mod:`hsm.pure.detect`)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping

from returns.io import IOResult, IOSuccess
from returns.result import Success

from hsm.effects.runner import run
from hsm.pure.detect import (
    PROBE_COMMANDS,
    PROBE_ENV_VARS,
    PROBE_REALPATHS,
    PROBE_TIMEOUT,
    Answer,
    ProbeFacts,
    probe_argvs,
)
from hsm.pure.errors import HSMFailure


def probe(environ: Mapping[str, str] | None = None) -> IOResult[ProbeFacts, HSMFailure]:
    """Look at PATH and run the probe commands; never fails (a failed probe is a fact)."""
    env = dict(os.environ if environ is None else environ)
    path = env.get("PATH")
    commands = frozenset(c for c in PROBE_COMMANDS if shutil.which(c, path=path))
    versions: dict[tuple[str, ...], Answer] = {}
    for argv in probe_argvs(commands):
        done = run(argv, timeout=PROBE_TIMEOUT, env=env, ok_codes=range(256))
        if isinstance(done, Success):
            said = done.unwrap()
            versions[argv] = Answer((said.stdout + said.stderr).strip(), said.returncode)
    found = {c: shutil.which(c, path=path) for c in PROBE_REALPATHS}
    return IOSuccess(
        ProbeFacts(
            commands=commands,
            versions=versions,
            environ={k: env[k] for k in PROBE_ENV_VARS if k in env},
            realpaths={c: os.path.realpath(where) for c, where in found.items() if where},
        )
    )
