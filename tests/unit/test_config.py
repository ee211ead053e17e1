"""Config structures, strict structuring errors with paths, and layer precedence."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from returns.result import Failure, Success

from hsm.pure.config import (
    LEAVES,
    ArrayLimit,
    Config,
    HPCConfig,
    SystemName,
    parse_config,
    section_extra,
    section_leaves,
    section_settings,
)
from hsm.pure.config_layers import ENV_VARS, FLAGS, env_overrides, env_warnings, resolve_config
from hsm.pure.errors import ConfigError
from hsm.pure.schedulers import LOCAL, PBSPRO, SGE, SLURM, TORQUE
from hsm.pure.schedulers.pbs.section import PBSOptions
from hsm.pure.schedulers.slurm.section import SlurmOptions

DEFAULTS = Config()


def ok(data: Any, source: str = "hsm.yaml") -> Config:
    result = parse_config(data, source)
    assert isinstance(result, Success), result
    return result.unwrap()


def err(data: Any, source: str = "hsm.yaml") -> ConfigError:
    result = parse_config(data, source)
    assert isinstance(result, Failure), result
    return result.failure()


# --------------------------------------------------------------------------- defaults


def test_builtin_defaults_match_the_documented_ones() -> None:
    hpc = DEFAULTS.hpc
    assert hpc.default_walltime == "04:00:00"
    assert hpc.default_resources == ""
    assert hpc.python_interpreter == "python"
    assert hpc.system == "auto"
    assert hpc.max_array_size is None
    assert hpc.setup == ()
    assert hpc.pbs == PBSOptions(queue=None, account=None)
    assert hpc.slurm == SlurmOptions(partition=None, account=None)


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "{}", "hpc:\n", "hpc: {}\n", "hpc:\n  pbs:\n  slurm:\n"],
    ids=["empty", "comment", "empty-map", "null-hpc", "empty-hpc", "null-sections"],
)
def test_empty_files_and_sections_give_defaults(text: str) -> None:
    assert ok(yaml.safe_load(text)) == DEFAULTS


def test_full_file_structures_every_field() -> None:
    text = """
hpc:
  default_walltime: "12:00:00"
  default_resources: "select=1:ncpus=4:mem=16gb"
  python_interpreter: /opt/venv/bin/python
  system: PBSPro
  max_array_size: 500
  setup:
    - module load cuda/12
    - source ~/venv/bin/activate
  pbs: {queue: gpu, account: proj1}
  slurm: {partition: short, account: proj2}
"""
    assert ok(yaml.safe_load(text)) == Config(
        hpc=HPCConfig(
            default_walltime="12:00:00",
            default_resources="select=1:ncpus=4:mem=16gb",
            python_interpreter="/opt/venv/bin/python",
            system=SystemName("pbspro"),
            max_array_size=ArrayLimit(500),
            setup=("module load cuda/12", "source ~/venv/bin/activate"),
            pbs=PBSOptions(queue="gpu", account="proj1"),
            slurm=SlurmOptions(partition="short", account="proj2"),
        )
    )


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("auto", "auto"),
        ("SLURM", "slurm"),
        (" pbs ", "pbs"),
        ("Torque", "torque"),
        ("local", "local"),
    ],
)
def test_system_is_case_insensitive(given: str, stored: str) -> None:
    assert ok({"hpc": {"system": given}}).hpc.system == stored


def test_null_setup_means_no_lines() -> None:
    assert ok({"hpc": {"setup": None}}).hpc.setup == ()


def test_extra_lines_are_structured_per_section() -> None:
    text = """
hpc:
  slurm:
    extra: ["--gpu-freq=high", "--mail-type=END"]
  pbs:
    extra:
      - -W umask=022
