"""The default sweep id: the same inputs, run again in the same place, name the same sweep.

Strategy: ``<program stem>_<12 hex digits of the inputs>``.  Whoever gathers the inputs
that decide what a sweep submits (the CLI: sweep file, axes, settings, working
directory; the Hydra launcher: the multirun's overrides and launcher settings) hands
them here as one mapping, so re-running an interrupted command resumes its sweep
instead of submitting everything twice.  How a sweep is watched (``--wait``, poll
intervals) must stay out of the inputs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
#: Hex digits of the inputs' digest in a default id.
DIGEST_CHARS = 12
#: The longest program stem kept in a default id.
STEM_CHARS = 40


def fingerprint(inputs: Mapping[str, Any]) -> str:
    """The sha256 of ``inputs`` as canonical JSON (keys sorted, unknown types as text).

    >>> fingerprint({"b": 1, "a": [2]}) == fingerprint({"a": [2], "b": 1})
    True
    """
    text = json.dumps(inputs, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_sweep_id(stem: str, inputs: Mapping[str, Any]) -> str:
    """``<stem>_<12 hex digits of inputs>``, the stem made safe for a sweep id.

    >>> default_sweep_id("my app!", {"lr": [0.1]})[:7]
    'my_app_'
    >>> len(default_sweep_id("train", {}))
    18
    """
    safe = _ID_UNSAFE.sub("_", stem).strip("_.-") or "sweep"
    return f"{safe[:STEM_CHARS]}_{fingerprint(inputs)[:DIGEST_CHARS]}"
