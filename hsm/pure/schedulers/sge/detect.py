"""What tells auto-detection that Grid Engine is here (see
:class:`~hsm.pure.schedulers.base.Detection`).

Grid Engine shares ``qsub``/``qstat`` with the PBS family, so neither command decides.
``qstat --version`` does: Son of Grid Engine has no such option and answers (exit 1)
with its usage, whose first line is the version, ``SGE 8.1.9`` (tests/data/sge/
qstat_version.stderr.txt; Univa/Altair and Open Grid Scheduler print ``UGE``, ``OGS/GE``
or ``GE`` there).  Then ``SGE_ROOT``/``SGE_CELL`` (set by the cell's ``settings.sh``;
Debian's ``/usr/bin/q*`` wrappers set them only for themselves), then where ``qsub``
really lives (``/usr/share/gridengine/gridengine-wrapper`` on Debian, ``.../sge/bin/...``
elsewhere).  PBS and Torque print ``pbs_version =`` / ``Version:``, so the two families
are never mistaken for each other.
"""

from __future__ import annotations

import re

from hsm.pure.schedulers.base import Detection

DETECTION = Detection(
    marks=("qsub", "qstat"),
    tools=("qacct", "qconf", "qdel"),
    # Son of Grid Engine has no --version: it answers with its usage, version first.
    version_argv=("qstat", "--version"),
    version_lines=(re.compile(r"^\s*(?:SGE|UGE|OGS/GE|GE|Univa Grid Engine)\s+\d"),),
    env=("SGE_ROOT", "SGE_CELL"),
    realpath_of="qsub",
    realpath_hints=("gridengine", "/sge"),
    label="Grid Engine",
)

__all__ = ["DETECTION"]
