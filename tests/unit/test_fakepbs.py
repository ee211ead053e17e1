"""The fake OpenPBS server (tests/helpers/fakepbs) against /work/shared/PBS_NOTES.md.

Each test pins one fact the notes record about a real OpenPBS 23.06 server (quoted in the
test's docstring), so the PBS tests of hsm run against a server that behaves like the real
one -- lies included.  hsm's own parsers read what the fake prints, proving the formats.
Jobs are tiny bash scripts; the whole file runs in a few seconds.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from hsm import api
from hsm.pure.schedulers.pbs import PRO_COMMANDS, TORQUE
from hsm.pure.schedulers.pbs.commands import parse_limit, parse_qstat_json
from hsm.pure.schedulers.pbs.qstat import parse_qstat_full
from hsm.pure.states import JobState
from tests.helpers.fakepbs import PROBE, FakePBS, parse_full, probe_records

TORQUE_COMMANDS = TORQUE.commands
assert TORQUE_COMMANDS is not None
ROOT = os.getuid() == 0


@pytest.fixture
def pbs(tmp_path: Path) -> Iterator[FakePBS]:
    fake = FakePBS(tmp_path, {"MOM_POLL": "0"})
    yield fake
    fake.close()


def _fake(tmp_path: Path, **settings: str) -> FakePBS:
    return FakePBS(tmp_path / "other", {"MOM_POLL": "0", **settings})


# A job body that waits for the test to create work/go: the test decides when it ends.
GATE = "while [ ! -e go ]; do sleep 0.05; done\n"


def _gated(first: str, second: str, prefix: str = "go") -> str:
    """Subjob 0 runs ``first`` once work/<prefix>0 exists; subjob 1 ``second`` after <prefix>1."""
    wait = "while [ ! -e {} ]; do sleep 0.05; done"
    return (
        f"case $PBS_ARRAY_INDEX in\n"
        f"  0) {wait.format(prefix + '0')}; {first};;\n"
        f"  1) {wait.format(prefix + '1')}; {second};;\n"
        f"esac\n"
    )


def _finished(job_id: str) -> Callable[[dict[str, Any]], bool]:
    seq = job_id.split("[")[0].split(".")[0]
    return lambda s: s["jobs"][seq]["state"] == "F"


# -- submitting ---------------------------------------------------------------------------


def test_qsub_prints_only_the_id_and_numbers_start_at_zero(pbs: FakePBS) -> None:
    """`qsub` prints only the job id on stdout (`12.server`; arrays `13[].server`);
    job numbers start at 0 on a fresh server."""
    script = pbs.script("true\n")
    plain = pbs("qsub", script)
    array = pbs("qsub", "-J", "0-1", script)
    assert (plain.stdout, plain.stderr, plain.returncode) == ("0.pbs01\n", "", 0)
    assert (array.stdout, array.stderr, array.returncode) == ("1[].pbs01\n", "", 0)


def test_first_id_and_server_name_come_from_the_environment(tmp_path: Path) -> None:
    fake = _fake(tmp_path, FIRST_ID="20", SERVER="head.example.org")
    try:
        assert fake.submit(fake.script("true\n")) == "20.head.example.org"
    finally:
        fake.close()


@pytest.mark.skipif(not ROOT, reason="the server refuses root; these tests do not run as root")
def test_root_is_refused_unless_acl_roots_and_uses_up_a_number(tmp_path: Path) -> None:
    """root cannot submit by default: `qsub: Bad UID for job execution` (exit 175) unless the
    server's `acl_roots` lists root.  A refused submission still uses up a job number."""
    fake = FakePBS(tmp_path, {"MOM_POLL": "0"}, acl_roots=False)
    try:
        script = fake.script("true\n")
        refused = fake("qsub", script)
        assert (refused.returncode, refused.stdout) == (175, "")
        assert refused.stderr == "qsub: Bad UID for job execution\n"
        assert fake.submit(script, env={"FAKEPBS_ACL_ROOTS": "1"}) == "1.pbs01"
        assert "acl_roots" not in fake("qmgr", "-c", "print server").stdout
    finally:
        fake.close()


