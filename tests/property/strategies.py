"""Shared hypothesis strategies for hsm's property tests.

Strategy: generate what a user can put in a sweep file -- YAML-shaped values and
mappings -- biased towards the text that breaks quoting (quotes, backslashes, ``$``,
backticks, separators, keywords that look like other types, newlines, unicode).  Every
string these strategies produce can travel in an argv element (no NUL, no lone
surrogates); :func:`unrepresentable_strings` gives the ones that cannot.

Strategy factories are cached, so calling them inside ``@st.composite`` costs nothing.
Import from here rather than redefining strategies in test modules::

    from tests.property.strategies import hostile_strings, param_values, sweep_specs
"""

from __future__ import annotations

import functools
import itertools
import json
import string
from typing import Any

from hypothesis import strategies as st

#: Fragments that have tripped real quoting code: shell and Hydra metacharacters,
#: escapes, interpolations, and words that parse as another type when unquoted.
HOSTILE_FRAGMENTS = (
    "'",
    '"',
    "\\",
    "\\\\",
    "\\'",
    '\\"',
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    ",",
    "=",
    ":",
    "[",
    "]",
    "{",
    "}",
    "(",
    ")",
    "$",
    "${x}",
    "${oc.env:HOME}",
    "$HOME",
    "$(id)",
    "`id`",
    ";",
    "; echo pwned",
    "|",
    "&",
    "<",
    ">",
    "!",
    "#",
    "*",
    "?",
    "~",
    "%",
    "@",
    "+",
    "-",
    "--",
    "-n",
    ".",
    "/",
    "true",
    "False",
    "null",
    "NULL",
    "1",
    "-1",
    "1e3",
    "1_000",
    ".5",
    "inf",
    "-inf",
    "nan",
    "0x10",
    "é",
    "漢字",
    "🎉",
    "\u2028",
    "\x7f",
    "\x1b[31m",
)

#: Whole values that are easy to get wrong.
HOSTILE_WORDS = (
    "",
    " ",
    "a b",
    " lead",
    "trail ",
    "'",
    '"',
    "\\",
    "it's",
    "a\\",
    "a\\'b",
    "${x}",
    "a,b",
    "[1,2]",
    "{a:1}",
    "x=y",
    "true",
    "TRUE",
    "null",
    "1",
    "1.0",
    "1e3",
    "inf",
    "nan",
    "-",
    "/",
    ".",
    "a\nb",
    "é ü 漢字 🎉",
    "lr=0.1; rm -rf /",
)

_ARGV_CHARS = st.characters(codec="utf-8", exclude_characters="\x00")  # no lone surrogates


@functools.cache
def hostile_strings(max_size: int = 30) -> st.SearchStrategy[str]:
    """Text that can be an argv element (no NUL, no lone surrogates), biased to break quoting."""
    fragments = st.one_of(st.sampled_from(HOSTILE_FRAGMENTS), st.text(_ARGV_CHARS, max_size=4))
    return st.one_of(
        st.sampled_from(HOSTILE_WORDS),
        st.lists(fragments, max_size=6).map("".join).filter(lambda s: len(s) <= max_size),
        st.text(_ARGV_CHARS, max_size=max_size),
    )


@functools.cache
def unrepresentable_strings() -> st.SearchStrategy[str]:
    """Text no argv element can carry: it holds a NUL or a lone surrogate."""
    bad = st.sampled_from(["\x00", "\ud800", "\udfff", "\udc80"])
    return st.tuples(hostile_strings(8), bad, hostile_strings(8)).map("".join)


_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_REST = _FIRST + "0123456789"


def _word(rest: str, max_size: int) -> st.SearchStrategy[str]:
    return st.builds(
        "".join, st.tuples(st.sampled_from(_FIRST), st.text(rest, max_size=max_size - 1))
    )


@functools.cache
def identifiers() -> st.SearchStrategy[str]:
    """Plain names (``lr``, ``max-len``, ``_x1``), never a Hydra keyword."""
    return _word(_REST + "-", 9).filter(
        lambda s: s.lower() not in {"true", "false", "null", "inf", "nan"}
    )


@functools.cache
def param_names(max_depth: int = 3) -> st.SearchStrategy[str]:
    """Dotted Hydra parameter names: ``lr``, ``model.lr``, ``optim.adam.beta_1``."""
    return st.lists(_word(_REST, 7), min_size=1, max_size=max_depth).map(".".join)


