"""``python -m hsm``: the same as the ``hsm`` command."""

import sys

from hsm.cli import main

sys.exit(main())