@pytest.mark.parametrize("flag", ["0-0", "3-3", "3"])
def test_a_one_subjob_array_is_refused(pbs: FakePBS, flag: str) -> None:
    """A one-subjob array is refused: `-J 0-0` or `-J 3-3` -> `qsub: illegal -J value` plus
    the usage text on stderr, exit 2.  `-J 0-1` works."""
    script = pbs.script("true\n")
    done = pbs("qsub", "-J", flag, script)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("qsub: illegal -J value\nusage: qsub ")
    directive = pbs("qsub", pbs.script(f"#PBS -J {flag}\ntrue\n", "d.sh"))
    assert directive.returncode == 2 and "illegal -J value" in directive.stderr
    assert pbs.submit("-J", "0-1", script) == "0[].pbs01"  # refusals used no number


def test_torque_flavour_accepts_a_one_index_array(tmp_path: Path) -> None:
    fake = _fake(tmp_path, FLAVOUR="torque")
    try:
        job = fake.submit("-t", "0", fake.script('echo "$PBS_ARRAYID"\n'))
        assert job == "0[].pbs01"
        fake.wait_all()
        assert (fake.work / "job.sh.o0-0").read_text() == "0\n"  # -o gets -INDEX appended
        assert fake("qsub", "-J", "0-1", "job.sh").returncode == 2  # no -J in Torque
    finally:
        fake.close()


def test_throttled_array_records_max_run_subjobs_and_runs_at_most_that_many(
    tmp_path: Path,
) -> None:
    """`-J 0-5%2` is accepted; `qstat -f` then shows `max_run_subjobs = 2`, and at most 2 run."""
    fake = _fake(tmp_path, NCPUS="4")
    try:
        job = fake.submit("-J", "0-5%2", fake.script(GATE))
        jobs = fake.full("-t", job)
        assert jobs[job]["max_run_subjobs"] == "2"
        states = [a["job_state"] for j, a in jobs.items() if j != job]
        assert states == ["R", "R", "Q", "Q", "Q", "Q"]  # 4 CPUs free, 2 may run
        (fake.work / "go").touch()
        subjobs = fake.wait_all()["jobs"]["0"]["subjobs"].values()
        assert [u["exit"] for u in subjobs] == [0] * 6
    finally:
        fake.close()


def test_stepped_array(pbs: FakePBS) -> None:
    """`-J 0-9:2` steps work."""
    job = pbs.submit("-J", "0-9:2", pbs.script("true\n"))
    subjobs = [j for j in pbs.full("-t", job) if j != job]
    assert subjobs == [f"0[{i}].pbs01" for i in (0, 2, 4, 6, 8)]
    assert pbs.full(job)[job]["array_indices_submitted"] == "0-9:2"


def test_dependencies_are_stored_with_the_server_and_unknown_servers_refused(
    pbs: FakePBS,
) -> None:
    """`-W depend=afterok:13.server` works; PBS stores it as `afterok:13.server@server` and
    gives the parent `beforeok:...`.  A dependency on an unknown server suffix
    (`afterok:99999.nosuchserver`) is refused: `qsub: illegal -W value`.  `afterok` on an
    array id (`20[].server`) works."""
    script = pbs.script(GATE)  # every job waits until the test creates work/go
    first = pbs.submit(script)
    array = pbs.submit("-J", "0-1", script)
    after = pbs.submit("-W", f"depend=afterok:{first}", script)
    after_array = pbs.submit("-W", f"depend=afterok:{array}", script)
    jobs = pbs.full(first, after, array, after_array)
    assert jobs[after]["depend"] == "afterok:0.pbs01@pbs01"
    assert jobs[first]["depend"] == "beforeok:2.pbs01@pbs01"
    assert (jobs[after]["job_state"], jobs[after]["Hold_Types"]) == ("H", "s")
    assert jobs[after_array]["depend"] == "afterok:1[].pbs01@pbs01"
    (pbs.work / "go").touch()
    refused = pbs("qsub", "-W", "depend=afterok:99999.nosuchserver", script)
    assert refused.returncode == 2 and refused.stderr.startswith("qsub: illegal -W value\n")
    final = pbs.wait_all()
    assert all(final["jobs"][str(n)]["exit"] == 0 for n in (0, 2, 3))
    assert all(u["exit"] == 0 for u in final["jobs"]["1"]["subjobs"].values())


