"""The ``hsm`` command line (entry point ``hsm = "hsm.cli:main"``)."""

from hsm.cli.app import main

__all__ = ["main"]