@functools.cache
def scalar_values() -> st.SearchStrategy[Any]:
    """YAML scalars: None, bools, ints, floats (including inf/nan/-0.0), hostile text."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        hostile_strings(),
    )


@functools.cache
def param_values(*, dicts: bool = False, max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """A sweep value: a scalar or (nested) lists of them; with ``dicts``, also mappings."""

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        lists = st.lists(children, max_size=4)
        if not dicts:
            return lists
        return lists | st.dictionaries(identifiers(), children, max_size=3)

    return st.recursive(scalar_values(), extend, max_leaves=max_leaves)


def value_identity(value: Any) -> str:
    """Identity used to keep generated values distinct: type-aware (``1`` vs ``True``)."""
    return repr(value)


@functools.cache
def _distinct_values(min_size: int, max_size: int) -> st.SearchStrategy[list[Any]]:
    return st.lists(
        param_values(max_leaves=3), min_size=min_size, max_size=max_size, unique_by=value_identity
    )


def _point_identity(point: dict[str, Any]) -> frozenset[tuple[str, str]]:
    return frozenset((k, value_identity(v)) for k, v in point.items())


@st.composite
def sweep_specs(
    draw: st.DrawFn,
    *,
    max_axes: int = 3,
    max_axis_len: int = 4,
    max_groups: int = 2,
    max_combinations: int = 3,
) -> dict[str, Any]:
    """A valid sweep mapping as loaded from YAML (dotted names, distinct values).

    Names are unique across ``grid`` and ``paired``; paired rows are distinct; each
    combination, once completed with the constants (:func:`completed`), differs from the
    others and from every product point.  Keys that end up empty are left out, and the
    sweep always has at least one point.
    """
    n_axes = draw(st.integers(0, max_axes))
    group_sizes = draw(st.lists(st.integers(1, 3), max_size=max_groups))
    count = n_axes + sum(group_sizes)
    # A numeric suffix keeps names unique without rejection sampling.
    names = [
        f"{base}_{i}"
        for i, base in enumerate(draw(st.lists(param_names(), min_size=count, max_size=count)))
    ]
    spec: dict[str, Any] = {}
    grid = {name: draw(_distinct_values(1, max_axis_len)) for name in names[:n_axes]}
    if grid:
        spec["grid"] = grid
    groups = []
    start = n_axes
    for size in group_sizes:
        rows = draw(
            st.lists(
                st.tuples(*[param_values(max_leaves=3)] * size),
                min_size=1,
                max_size=max_axis_len,
                unique_by=value_identity,
            )
        )
        group_names = names[start : start + size]
        start += size
        groups.append({n: [row[i] for row in rows] for i, n in enumerate(group_names)})
    if groups:
        spec["paired"] = groups
    product = {_point_identity(p) for p in expected_points({**spec, "combinations": []})}
    drawn = draw(
        st.lists(
            st.dictionaries(param_names(), param_values(max_leaves=3), max_size=3),
            min_size=0 if product else 1,
            max_size=max_combinations,
        )
    )
    combos = []
    taken = set(product)
    for combo in drawn:
        identity = _point_identity(completed(combo, spec))
        if identity not in taken:
            taken.add(identity)
            combos.append(combo)
    if combos:
        spec["combinations"] = combos
    if not product and not combos:
        spec["combinations"] = [{"only": 1}]
    return spec


def constants(spec: dict[str, Any]) -> list[tuple[str, Any]]:
    """The single-valued parameters of a flat sweep mapping: one-value grid axes and
    one-row paired groups, in factor order."""
    found = [(name, vs[0]) for name, vs in (spec.get("grid") or {}).items() if len(vs) == 1]
    for group in spec.get("paired") or []:
        if len(next(iter(group.values()))) == 1:
            found += [(name, vs[0]) for name, vs in group.items()]
    return found


def completed(combo: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """A combination's own items, then the constants it does not set."""
    return {**combo, **{name: v for name, v in constants(spec) if name not in combo}}


