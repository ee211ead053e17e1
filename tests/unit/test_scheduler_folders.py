"""One scheduler, one folder: the layout rules that keep scheduler facts in their folder.

A scheduler's facts (names, commands, directives, limits...) live in
``hsm/pure/schedulers/<folder>/`` and are read from its record through the registry.
These tests read the source of everything else and fail when a scheduler's name appears
in code outside the folders -- that is how "if scheduler == ..." chains creep back -- or
when code there names a scheduler's config section or its options class
(``config.hpc.slurm``, ``SlurmOptions``): sections are reached through the record's
``config_section`` and the registry's ``CONFIG_SECTIONS``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest

from hsm.hpc import MANAGERS
from hsm.pure.schedulers import CONFIG_SECTIONS, SCHEDULERS, SYSTEMS, scheduler_for
from hsm.pure.schedulers.base import ConfigSection, Scheduler

ROOT = Path(__file__).resolve().parents[2]
HSM = ROOT / "hsm"
FOLDERS = HSM / "pure" / "schedulers"
#: The code these rules cover: the library and the Hydra launcher beside it.
CODE = (HSM, ROOT / "hydra_plugins")

#: Scheduler names that must not appear as string literals outside the folders.
NAMES = frozenset(
    {
        *SCHEDULERS,
        *(s.name for s in SCHEDULERS.values()),
        *(section.name for section in CONFIG_SECTIONS),
        "sge",
        "gridengine",
        "lsf",
    }
)


def _commands_of(record: Scheduler) -> set[str]:
    """Every program a record names: its submit and status commands and what its
    detection rule looks for, runs or resolves."""
    found = set()
    if record.commands is not None:
        found |= {record.commands.submit_command, record.commands.status_command}
    rule = record.detection
    if rule is not None:
        found |= {*rule.marks, *rule.tools, *rule.wrappers, *rule.version_argv[:1]}
        found |= {rule.realpath_of} - {""}
    return found


#: The schedulers' programs (``sbatch``, ``qstat``...), as the records name them.
COMMANDS = frozenset(c for record in SCHEDULERS.values() for c in _commands_of(record))

#: Words an identifier outside the folders must not contain (``pbs_size_bytes``,
#: ``qsub_realpath``, ``SlurmThing``): the schedulers' names and programs.  ``local`` is
#: left out: it is also plain English (``local_runner``, ``locale``).
WORDS = (NAMES | {c.lower() for c in COMMANDS}) - {"local"}


def _registry_names_in(path: Path) -> set[str]:
    """The names ``path`` imports from the registry (its records: ``SLURM``, ``SGE``...)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "hsm.pure.schedulers"
        for alias in node.names
    }


#: (file, identifier) pairs outside the folders that truly must stay, with the reason: the
#: seed API has one manager class per family (``SlurmJobManager``; ``hsm/__init__.py``
#: exports them by name, as strings), each bound in ``hsm/hpc.py`` to its family's record.
#: Derived from ``MANAGERS`` and hpc.py's imports, so a new family adds nothing here.
ALLOWED_IDENTIFIERS: dict[tuple[str, str], str] = {
    **{("hsm/hpc.py", m.__name__): "the seed API's manager for a family" for m in MANAGERS},
    **{
        ("hsm/hpc.py", name): "binds a seed manager to its record"
        for name in _registry_names_in(HSM / "hpc.py")
    },
}

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def _words(identifier: str) -> set[str]:
    """The lower-cased words of a name (``PBSJobManager`` -> pbs, job, manager), and the
    whole name (``PBSPRO`` -> pbspro)."""
    return {w.lower() for w in _WORD.findall(identifier)} | {identifier.lower()}


#: Identifiers (attribute, variable, keyword, parameter, import, module and definition
#: names) that must not appear in code outside the folders: every config section's name
#: (``config.hpc.slurm``, ``HPCConfig(pbs=...)``, ``hsm.pure.schedulers.sge.section``) and
#: its options class (``SlurmOptions``).
IDENTIFIERS = frozenset(
    {
        *(section.name for section in CONFIG_SECTIONS),
        *(section.options.__name__ for section in CONFIG_SECTIONS),
    }
)

#: (file, literal) pairs that truly must stay, each with its reason.
ALLOWED: dict[tuple[str, str], str] = {
    # The seed CLI's `--mode local` and `monitor --mode local` are modes (how to run the
    # sweep), named like the local backend on purpose; the mode maps to its record.
    ("hsm/cli/parser.py", "local"): "the seed CLI's mode name",
    ("hsm/cli/sweep_inputs.py", "local"): "the seed CLI's mode name",
    # The launcher's `mode: local` is the same mode, taken from the CLI's vocabulary.
    ("hydra_plugins/hsm_launcher/_multirun.py", "local"): "the launcher's mode name",
}
#: Files still allowed to name schedulers, with the reason.
ALLOWED_FILES: dict[str, str] = {}