def test_job_environment_and_default_output_paths(pbs: FakePBS) -> None:
    """Inside a job: `PBS_JOBID=4[1].server`, `PBS_ARRAY_INDEX` set for subjobs,
    `PBS_O_WORKDIR` set.  Output files default to `NAME.oSEQ` and `NAME.oSEQ.INDEX` for
    subjobs; the parent's `Output_Path` ends in `.^array_index^`."""
    body = 'echo "$PBS_JOBID|${PBS_ARRAY_INDEX-unset}|$PBS_O_WORKDIR|$PBS_JOBNAME|$PWD"\n'
    script = pbs.script(body)
    plain = pbs.submit(script)
    array = pbs.submit("-N", "arr", "-J", "0-1", script)
    path = pbs.full("-x", array)[array]["Output_Path"]
    assert path == f"pbs01:{pbs.work}/arr.o1.^array_index^"
    pbs.wait_all()
    work = pbs.work
    assert (work / "job.sh.o0").read_text() == f"{plain}|unset|{work}|job.sh|{work}\n"
    assert (work / "arr.o1.1").read_text() == f"1[1].pbs01|1|{work}|arr|{work}\n"


def test_jobs_get_pbs_environment_not_the_submitters(pbs: FakePBS) -> None:
    """pbs_mom does not pass the submitter's environment (only with -V or -v)."""
    script = pbs.script('echo "${FAKE_SECRET-unset} ${PASSED-unset} $PATH"\n')
    env = {"FAKE_SECRET": "x", "PASSED": "y"}
    pbs.submit(script, env=env)
    pbs.submit("-v", "PASSED", script, env=env)
    pbs.submit("-V", script, env=env)
    pbs.wait_all()
    assert (pbs.work / "job.sh.o0").read_text() == "unset unset /bin:/usr/bin\n"
    assert (pbs.work / "job.sh.o1").read_text() == "unset y /bin:/usr/bin\n"
    assert (pbs.work / "job.sh.o2").read_text().startswith("x y ")


def test_oe_join_and_array_index_pattern_in_o_path(pbs: FakePBS) -> None:
    script = pbs.script("#PBS -j oe\n#PBS -o logs/t_^array_index^.log\necho out; echo err >&2\n")
    (pbs.work / "logs").mkdir()
    pbs.submit("-J", "0-1", script)
    pbs.wait_all()
    assert (pbs.work / "logs" / "t_1.log").read_text() == "out\nerr\n"


# -- asking about jobs --------------------------------------------------------------------


def test_finished_jobs_need_x(pbs: FakePBS) -> None:
    """`qstat -f ID` for a finished job prints nothing on stdout, `qstat: 2.server Job has
    finished, use -x or -H to obtain historical job information` on stderr, exit 35.  Plain
    `qstat` and `qstat -u USER` leave finished jobs out, and print nothing at all (not even a
    header) when nothing is left."""
    job = pbs.submit(pbs.script("true\n"))
    pbs.wait_all()
    done = pbs("qstat", "-f", job)
    assert (done.stdout, done.returncode) == ("", 35)
    assert done.stderr == (
        f"qstat: {job} Job has finished, use -x or -H to obtain historical job information\n"
    )
    assert pbs("qstat", "-x", "-f", job).stdout.startswith(f"Job Id: {job}\n")
    for argv in (("qstat",), ("qstat", "-u", "root"), ("qstat", "-t")):
        quiet = pbs(*argv)
        assert (quiet.stdout, quiet.stderr, quiet.returncode) == ("", "", 0)


def test_array_parent_needs_its_brackets(pbs: FakePBS) -> None:
    """An array's parent is `4[].server`; `qstat -f 4.server` -> `Unknown Job Id 4.server`,
    exit 153.  Plain `qstat` shows only the parent (state `B`); `-t` adds the subjobs;
    `-J -t` shows subjobs only."""
    pbs.submit("-J", "0-2", pbs.script("sleep 5\n"))
    done = pbs("qstat", "-f", "0.pbs01")
    assert (done.stdout, done.stderr, done.returncode) == (
        "",
        "qstat: Unknown Job Id 0.pbs01\n",
        153,
    )
    rows = [line.split()[0] for line in pbs("qstat").stdout.splitlines()[2:]]
    assert rows == ["0[].pbs01"]
    assert pbs("qstat").stdout.splitlines()[2].split()[4] == "B"
    with_t = [line.split()[0] for line in pbs("qstat", "-t").stdout.splitlines()[2:]]
    assert with_t == ["0[].pbs01", "0[0].pbs01", "0[1].pbs01", "0[2].pbs01"]
    only = [line.split()[0] for line in pbs("qstat", "-J", "-t").stdout.splitlines()[2:]]
    assert only == ["0[0].pbs01", "0[1].pbs01", "0[2].pbs01"]


