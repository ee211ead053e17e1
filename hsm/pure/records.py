"""The one cattrs converter for what hsm writes as JSON: the manifest and job statuses.

Strategy: the records themselves (:class:`~hsm.pure.manifest.Manifest` with its
:class:`~hsm.pure.plan.JobRecord` jobs and :class:`~hsm.pure.manifest.SweepTask` tasks,
:class:`~hsm.pure.states.JobStatus`) are laid out like the JSON, so the converter needs
only a few adjustments: a job's ``script_file`` is written ``script`` (the key manifests
have always used) and its ``changes`` only when it has some, a ``JobStatus`` (a
NamedTuple) is an object rather than a list, and a ``JobState`` is its string value.
The manifest's ``version`` is added and checked here; structuring errors become one
``StateError`` naming the file, each problem as ``msg @ $.path``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cattrs import BaseValidationError, Converter, transform_error
from cattrs.cols import (
    is_namedtuple,
    namedtuple_dict_structure_factory,
    namedtuple_dict_unstructure_factory,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from returns.result import Failure, Result, Success

from hsm.pure.errors import StateError
from hsm.pure.manifest import Manifest
from hsm.pure.plan import JobRecord
from hsm.pure.states import JobState, JobStatus

MANIFEST_VERSION = 1

CONVERTER = Converter()
CONVERTER.register_unstructure_hook(JobState, lambda state: state.value)
CONVERTER.register_unstructure_hook_factory(is_namedtuple, namedtuple_dict_unstructure_factory)
CONVERTER.register_structure_hook_factory(is_namedtuple, namedtuple_dict_structure_factory)
CONVERTER.register_unstructure_hook(
    JobRecord,
    make_dict_unstructure_fn(
        JobRecord,
        CONVERTER,
        script_file=override(rename="script"),
        changes=override(omit_if_default=True),  # most jobs have none: no "changes": null
    ),
)
CONVERTER.register_structure_hook(
    JobRecord,
    make_dict_structure_fn(JobRecord, CONVERTER, script_file=override(rename="script")),
)


def manifest_to_data(manifest: Manifest) -> dict[str, Any]:
    """A JSON-ready mapping of ``manifest.json`` (stable key order, lists for tuples),
    sealed with the digest of everything else in it (see :func:`check_seal`)."""
    data: dict[str, Any] = {
        "version": MANIFEST_VERSION,
        **CONVERTER.unstructure(manifest, Manifest),
    }
    return {**data, "digest": manifest_digest(data)}


def manifest_digest(data: Mapping[str, Any]) -> str:
    """sha256 of a manifest's canonical JSON, its own ``digest`` field left out.

    >>> manifest_digest({"version": 1, "digest": "x"}) == manifest_digest({"version": 1})
    True
    """
    body = {k: v for k, v in data.items() if k != "digest"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_seal(data: Any, source: str) -> Result[None, StateError]:
    """A manifest hsm wrote carries the digest of its content; an edited one does not match.

    Commands that submit from a sweep directory call this, so that the record cannot say
    one thing while the scripts do another.
    """
    if not isinstance(data, Mapping):
        return Success(None)  # manifest_from_data explains what is wrong with it
    found = data.get("digest")
    if found is None:
        return Failure(
            StateError(
                f"{source} has no digest, so hsm cannot tell whether it was edited; "
                "render the sweep again (hsm sweep render) to submit from it",
                source,
            )
        )
    if found != manifest_digest(data):
        return Failure(
            StateError(
                f"{source} was changed after hsm wrote it (its digest does not match its "
                "content); hsm submits only what it recorded: restore the file or render "
                "the sweep again",
                source,
            )
        )
    return Success(None)


def manifest_from_data(data: Any, source: str) -> Result[Manifest, StateError]:
    """Read a manifest mapping back, or say what is wrong with the file ``source``."""
    if not isinstance(data, Mapping) or data.get("version") != MANIFEST_VERSION:
        return Failure(
            StateError(
                f"{source} is not a valid hsm manifest: not an hsm manifest "
                f"(version {MANIFEST_VERSION})",
                source,
            )
        )
    body = {k: v for k, v in data.items() if k not in ("version", "digest")}
    try:
        return Success(CONVERTER.structure(body, Manifest))
    except (BaseValidationError, ValueError, TypeError, KeyError) as error:
        problems = "; ".join(transform_error(error, path="$"))
        return Failure(StateError(f"{source} is not a valid hsm manifest: {problems}", source))


def manifest_from_text(text: str, source: str, *, sealed: bool) -> Result[Manifest, StateError]:
    """Read ``manifest.json``'s text back (``sealed``: also refuse a manifest whose content
    no longer matches the digest hsm wrote into it), or say what is wrong with ``source``.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return Failure(StateError(f"{source} is not valid JSON: {error}", source))
    checked: Result[None, StateError] = check_seal(data, source) if sealed else Success(None)
    return checked.bind(lambda _: manifest_from_data(data, source))


def statuses_from_text(text: str) -> dict[int, JobStatus] | None:
    """The statuses ``status.json`` holds, or None when its text is not such a file (the
    cache is a convenience: a damaged one is no error)."""
    try:
        return statuses_from_data(json.loads(text))
    except (ValueError, TypeError, KeyError, BaseValidationError):
        return None


def statuses_to_data(statuses: Mapping[int, JobStatus]) -> dict[str, Any]:
    """Task number -> status as JSON-ready data (``status.json``)."""
    return {str(task): status_to_data(status) for task, status in statuses.items()}


def statuses_from_data(data: Any) -> dict[int, JobStatus]:
    """The inverse of :func:`statuses_to_data`; raises cattrs' errors on bad data."""
    statuses: dict[int, JobStatus] = CONVERTER.structure(data, dict[int, JobStatus])
    return statuses


def status_to_data(status: JobStatus) -> dict[str, Any]:
    """One status as a JSON object (``state`` as its string value).

    >>> status_to_data(JobStatus("7", JobState.FAILED, "F", 2))["state"]
    'failed'
    """
    data: dict[str, Any] = CONVERTER.unstructure(status, JobStatus)
    return data
