"""Config layering: defaults < file(s) < environment < CLI flags, and where each leaf came from.

Kept apart from :mod:`hsm.pure.config`, which says what a valid config *is* (the frozen
structures and the strict converter); this module says how the *sources* combine, and
changes when a variable, a flag or the precedence does.

Precedence is CLI flag > environment > config file(s) > defaults.  Every layer is a
partial mapping shaped like the file (``{"hpc": {"default_walltime": ...}}``): each is
validated on its own first, so an error names the file, variable or flag that caused
it; then the layers are deep-merged (mappings key by key, everything else replaced) and
structured once.  Which layer last set each leaf is recorded for ``hsm config show``.

Decisions (documented in the README's configuration section):

- Environment variables set to an empty (or blank) string are ignored, as if unset.
  A flag given as ``""`` *is* applied (the user typed it); a flag whose value is
  ``None`` was not given.
- The flags and variables of the schedulers' config sections come from the sections
  themselves (:attr:`~hsm.pure.schedulers.base.ConfigSection.flags`): ``--queue`` /
  ``HSM_HPC_QUEUE`` set every section's queue that names that flag (``hpc.pbs.queue``
  and ``hpc.sge.queue``), ``--account`` / ``HSM_HPC_ACCOUNT`` every section's
  account; the active scheduler uses its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs
from returns.result import Failure, Result

from hsm.pure.config import (
    _CONVERTER,
    LEAVES,
    Config,
    _did_you_mean,
    _structure,
    parse_config,
)
from hsm.pure.errors import ConfigError
from hsm.pure.schedulers import CONFIG_SECTIONS


def _section_flags() -> dict[str, tuple[str, ...]]:
    """Each config section's flag (without dashes) -> the leaves it sets, in section order.

    >>> _section_flags()["partition"]
    ('hpc.slurm.partition',)
    >>> {"hpc.pbs.account", "hpc.slurm.account"} <= set(_section_flags()["account"])
    True
    """
    leaves: dict[str, tuple[str, ...]] = {}
    for section in CONFIG_SECTIONS:
        for flag, key in section.flags.items():
            leaves[flag] = (*leaves.get(flag, ()), f"hpc.{section.name}.{key}")
    return leaves


_SECTION_FLAGS = _section_flags()

#: Environment variable -> the leaf (or leaves) it sets.  Nothing else is read.
ENV_VARS: Mapping[str, tuple[str, ...]] = {
    "HSM_HPC_WALLTIME": ("hpc.default_walltime",),
    "HSM_HPC_RESOURCES": ("hpc.default_resources",),
    "HSM_HPC_SYSTEM": ("hpc.system",),
    "HSM_HPC_PYTHON": ("hpc.python_interpreter",),
    **{f"HSM_HPC_{flag.upper()}": leaves for flag, leaves in _SECTION_FLAGS.items()},
}

#: CLI flag (without dashes) -> the leaf (or leaves) it sets.
FLAGS: Mapping[str, tuple[str, ...]] = {
    "walltime": ("hpc.default_walltime",),
    "resources": ("hpc.default_resources",),
    "system": ("hpc.system",),
    "python": ("hpc.python_interpreter",),
    **_SECTION_FLAGS,
    "max-array-size": ("hpc.max_array_size",),
    "max-queued": ("hpc.max_queued",),
    "retries": ("hpc.retries",),
}

_INT_LEAVES = frozenset({"hpc.max_array_size", "hpc.max_queued", "hpc.retries"})


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """The config fragment set by ``HSM_HPC_*`` variables (see :data:`ENV_VARS`).

    Other variables are ignored, and so are empty or blank values.

    >>> env_overrides({"HSM_HPC_WALLTIME": "1:00:00", "HSM_HPC_SYSTEM": "", "HOME": "/h"})
    {'hpc': {'default_walltime': '1:00:00'}}
    """
    fragment: dict[str, Any] = {}
    for name, leaves in ENV_VARS.items():
        value = environ.get(name, "")
        if value.strip():
            for leaf in leaves:
                _set_leaf(fragment, leaf, value)
    return fragment


def env_warnings(environ: Mapping[str, str]) -> tuple[str, ...]:
    """Messages for ``HSM_HPC_*`` variables hsm does not know (likely typos).

    They are only warnings: a stale exported variable must not break every command.

    >>> env_warnings({"HSM_HPC_WALLTIM": "1:00:00"})
    ('HSM_HPC_WALLTIM is not an hsm variable and is ignored; did you mean HSM_HPC_WALLTIME?',)
    """
    prefix = "HSM_HPC_"
    suffixes = [known.removeprefix(prefix) for known in ENV_VARS]
    return tuple(
        f"{name} is not an hsm variable and is ignored"
        + _did_you_mean(name.removeprefix(prefix), suffixes).replace("mean ", f"mean {prefix}")
        for name in sorted(environ)
        if name.startswith(prefix) and name not in ENV_VARS
    )


@attrs.frozen
class ResolvedConfig:
    """The effective config and, for every leaf in :data:`LEAVES`, where it came from.

    A source is ``"default"``, ``"file:<path>"``, ``"env:<VARIABLE>"`` or
    ``"flag:--<name>"``.
    """

    config: Config
    sources: Mapping[str, str]

    def value_of(self, leaf: str) -> object:
        """The effective value of a dotted leaf, e.g. ``hpc.pbs.queue``."""
        value: object = self.config
        for part in leaf.split("."):
            value = getattr(value, part)
        return value

    def rows(self) -> tuple[tuple[str, object, str], ...]:
        """``(leaf, value, source)`` for every leaf, in file order."""
        return tuple((leaf, self.value_of(leaf), self.sources[leaf]) for leaf in LEAVES)


def resolve_config(
    defaults: Config,
    files: Sequence[tuple[str, Mapping[str, Any] | None]],
    environ: Mapping[str, str],
    flags: Mapping[str, Any],
) -> Result[ResolvedConfig, ConfigError]:
    """Layer defaults < files (in order) < environment < flags, recording each leaf's source.

    Args:
        defaults: the base layer (usually ``Config()``); its leaves are ``"default"``.
        files: ``(path, loaded YAML)`` pairs; later files override earlier ones key by key.
        environ: the process environment (only :data:`ENV_VARS` are read).
        flags: CLI values keyed by flag name (``"walltime"``, ``"--walltime"`` or
            ``"max_array_size"``, see :data:`FLAGS`); ``None`` means "not given".

    Returns:
        The resolved config, or the first layer's ConfigError naming its source.

    >>> r = resolve_config(Config(), [("a.yaml", {"hpc": {"system": "pbs"}})],
    ...                    {"HSM_HPC_SYSTEM": "slurm"}, {"walltime": "1:00:00"}).unwrap()
    >>> r.config.hpc.system, r.sources["hpc.system"], r.sources["hpc.default_walltime"]
    ('slurm', 'env:HSM_HPC_SYSTEM', 'flag:--walltime')
    """
    merged: dict[str, Any] = _CONVERTER.unstructure(defaults)
    sources = dict.fromkeys(LEAVES, "default")

    for path, data in files:
        checked = parse_config(data, path)
        if isinstance(checked, Failure):
            return checked
        if data:
            merged = _deep_merge(merged, data)
            sources.update(dict.fromkeys(_leaves_in(data, Config), f"file:{path}"))

    for layer in (_env_layer(environ), _flag_layer(flags)):
        if isinstance(layer, ConfigError):
            return Failure(layer)
        fragment, layer_sources = layer
        checked = _structure(fragment, _layer_label(layer_sources))
        if isinstance(checked, Failure):
            return checked
        merged = _deep_merge(merged, fragment)
        sources.update(layer_sources)

    return _structure(merged, lambda _path: "merged configuration").map(
        lambda config: ResolvedConfig(config, sources)
    )


# --------------------------------------------------------------------------- helpers


def _set_leaf(tree: dict[str, Any], leaf: str, value: object) -> None:
    *parents, name = leaf.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[name] = value


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            merged[key] = _deep_merge(old, value)
        elif value is None and isinstance(old, Mapping):
            continue  # an empty section (`pbs:`) changes nothing
        else:
            merged[key] = value
    return merged


def _leaves_in(data: Mapping[str, Any], cls: type[Any], prefix: str = "") -> Iterator[str]:
    """Dotted leaves a (validated) layer sets; empty sections set none."""
    fields = attrs.fields_dict(cls)
    for key, value in data.items():
        field_type = fields[key].type
        if isinstance(field_type, type) and attrs.has(field_type):
            if isinstance(value, Mapping):
                yield from _leaves_in(value, field_type, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def _env_layer(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    sources = {
        leaf: f"env:{name}"
        for name, leaves in ENV_VARS.items()
        if environ.get(name, "").strip()
        for leaf in leaves
    }
    return env_overrides(environ), sources


def _flag_layer(
    flags: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, str]] | ConfigError:
    fragment: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, value in flags.items():
        name = key.lstrip("-").replace("_", "-")
        if name not in FLAGS:
            return ConfigError(f"unknown option --{name}{_did_you_mean(name, list(FLAGS))}")
        if value is None:
            continue
        for leaf in FLAGS[name]:
            if leaf in _INT_LEAVES and isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            _set_leaf(fragment, leaf, value)
            sources[leaf] = f"flag:--{name}"
    return fragment, sources


def _layer_label(sources: Mapping[str, str]) -> Callable[[str], str]:
    """Name the variable or flag behind a ``$.hpc.x`` path, for error messages."""

    def label(path: str) -> str:
        source = sources.get(path.removeprefix("$."), "")
        kind, _, name = source.partition(":")
        return {"env": f"environment variable {name}", "flag": f"option {name}"}.get(
            kind, "override"
        )

    return label