def test_full_output_wraps_at_78_columns_with_tab_continuations(pbs: FakePBS) -> None:
    """`qstat -f` wraps lines at 78 columns; a continuation line starts with a TAB, and a
    word may be split in the middle: join continuations with nothing in between.  `qstat -f
    -w` does not wrap.  Each job's block ends with a blank line."""
    long_path = ":".join(f"/opt/software/package{i}/bin" for i in range(12))
    comment_dir = "x" * 90
    env = {"PATH": f"{pbs.env['PATH']}:{long_path}"}
    pbs.submit("-o", f"{comment_dir}/out.log", pbs.script("sleep 5\n"), env=env)
    wrapped = pbs("qstat", "-f", "0.pbs01").stdout
    wide = pbs("qstat", "-f", "-w", "0.pbs01").stdout
    assert wrapped.endswith("\n\n") and wide.endswith("\n\n")
    lines = wrapped.splitlines()
    assert any(line.startswith("\t") for line in lines)
    assert max(len(line.expandtabs()) for line in lines) == 79  # a break once past column 78
    first = next(i for i, line in enumerate(lines) if line.startswith("    Output_Path = "))
    # prt_attr(): 62 characters after "    Output_Path = " (start 18) fill the line to 79,
    # then each continuation holds 71 characters after its TAB (start 8).
    assert len(lines[first]) == 79 and len(lines[first + 1]) == 1 + 71
    assert "," not in lines[first] + lines[first + 1]  # one token, cut in the middle
    assert parse_full(wrapped) == parse_full(wide)
    assert parse_full(wrapped)["0.pbs01"]["Variable_List"].count(long_path) == 1
    assert all(not line.startswith("\t") for line in wide.splitlines())


def test_wrap_splits_words_at_the_column_not_at_commas(pbs: FakePBS) -> None:
    """The notes' example: `exceeded resou` / `\\trce walltime`."""
    from tests.helpers.fakepbs.fakepbs import wrap_attribute

    comment = "Job run at Thu Jun 19 at 21:27 on (pb:ncpus=1) and exceeded resource walltime"
    text = wrap_attribute("comment", comment)
    assert text == (
        "    comment = Job run at Thu Jun 19 at 21:27 on (pb:ncpus=1) and exceeded resou\n"
        "\trce walltime\n"
    )
    # Comma-separated pieces go whole onto a new line when they do not fit.
    text = wrap_attribute("Variable_List", "A=" + "a" * 50 + ",B=" + "b" * 30)
    assert text == "    Variable_List = A=" + "a" * 50 + ",\n\tB=" + "b" * 30 + "\n"


def test_json_with_several_ids_prints_only_the_first(pbs: FakePBS) -> None:
    """`qstat -f -F json` with several job ids prints only the first job on current OpenPBS
    master builds (exit 0, valid JSON); the 23.06 release prints all of them but indents
    with spaces."""
    script = pbs.script("sleep 5\n")
    first, second = pbs.submit(script), pbs.submit(script)
    done = pbs("qstat", "-f", "-F", "json", first, second)
    document = json.loads(done.stdout)
    assert done.returncode == 0 and list(document["Jobs"]) == [first]
    assert document["pbs_version"] == "23.06.06" and document["pbs_server"] == "pbs01"
    assert '\n\t"Jobs":\t{' in done.stdout  # cJSON layout: TAB indentation
    release = pbs("qstat", "-f", "-F", "json", first, second, env={"FAKEPBS_JSON": "release"})
    assert list(json.loads(release.stdout)["Jobs"]) == [first, second]
    assert '\n    "Jobs":{' in release.stdout
    assert list(json.loads(pbs("qstat", "-f", "-F", "json").stdout)["Jobs"]) == [first, second]


def test_unknown_id_next_to_a_known_one(pbs: FakePBS) -> None:
    """An unknown id next to a known one: JSON/text for the known on stdout, the error on
    stderr, exit 153."""
    job = pbs.submit(pbs.script("sleep 5\n"))
    text = pbs("qstat", "-f", job, "77.pbs01")
    assert text.returncode == 153 and text.stderr == "qstat: Unknown Job Id 77.pbs01\n"
    assert list(parse_full(text.stdout)) == [job]
    as_json = pbs("qstat", "-f", "-F", "json", job, "77.pbs01")
    assert as_json.returncode == 153 and list(json.loads(as_json.stdout)["Jobs"]) == [job]


