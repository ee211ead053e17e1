"""``python -m hsm.cli``: the same as the ``hsm`` command."""

import sys

from hsm.cli.app import main

sys.exit(main())
