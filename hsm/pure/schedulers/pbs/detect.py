"""What tells auto-detection PBS Pro / OpenPBS from Torque (see
:class:`~hsm.pure.schedulers.base.Detection`).

Both use ``qsub``/``qstat``, so neither command decides: ``qstat --version`` does (Torque
prints ``Version: 6.1.2``, PBS Pro / OpenPBS ``pbs_version = 22.05.11`` or Altair's
``pbs_version = 2022.1.3``), then ``PBS_EXEC`` (set from ``/etc/pbs.conf`` by PBS Pro's
profile), then where ``qsub`` really lives.  When nothing tells, detection asks rather than
guessing: a wrong guess means the wrong array option (``-J`` vs ``-t``).
"""

from __future__ import annotations

import re

from hsm.pure.schedulers.base import Detection

_MARKS = ("qsub", "qstat")
_TOOLS = ("qmgr", "pbsnodes")
#: What tells the two apart first: both print their version, each in its own words.
_VERSION = ("qstat", "--version")

PRO_DETECTION = Detection(
    marks=_MARKS,
    tools=_TOOLS,
    version_argv=_VERSION,
    version_lines=(re.compile(r"^\s*pbs_version\s*=\s*\d+(?:\.\d+)*\s*$"),),
    env=("PBS_EXEC",),
    env_hints=("PBS_CONF_FILE",),
    home_env=("PBS_EXEC",),
    realpath_of="qsub",
    realpath_hints=("/opt/pbs/", "openpbs", "pbspro"),
    label="PBS Pro/OpenPBS",
)

TORQUE_DETECTION = Detection(
    marks=_MARKS,
    tools=_TOOLS,
    version_argv=_VERSION,
    version_lines=(re.compile(r"^\s*Version:\s*\d+(?:\.\d+)*\s*$"),),
    realpath_of="qsub",
    realpath_hints=("torque",),
)

__all__ = ["PRO_DETECTION", "TORQUE_DETECTION"]