def test_resources_used_appear_only_after_the_moms_first_poll(tmp_path: Path) -> None:
    """A running job's `-f` has no `resources_used` until the mom's first poll."""
    fake = _fake(tmp_path, MOM_POLL="1")
    try:
        job = fake.submit(fake.script(GATE))
        early = fake.full(job)[job]
        assert early["job_state"] == "R" and "resources_used.walltime" not in early
        time.sleep(1.05)
        assert fake.full(job)[job]["resources_used.walltime"] == "00:00:01"
    finally:
        fake.close()


# -- final states -------------------------------------------------------------------------


def _final(pbs: FakePBS, job: str) -> dict[str, str]:
    pbs.wait_for(_finished(job), f"{job} to finish")
    return pbs.full("-x", job)[job]


def test_final_states_of_plain_jobs(tmp_path: Path) -> None:
    """ran exit 0: 92/0; ran exit 3: 93/3; walltime exceeded: 93/-29; qdel while running:
    91/271; qdel while queued: 91, Exit_status absent."""
    fake = _fake(tmp_path, NCPUS="1", WALLTIME_GRACE="0.1")
    try:
        ok = fake.submit(fake.script("true\n", "ok.sh"))
        bad = fake.submit(fake.script("exit 3\n", "bad.sh"))
        slow = fake.submit("-l", "walltime=00:00:01", fake.script("sleep 30\n", "slow.sh"))
        fake.wait_for(lambda s: s["jobs"]["2"]["state"] == "R", "the slow job to start")
        queued = fake.submit(fake.script("true\n", "q.sh"))
        assert fake("qdel", queued).returncode == 0
        states = {job: _final(fake, job) for job in (ok, bad, slow, queued)}
        got = {j: (a["substate"], a.get("Exit_status")) for j, a in states.items()}
        assert got == {ok: ("92", "0"), bad: ("93", "3"), slow: ("93", "-29"), queued: ("91", None)}
        assert states[slow]["comment"].endswith("and exceeded resource walltime")
        assert "=>> PBS: job killed: walltime" in (fake.work / "slow.sh.o2").read_text()
        running = fake.submit(fake.script("sleep 30\n", "run.sh"))
        fake.wait_for(lambda s: s["jobs"]["4"]["state"] == "R", "the job to start")
        fake("qdel", running)
        killed = _final(fake, running)
        assert (killed["substate"], killed["Exit_status"]) == ("91", "271")
        assert "exec_host" in killed and "exec_host" not in states[queued]
    finally:
        fake.close()


def test_a_job_whose_afterok_parent_failed_never_runs(pbs: FakePBS) -> None:
    """never ran: its `afterok` parent failed -> substate 92, Exit_status absent, no comment."""
    parent = pbs.submit(pbs.script("exit 3\n", "p.sh"))
    child = pbs.submit("-W", f"depend=afterok:{parent}", pbs.script("true\n", "c.sh"))
    attrs = _final(pbs, child)
    assert attrs["substate"] == "92"
    assert "Exit_status" not in attrs and "comment" not in attrs and "exec_host" not in attrs
    assert not (pbs.work / "c.sh.o1").exists()


def test_never_run_subjob_reports_its_parents_values(pbs: FakePBS) -> None:
    """A subjob that never started reports the parent's substate and Exit_status, with
    comment `Subjob finished` and no exec_host, run_count, resources_used: while a sibling
    has failed it shows X, substate 70, Exit_status 1; after the array ends ... it shows F
    and the parent's final values."""
    pbs.script(_gated("exit 3", ""))
    array = pbs.submit("-J", "0-2", "job.sh")
    assert pbs("qdel", "0[2].pbs01").returncode == 0  # queued: 2 CPUs, 3 subjobs
    (pbs.work / "go0").touch()
    pbs.wait_for(lambda s: s["jobs"]["0"]["subjobs"]["0"]["state"] == "X", "subjob 0 to fail")
    assert pbs.state()["jobs"]["0"]["state"] == "B"
    lying = pbs.full("-t", array)["0[2].pbs01"]
    assert (lying["job_state"], lying["substate"], lying["Exit_status"]) == ("X", "70", "1")
    assert lying["comment"] == "Subjob finished"
    for missing in ("exec_host", "run_count", "resources_used.walltime"):
        assert missing not in lying
    (pbs.work / "go1").touch()
    after = _final(pbs, array)
    assert (after["substate"], after["Exit_status"]) == ("93", "0")  # last subjob's: 0
    lying = pbs.full("-x", "-t", array)["0[2].pbs01"]
    assert (lying["job_state"], lying["substate"], lying["Exit_status"]) == ("F", "93", "0")


