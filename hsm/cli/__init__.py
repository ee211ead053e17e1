"""The ``hsm`` command line (entry point ``hsm = "hsm.cli:main"``)."""

from hsm.cli.parser import main

__all__ = ["main"]
