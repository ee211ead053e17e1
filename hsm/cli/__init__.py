"""The ``hsm`` command line (entry point ``hsm = "hsm.cli:main"``).

Modules, each with one reason to change; imports flow one way, top to bottom, and
nothing in the package imports this ``__init__``:

- ``app``       -- ``main``: which request and which command each command line names.
- ``parser``    -- the argparse parser: flags and help texts (standard library only).
- ``exits``     -- the exit-code table.
- ``sweep``, ``wait``, ``monitor``, ``results``, ``logs``, ``sweeps`` (``sweep list``),
  ``queue``, ``cancel``, ``config`` -- one command group each: a checked request in, a
  reply (or a failure) out, through :mod:`hsm.api`.
- ``views``     -- how a sweep's poll and a submission read on screen.
- ``inputs``, ``sweep_inputs``, ``read_inputs`` -- gather flags, environment, config
  and sweep files into one request; every setting is checked there, once.
- ``requests``  -- the frozen records handed from the inputs to the commands.
- ``output``    -- printing, failure -> text and exit code; the one module that steps
  out of ``returns`` containers.
- ``feeder_main`` -- ``python -m hsm.cli.feeder_main``: the detached feeder's program
  (started by :mod:`hsm.effects.feeder_process`).
"""

from hsm.cli.app import main

__all__ = ["main"]