"""
    hpc = ok(yaml.safe_load(text)).hpc
    assert hpc.slurm.extra == ("--gpu-freq=high", "--mail-type=END")
    assert hpc.pbs.extra == ("-W umask=022",)
    assert ok({"hpc": {"slurm": {"extra": None}}}).hpc.slurm.extra == ()


def test_section_extra_reads_the_schedulers_own_section() -> None:
    hpc = ok({"hpc": {"slurm": {"extra": ["--qos=long"]}, "pbs": {"extra": ["-m ae"]}}}).hpc
    assert section_extra(hpc, SLURM.config_section) == ("--qos=long",)
    assert section_extra(hpc, PBSPRO.config_section) == ("-m ae",)
    assert section_extra(hpc, TORQUE.config_section) == ("-m ae",)
    assert section_extra(hpc, LOCAL.config_section) == ()
    # queue and account are still what section_settings / section_leaves report
    assert section_settings(hpc, SLURM.config_section) == (None, None)
    assert all(not leaf.endswith(".extra") for leaf, _ in section_leaves(hpc))


def test_grid_engine_reads_its_own_section() -> None:
    text = """
hpc:
  pbs: {queue: workq, account: pbsacct, extra: ["-W umask=022"]}
  sge:
    queue: all.q@node1
    account: geacct
    extra:
      - -P proj
      - -l gpu=1