def test_all_ok_array_and_a_never_run_subjob_looks_like_success(pbs: FakePBS) -> None:
    """array, all subjobs exit 0: 92/0 -- and a subjob qdel'd while queued then shows F, 92,
    Exit_status 0: it looks like a success although it never ran."""
    array = pbs.submit("-J", "0-2", pbs.script(GATE))
    pbs("qdel", "0[2].pbs01")
    (pbs.work / "go").touch()
    parent = _final(pbs, array)
    assert (parent["substate"], parent["Exit_status"]) == ("92", "0")
    lying = pbs.full("-x", "-t", array)["0[2].pbs01"]
    assert (lying["substate"], lying["Exit_status"], lying["comment"]) == (
        "92",
        "0",
        "Subjob finished",
    )


def test_parent_exit_status_is_the_last_finished_subjobs(pbs: FakePBS) -> None:
    """An array where subjob 0 exited 3 and subjob 1 (finishing later) exited 0 ends with
    parent substate 93 but Exit_status 0."""
    array = pbs.submit("-J", "0-1", pbs.script(_gated("exit 3", "exit 0")))
    (pbs.work / "go0").touch()
    pbs.wait_for(lambda s: s["jobs"]["0"]["subjobs"]["0"]["state"] == "X", "subjob 0")
    (pbs.work / "go1").touch()
    parent = _final(pbs, array)
    assert (parent["job_state"], parent["substate"], parent["Exit_status"]) == ("F", "93", "0")
    # Both ended before the server looked: still ordered by when they really ended.
    swapped = pbs.submit("-J", "0-1", pbs.script(_gated("exit 0", "exit 3", "b"), "s.sh"))
    (pbs.work / "b0").touch()
    time.sleep(0.3)
    (pbs.work / "b1").touch()
    time.sleep(0.3)
    parent = _final(pbs, swapped)
    assert (parent["substate"], parent["Exit_status"]) == ("93", "1")


def test_qdel_of_a_whole_array(tmp_path: Path) -> None:
    """whole array qdel'd: 91, 1 on the parent; queued subjobs 91 with Exit_status 1,
    comment "Subjob finished"; running subjobs 271."""
    fake = _fake(tmp_path, NCPUS="1")
    try:
        array = fake.submit("-J", "0-1", fake.script("sleep 30\n"))
        fake.wait_for(lambda s: s["jobs"]["0"]["subjobs"]["0"]["state"] == "R", "a start")
        fake("qdel", array)
        jobs = fake.full("-x", "-t", array)
        parent, running, queued = jobs[array], jobs["0[0].pbs01"], jobs["0[1].pbs01"]
        assert (parent["substate"], parent["Exit_status"]) == ("91", "1")
        assert (running["substate"], running["Exit_status"]) == ("91", "271")
        assert (queued["substate"], queued["Exit_status"], queued["comment"]) == (
            "91",
            "1",
            "Subjob finished",
        )
    finally:
        fake.close()


def test_qdel_of_one_running_subjob(pbs: FakePBS) -> None:
    """one subjob qdel'd: parent 91, Exit_status 0 on the parent (its sibling ended later)."""
    array = pbs.submit("-J", "0-1", pbs.script(_gated("exit 0", "exit 0")))
    pbs("qdel", "0[0].pbs01")
    (pbs.work / "go1").touch()
    parent = _final(pbs, array)
    assert (parent["substate"], parent["Exit_status"]) == ("91", "0")
    killed = pbs.full("-x", "-t", array)["0[0].pbs01"]
    assert (killed["substate"], killed["Exit_status"]) == ("91", "271")


# -- deleting -----------------------------------------------------------------------------