def _code_files() -> list[Path]:
    """Every Python file of :data:`CODE` outside the scheduler folders."""
    files = (path for root in CODE for path in sorted(root.rglob("*.py")))
    return [path for path in files if FOLDERS not in path.parents]


def test_the_scan_covers_the_library_and_the_launcher() -> None:
    scanned = {path.relative_to(ROOT).as_posix() for path in _code_files()}
    assert {"hsm/api.py", "hsm/cli/parser.py", "hydra_plugins/hsm_launcher/_multirun.py"} <= scanned
    assert not any(rel.startswith("hsm/pure/schedulers/") for rel in scanned)


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(id(value))
    return found


def _code_strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``(line, text)`` of every string constant of the code itself (docstrings are prose)."""
    docs = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value


def _named_literals() -> list[tuple[str, int, str]]:
    hits: list[tuple[str, int, str]] = []
    for path in _code_files():
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hits.extend(
            (rel, line, text) for line, text in _code_strings(tree) if text.lower() in NAMES
        )
    return hits


def _identifiers(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``(line, name)`` for every name the code itself spells (docstrings are not code)."""
    for node in ast.walk(tree):
        names: tuple[str | None, ...] = ()
        if isinstance(node, ast.Attribute):
            names = (node.attr,)
        elif isinstance(node, ast.Name):
            names = (node.id,)
        elif isinstance(node, ast.keyword | ast.arg):
            names = (node.arg,)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = (node.name,)
        elif isinstance(node, ast.alias):
            names = (*node.name.split("."), node.asname)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = tuple(node.module.split("."))
        for name in names:
            if name is not None:
                yield getattr(node, "lineno", 0), name


#: A section's settings spelt out in text (``"hpc.pbs.queue"``, ``"$.hpc.sge.extra"``).
SECTION_PATH = re.compile(
    r"\bhpc\.(" + "|".join(re.escape(section.name) for section in CONFIG_SECTIONS) + r")\b"
)


