"""hsm's configuration: frozen structures and one strict converter.

Strategy: the config is a tree of frozen attrs classes whose defaults *are* the built-in
defaults.  One cattrs converter (``forbid_extra_keys``, detailed validation, strict leaf
hooks -- no ``str(4)`` or ``list("abc")`` coercion) turns a YAML mapping into that tree;
its exception group is flattened once, here, into ``(message, $.path)`` pairs and then
into a single :class:`~hsm.pure.errors.ConfigError`.  How files, environment and flags
are layered on top is :mod:`hsm.pure.config_layers`.

Decisions (documented in the README's configuration section):

- ``null`` for a section (``pbs:``) or for ``setup:`` means "empty"; ``null`` for
  ``max_array_size`` means "use the scheduler's limit"; ``null`` for any other
  setting is an error (there is no sensible empty walltime).
- Walltime and resource *syntax* are not checked here (see :mod:`hsm.pure.job_settings`).
- ``extra`` (``hpc.slurm.extra``, ``hpc.pbs.extra``, ``hpc.sge.extra``) is a list of
  directive lines, each checked here to be one line of text; what a line may set is the
  scheduler's to say
  (:func:`hsm.pure.resources.extra_directives`, through
  :func:`hsm.pure.job_settings.check_job_values`), once the scheduler is known.  Like any
  list, a later layer's ``extra`` replaces an earlier one's.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NewType, TypeVar, cast

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn
from returns.result import Failure, Result, Success

from hsm.pure.errors import ConfigError
from hsm.pure.schedulers import CONFIG_SECTIONS, SCHEDULERS, SYSTEMS
from hsm.pure.schedulers.base import ConfigSection, DirectiveLines

# Accepted values of ``hpc.system`` (case-insensitive on input, stored lower-case) come
# from the scheduler registry: ``auto``, every scheduler's key, and family names such as
# ``pbs`` that let detection tell PBS Pro from Torque.

#: ``hpc.system`` after validation: one of :data:`SYSTEMS`.
SystemName = NewType("SystemName", str)
#: ``hpc.max_array_size``: a positive number of array indices.
ArrayLimit = NewType("ArrayLimit", int)
#: ``hpc.max_queued``: a positive number of jobs (every array task counts as one).
QueueLimit = NewType("QueueLimit", int)
#: ``hpc.retries``: how many times a task the infrastructure killed is run again.
Retries = NewType("Retries", int)
_C = TypeVar("_C")


def _with_sections(cls: type[_C]) -> type[_C]:
    """``cls`` extended, under its own name, by one field per config section of the
    registry (``pbs: PBSOptions = PBSOptions()`` ...), in :data:`CONFIG_SECTIONS` order.

    The sections are the schedulers' own (each folder builds its ``ConfigSection``), so
    no code here names one; everything that walks the attrs fields -- the converter,
    :data:`LEAVES`, the layers' sources -- sees them like any other field.
    """
    fields = {
        section.name: attrs.field(type=section.options, default=attrs.Factory(section.options))
        for section in CONFIG_SECTIONS
    }
    body = {"__doc__": cls.__doc__, "__module__": cls.__module__, "__qualname__": cls.__qualname__}
    return cast(
        "type[_C]", attrs.frozen(kw_only=True, these=fields)(type(cls.__name__, (cls,), body))
    )


@_with_sections
@attrs.frozen(kw_only=True)
class HPCConfig:
    """``hpc``: how jobs are built and where they go.

    Attributes:
        default_walltime: ``HH:MM:SS`` (syntax checked by :mod:`hsm.pure.job_settings`).
        default_resources: scheduler resource text, e.g. ``select=1:ncpus=4:mem=16gb``.
        python_interpreter: the program that runs the user's script.
        system: one of :data:`SYSTEMS`; ``auto`` asks :mod:`hsm.pure.detect`.
        max_array_size: overrides the scheduler's array limit when set.
        max_queued: how many jobs you may have queued (each array task counts), when
            the scheduler does not say or you want fewer: a sweep that does not fit is
            fed in waves.
        retries: run a task again, up to this many times, when the infrastructure
            killed it (node or boot failure, preemption not requeued); a feeder watches
            the sweep until every task has finished for good.
        setup: shell lines run before the program (``module load ...``).

    After these, one field per scheduler config section, named and typed by it
    (``pbs: PBSOptions``...): added by :func:`_with_sections` from the registry's
    :data:`~hsm.pure.schedulers.CONFIG_SECTIONS`, read with :func:`section_settings` and
    :func:`section_extra`.
    """

    default_walltime: str = "04:00:00"
    default_resources: str = ""
    python_interpreter: str = "python"
    system: SystemName = SystemName("auto")
    max_array_size: ArrayLimit | None = None
    max_queued: QueueLimit | None = None
    retries: Retries = Retries(0)
    setup: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Config:
    """The whole config file.  ``Config()`` is the built-in defaults."""

    hpc: HPCConfig = attrs.Factory(HPCConfig)


_SECTIONS: tuple[type[Any], ...] = (Config, HPCConfig, *(s.options for s in CONFIG_SECTIONS))
for _cls in _SECTIONS:
    attrs.resolve_types(_cls)


def _leaf_paths(cls: type[Any], prefix: str = "") -> Iterator[str]:
    for field in attrs.fields(cls):
        if isinstance(field.type, type) and attrs.has(field.type):
            yield from _leaf_paths(field.type, f"{prefix}{field.name}.")
        else:
            yield f"{prefix}{field.name}"


#: Every leaf setting, dotted, in file order (``hpc.default_walltime`` ...).
LEAVES: tuple[str, ...] = tuple(_leaf_paths(Config))


# --------------------------------------------------------------------------- converter


class _BadValue(ValueError):
    """Raised by the strict hooks; its text is the user-facing message."""


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _strict_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        quote = " (quote it to make it text)"
        number = isinstance(value, int | float) and not isinstance(value, bool)
        raise _BadValue(f"expected text, got {_describe(value)}{quote if number else ''}")
    return value


def _system(value: object, _: type) -> SystemName:
    text = _strict_str(value, str).strip().lower()
    if text in SYSTEMS:
        return SystemName(text)
    raise _BadValue(
        f"unknown system {value!r}; expected one of {', '.join(SYSTEMS)}"
        + _did_you_mean(text, SYSTEMS)
    )


def _array_limit(value: object, _: type) -> ArrayLimit:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadValue(f"expected a whole number, got {_describe(value)}")
    if value < 1:
        raise _BadValue(f"expected a positive number of array indices, got {value}")
    return ArrayLimit(value)


def _queue_limit(value: object, _: type) -> QueueLimit:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadValue(f"expected a whole number, got {_describe(value)}")
    if value < 1:
        raise _BadValue(f"expected a positive number of jobs, got {value}")
    return QueueLimit(value)


def _retries(value: object, _: type) -> Retries:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadValue(f"expected a whole number, got {_describe(value)}")
    if value < 0:
        raise _BadValue(f"expected 0 or more retries, got {value}")
    return Retries(value)


def _str_tuple(value: object, type_: type) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise _BadValue(f"expected a list of shell lines, got {_describe(value)}")
    items: list[str] = []
    errors: list[Exception] = []
    for index, item in enumerate(value):
        try:
            items.append(_strict_str(item, str))
        except _BadValue as exc:
            exc.__notes__ = [IterableValidationNote(f"@ index {index}", index, str)]
            errors.append(exc)
    if errors:
        raise IterableValidationError("While structuring setup", errors, type_)
    return tuple(items)


def _directive_lines(value: object, type_: type) -> DirectiveLines:
    if value is None:
        return DirectiveLines(())
    if not isinstance(value, list | tuple):
        raise _BadValue(
            f"expected a list of directive lines (without their '#' prefix), got {_describe(value)}"
        )
    items: list[str] = []
    errors: list[Exception] = []
    for index, item in enumerate(value):
        try:
            text = _strict_str(item, str)
            bad = next((c for c in text if not c.isprintable()), None)
            if bad is not None:
                raise _BadValue(
                    f"a directive line must be one line; control character U+{ord(bad):04X} "
                    "would end it and start another"
                )
            items.append(text)
        except _BadValue as exc:
            exc.__notes__ = [IterableValidationNote(f"@ index {index}", index, str)]
            errors.append(exc)
    if errors:
        raise IterableValidationError("While structuring extra", errors, type_)
    return DirectiveLines(tuple(items))


def _is_str_tuple(type_: object) -> bool:
    return type_ == tuple[str, ...]


def _section_hook(converter: cattrs.Converter, cls: type[Any]) -> Callable[[object, type], object]:
    structure = make_dict_structure_fn(cls, converter)

    def hook(value: object, type_: type) -> object:
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise _BadValue(f"expected a mapping of settings, got {_describe(value)}")
        return structure(value, type_)

    return hook


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(SystemName, _system)
    converter.register_structure_hook(ArrayLimit, _array_limit)
    converter.register_structure_hook(QueueLimit, _queue_limit)
    converter.register_structure_hook(Retries, _retries)
    converter.register_structure_hook(DirectiveLines, _directive_lines)
    converter.register_structure_hook_func(_is_str_tuple, _str_tuple)
    # innermost first: a generated hook captures its fields' hooks when it is made
    for cls in reversed(_SECTIONS):
        converter.register_structure_hook(cls, _section_hook(converter, cls))
    return converter


_CONVERTER = _make_converter()


# --------------------------------------------------------------------------- errors


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def _flatten(exc: BaseException, path: str) -> Iterator[tuple[str, str]]:
    """Yield ``(message, $.path)`` for every leaf error of a cattrs exception group.

    Same walk as :func:`cattrs.transform_error`, but unknown keys get one entry each
    at *their own* path, with a suggestion.
    """
    if isinstance(exc, IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, inote in with_notes:
            yield from _flatten(sub, f"{path}[{inote.index!r}]")
        for sub in without:
            yield from _flatten(sub, path)
    elif isinstance(exc, ClassValidationError):
        with_cnotes, without = exc.group_exceptions()
        for sub, cnote in with_cnotes:
            yield from _flatten(sub, f"{path}.{cnote.name}")
        for sub in without:
            yield from _flatten(sub, path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        valid = [field.name for field in attrs.fields(exc.cl)]
        for key in sorted(exc.extra_fields, key=str):
            hint = _did_you_mean(str(key), valid) or f" (valid keys: {', '.join(valid)})"
            if isinstance(key, bool):
                hint += "; YAML reads an unquoted yes/no/on/off key as a boolean"
            yield f"unknown key '{key}'{hint}", f"{path}.{key}"
    elif isinstance(exc, _BadValue):
        yield str(exc), path
    else:  # a hook we did not write: keep its words rather than hide them
        yield f"invalid value ({exc})", path


def _one_error(problems: Sequence[tuple[str, str]], label: Callable[[str], str]) -> ConfigError:
    """Fold problems into one ConfigError; ``label(path)`` names where the value came from."""
    unique = list(dict.fromkeys(problems))
    if len(unique) == 1:
        message, path = unique[0]
        return ConfigError(f"{label(path)}: {message}", path)
    labels = {label(path) for _, path in unique}
    if len(labels) == 1:
        listed = "; ".join(f"{message} @ {path}" for message, path in unique)
        return ConfigError(f"{labels.pop()}: {len(unique)} problems: {listed}")
    listed = "; ".join(f"{label(path)}: {message} @ {path}" for message, path in unique)
    return ConfigError(f"{len(unique)} configuration problems: {listed}")


_STRUCTURE_ERRORS = (ClassValidationError, ForbiddenExtraKeysError, _BadValue)


def _structure(data: Mapping[str, Any], label: Callable[[str], str]) -> Result[Config, ConfigError]:
    try:
        return Success(_CONVERTER.structure(data, Config))
    except _STRUCTURE_ERRORS as exc:
        return Failure(_one_error(list(_flatten(exc, "$")), label))


# --------------------------------------------------------------------------- public API


def parse_config(data: Mapping[str, Any] | None, source: str) -> Result[Config, ConfigError]:
    """Structure one config file's data (as ``yaml.safe_load`` returned it).

    Args:
        data: the loaded YAML; ``None`` (an empty file) means all defaults.
        source: where it came from, used in messages (usually the file's path).

    Returns:
        The config, or one ConfigError naming the file, the problem and its ``$.path``.

    >>> parse_config({"hpc": {"default_walltime": "01:00:00"}}, "a.yaml").unwrap().hpc.system
    'auto'
    >>> print(parse_config({"hpc": {"defualt_walltime": "1:00:00"}}, "a.yaml").failure())
    a.yaml: unknown key 'defualt_walltime'; did you mean default_walltime? @ $.hpc.defualt_walltime
    """
    if data is None:
        return Success(Config())
    if not isinstance(data, Mapping):
        return Failure(
            ConfigError(
                f"{source}: expected a mapping with an 'hpc' section, got {_describe(data)}", "$"
            )
        )
    return _structure(data, lambda _path: source)


def section_settings(
    hpc: HPCConfig, section: ConfigSection | None
) -> tuple[str | None, str | None]:
    """The queue (or partition) and account a scheduler's config section sets.

    >>> from hsm.pure.schedulers import SLURM
    >>> hpc = parse_config({"hpc": {"slurm": {"partition": "gpu"}}}, "a.yaml").unwrap().hpc
    >>> section_settings(hpc, SLURM.config_section)
    ('gpu', None)
    """
    if section is None:
        return None, None
    options = getattr(hpc, section.name)
    return getattr(options, section.queue_key), options.account


def section_extra(hpc: HPCConfig, section: ConfigSection | None) -> tuple[str, ...]:
    """The escape-hatch directive lines a scheduler's config section sets (``extra``).

    Checked for the scheduler by :func:`hsm.pure.resources.extra_directives`.

    >>> from hsm.pure.schedulers import PBSPRO
    >>> hpc = parse_config({"hpc": {"pbs": {"extra": ["-W umask=022"]}}}, "a.yaml").unwrap().hpc
    >>> section_extra(hpc, PBSPRO.config_section), section_extra(hpc, None)
    (('-W umask=022',), ())
    """
    if section is None:
        return ()
    return tuple(getattr(getattr(hpc, section.name), "extra", ()))


def config_sections() -> tuple[ConfigSection, ...]:
    """Every scheduler's config section, once each, by name (``pbs``, ``sge``, ``slurm``)."""
    sections = {s.config_section for s in SCHEDULERS.values() if s.config_section is not None}
    return tuple(sorted(sections, key=lambda s: s.name))


def section_leaves(hpc: HPCConfig) -> tuple[tuple[str, str | None], ...]:
    """Every scheduler section's queue and account setting, dotted, with its value."""
    leaves: list[tuple[str, str | None]] = []
    for section in config_sections():
        queue, account = section_settings(hpc, section)
        leaves.append((f"hpc.{section.name}.{section.queue_key}", queue))
        leaves.append((f"hpc.{section.name}.account", account))
    return tuple(leaves)