def test_qdel_messages_and_exit_codes(pbs: FakePBS) -> None:
    """`qdel` prints nothing; on a finished job: `qdel: Job has finished 2.server`, exit 35;
    on an unknown id: `qdel: Unknown Job Id ...`, exit 153; on a finished subjob: `qdel:
    Request invalid for finished array subjob 159[0].server`, exit 55."""
    done = pbs.submit(pbs.script("true\n"))
    array = pbs.submit("-J", "0-1", pbs.script("[ $PBS_ARRAY_INDEX = 1 ] && sleep 30\ntrue\n", "a.sh"))  # fmt: skip
    pbs.wait_for(
        lambda s: s["jobs"]["0"]["state"] == "F" and s["jobs"]["1"]["subjobs"]["0"]["state"] == "X",
        "job 0 and subjob 1[0] to finish",
    )
    cases = {
        done: (35, f"qdel: Job has finished {done}\n"),
        "42.pbs01": (153, "qdel: Unknown Job Id 42.pbs01\n"),
        "1[0].pbs01": (55, "qdel: Request invalid for finished array subjob 1[0].pbs01\n"),
    }
    for job, (code, message) in cases.items():
        result = pbs("qdel", job)
        assert (result.returncode, result.stdout, result.stderr) == (code, "", message)
    several = pbs("qdel", "1[0].pbs01", done, array)  # last error wins; the array is deleted
    assert several.returncode == 35 and several.stdout == ""
    assert pbs.state()["jobs"]["1"]["state"] == "F"


def test_a_job_that_can_never_run_says_so(pbs: FakePBS) -> None:
    """A job that can never start keeps `job_state = Q` with a `comment` such as `Can Never
    Run: Insufficient amount of resource: ncpus (R: 64 A: 2 T: 2)`."""
    job = pbs.submit("-l", "select=1:ncpus=64", pbs.script("true\n"))
    pbs.wait_for(lambda s: True, "a cycle")
    attrs = pbs.full(job)[job]
    assert attrs["job_state"] == "Q"
    assert attrs["comment"] == "Can Never Run: Insufficient amount of resource: ncpus (R: 64 A: 2 T: 2)"  # fmt: skip
    assert attrs["Resource_List.ncpus"] == "64"


# -- limits -------------------------------------------------------------------------------


def test_max_array_size_and_max_queued(tmp_path: Path) -> None:
    """`max_array_size` (server attribute, default 10000) caps subjobs per array.  Per-user
    caps are `max_queued` ... e.g. `[u:PBS_GENERIC=100]`; read them with `qmgr -c 'list
    server'` / `qmgr -c 'list queue Q'`."""
    fake = _fake(tmp_path, MAX_ARRAY_SIZE="3", MAX_QUEUED="4", NCPUS="1")
    try:
        script = fake.script("sleep 30\n")
        too_big = fake("qsub", "-J", "0-3", script)
        assert too_big.returncode == 3
        assert too_big.stderr == "qsub: Array job exceeds server or queue size limit\n"
        fake.submit("-J", "0-2", script)  # 3 subjobs count as 3 jobs
        fake.submit(script)
        over = fake("qsub", script)
        assert (over.returncode, over.stderr) == (38, "qsub: would exceed complex's per-user limit\n")  # fmt: skip
        printed = fake("qmgr", "-c", "print server").stdout
        assert "set server max_array_size = 3\n" in printed
        assert "set server max_queued = [u:PBS_GENERIC=4]\n" in printed
        assert parse_limit(printed) == 3
        listed = fake("qmgr", "-c", "list server").stdout
        assert listed.startswith("Server pbs01\n") and "    max_queued = [u:PBS_GENERIC=4]\n" in listed  # fmt: skip
        queue = fake("qmgr", "-c", "list queue workq", env={"FAKEPBS_QUEUE_MAX_QUEUED": "9"})
        assert queue.stdout.startswith("Queue workq\n")
        assert "    max_queued = [u:PBS_GENERIC=9]\n" in queue.stdout
    finally:
        fake.close()
    default = _fake(tmp_path / "d")
    assert parse_limit(default("qmgr", "-c", "print server").stdout) == 10000


# -- hsm reads what the fake prints -------------------------------------------------------