def _section_paths(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``(line, text)`` for every string in the code (not a docstring) naming a section."""
    for line, text in _code_strings(tree):
        if SECTION_PATH.search(text):
            yield line, text


def _named_identifiers() -> list[tuple[str, int, str]]:
    hits: list[tuple[str, int, str]] = []
    for path in _code_files():
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hits.extend((rel, line, name) for line, name in _identifiers(tree) if name in IDENTIFIERS)
        hits.extend((rel, line, repr(text)) for line, text in _section_paths(tree))
    return hits


def test_no_config_section_or_options_class_named_outside_the_folders() -> None:
    offending = [f"{rel}:{line}: {name}" for rel, line, name in _named_identifiers()]
    assert not offending, (
        "reach a section through the record's config_section (section_settings, "
        "section_extra) or CONFIG_SECTIONS:\n" + "\n".join(offending)
    )


def test_the_identifier_check_sees_what_it_forbids() -> None:
    code = (
        "from hsm.pure.schedulers.slurm.section import SlurmOptions as O\n"
        "queue = config.hpc.pbs.queue\n"
        "hpc = HPCConfig(sge=None)\n"
        "def f(slurm): ...\n"
    )
    found = {name for _, name in _identifiers(ast.parse(code)) if name in IDENTIFIERS}
    assert found == {"slurm", "SlurmOptions", "pbs", "sge"}
    leaves = '"""Docs may say hpc.pbs.queue."""\nFLAGS = {"queue": ("hpc.pbs.queue",)}\n'
    assert [text for _, text in _section_paths(ast.parse(leaves))] == ["hpc.pbs.queue"]


def test_every_records_section_is_in_the_registry_and_its_folder() -> None:
    sections = {s.config_section for s in SCHEDULERS.values() if s.config_section is not None}
    assert set(CONFIG_SECTIONS) == sections
    assert len({section.name for section in CONFIG_SECTIONS}) == len(CONFIG_SECTIONS)
    for record in SCHEDULERS.values():
        section = record.config_section
        if section is None:
            continue
        folder = record.template.split("/")[0]
        assert section.options.__module__.startswith(f"hsm.pure.schedulers.{folder}"), record.key


@pytest.mark.parametrize("section", CONFIG_SECTIONS, ids=lambda section: section.name)
def test_each_section_has_the_keys_hsm_reads(section: ConfigSection) -> None:
    keys = [field.name for field in attrs.fields(section.options)]
    assert {section.queue_key, "account", "extra"} <= set(keys)
    assert set(section.flags.values()) <= set(keys)
    assert section.options() == section.options(**{key: None for key in keys[:-1]})


def test_no_scheduler_name_outside_its_folder() -> None:
    offending = [
        f"{rel}:{line}: {value!r}"
        for rel, line, value in _named_literals()
        if (rel, value.lower()) not in ALLOWED and rel not in ALLOWED_FILES
    ]
    assert not offending, "ask the scheduler's record instead:\n" + "\n".join(offending)


def _scheduler_identifiers() -> list[tuple[str, int, str]]:
    hits: list[tuple[str, int, str]] = []
    for path in _code_files():
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hits.extend((rel, line, name) for line, name in _identifiers(tree) if _words(name) & WORDS)
    return hits


def test_no_identifier_outside_the_folders_names_a_scheduler_or_its_programs() -> None:
    offending = [
        f"{rel}:{line}: {name}"
        for rel, line, name in _scheduler_identifiers()
        if (rel, name) not in ALLOWED_IDENTIFIERS
    ]
    assert not offending, (
        "a scheduler's own code and facts go in its folder, reached through its record:\n"
        + "\n".join(offending)
    )


#: The array index variables the records set (``SLURM_ARRAY_TASK_ID``...).
INDEX_VARS = frozenset(record.index_var for record in SCHEDULERS.values())


def _forbidden_literal(text: str) -> bool:
    """A scheduler's program (``"qstat"``), or any text holding an index variable."""
    return text.strip().lower() in COMMANDS or any(var in text for var in INDEX_VARS)


def test_no_literal_outside_the_folders_is_a_schedulers_program_or_variable() -> None:
    offending = [
        f"{rel}:{line}: {text!r}"
        for path in _code_files()
        for rel in [path.relative_to(ROOT).as_posix()]
        for line, text in _code_strings(ast.parse(path.read_text(encoding="utf-8")))
        if _forbidden_literal(text)
    ]
    assert not offending, "ask the record (commands, detection, index_var):\n" + "\n".join(
        offending
    )


def test_the_scheduler_word_checks_see_what_they_forbid() -> None:
    assert {"sbatch", "qsub", "qstat", "qacct", "scontrol"} <= COMMANDS
    code = (
        "from hsm.pure.resources_model import pbs_size_bytes\n"
        "VERSION = ('qstat', '--version')\n"
        "def probe(qsub_realpath): return SlurmThing(torque=1)\n"
        "message = locale = local_runner = 1\n"
    )
    assert _words("PBSJobManager") == {"pbs", "job", "manager", "pbsjobmanager"}
    assert _words("qsub_realpath") == {"qsub", "realpath", "qsub_realpath"}
    tree = ast.parse(code)
    named = {name for _, name in _identifiers(tree) if _words(name) & WORDS}
    assert named == {"pbs_size_bytes", "qsub_realpath", "SlurmThing", "torque"}
    assert [text for _, text in _code_strings(tree) if _forbidden_literal(text)] == ["qstat"]
    assert _forbidden_literal('env["HSM_ARRAY_TASK_ID"]') and _forbidden_literal("$SGE_TASK_ID")


def test_the_identifier_allow_list_has_no_stale_entries() -> None:
    used = {(rel, name) for rel, _, name in _scheduler_identifiers()}
    # (LocalJobManager and LOCAL are allowed too, but name no scheduler word.)
    needed = {(rel, name) for rel, name in ALLOWED_IDENTIFIERS if _words(name) & WORDS}
    assert ("hsm/hpc.py", "SlurmJobManager") in needed
    assert needed <= used, needed - used


def test_the_allow_list_has_no_stale_entries() -> None:
    used = {(rel, value.lower()) for rel, _, value in _named_literals()}
    assert set(ALLOWED) <= used, set(ALLOWED) - used


def test_templates_live_in_the_folders() -> None:
    assert not (HSM / "templates").exists()
    for scheduler in SCHEDULERS.values():
        template = FOLDERS / scheduler.template
        assert template.is_file(), scheduler.template
        assert template.parent.parent == FOLDERS, "a template belongs in its folder"


@pytest.mark.parametrize("key", sorted(SCHEDULERS))
def test_registry_keys_match_their_records(key: str) -> None:
    record = SCHEDULERS[key]
    assert isinstance(record, Scheduler)
    assert record.key == key
    assert scheduler_for(key).unwrap() is record
    assert key in SYSTEMS and record.name in SYSTEMS


@pytest.mark.parametrize("key", sorted(SCHEDULERS))
def test_each_record_comes_from_its_own_folder(key: str) -> None:
    record = SCHEDULERS[key]
    folder = record.template.split("/")[0]
    for value in (record.array_log_name, record.task_log_name, record.task_id):
        module = value.__module__
        assert module.startswith(f"hsm.pure.schedulers.{folder}"), (key, module)
    if record.commands is not None:
        assert record.commands.submit_argv.__module__.startswith(f"hsm.pure.schedulers.{folder}")


def test_index_variables_and_array_flags_differ() -> None:
    records = list(SCHEDULERS.values())
    assert len({r.index_var for r in records}) == len(records)
    batch = [r for r in records if r.commands is not None]
    assert len({(r.array_flag, r.index_var) for r in batch}) == len(batch)
