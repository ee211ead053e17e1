"""Collect the facts auto-detection decides from (PATH, ``qstat --version``, environment)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping

from returns.io import IOResult, IOSuccess
from returns.result import Success

from hsm.effects.runner import run
from hsm.pure.detect import PROBE_COMMANDS, PROBE_ENV_VARS, PROBE_TIMEOUT, ProbeFacts, probe_argvs
from hsm.pure.errors import HSMFailure


def probe(environ: Mapping[str, str] | None = None) -> IOResult[ProbeFacts, HSMFailure]:
    """Look at PATH and run the probe commands; never fails (a failed probe is a fact)."""
    env = dict(os.environ if environ is None else environ)
    path = env.get("PATH")
    commands = frozenset(c for c in PROBE_COMMANDS if shutil.which(c, path=path))
    version: str | None = None
    version_rc: int | None = None
    for argv in probe_argvs(commands):
        done = run(argv, timeout=PROBE_TIMEOUT, env=env, ok_codes=range(256))
        if isinstance(done, Success):
            version = (done.unwrap().stdout + done.unwrap().stderr).strip()
            version_rc = done.unwrap().returncode
    qsub = shutil.which("qsub", path=path)
    return IOSuccess(
        ProbeFacts(
            commands=commands,
            qstat_version=version,
            qstat_version_rc=version_rc,
            environ={k: env[k] for k in PROBE_ENV_VARS if k in env},
            qsub_realpath=os.path.realpath(qsub) if qsub else None,
        )
    )