def test_hostile_values_in_an_hsm_rendered_script_reach_the_program_unchanged(
    pbs: FakePBS,
) -> None:
    params = [
        {"text": "two words"},
        {"text": 'it\'s $HOME `id` $(id) ; "q" \\ *'},
        {"text": "line\nbreak\ttab ünïcødé 🙂"},
    ]
    options = api.JobOptions(
        walltime="00:05:00",
        python_path=sys.executable,
        script_path=str(PROBE),
        project_dir=pbs.work,
    )
    _manifest, jobs = api.plan_sweep(
        options, "pbspro", 10000, "hostile", pbs.work / "sw", params, "array"
    ).unwrap()
    (pbs.work / "sw" / "logs").mkdir(parents=True)
    for job in jobs:
        (pbs.work / "sw" / f"{job.key}.sh").write_text(job.script, encoding="utf-8")
        pbs.submit(f"sw/{job.key}.sh")
    final = pbs.wait_all()
    assert all(u["exit"] == 0 for u in final["jobs"]["0"]["subjobs"].values())
    argvs = sorted(r["argv"] for r in probe_records(pbs.work))
    assert argvs == sorted(list(a) for a in _manifest.argvs)
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    got = sorted(parser.parse_override(a[0]).value() for a in argvs)
    assert got == sorted(p["text"] for p in params)


def test_hsm_parses_the_fakes_text_and_json(pbs: FakePBS) -> None:
    ok = pbs.submit(pbs.script("true\n", "ok.sh"))
    bad = pbs.submit(pbs.script("exit 4\n", "bad.sh"))
    array = pbs.submit("-J", "0-2", pbs.script("[ $PBS_ARRAY_INDEX = 1 ] && exit 2\nsleep 0.2\n", "a.sh"))  # fmt: skip
    pbs.wait_all()
    text = pbs("qstat", "-x", "-f", "-t", ok, bad, array).stdout
    statuses = PRO_COMMANDS.parse_status_output(text).unwrap()
    assert statuses[ok].state is JobState.COMPLETED
    assert (statuses[bad].state, statuses[bad].exit_code) == (JobState.FAILED, 4)
    assert statuses["2[1].pbs01"].state is JobState.FAILED
    assert statuses["2[0].pbs01"].state is JobState.COMPLETED
    assert parse_qstat_full(text).unwrap().keys() == statuses.keys()
    for job in (ok, bad, array):
        one = parse_qstat_json(pbs("qstat", "-x", "-f", "-F", "json", job).stdout).unwrap()
        assert one[job].state is statuses[job].state
    live = pbs.submit(pbs.script("sleep 30\n", "live.sh"))
    queued = pbs.submit("-l", "select=1:ncpus=64", "live.sh")
    now = PRO_COMMANDS.parse_status_output(pbs("qstat", "-f", "-t", live, queued).stdout).unwrap()
    assert (now[live].state, now[queued].state) == (JobState.RUNNING, JobState.QUEUED)
    assert now[queued].reason.startswith("Can Never Run")


def test_hsm_parses_the_torque_flavour(tmp_path: Path) -> None:
    fake = _fake(tmp_path, FLAVOUR="torque")
    try:
        assert fake("qstat", "--version").stdout == "Version: 6.1.3\n"
        array = fake.submit("-t", "0-1", fake.script("exit $PBS_ARRAYID\n"))
        fake.wait_all()
        text = fake("qstat", "-f", "-t", array).stdout
        assert "    exit_status = 1\n" in text and "    job_state = C\n" in text
        statuses = TORQUE_COMMANDS.parse_status_output(text).unwrap()
        assert statuses["0[0].pbs01"].state is JobState.COMPLETED
        assert (statuses["0[1].pbs01"].state, statuses["0[1].pbs01"].exit_code) == (
            JobState.FAILED,
            1,
        )
    finally:
        fake.close()


# -- the protocol -------------------------------------------------------------------------


def test_concurrent_submissions_get_distinct_numbers(pbs: FakePBS) -> None:
    script = pbs.script("true\n")
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda _: pbs.submit(script), range(12)))
    assert sorted(int(i.split(".")[0]) for i in ids) == list(range(12))


def test_qselect_and_version(pbs: FakePBS) -> None:
    assert pbs("qstat", "--version").stdout == "pbs_version = 23.06.06\n"
    script = pbs.script("true\n")
    pbs.submit("-N", "alpha", script)
    pbs.submit("-N", "beta", "-J", "0-1", script)
    pbs.wait_all()
    assert pbs("qselect", "-u", "root").stdout == ""
    assert pbs("qselect", "-x", "-N", "beta").stdout == "1[].pbs01\n"
    sleeper = pbs.submit("-N", "gamma", pbs.script("sleep 30\n", "s.sh"))
    user = pbs("qselect", "-u", _user()).stdout
    assert user == f"{sleeper}\n"


def _user() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name