"""
    hpc = ok(yaml.safe_load(text)).hpc
    assert section_settings(hpc, SGE.config_section) == ("all.q@node1", "geacct")
    assert section_extra(hpc, SGE.config_section) == ("-P proj", "-l gpu=1")
    # Grid Engine no longer borrows the PBS section, nor PBS its own
    assert section_settings(hpc, PBSPRO.config_section) == ("workq", "pbsacct")
    assert section_settings(ok({"hpc": {"pbs": {"queue": "q"}}}).hpc, SGE.config_section) == (
        None,
        None,
    )
    assert ("hpc.sge.queue", "all.q@node1") in section_leaves(hpc)
    assert ("hpc.sge.account", "geacct") in section_leaves(hpc)


@pytest.mark.parametrize(
    ("environ", "flags", "leaf", "value"),
    [
        ({"HSM_HPC_QUEUE": "all.q"}, {}, "hpc.sge.queue", "all.q"),
        ({"HSM_HPC_ACCOUNT": "a"}, {}, "hpc.sge.account", "a"),
        ({}, {"queue": "long.q"}, "hpc.sge.queue", "long.q"),
        ({}, {"account": "b"}, "hpc.sge.account", "b"),
    ],
)
def test_queue_and_account_flags_reach_grid_engine(
    environ: dict[str, str], flags: dict[str, str], leaf: str, value: str
) -> None:
    resolved = resolve_config(DEFAULTS, [], environ, flags).unwrap()
    assert resolved.value_of(leaf) == value


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        ({"hpc": {"sge": {"partition": "p"}}}, "$.hpc.sge.partition", "unknown key"),
        ({"hpc": {"sge": {"extra": "-P p"}}}, "$.hpc.sge.extra", ""),
        ({"hpc": {"sge": "all.q"}}, "$.hpc.sge", "expected a mapping"),
    ],
)
def test_grid_engine_section_errors(data: dict[str, Any], path: str, words: str) -> None:
    result = parse_config(data, "x.yaml")
    assert isinstance(result, Failure), result
    assert path in str(result.failure())
    assert words in str(result.failure())


def test_a_later_layer_replaces_extra_lines() -> None:
    files = [
        ("hsm.yaml", {"hpc": {"slurm": {"extra": ["--qos=long", "--comment=a"]}}}),
        ("sweep.yaml", {"hpc": {"slurm": {"extra": ["--qos=short"]}}}),
    ]
    resolved = resolve_config(DEFAULTS, files, {}, {}).unwrap()
    assert resolved.config.hpc.slurm.extra == ("--qos=short",)
    assert resolved.sources["hpc.slurm.extra"] == "file:sweep.yaml"


def test_walltime_syntax_is_not_checked_here() -> None:
    assert ok({"hpc": {"default_walltime": "banana"}}).hpc.default_walltime == "banana"


# --------------------------------------------------------------------------- errors

ERROR_CASES = [
    # (id, data, path, words the message must contain)
    (
        "typo-leaf",
        {"hpc": {"defualt_walltime": "1:00:00"}},
        "$.hpc.defualt_walltime",
        ["unknown key 'defualt_walltime'", "did you mean default_walltime?"],
    ),
    ("typo-section", {"hcp": {}}, "$.hcp", ["unknown key 'hcp'", "did you mean hpc?"]),
    ("typo-pbs", {"hpc": {"pbs": {"queu": "q"}}}, "$.hpc.pbs.queu", ["did you mean queue?"]),
    (
        "typo-slurm",
        {"hpc": {"slurm": {"partiton": "p"}}},
        "$.hpc.slurm.partiton",
        ["did you mean partition?"],
    ),
    (
        "far-typo",
        {"hpc": {"xyzzy": 1}},
        "$.hpc.xyzzy",
        ["unknown key 'xyzzy'", "valid keys: default_walltime"],
    ),
    (
        "yaml-bool-key",
        yaml.safe_load("hpc:\n  yes: 1\n"),
        "$.hpc.True",
        ["unknown key 'True'", "yes/no/on/off"],
    ),
    (
        "slurm-key-in-pbs",
        {"hpc": {"pbs": {"partition": "p"}}},
        "$.hpc.pbs.partition",
        ["unknown key 'partition'"],
    ),
    (
        "walltime-number",
        yaml.safe_load("hpc:\n  default_walltime: 4:00:00\n"),
        "$.hpc.default_walltime",
        ["expected text", "14400", "quote it"],
    ),
    (
        "walltime-null",
        {"hpc": {"default_walltime": None}},
        "$.hpc.default_walltime",
        ["expected text, got null"],
    ),
    (
        "resources-list",
        {"hpc": {"default_resources": ["a"]}},
        "$.hpc.default_resources",
        ["expected text, got a list"],
    ),
    (
        "python-bool",
        {"hpc": {"python_interpreter": True}},
        "$.hpc.python_interpreter",
        ["got a boolean (true)"],
    ),
    (
        "system-typo",
        {"hpc": {"system": "slrum"}},
        "$.hpc.system",
        ["unknown system 'slrum'", "did you mean slurm?"],
    ),
    ("system-lsf", {"hpc": {"system": "lsf"}}, "$.hpc.system", ["unknown system 'lsf'"]),
    ("system-number", {"hpc": {"system": 1}}, "$.hpc.system", ["expected text"]),
    ("array-zero", {"hpc": {"max_array_size": 0}}, "$.hpc.max_array_size", ["positive"]),
    (
        "array-text",
        {"hpc": {"max_array_size": "100"}},
        "$.hpc.max_array_size",
        ["expected a whole number"],
    ),
    ("array-bool", {"hpc": {"max_array_size": True}}, "$.hpc.max_array_size", ["boolean"]),
    (
        "array-float",
        {"hpc": {"max_array_size": 1.5}},
        "$.hpc.max_array_size",
        ["expected a whole number"],
    ),
    (
        "setup-string",
        {"hpc": {"setup": "module load x"}},
        "$.hpc.setup",
        ["expected a list of shell lines"],
    ),
    ("setup-item", {"hpc": {"setup": ["ok", 3]}}, "$.hpc.setup[1]", ["expected text"]),
    (
        "extra-string",
        {"hpc": {"slurm": {"extra": "--qos=long"}}},
        "$.hpc.slurm.extra",
        ["expected a list of directive lines"],
    ),
    ("extra-item", {"hpc": {"pbs": {"extra": ["-m ae", 3]}}}, "$.hpc.pbs.extra[1]", ["text"]),
    (
        "extra-newline",
        {"hpc": {"slurm": {"extra": ["--qos=x\n#SBATCH --wrap=rm"]}}},
        "$.hpc.slurm.extra[0]",
        ["one line", "U+000A"],
    ),
    (
        "extra-nul",
        {"hpc": {"pbs": {"extra": ["-m ae\x00"]}}},
        "$.hpc.pbs.extra[0]",
        ["one line", "U+0000"],
    ),
    (
        "extra-typo",
        {"hpc": {"slurm": {"extras": []}}},
        "$.hpc.slurm.extras",
        ["did you mean extra"],
    ),
    ("hpc-scalar", {"hpc": 3}, "$.hpc", ["expected a mapping of settings"]),
    ("pbs-list", {"hpc": {"pbs": ["q"]}}, "$.hpc.pbs", ["expected a mapping of settings"]),
    ("queue-number", {"hpc": {"pbs": {"queue": 7}}}, "$.hpc.pbs.queue", ["expected text"]),
    ("top-list", ["hpc"], "$", ["expected a mapping with an 'hpc' section"]),
    ("top-scalar", "hpc", "$", ["expected a mapping"]),
]


@pytest.mark.parametrize(
    ("data", "path", "words"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_errors_name_the_source_the_problem_and_the_path(
    data: Any, path: str, words: list[str]
) -> None:
    error = err(data, "site.yaml")
    assert error.path == path
    assert error.message.startswith("site.yaml: ")
    for word in words:
        assert word in error.message
    assert str(error).endswith(f" @ {path}")


def test_several_problems_are_reported_together() -> None:
    error = err({"hpc": {"xyzzy": 1, "default_walltime": 5, "pbs": {"queu": "q"}}})
    assert error.message.startswith("hsm.yaml: 3 problems: ")
    for path in ("$.hpc.xyzzy", "$.hpc.default_walltime", "$.hpc.pbs.queu"):
        assert f"@ {path}" in error.message


# --------------------------------------------------------------------------- environment

ENV_CASES = [
    ("none", {}, {}),
    ("others-ignored", {"HOME": "/h", "PATH": "/bin", "HSM_OTHER": "x"}, {}),
    ("walltime", {"HSM_HPC_WALLTIME": "1:00:00"}, {"hpc": {"default_walltime": "1:00:00"}}),
    ("resources", {"HSM_HPC_RESOURCES": "--mem=4G"}, {"hpc": {"default_resources": "--mem=4G"}}),
    ("system", {"HSM_HPC_SYSTEM": "slurm"}, {"hpc": {"system": "slurm"}}),
    ("python", {"HSM_HPC_PYTHON": "python3"}, {"hpc": {"python_interpreter": "python3"}}),
    (
        "queue",
        {"HSM_HPC_QUEUE": "gpu"},
        {"hpc": {"pbs": {"queue": "gpu"}, "sge": {"queue": "gpu"}}},
    ),
    ("partition", {"HSM_HPC_PARTITION": "short"}, {"hpc": {"slurm": {"partition": "short"}}}),
    (
        "account-both",
        {"HSM_HPC_ACCOUNT": "p1"},
        {"hpc": {"pbs": {"account": "p1"}, "slurm": {"account": "p1"}, "sge": {"account": "p1"}}},
    ),
    ("empty-ignored", {"HSM_HPC_WALLTIME": "", "HSM_HPC_SYSTEM": "  "}, {}),
]


@pytest.mark.parametrize(
    ("environ", "expected"), [c[1:] for c in ENV_CASES], ids=[c[0] for c in ENV_CASES]
)
def test_env_overrides(environ: dict[str, str], expected: dict[str, Any]) -> None:
    assert env_overrides(environ) == expected


def test_env_warnings_flag_unknown_hsm_variables_only() -> None:
    warnings = env_warnings(
        {"HSM_HPC_WALLTIM": "1", "HSM_HPC_WALLTIME": "1", "HSM_HPC_ZZZ": "1", "HOME": "/"}
    )
    assert warnings == (
        "HSM_HPC_WALLTIM is not an hsm variable and is ignored; did you mean HSM_HPC_WALLTIME?",
        "HSM_HPC_ZZZ is not an hsm variable and is ignored",
    )


def test_every_env_var_and_flag_targets_a_real_leaf() -> None:
    for leaves in [*ENV_VARS.values(), *FLAGS.values()]:
        assert set(leaves) <= set(LEAVES)


def test_the_sections_flags_and_variables_are_the_documented_ones() -> None:
    """Built from the scheduler folders' sections, they are what the README's table says."""
    assert dict(ENV_VARS) == {
        "HSM_HPC_WALLTIME": ("hpc.default_walltime",),
        "HSM_HPC_RESOURCES": ("hpc.default_resources",),
        "HSM_HPC_SYSTEM": ("hpc.system",),
        "HSM_HPC_PYTHON": ("hpc.python_interpreter",),
        "HSM_HPC_QUEUE": ("hpc.pbs.queue", "hpc.sge.queue"),
        "HSM_HPC_PARTITION": ("hpc.slurm.partition",),
        "HSM_HPC_ACCOUNT": ("hpc.pbs.account", "hpc.slurm.account", "hpc.sge.account"),
    }
    assert dict(FLAGS) == {
        "walltime": ("hpc.default_walltime",),
        "resources": ("hpc.default_resources",),
        "system": ("hpc.system",),
        "python": ("hpc.python_interpreter",),
        "queue": ("hpc.pbs.queue", "hpc.sge.queue"),
        "partition": ("hpc.slurm.partition",),
        "account": ("hpc.pbs.account", "hpc.slurm.account", "hpc.sge.account"),
        "max-array-size": ("hpc.max_array_size",),
        "max-queued": ("hpc.max_queued",),
        "retries": ("hpc.retries",),
    }


def test_hpc_config_has_one_field_per_section_after_its_own() -> None:
    import attrs

    names = [field.name for field in attrs.fields(HPCConfig)]
    assert names[-3:] == ["pbs", "slurm", "sge"]
    assert HPCConfig.__name__ == "HPCConfig" and HPCConfig.__module__ == "hsm.pure.config"
    assert HPCConfig(pbs=PBSOptions(queue="q")) == ok({"hpc": {"pbs": {"queue": "q"}}}).hpc
    assert HPCConfig.__doc__ and "``hpc``" in HPCConfig.__doc__


# --------------------------------------------------------------------------- precedence

FILE_A = (
    "/etc/hsm.yaml",
    {
        "hpc": {
            "default_walltime": "01:00:00",
            "system": "pbs",
            "pbs": {"queue": "workq", "account": "site"},
        }
    },
)
FILE_B = ("./hsm.yaml", {"hpc": {"default_walltime": "02:00:00", "pbs": {"queue": "gpu"}}})

PRECEDENCE_CASES = [
    # (id, files, environ, flags, leaf, value, source)
    ("default", [], {}, {}, "hpc.default_walltime", "04:00:00", "default"),
    ("file", [FILE_A], {}, {}, "hpc.default_walltime", "01:00:00", "file:/etc/hsm.yaml"),
    ("later-file", [FILE_A, FILE_B], {}, {}, "hpc.default_walltime", "02:00:00", "file:./hsm.yaml"),
    (
        "deep-merge-keeps-sibling",
        [FILE_A, FILE_B],
        {},
        {},
        "hpc.pbs.account",
        "site",
        "file:/etc/hsm.yaml",
    ),
    ("deep-merge-overrides", [FILE_A, FILE_B], {}, {}, "hpc.pbs.queue", "gpu", "file:./hsm.yaml"),
    ("earlier-file-only-key", [FILE_A, FILE_B], {}, {}, "hpc.system", "pbs", "file:/etc/hsm.yaml"),
    (
        "env-over-file",
        [FILE_A, FILE_B],
        {"HSM_HPC_WALLTIME": "03:00:00"},
        {},
        "hpc.default_walltime",
        "03:00:00",
        "env:HSM_HPC_WALLTIME",
    ),
    (
        "empty-env-ignored",
        [FILE_A],
        {"HSM_HPC_WALLTIME": ""},
        {},
        "hpc.default_walltime",
        "01:00:00",
        "file:/etc/hsm.yaml",
    ),
    (
        "flag-over-env",
        [FILE_A],
        {"HSM_HPC_WALLTIME": "03:00:00"},
        {"walltime": "00:10:00"},
        "hpc.default_walltime",
        "00:10:00",
        "flag:--walltime",
    ),
    (
        "flag-dashes",
        [],
        {},
        {"--walltime": "00:10:00"},
        "hpc.default_walltime",
        "00:10:00",
        "flag:--walltime",
    ),
    (
        "flag-none-not-given",
        [FILE_A],
        {"HSM_HPC_WALLTIME": "03:00:00"},
        {"walltime": None},
        "hpc.default_walltime",
        "03:00:00",
        "env:HSM_HPC_WALLTIME",
    ),
    (
        "flag-empty-applies",
        [],
        {"HSM_HPC_RESOURCES": "--mem=4G"},
        {"resources": ""},
        "hpc.default_resources",
        "",
        "flag:--resources",
    ),
    (
        "system-env-over-file",
        [FILE_A],
        {"HSM_HPC_SYSTEM": "Slurm"},
        {},
        "hpc.system",
        "slurm",
        "env:HSM_HPC_SYSTEM",
    ),
    (
        "system-flag-auto-over-env",
        [],
        {"HSM_HPC_SYSTEM": "slurm"},
        {"system": "auto"},
        "hpc.system",
        "auto",
        "flag:--system",
    ),
    (
        "account-env-pbs",
        [FILE_A],
        {"HSM_HPC_ACCOUNT": "mine"},
        {},
        "hpc.pbs.account",
        "mine",
        "env:HSM_HPC_ACCOUNT",
    ),
    (
        "account-flag-slurm",
        [],
        {"HSM_HPC_ACCOUNT": "mine"},
        {"account": "other"},
        "hpc.slurm.account",
        "other",
        "flag:--account",
    ),
    (
        "max-array-flag-text",
        [],
        {},
        {"max_array_size": "250"},
        "hpc.max_array_size",
        250,
        "flag:--max-array-size",
    ),
    (
        "max-array-flag-int",
        [],
        {},
        {"max-array-size": 250},
        "hpc.max_array_size",
        250,
        "flag:--max-array-size",
    ),
    (
        "null-section-keeps-earlier",
        [FILE_A, ("b.yaml", {"hpc": {"pbs": None}})],
        {},
        {},
        "hpc.pbs.queue",
        "workq",
        "file:/etc/hsm.yaml",
    ),
    (
        "null-array-limit-clears",
        [
            ("a.yaml", {"hpc": {"max_array_size": 10}}),
            ("b.yaml", {"hpc": {"max_array_size": None}}),
        ],
        {},
        {},
        "hpc.max_array_size",
        None,
        "file:b.yaml",
    ),
    (
        "list-replaced-not-merged",
        [("a.yaml", {"hpc": {"setup": ["a", "b"]}}), ("b.yaml", {"hpc": {"setup": ["c"]}})],
        {},
        {},
        "hpc.setup",
        ("c",),
        "file:b.yaml",
    ),
    ("empty-file", [("empty.yaml", None)], {}, {}, "hpc.system", "auto", "default"),
]


@pytest.mark.parametrize(
    ("files", "environ", "flags", "leaf", "value", "source"),
    [c[1:] for c in PRECEDENCE_CASES],
    ids=[c[0] for c in PRECEDENCE_CASES],
)
def test_precedence_and_sources(
    files: list[tuple[str, Any]],
    environ: dict[str, str],
    flags: dict[str, Any],
    leaf: str,
    value: object,
    source: str,
) -> None:
    resolved = resolve_config(DEFAULTS, files, environ, flags).unwrap()
    assert resolved.value_of(leaf) == value
    assert resolved.sources[leaf] == source


def test_rows_cover_every_leaf_in_file_order() -> None:
    resolved = resolve_config(DEFAULTS, [FILE_A], {"HSM_HPC_PARTITION": "p"}, {}).unwrap()
    rows = resolved.rows()
    assert [leaf for leaf, _, _ in rows] == list(LEAVES)
    assert LEAVES == (
        "hpc.default_walltime",
        "hpc.default_resources",
        "hpc.python_interpreter",
        "hpc.system",
        "hpc.max_array_size",
        "hpc.max_queued",
        "hpc.retries",
        "hpc.setup",
        "hpc.pbs.queue",
        "hpc.pbs.account",
        "hpc.pbs.extra",
        "hpc.slurm.partition",
        "hpc.slurm.account",
        "hpc.slurm.extra",
        "hpc.sge.queue",
        "hpc.sge.account",
        "hpc.sge.extra",
    )
    assert ("hpc.slurm.partition", "p", "env:HSM_HPC_PARTITION") in rows
    assert ("hpc.python_interpreter", "python", "default") in rows


def test_custom_defaults_are_labelled_default() -> None:
    base = Config(hpc=HPCConfig(default_walltime="00:30:00"))
    resolved = resolve_config(base, [], {}, {}).unwrap()
    assert resolved.config == base
    assert set(resolved.sources.values()) == {"default"}


RESOLVE_ERRORS = [
    # (id, files, environ, flags, path, words)
    (
        "second-file-typo",
        [FILE_A, ("./hsm.yaml", {"hpc": {"sytem": "pbs"}})],
        {},
        {},
        "$.hpc.sytem",
        ["./hsm.yaml: unknown key 'sytem'", "did you mean system?"],
    ),
    ("file-not-mapping", [("x.yaml", ["a"])], {}, {}, "$", ["x.yaml: expected a mapping"]),
    (
        "env-system",
        [],
        {"HSM_HPC_SYSTEM": "slrum"},
        {},
        "$.hpc.system",
        ["environment variable HSM_HPC_SYSTEM: unknown system 'slrum'", "did you mean slurm?"],
    ),
    (
        "flag-system",
        [],
        {},
        {"system": "pbs-pro"},
        "$.hpc.system",
        ["option --system: unknown system 'pbs-pro'"],
    ),
    (
        "flag-type",
        [],
        {},
        {"walltime": 3600},
        "$.hpc.default_walltime",
        ["option --walltime: expected text"],
    ),
    (
        "flag-array-zero",
        [],
        {},
        {"max_array_size": "0"},
        "$.hpc.max_array_size",
        ["option --max-array-size", "positive"],
    ),
    (
        "flag-array-junk",
        [],
        {},
        {"max_array_size": "lots"},
        "$.hpc.max_array_size",
        ["option --max-array-size", "whole number"],
    ),
    (
        "unknown-flag",
        [],
        {},
        {"wlltime": "1:00:00"},
        "",
        ["unknown option --wlltime", "did you mean walltime?"],
    ),
]


@pytest.mark.parametrize(
    ("files", "environ", "flags", "path", "words"),
    [c[1:] for c in RESOLVE_ERRORS],
    ids=[c[0] for c in RESOLVE_ERRORS],
)
def test_resolve_errors_name_the_layer(
    files: list[tuple[str, Any]],
    environ: dict[str, str],
    flags: dict[str, Any],
    path: str,
    words: list[str],
) -> None:
    result = resolve_config(DEFAULTS, files, environ, flags)
    assert isinstance(result, Failure), result
    error = result.failure()
    assert error.path == path
    for word in words:
        assert word in error.message


def test_resolve_is_pure_with_respect_to_its_inputs() -> None:
    data = {"hpc": {"pbs": {"queue": "q"}}}
    environ = {"HSM_HPC_QUEUE": "gpu"}
    resolve_config(DEFAULTS, [("a.yaml", data)], environ, {"queue": "x"}).unwrap()
    assert data == {"hpc": {"pbs": {"queue": "q"}}}
    assert environ == {"HSM_HPC_QUEUE": "gpu"}


def test_quoting_hint_only_where_text_was_expected() -> None:
    assert "quote it" not in err({"hpc": {"max_array_size": 1.5}}).message
    assert "quote it" in err({"hpc": {"pbs": {"queue": 7}}}).message