def expected_points(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The points of a flat (dotted-name) sweep mapping, computed the obvious way.

    Grid axes then paired groups, last varying fastest, then the combinations appended,
    each completed with the constants it does not set.
    """
    axes: list[list[list[tuple[str, Any]]]] = [
        [[(name, v)] for v in values] for name, values in (spec.get("grid") or {}).items()
    ]
    for group in spec.get("paired") or []:
        columns = [[(name, v) for v in values] for name, values in group.items()]
        axes.append([list(row) for row in zip(*columns)])
    points = (
        [dict(itertools.chain.from_iterable(combo)) for combo in itertools.product(*axes)]
        if axes
        else []
    )
    return points + [completed(c, spec) for c in spec.get("combinations") or []]


# -- scheduler output: valid job entries, and the junk real polls carry among them --------
#
# Each strategy gives the text of one job's entry exactly as the scheduler prints it
# (a squeue/sacct line, a qstat -f block, a qstat -F json entry), parsed alone or among
# junk by the parser laws in test_parser_laws.py.  Valid entries use ids from one space
# (Slurm 1..99999, PBS ``N.srv``), junk from another (Slurm >= 10**7, PBS ``N.junk``), so
# junk only says something about a valid job by accident -- and the laws drop such junk.

VALID_SLURM_BASES = st.integers(1, 99_999)
JUNK_SLURM_BASES = st.integers(10**7, 10**8)

_SLURM_CODES = (
    "PENDING", "PD", "RUNNING", "R", "COMPLETING", "CG", "COMPLETED", "CD", "FAILED", "F",
    "TIMEOUT", "TO", "CANCELLED", "CA", "CANCELLED by 0", "CANCELLED by 1365", "CANCELLED+",
    "OUT_OF_MEMORY", "OUT_OF_ME+", "NODE_FAIL", "PREEMPTED", "SUSPENDED", "REQUEUED",
    "SPECIAL_EXIT", "CONFIGURING", "REVOKED", "EXPEDITING", "running",
)  # fmt: skip
_REASON_TEXT = st.text(string.ascii_letters + string.digits + " ,()_-:.|", max_size=24)
_SLURM_REASONS = st.one_of(
    st.sampled_from(["None", "Resources", "Priority", "JobArrayTaskLimit", "NonZeroExitCode"]),
    _REASON_TEXT,
)


@st.composite
def slurm_ids(draw: st.DrawFn, base: int) -> str:
    """A job, array task or compressed pending range of job ``base``: 12, 12_3, 12_[1-3,7%2]."""
    kind = draw(st.sampled_from(["job", "task", "range"]))
    if kind == "job":
        return str(base)
    if kind == "task":
        return f"{base}_{draw(st.integers(0, 1000))}"
    first = draw(st.integers(0, 50))
    last = first + draw(st.integers(0, 5))
    extra = draw(st.sampled_from(["", f",{last + 2}", f",{last + 2}-{last + 4}"]))
    throttle = draw(st.sampled_from(["", "%2", "%25"]))
    return f"{base}_[{first}-{last}{extra}{throttle}]"


@st.composite
def squeue_lines(draw: st.DrawFn, base: int) -> str:
    """One line of ``squeue --format=%i|%T|%r`` for job ``base``."""
    job_id = draw(slurm_ids(base))
    return f"{job_id}|{draw(st.sampled_from(_SLURM_CODES))}|{draw(_SLURM_REASONS)}\n"


@st.composite
def sacct_records(draw: st.DrawFn, base: int) -> str:
    """``sacct --parsable2 --format=JobID,State,ExitCode,Reason`` lines for job ``base``:
    its allocation line, sometimes followed by step lines (``.batch``, ``.extern``, ``.0``)."""
    job_id = draw(slurm_ids(base))
    exit_code = (
        f"{draw(st.sampled_from([0, 1, 2, 3, 127, 137]))}:{draw(st.sampled_from([0, 0, 9, 15]))}"
    )
    exit_code = draw(st.sampled_from([exit_code, "0:0", ""]))
    reason = draw(st.sampled_from(["", "|None", "|" + draw(_SLURM_REASONS)]))
    text = f"{job_id}|{draw(st.sampled_from(_SLURM_CODES))}|{exit_code}{reason}\n"
    if "[" not in job_id:
        for step in draw(st.lists(st.sampled_from(["batch", "extern", "0", "ext+"]), max_size=2)):
            text += f"{job_id}.{step}|{draw(st.sampled_from(_SLURM_CODES))}|0:0|\n"
    return text


# Junk lines: what a wrapper, a site banner, a cut pipe or another command leaves in a
# poll's output.  Every kind of scheduler output gets these plus its own below.
JUNK_LINES = (
    "",
    "   ",
    "\t",
    "}",
    "*** error from copy",
    "/bin/cp: cannot stat `543984.OU': No such file or directory",
    "Unable to copy file 543984.ER to /some/path/x.e543984",
    "slurm_load_jobs error: Invalid job id specified",
    "qstat: Unknown Job Id 99.srv",
    "<html><body>502 Bad Gateway</body></html>",
    "\ufffd\ufffd\x00squeue%%%",
    "Job Id:",
    "JOBID|STATE|REASON",
    "JobID|State|ExitCode|Reason",
    "{",
    "[1, 2]",
)


@functools.cache
def junk_text() -> st.SearchStrategy[str]:
    """Lines of junk: known troublemakers, blank lines, and random text (any characters)."""
    return st.one_of(
        st.lists(st.sampled_from(JUNK_LINES), min_size=1, max_size=3).map("\n".join),
        st.text(max_size=40),
        st.integers(1, 3).map(lambda n: "\n" * n),
    )


@st.composite
def cut_short(draw: st.DrawFn, text: str) -> str:
    """``text`` cut at some point (as a killed pipe or a full disk leaves it)."""
    return text[: draw(st.integers(0, max(0, len(text) - 1)))]


# -- PBS: qstat -f blocks -----------------------------------------------------------------

_PBS_WORDS = st.text(string.ascii_letters + string.digits + " ,:()=/._-", min_size=1, max_size=90)
_FILLERS = (
    ("Job_Name", "sweep_task_7"),
    ("Job_Owner", "alice@login1.cluster"),
    ("queue", "workq"),
    ("Resource_List.walltime", "04:00:00"),
    ("Resource_List.select", "1:ncpus=4:mpiprocs=4:mem=16gb:job_tags=normal:jobfs=1048576b"),
    ("Output_Path", "login1.cluster:/scratch/alice/sweeps/abc/logs/task_7.o12345"),
    ("ctime", "Wed Jun 17 04:50:46 2026"),
    ("euser", "alice"),
)
# Values with newlines inside, as real servers print them: Torque's sched_hint after a
# failed copy-back (blank lines, column-0 lines) and an exported bash function whose
# closing brace sits at column 0 (aiida-core's and mavis' samples).
_MULTILINE_VALUES = (
    (
        "sched_hint",
        "Post job file processing error; job 1 on host r2i7n17\n\nU\n\tnable to copy file "
        "1.OU to /p/x.o1,\n\t error 1\n*** error from copy\n/bin/cp: cannot stat `1.OU': "
        "No suc\n\th file or directory\n*** end error output\n\nUnable to copy file 1.E\n\tR",
    ),
    (
        "Variable_List",
        "PBS_O_HOME=/home/alice,PBS_O_LOGNAME=alice,\n\tBASH_FUNC_module()=() {  eval "
        "`/usr/bin/modulecmd bash $*`\\\n}",
    ),
    (
        "Variable_List",
        "PBS_O_HOME=/,MY_VARIABLE=1,\n\tBASH_FUNC_my_func%%=() {  if true; then\n echo foo;"
        " else\n ech\n\to bar; fi\n},_=/opt/pbs/default/bin/qsub,\n\tPBS_O_QUEUE=normal",
    ),
    ("init_work_dir", "/scratch/alice/sweeps/abc\n"),  # a blank line inside the block
)


def _wrapped(value: str, style: str) -> str:
    """``value`` broken every 70 characters the way qstat does: TAB (OpenPBS prt_attr) or
    8 spaces (NCI Gadi, Torque at BCGSC) before each continuation."""
    if style == "none" or len(value) <= 70:
        return value
    lead = "\n\t" if style == "tab" else "\n        "
    return lead.join(value[i : i + 70] for i in range(0, len(value), 70))


@st.composite
def qstat_blocks(draw: st.DrawFn, job_id: str, flavour: str, letters: tuple[str, ...]) -> str:
    """One job's ``qstat -f`` block, ending with the blank line qstat prints after it.

    ``job_state`` is one of ``letters``; finished ones may carry an exit status (Torque
    ``exit_status``, PBS Pro ``Exit_status`` and ``substate``) or none; attributes come in
    any order, among fillers and values with newlines inside.
    """
    style = draw(st.sampled_from(["tab", "spaces", "none"]))
    letter = draw(st.sampled_from(letters))
    attrs = [("job_state", letter)]
    if letter in "FXC" and draw(st.booleans()):
        value = draw(st.sampled_from([0, 1, 2, 3, 137, 143, 265, 271, -1, -11, -29]))
        attrs.append(("exit_status" if flavour == "torque" else "Exit_status", str(value)))
    if flavour == "pro" and draw(st.booleans()):
        attrs.append(("substate", str(draw(st.sampled_from([10, 42, 91, 92, 93])))))
    if draw(st.booleans()):
        attrs.append(("comment", draw(_PBS_WORDS).strip() or "x"))
    attrs += draw(st.lists(st.sampled_from(_FILLERS), max_size=3))
    attrs += draw(st.lists(st.sampled_from(_MULTILINE_VALUES), max_size=2))
    lines = [
        f"    {name} = {_wrapped(value, style)}\n" for name, value in draw(st.permutations(attrs))
    ]
    return f"Job Id: {job_id}\n{''.join(lines)}\n"


@st.composite
def pbs_ids(draw: st.DrawFn, number: int, server: str) -> str:
    """``12.srv``, ``12[].srv`` or ``12[3].srv``."""
    return draw(st.sampled_from([f"{number}.{server}", f"{number}[].{server}",
                                 f"{number}[{draw(st.integers(0, 99))}].{server}"]))  # fmt: skip


# -- PBS Pro: qstat -f -F json entries --------------------------------------------------


@st.composite
def qstat_json_fields(draw: st.DrawFn) -> dict[str, Any]:
    """One job's attributes as ``qstat -f -F json`` prints them (PBS Pro letters)."""
    letter = draw(st.sampled_from(tuple("BEFHMQRSTUWX")))
    fields: dict[str, Any] = {"Job_Name": "sweep_task_7", "job_state": letter}
    if letter in "FX" and draw(st.booleans()):
        fields["Exit_status"] = draw(st.sampled_from([0, 1, 3, 271, -29, "2"]))
    if draw(st.booleans()):
        fields["substate"] = draw(st.sampled_from([10, 42, 91, 92, 93]))
    if draw(st.booleans()):
        fields["comment"] = draw(_PBS_WORDS)
    fields["Resource_List"] = {"ncpus": 4, "walltime": "04:00:00"}
    fields["Variable_List"] = {"PBS_O_HOME": "/home/alice", "PBS_O_QUEUE": "workq"}
    if draw(st.booleans()):
        fields["Variable_List"]["BASH_FUNC_module%%"] = "() {  eval `modulecmd bash $*`\n}"
    return fields


def render_json_entry(job_id: str, fields: dict[str, Any], indent: str) -> str:
    """``"12.srv":{...}`` at the depth qstat puts job entries (inside ``"Jobs"``).

    Newlines inside strings come out raw, as PBS Pro prints exported bash functions
    (openpbs#2541)."""
    body = json.dumps(fields, indent=indent, ensure_ascii=False).replace("\n", "\n" + indent * 2)
    body = body.replace("\\n", "\n")
    return f"{indent * 2}{json.dumps(job_id)}:{body}"


def render_json_document(entries: list[str], indent: str) -> str:
    """A ``qstat -f -F json`` document holding the rendered entries (or junk) in order."""
    head = f'{{\n{indent}"timestamp":1750369865,\n{indent}"pbs_version":"23.06.06",\n'
    head += f'{indent}"pbs_server":"srv",\n{indent}"Jobs":{{\n'
    return head + ",\n".join(entries) + f"\n{indent}}}\n}}\n"


@st.composite
def broken_json_entries(draw: st.DrawFn, job_id: str, indent: str) -> str:
    """An entry no JSON decoder reads, or one that reads without a usable job_state --
    what released PBS Pro versions print for some jobs (openpbs#1255, #2049, #830)."""
    fields = draw(qstat_json_fields())
    good = render_json_entry(job_id, fields, indent)
    lead = f"{indent * 2}{json.dumps(job_id)}:"
    pad = indent * 3
    return draw(
        st.sampled_from(
            [
                good.replace('"Job_Name": "sweep_task_7"', '"Job_Name": 007'),
                good.replace('"Job_Name": "', '"Job_Name": "\\,'),
                good.replace('"Job_Name": "sweep', '"Job_Name": "a "quoted" sweep'),
                draw(cut_short(good)),
                f'{lead}{{\n{pad}"queue": "workq"\n{indent * 2}}}',
                f'{lead}{{\n{pad}"job_state": "Z"\n{indent * 2}}}',
                f'{lead}{{\n{pad}"job_state": 7\n{indent * 2}}}',
                f"{lead}[1, 2]",
            ]
        )
    )
