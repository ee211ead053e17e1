"""A stateful fake OpenPBS 23.06 server: ``qsub``, ``qstat``, ``qdel``, ``qselect``, ``qmgr``.

Every command is this module run as ``fakepbs.py COMMAND ARGS...`` (the launchers next to
it do that).  The server's state lives in JSON under ``$FAKEPBS_DIR`` and every command
takes an exclusive ``flock`` on ``$FAKEPBS_DIR/lock`` for its whole run, so concurrent
calls are serialised.  There is no daemon: each command first *advances* the server --
reaps jobs whose process ended, enforces walltimes, settles dependencies, finishes arrays
and starts queued jobs on free CPUs -- then does its own work, then advances again.

Jobs really run: a detached runner (``fakepbs.py _run``, its own session and process
group) starts ``bash SCRIPT`` with PBS's job environment and writes the exit status to a
file that the next command reads.

What is reproduced, and from where, is in README.md next to this file; the facts come
from /work/shared/PBS_NOTES.md (observed on a real OpenPBS 23.06 server) and, where the
notes are silent, from OpenPBS's own sources and test suite (cited at each place).
Standard library only: the fake must run with any python3, outside hsm's venv.
"""

from __future__ import annotations

import contextlib
import fcntl
import getopt
import json
import os
import pwd
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

PBS_VERSION = "23.06.06"
TORQUE_VERSION = "6.1.3"

# -- exit codes: PBSE_* numbers (OpenPBS src/include/pbs_error.h) modulo 256, which is
# -- what the commands exit with (15023 PBSE_BADUSER -> 175, as the notes observed).
PBSE_UNKJOBID = 15001 % 256  # 153 "Unknown Job Id"
PBSE_UNKQUE = 15018 % 256  # 170 "Unknown queue"
PBSE_BADUSER = 15023 % 256  # 175 "Bad UID for job execution"
PBSE_MAXARRAYSIZE = 15107 % 256  # 3 "Array job exceeds server or queue size limit"
PBSE_HISTJOBID = 15139 % 256  # 35 "Job has finished"
PBSE_ENTLIMCT = 15142 % 256  # 38 entity count limit (max_queued) exceeded
PBSE_NOHISTARRAYSUBJOB = 15159 % 256  # 55 "Request invalid for finished array subjob"
USAGE_EXIT = 2  # qsub's own option errors: message, usage text, exit 2

# Substates (OpenPBS src/include/job.h).
SUB_QUEUED = 10
SUB_HELD = 22  # JOB_SUBSTATE_DEPNHOLD: waiting for a dependency
SUB_RUNNING = 42
SUB_BEGUN = 70  # array parent with at least one subjob started
SUB_TERMINATED = 91
SUB_FINISHED = 92
SUB_FAILED = 93

EXIT_WALLTIME = -29  # JOB_EXEC_KILL_WALLTIME
EXIT_QDEL = 256 + signal.SIGTERM  # 271: the job's shell killed by SIGTERM

QSUB_USAGE = (
    "usage: qsub [-a date_time] [-A account_string] [-c interval]\n"
    "\t[-C directive_prefix] [-e path] [-f ] [-h ] [-I [-X]] [-j oe|eo] [-J X-Y[:Z]]\n"
    "\t[-k o|e|oe] [-l resource_list] [-m mail_options] [-M user_list]\n"
    "\t[-N jobname] [-o path] [-p priority] [-P project] [-q queue] [-r y|n]\n"
    "\t[-S path] [-u user_list] [-W otherattributes=value...]\n"
    "\t[-v variable_list] [-V ] [-z] [script | -- command [arg1 ...]]\n"
    "       qsub --version\n"
)
TORQUE_QSUB_USAGE = (
    "usage: qsub [-a date_time] [-A account_string] [-b secs]\n"
    "      [-c [ none | { enabled | periodic | shutdown |\n"
    "      depth=<int> | dir=<path> | interval=<minutes>}... ]\n"
    "      [-C directive_prefix] [-d path] [-D path]\n"
    "      [-e path] [-h] [-I] [-j oe|eo|n] [-k {oe}] [-K interval] [-l resource_list]\n"
    "      [-m n|{abe}] [-M user_list] [-N jobname] [-o path] [-p priority]\n"
    "      [-q queue] [-r y|n] [-S path] [-t number_to_submit] [-T type] [-u user_list]\n"
    "      [-w] path\n"
    "      [-W additional_attributes] [-v variable_list] [-V] [-x] [-X] [-z] [script]\n"
)

WRAP_COLUMNS = 78  # OpenPBS qstat.c prt_attr(): the line is broken once it passes 78
KILL_WAIT = 3.0  # seconds a SIGTERM'd job gets before SIGKILL
_JOB_ID = re.compile(r"^(\d+)(\[(\d*)\])?(?:\.(.+))?$")
_DEPEND_TYPES = ("after", "afterok", "afternotok", "afterany")


class Config:
    """The server, as the environment describes it (read on every call)."""

    def __init__(self, environ: dict[str, str]) -> None:
        self.env = environ
        self.server = environ.get("FAKEPBS_SERVER") or "pbs01"
        self.flavour = "torque" if environ.get("FAKEPBS_FLAVOUR") == "torque" else "pro"
        default_dir = os.path.join(
            environ.get("TMPDIR") or "/tmp", f"fakepbs-{os.getuid()}-{self.server}"
        )
        self.dir = environ.get("FAKEPBS_DIR") or default_dir
        self.ncpus = int(environ.get("FAKEPBS_NCPUS") or 2)
        self.first_id = int(environ.get("FAKEPBS_FIRST_ID") or 0)
        max_array = environ.get("FAKEPBS_MAX_ARRAY_SIZE")
        self.max_array_size: int | None = (
            int(max_array) if max_array else (10000 if self.flavour == "pro" else None)
        )
        self.max_queued = _int_or_none(environ.get("FAKEPBS_MAX_QUEUED"))
        self.queue_max_queued = _int_or_none(environ.get("FAKEPBS_QUEUE_MAX_QUEUED"))
        self.acl_roots = environ.get("FAKEPBS_ACL_ROOTS") == "1"
        self.walltime_grace = float(environ.get("FAKEPBS_WALLTIME_GRACE") or 1.0)
        self.mom_poll = float(environ.get("FAKEPBS_MOM_POLL") or 1.0)
        self.json_style = "release" if environ.get("FAKEPBS_JSON") == "release" else "master"
        self.start_in_home = environ.get("FAKEPBS_START_IN_HOME") == "1"
        self.queue = "batch" if self.flavour == "torque" else "workq"
        self.host = self.server

    @property
    def torque(self) -> bool:
        return self.flavour == "torque"


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text else None


# -- state ----------------------------------------------------------------------------


@contextlib.contextmanager
def locked(cfg: Config) -> Iterator[dict[str, Any]]:
    """The server state under an exclusive lock; saved atomically when the block ends."""
    os.makedirs(os.path.join(cfg.dir, "run"), exist_ok=True)
    with open(os.path.join(cfg.dir, "lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = os.path.join(cfg.dir, "state.json")
        try:
            with open(path, encoding="utf-8") as handle:
                state = json.load(handle)
        except FileNotFoundError:
            state = {"next_id": cfg.first_id, "jobs": {}}
        try:
            yield state
        finally:  # saved even when a command is refused: a refused qsub uses up its number
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(state, handle, indent=1)
            os.replace(tmp, path)


def jobs_in_order(state: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(state["jobs"].values(), key=lambda j: j["seq"])


def job_id(cfg: Config, job: dict[str, Any], index: int | None = None) -> str:
    if not job["array"]:
        return f"{job['seq']}.{cfg.server}"
    inside = "" if index is None else str(index)
    return f"{job['seq']}[{inside}].{cfg.server}"


def units(job: dict[str, Any]) -> Iterator[tuple[int | None, dict[str, Any]]]:
    """The things that run: the job itself, or each subjob of an array."""
    if not job["array"]:
        yield None, job
        return
    for index in job["indices"]:
        yield index, job["subjobs"][str(index)]


def unit_key(job: dict[str, Any], index: int | None) -> str:
    return str(job["seq"]) if index is None else f"{job['seq']}_{index}"


def is_finished(cfg: Config, job: dict[str, Any]) -> bool:
    return job["state"] == "F"


def parse_id(cfg: Config, text: str) -> tuple[int, str | None] | None:
    """``12.srv`` -> (12, None); ``12[].srv`` -> (12, ""); ``12[3]`` -> (12, "3").

    None when the text is not a job id of this server (another server's suffix).
    """
    match = _JOB_ID.match(text.strip())
    if match is None:
        return None
    suffix = match.group(4)
    if suffix is not None and suffix != cfg.server and not suffix.startswith(cfg.server + "."):
        return None
    return int(match.group(1)), match.group(3) if match.group(2) else None


def full_id(cfg: Config, text: str) -> str:
    """The id as the server names it (the default server appended when missing)."""
    match = _JOB_ID.match(text.strip())
    if match is None or match.group(4) is not None:
        return text
    return f"{text}.{cfg.server}"


def find(
    cfg: Config, state: dict[str, Any], text: str
) -> tuple[dict[str, Any], int | None, bool] | None:
    """(job, subjob index or None, is_parent) for an id, or None for an unknown id."""
    parsed = parse_id(cfg, text)
    if parsed is None:
        return None
    seq, inside = parsed
    job = state["jobs"].get(str(seq))
    if job is None:
        return None
    if not job["array"]:
        return (job, None, False) if inside is None else None
    if inside is None:  # "4.srv" for the array "4[].srv": PBS does not know it
        return None
    if inside == "":
        return job, None, True
    if int(inside) not in job["indices"]:
        return None
    return job, int(inside), False


# -- time and formats -----------------------------------------------------------------


def ctime_text(stamp: float) -> str:
    """``Tue Apr  9 15:01:47 2013`` (C ctime(3), as qstat prints times)."""
    return time.strftime("%a %b %e %H:%M:%S %Y", time.localtime(stamp))


def run_comment_time(stamp: float) -> str:
    """``Thu Jun 19 at 21:27`` (the scheduler's "Job run at ..." comment)."""
    return time.strftime("%a %b %d at %H:%M", time.localtime(stamp))


def hms(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def parse_walltime(text: str) -> int | None:
    """PBS duration ``[[HH:]MM:]SS[.ms]`` in seconds, or None when it is not one."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3 or not all(re.fullmatch(r"\d+(\.\d+)?", p) for p in parts):
        return None
    total = 0.0
    for part in parts:
        total = total * 60 + float(part)
    return int(total)


# -- qsub -----------------------------------------------------------------------------


class Refused(Exception):
    """A refused command: ``message`` goes to stderr, the command exits ``code``."""

    def __init__(self, message: str, code: int, usage: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.usage = usage


def _qsub_optstring(cfg: Config) -> str:
    # PBS Pro qsub(1B) options; Torque has -t (arrays) and -d/-D, and no -J.
    common = "a:A:c:C:e:fhIj:k:l:m:M:N:o:p:P:q:r:R:S:u:v:VW:XzG"
    return common + ("t:d:D:x" if cfg.torque else "J:")


def _read_directives(path: str, prefix: str) -> list[str]:
    """The words of every ``#PBS`` line before the first command line (qsub(1B))."""
    words: list[str] = []
    with open(path, encoding="utf-8", errors="surrogateescape") as handle:
        for line in handle:
            text = line.strip()
            if not text:
                continue
            if not text.startswith("#"):
                break
            if text.startswith(prefix) and (len(text) == len(prefix) or text[len(prefix)] in " \t"):
                try:
                    words.extend(shlex.split(text[len(prefix) :], comments=False))
                except ValueError as error:
                    raise Refused(f"qsub: directive error: {text}: {error}", USAGE_EXIT) from None
    return words


def _collect(cfg: Config, pairs: list[tuple[str, str]], into: dict[str, Any]) -> None:
    for flag, value in pairs:
        if flag in ("-l",):
            into.setdefault("-l", []).append(value)
        elif flag == "-v":
            into.setdefault("-v", []).append(value)
        elif flag == "-W":
            into.setdefault("-W", []).append(value)
        else:
            into[flag] = value


def parse_array_pro(text: str) -> tuple[list[int], int | None] | None:
    """``-J X-Y[:Z][%N]``: X < Y, at least two subjobs (a one-subjob array is refused)."""
    match = re.fullmatch(r"(\d+)-(\d+)(?::(\d+))?(?:%(\d+))?", text.strip())
    if match is None:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    step = int(match.group(3)) if match.group(3) else 1
    limit = int(match.group(4)) if match.group(4) else None
    if start >= end or step < 1 or (limit is not None and limit < 1):
        return None
    indices = list(range(start, end + 1, step))
    if len(indices) < 2:
        return None
    return indices, limit


def parse_array_torque(text: str) -> tuple[list[int], int | None] | None:
    """Torque ``-t 0-4,7%2``: ranges and single numbers; one index is allowed."""
    body, _, limit_text = text.strip().partition("%")
    indices: set[int] = set()
    for piece in body.split(","):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", piece.strip())
        if match is None:
            return None
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else start
        if end < start:
            return None
        indices.update(range(start, end + 1))
    if limit_text and (not limit_text.isdigit() or int(limit_text) < 1):
        return None
    return sorted(indices), int(limit_text) if limit_text else None


def parse_resources(cfg: Config, values: list[str]) -> dict[str, str]:
    resources: dict[str, str] = {}
    for value in values:
        for item in value.split(","):
            if not item.strip():
                continue
            name, eq, setting = item.partition("=")
            if not eq or not name.strip():
                raise Refused("qsub: illegal -l value", USAGE_EXIT, usage=True)
            resources[name.strip()] = setting.strip()
    if "walltime" in resources:
        seconds = parse_walltime(resources["walltime"])
        if seconds is None:
            raise Refused("qsub: illegal -l value", USAGE_EXIT, usage=True)
        resources["walltime"] = hms(seconds)
    return resources


def chunk_totals(resources: dict[str, str]) -> tuple[int, int]:
    """(ncpus, nodect) a request asks for: ``select`` chunks, Torque ``nodes``, or ``ncpus``."""
    if "select" in resources:
        ncpus = nodes = 0
        for chunk in resources["select"].split("+"):
            parts = chunk.split(":")
            count = int(parts[0]) if parts and parts[0].isdigit() else 1
            per = 1
            for part in parts:
                key, _, val = part.partition("=")
                if key == "ncpus" and val.isdigit():
                    per = int(val)
            ncpus += count * per
            nodes += count
        return ncpus, nodes
    if "nodes" in resources:
        match = re.match(r"(\d+)(?::ppn=(\d+))?", resources["nodes"])
        if match:
            count = int(match.group(1))
            return count * int(match.group(2) or 1), count
    if resources.get("ncpus", "").isdigit():
        return int(resources["ncpus"]), 1
    return 1, 1


def parse_depend(cfg: Config, text: str) -> list[list[Any]]:
    """``afterok:12.srv:13`` (several kinds separated by commas) -> [[kind, [ids]], ...]."""
    result: list[list[Any]] = []
    for clause in text.split(","):
        kind, _, rest = clause.partition(":")
        ids = [i for i in rest.split(":") if i]
        if kind not in _DEPEND_TYPES or not ids:
            raise Refused("qsub: illegal -W value", USAGE_EXIT, usage=True)
        normalised = []
        for raw in ids:
            if _JOB_ID.match(raw) is None or parse_id(cfg, raw) is None:
                # another server's suffix (afterok:99999.nosuchserver): refused by qsub
                raise Refused("qsub: illegal -W value", USAGE_EXIT, usage=True)
            normalised.append(full_id(cfg, raw.split("@")[0]))
        result.append([kind, normalised])
    return result


def queued_count(cfg: Config, state: dict[str, Any], user: str) -> int:
    """Jobs of ``user`` not yet finished, each subjob counted (what max_queued limits)."""
    count = 0
    for job in state["jobs"].values():
        if job["user"] != user or is_finished(cfg, job):
            continue
        count += sum(1 for _, u in units(job) if u["state"] not in ("X", "F"))
    return count


def qsub(cfg: Config, argv: list[str]) -> int:
    if argv[:1] == ["--version"]:
        print(f"pbs_version = {PBS_VERSION}" if not cfg.torque else f"Version: {TORQUE_VERSION}")
        return 0
    usage = TORQUE_QSUB_USAGE if cfg.torque else QSUB_USAGE
    try:
        return _qsub(cfg, argv)
    except Refused as refused:
        sys.stderr.write(refused.message + "\n")
        if refused.usage:
            sys.stderr.write(usage)
        return refused.code


def _qsub(cfg: Config, argv: list[str]) -> int:
    try:
        pairs, rest = getopt.getopt(argv, _qsub_optstring(cfg))
    except getopt.GetoptError as error:
        raise Refused(f"qsub: invalid option -- '{error.opt}'", USAGE_EXIT, usage=True) from None
    if len(rest) > 1:
        raise Refused("qsub: script file and argument list given", USAGE_EXIT, usage=True)
    cwd = os.getcwd()
    if rest:
        script_path = os.path.join(cwd, rest[0])
        if not os.path.isfile(script_path):
            raise Refused(f"qsub: script file:: No such file or directory: {rest[0]}", 1)
        default_name = os.path.basename(rest[0])
    else:
        data = sys.stdin.read()
        script_path = os.path.join(cfg.dir, "run", f"stdin.{os.getpid()}")
        with open(script_path, "w", encoding="utf-8") as handle:
            handle.write(data)
        default_name = "STDIN"
    options: dict[str, Any] = {}
    command_line: dict[str, Any] = {}
    _collect(cfg, pairs, command_line)
    prefix = str(command_line.get("-C", "#PBS"))
    directive_words = _read_directives(script_path, prefix)
    try:
        directive_pairs, _ = getopt.getopt(directive_words, _qsub_optstring(cfg))
    except getopt.GetoptError as error:
        raise Refused(f"qsub: invalid option -- '{error.opt}'", USAGE_EXIT, usage=True) from None
    _collect(cfg, directive_pairs, options)
    # Command-line options win over directives; -l/-v/-W lists are merged (later wins).
    for key, value in command_line.items():
        if isinstance(value, list):
            options[key] = options.get(key, []) + value
        else:
            options[key] = value

    name = options.get("-N", default_name)
    if "-N" in options and (
        not name
        or len(name) > 236
        or not name[0].isalpha()
        or any(c.isspace() or not c.isprintable() or c == "@" for c in name)
    ):
        raise Refused("qsub: illegal -N value", USAGE_EXIT, usage=True)
    array: tuple[list[int], int | None] | None = None
    array_text = options.get("-t" if cfg.torque else "-J")
    if array_text is not None:
        array = (parse_array_torque if cfg.torque else parse_array_pro)(array_text)
        if array is None:
            flag = "-t" if cfg.torque else "-J"
            raise Refused(f"qsub: illegal {flag} value", USAGE_EXIT, usage=True)
    resources = parse_resources(cfg, options.get("-l", []))
    depend: list[list[Any]] = []
    other_w: dict[str, str] = {}
    for item in options.get("-W", []):
        key, eq, value = item.partition("=")
        if not eq:
            raise Refused("qsub: illegal -W value", USAGE_EXIT, usage=True)
        if key == "depend":
            depend.extend(parse_depend(cfg, value))
        else:
            other_w[key] = value
    join = options.get("-j", "n")
    if join not in ("oe", "eo", "n"):
        raise Refused("qsub: illegal -j value", USAGE_EXIT, usage=True)
    variables: dict[str, str] = {}
    for item in options.get("-v", []):
        for piece in item.split(","):
            if not piece:
                continue
            var, eq, value = piece.partition("=")
            variables[var] = value if eq else os.environ.get(var, "")

    with locked(cfg) as state:
        advance(cfg, state)
        seq = state["next_id"]
        state["next_id"] = seq + 1  # assigned before any server-side check: a refused job
        user = pwd.getpwuid(os.getuid()).pw_name  # still uses up its number (notes)
        if os.getuid() == 0 and not cfg.acl_roots:
            raise Refused("qsub: Bad UID for job execution", PBSE_BADUSER)
        queue = options.get("-q", cfg.queue)
        if queue.split("@")[0] != cfg.queue:
            raise Refused("qsub: Unknown queue", PBSE_UNKQUE)
        limit = cfg.max_array_size
        if array is not None and limit is not None and len(array[0]) > limit:
            raise Refused("qsub: Array job exceeds server or queue size limit", PBSE_MAXARRAYSIZE)
        wanted = len(array[0]) if array else 1
        have = queued_count(cfg, state, user)
        # Messages of OpenPBS's entity limits (PTL test suite, TestEntityLimits:
        # test_server_generic_user_limits_max / test_queue_generic_user_limits_max) --
        # "generic" really is printed in the queue message.
        if cfg.max_queued is not None and have + wanted > cfg.max_queued:
            raise Refused("qsub: would exceed complex's per-user limit", PBSE_ENTLIMCT)
        if cfg.queue_max_queued is not None and have + wanted > cfg.queue_max_queued:
            raise Refused("qsub: would exceed queue generic's per-user limit", PBSE_ENTLIMCT)
        for _kind, ids in depend:
            for dep in ids:
                if find(cfg, state, dep) is None:
                    raise Refused(f"qsub: Unknown Job Id {dep}", PBSE_UNKJOBID)
        job = _make_job(cfg, seq, user, name, queue, options, resources, array, depend,
                        variables, other_w, cwd, script_path, argv, join)  # fmt: skip
        state["jobs"][str(seq)] = job
        for kind, ids in depend:
            for dep in ids:
                found = find(cfg, state, dep)
                assert found is not None  # checked above
                found[0]["dependents"].append([kind.replace("after", "before"), job_id(cfg, job)])
        advance(cfg, state)
        if "-z" not in options:
            print(job_id(cfg, job))
    return 0


def _absolute_path(cfg: Config, cwd: str, text: str) -> str:
    host, colon, path = text.partition(":")
    if colon and "/" not in host:
        text = path
    return text if os.path.isabs(text) else os.path.normpath(os.path.join(cwd, text))


def _make_job(
    cfg: Config,
    seq: int,
    user: str,
    name: str,
    queue: str,
    options: dict[str, Any],
    resources: dict[str, str],
    array: tuple[list[int], int | None] | None,
    depend: list[list[Any]],
    variables: dict[str, str],
    other_w: dict[str, str],
    cwd: str,
    script_path: str,
    argv: list[str],
    join: str,
) -> dict[str, Any]:
    now = time.time()
    spool = os.path.join(cfg.dir, "spool", f"{seq}.SC")  # PBS copies the script at qsub
    os.makedirs(os.path.dirname(spool), exist_ok=True)
    with open(script_path, "rb") as source, open(spool, "wb") as copy:
        copy.write(source.read())
    ncpus, nodect = chunk_totals(resources)
    resource_list = dict(resources)
    if not cfg.torque:
        resource_list.setdefault("ncpus", str(ncpus))
        resource_list["ncpus"] = str(ncpus)
        resource_list.setdefault("nodect", str(nodect))
        resource_list.setdefault("place", "pack")
        resource_list.setdefault("select", f"1:ncpus={ncpus}")
        if "select" in resources and "mem" not in resources:
            mems = re.findall(r"mem=([^:+]+)", resources["select"])
            if len(mems) == 1:
                resource_list["mem"] = mems[0]
    array_suffix = ".^array_index^" if array and not cfg.torque else ""
    out = options.get("-o") or f"{name}.o{seq}{array_suffix}"
    err = options.get("-e") or f"{name}.e{seq}{array_suffix}"
    env = os.environ
    o_vars = {
        f"PBS_O_{key}": env[key]
        for key in ("HOME", "LANG", "LOGNAME", "PATH", "MAIL", "SHELL")
        if key in env
    }
    o_vars["PBS_O_WORKDIR"] = cwd
    o_vars["PBS_O_SYSTEM"] = "Linux"
    o_vars.update(variables)
    o_vars["PBS_O_QUEUE"] = queue
    o_vars["PBS_O_HOST"] = cfg.host
    job: dict[str, Any] = {
        "seq": seq,
        "array": array is not None,
        "name": name,
        "user": user,
        "queue": queue,
        "account": options.get("-A"),
        "project": options.get("-P", "_pbs_project_default"),
        "ctime": now,
        "qtime": now,
        "etime": now,
        "mtime": now,
        "submit_args": " ".join(argv),
        "cwd": cwd,
        "spool": spool,
        "resources": dict(sorted(resource_list.items())),
        "walltime": parse_walltime(resources["walltime"]) if "walltime" in resources else None,
        "ncpus": ncpus,
        "join": join,
        "out": _absolute_path(cfg, cwd, out),
        "err": _absolute_path(cfg, cwd, err),
        "variables": o_vars,
        "export_env": dict(env) if "-V" in options else None,
        "depend": depend,
        "dependents": [],
        "hold": "-h" in options,
        "mail": options.get("-m", "a"),
        "keep": options.get("-k", "n"),
        "rerun": "False" if options.get("-r") == "n" else "True",
        "other_w": other_w,
        "state": "H" if depend or "-h" in options else "Q",
        "substate": SUB_HELD if depend or "-h" in options else SUB_QUEUED,
        "exit": None,
        "comment": None,
        "stime": None,
        "obittime": None,
        "run": None,
        "ran": False,
        "kill": None,
    }
    if array is not None:
        job["indices"] = array[0]
        job["range"] = str(array_text_of(cfg, options))
        job["max_run"] = array[1]
        job["terminated"] = False
        job["subjobs"] = {
            str(i): {
                "state": "Q",
                "substate": SUB_QUEUED,
                "exit": None,
                "comment": None,
                "stime": None,
                "obittime": None,
                "run": None,
                "ran": False,
                "kill": None,
            }
            for i in array[0]
        }
    return job


def array_text_of(cfg: Config, options: dict[str, Any]) -> str:
    text = str(options.get("-t" if cfg.torque else "-J"))
    return text.split("%")[0]


# -- running jobs ---------------------------------------------------------------------


def _unit_paths(cfg: Config, job: dict[str, Any], index: int | None) -> tuple[str, str]:
    out, err = job["out"], job["err"]
    if index is not None:
        if cfg.torque:  # Torque appends -INDEX to an array's -o/-e paths
            out, err = f"{out}-{index}", f"{err}-{index}"
        else:
            out = out.replace("^array_index^", str(index))
            err = err.replace("^array_index^", str(index))
    if job["join"] == "oe":
        err = out
    elif job["join"] == "eo":
        out = err
    return out, err


def _job_environment(
    cfg: Config, job: dict[str, Any], index: int | None, tmpdir: str
) -> dict[str, str]:
    """What pbs_mom gives a job: not the submitter's environment (unless -V), but
    PBS_O_* and -v variables, the user's basics and PATH from pbs_environment."""
    entry = pwd.getpwnam(job["user"])
    env: dict[str, str] = {}
    if job["export_env"] is not None:
        env.update(job["export_env"])
    env.update(job["variables"])
    env.update(
        {
            "HOME": entry.pw_dir,
            "LOGNAME": job["user"],
            "USER": job["user"],
            "SHELL": entry.pw_shell or "/bin/sh",
            "ENVIRONMENT": "BATCH",
            "PBS_ENVIRONMENT": "PBS_BATCH",
            "PBS_JOBID": job_id(cfg, job, index),
            "PBS_JOBNAME": job["name"],
            "PBS_QUEUE": job["queue"],
            "PBS_JOBDIR": entry.pw_dir,
            "PBS_TASKNUM": "1",
            "PBS_MOMPORT": "15003",
            "PBS_JOBCOOKIE": os.urandom(16).hex().upper(),
            "PBS_NODENUM": "0",
            "TMPDIR": tmpdir,
            "NCPUS": str(job["ncpus"]),
            "OMP_NUM_THREADS": str(job["ncpus"]),
        }
    )
    if job["export_env"] is None:
        env["PATH"] = "/bin:/usr/bin"  # $PBS_HOME/pbs_environment as installed
    if index is not None:
        if cfg.torque:
            env["PBS_ARRAYID"] = str(index)
        else:
            env["PBS_ARRAY_INDEX"] = str(index)
            env["PBS_ARRAY_ID"] = job_id(cfg, job)
    return env


def start_unit(
    cfg: Config, job: dict[str, Any], index: int | None, unit: dict[str, Any], slots: list[int]
) -> None:
    now = time.time()
    key = unit_key(job, index)
    out, err = _unit_paths(cfg, job, index)
    for path in {out, err}:
        if not os.path.isdir(os.path.dirname(path) or "."):
            # pbs_mom cannot deliver the file: it is kept in the undelivered directory
            os.makedirs(os.path.join(cfg.dir, "undelivered"), exist_ok=True)
            kind = "OU" if path == out else "ER"
            replacement = os.path.join(cfg.dir, "undelivered", f"{key}.{kind}")
            out = replacement if path == out else out
            err = replacement if path == err else err
    tmpdir = os.path.join(cfg.dir, "tmp", f"pbs.{job_id(cfg, job, index)}")
    os.makedirs(tmpdir, exist_ok=True)
    nodefile = os.path.join(cfg.dir, "aux", job_id(cfg, job, index))
    os.makedirs(os.path.dirname(nodefile), exist_ok=True)
    with open(nodefile, "w", encoding="utf-8") as handle:
        handle.write(f"{cfg.host}\n")
    env = _job_environment(cfg, job, index, tmpdir)
    env["PBS_NODEFILE"] = nodefile
    spec = {
        "argv": ["/bin/bash", job["spool"]],
        "cwd": env["HOME"] if cfg.start_in_home else job["cwd"],
        "env": env,
        "out": out,
        "err": err,
    }
    run_dir = os.path.join(cfg.dir, "run")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(run_dir, f"{key}.exit"))
    with open(os.path.join(run_dir, f"{key}.json"), "w", encoding="utf-8") as handle:
        json.dump(spec, handle)
    # The runner starts with SIGTERM ignored (inherited through exec) until it installs its
    # own handler: a qdel right after the start must not kill it before it can record.
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        runner = subprocess.Popen(
            [sys.executable, "-S", os.path.abspath(__file__), "_run", cfg.dir, key],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # own session and process group, detached from the caller
            close_fds=True,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    first = slots[0]
    vnode = f"({cfg.host}:ncpus={len(slots)})"
    unit.update(
        state="R",
        substate=SUB_RUNNING,
        stime=now,
        ran=True,
        comment=f"Job run at {run_comment_time(now)} on {vnode}",
        run={
            "pid": runner.pid,
            "slots": slots,
            "exec_host": f"{cfg.host}/{first}" + (f"*{len(slots)}" if len(slots) > 1 else ""),
            "exec_vnode": vnode,
            "session_id": runner.pid,
            "run_count": 1,
            "out": out,
        },
    )
    job["mtime"] = now
    if job["array"] and job["state"] == "Q":
        job.update(state="B", substate=SUB_BEGUN, stime=now, comment=None)


def run_job(state_dir: str, key: str) -> int:
    """The detached runner: run the job's shell, then record how it ended."""
    run_dir = os.path.join(state_dir, "run")
    with open(os.path.join(run_dir, f"{key}.json"), encoding="utf-8") as handle:
        spec = json.load(handle)
    # A qdel/walltime SIGTERM goes to the whole process group; the runner survives it to
    # record the shell's end (a handled signal is reset to the default in the child by exec;
    # an ignored one would not be).
    terminated: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: terminated.append(True))
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    outcome: dict[str, Any]
    try:
        if terminated:  # killed before the shell started
            raise InterruptedError
        with open(spec["out"], "wb") as out:
            if spec["err"] == spec["out"]:
                child = _spawn(spec, out, out)
            else:
                with open(spec["err"], "wb") as err_handle:
                    child = _spawn(spec, out, err_handle)
            rc = child.wait()
        outcome = {"rc": rc, "ended": time.time()}
    except InterruptedError:
        outcome = {"rc": -signal.SIGTERM, "ended": time.time()}
    except OSError as error:
        outcome = {"rc": None, "ended": time.time(), "error": str(error)}
    tmp = os.path.join(run_dir, f"{key}.exit.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(outcome, handle)
    os.replace(tmp, os.path.join(run_dir, f"{key}.exit"))
    return 0


def _spawn(spec: dict[str, Any], out: Any, err: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        spec["argv"],
        cwd=spec["cwd"],
        env=spec["env"],
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=err,
        close_fds=True,
    )


def _read_exit(cfg: Config, key: str) -> dict[str, Any] | None:
    try:
        with open(os.path.join(cfg.dir, "run", f"{key}.exit"), encoding="utf-8") as handle:
            return dict(json.load(handle))
    except (FileNotFoundError, ValueError):
        return None


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def terminate_unit(
    cfg: Config,
    state: dict[str, Any],
    job: dict[str, Any],
    index: int | None,
    unit: dict[str, Any],
    reason: str,
) -> None:
    """SIGTERM the unit's process group, wait for the runner's record (SIGKILL after
    KILL_WAIT seconds), then finish it as ``reason`` says (qdel: 91/271, walltime: 93/-29).

    Real ``qdel`` is asynchronous; the fake applies it before returning (README)."""
    key = unit_key(job, index)
    pid = unit["run"]["pid"]
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + KILL_WAIT
    killed = False
    while _read_exit(cfg, key) is None:
        if time.monotonic() > deadline:
            if killed:
                break
            _signal_group(pid, signal.SIGKILL)
            killed = True
            deadline = time.monotonic() + KILL_WAIT
        time.sleep(0.02)
    _signal_group(pid, signal.SIGKILL)  # anything the job left behind in its group
    if reason == "walltime":
        limit = job["walltime"] or 0
        used = int(time.time() - unit["stime"])
        with contextlib.suppress(OSError), open(unit["run"]["out"], "a", encoding="utf-8") as log:
            log.write(f"=>> PBS: job killed: walltime {used} exceeded limit {limit}\n")
    outcome = _read_exit(cfg, key) or {}
    finish_unit(cfg, state, job, index, unit, None, reason, outcome.get("ended"))


def finish_unit(
    cfg: Config,
    state: dict[str, Any],
    job: dict[str, Any],
    index: int | None,
    unit: dict[str, Any],
    rc: int | None,
    reason: str | None,
    when: float | None = None,
) -> None:
    now = time.time() if when is None else when
    if reason == "qdel":
        code, substate, how = EXIT_QDEL, SUB_TERMINATED, "terminated"
    elif reason == "walltime":
        code, substate, how = EXIT_WALLTIME, SUB_FAILED, "exceeded resource walltime"
    else:
        # the shell's status; a shell killed by signal N is 256+N (as PBS reports it);
        # a runner that could not start the shell: JOB_EXEC_FAIL1 (-1)
        code = -1 if rc is None else (rc if rc >= 0 else 256 - rc)
        substate = SUB_FINISHED if code == 0 else SUB_FAILED
        how = "finished" if code == 0 else "failed"
    unit.update(
        state="F" if index is None else "X",
        substate=substate,
        exit=code,
        obittime=now,
        comment=f"{unit['comment']} and {how}",
    )
    unit["run"]["walltime_used"] = now - unit["stime"]
    job["mtime"] = max(job["mtime"], now)
    if index is not None:
        # The parent's Exit_status is the last finished subjob's (notes), 0 or 1.
        job["exit"] = 0 if code == 0 else 1
        if reason == "qdel":
            job["terminated"] = True
        finish_array_if_done(cfg, job)


def finish_array_if_done(cfg: Config, job: dict[str, Any]) -> None:
    if job["state"] == "F" or any(u["state"] not in ("X",) for _, u in units(job)):
        return
    now = max((u["obittime"] or 0.0) for _, u in units(job)) or time.time()
    failed = any(u["ran"] and u["exit"] not in (0, None) for _, u in units(job))
    substate = SUB_TERMINATED if job["terminated"] else SUB_FAILED if failed else SUB_FINISHED
    job.update(state="F", substate=substate, obittime=now, mtime=now)


def delete_queued(
    cfg: Config, job: dict[str, Any], index: int | None, unit: dict[str, Any]
) -> None:
    """A job or subjob deleted before it ran: finished, no Exit_status."""
    now = time.time()
    unit.update(state="F" if index is None else "X", substate=SUB_TERMINATED, obittime=now)
    job["mtime"] = now


# -- the server's lazy cycle ----------------------------------------------------------


def advance(cfg: Config, state: dict[str, Any]) -> None:
    """Reap, enforce walltimes, settle dependencies, then start what fits.

    Ended jobs are finished in the order they really ended (the runner records the time),
    so "the parent's Exit_status is the last finished subjob's" holds however seldom the
    server is asked.
    """
    now = time.time()
    ended: list[tuple[float, dict[str, Any], int | None, dict[str, Any], dict[str, Any]]] = []
    for job in jobs_in_order(state):
        if job["state"] == "F":
            continue
        for index, unit in units(job):
            if unit["state"] != "R":
                continue
            outcome = _read_exit(cfg, unit_key(job, index))
            if outcome is not None:
                ended.append((float(outcome.get("ended") or now), job, index, unit, outcome))
            elif (
                job["walltime"] is not None
                and now > unit["stime"] + job["walltime"] + cfg.walltime_grace
            ):
                terminate_unit(cfg, state, job, index, unit, "walltime")
    for when, job, index, unit, outcome in sorted(ended, key=lambda e: e[0]):
        deadline = None if job["walltime"] is None else unit["stime"] + job["walltime"]
        if deadline is not None and when > deadline + cfg.walltime_grace:
            # it outlived its walltime while nobody asked: the real server had killed it
            finish_unit(cfg, state, job, index, unit, None, "walltime", deadline)
        else:
            finish_unit(cfg, state, job, index, unit, outcome.get("rc"), None, when)
    _settle_dependencies(cfg, state)
    _schedule(cfg, state)


def _job_succeeded(job: dict[str, Any]) -> bool:
    return all(u["ran"] and u["exit"] == 0 for _, u in units(job))


def _settle_dependencies(cfg: Config, state: dict[str, Any]) -> None:
    for job in jobs_in_order(state):
        if job["state"] != "H" or job["hold"] or not job["depend"]:
            continue
        ready = True
        doomed = False
        for kind, ids in job["depend"]:
            for dep in ids:
                found = find(cfg, state, dep)
                if found is None:
                    doomed = True
                    continue
                parent = found[0]
                if kind == "after":
                    ready &= parent["stime"] is not None
                    continue
                if parent["state"] != "F":
                    ready = False
                    continue
                ok = _job_succeeded(parent)
                if (kind == "afterok" and not ok) or (kind == "afternotok" and ok):
                    doomed = True
        if doomed:
            # Never ran: its dependency can never be satisfied.  Substate 92 and no
            # Exit_status, no comment (notes, "Final states").
            now = time.time()
            job.update(state="F", substate=SUB_FINISHED, obittime=now, mtime=now, comment=None)
            if job["array"]:
                for _, unit in units(job):
                    unit.update(state="X", substate=SUB_FINISHED, obittime=now)
        elif ready:
            job.update(state="Q", substate=SUB_QUEUED, mtime=time.time())


def _schedule(cfg: Config, state: dict[str, Any]) -> None:
    used: set[int] = set()
    for job in state["jobs"].values():
        for _, unit in units(job):
            if unit["state"] == "R":
                used.update(unit["run"]["slots"])
    for job in jobs_in_order(state):
        if job["state"] not in ("Q", "B"):
            continue
        need = job["ncpus"]
        free = [s for s in range(cfg.ncpus) if s not in used]
        if need > cfg.ncpus:
            job["comment"] = (
                "Can Never Run: Insufficient amount of resource: ncpus "
                f"(R: {need} A: {len(free)} T: {cfg.ncpus})"
            )
            continue
        running = sum(1 for _, u in units(job) if u["state"] == "R")
        for index, unit in units(job):
            if unit["state"] != "Q":
                continue
            if job["array"] and job["max_run"] is not None and running >= job["max_run"]:
                break
            free = [s for s in range(cfg.ncpus) if s not in used]
            if len(free) < need:
                if job["state"] == "Q":
                    job["comment"] = (
                        "Not Running: Insufficient amount of resource: ncpus "
                        f"(R: {need} A: {len(free)} T: {cfg.ncpus})"
                    )
                break
            slots = free[:need]
            used.update(slots)
            start_unit(cfg, job, index, unit, slots)
            running += 1


# -- qstat ----------------------------------------------------------------------------


def _lying_values(job: dict[str, Any], unit: dict[str, Any]) -> tuple[int, int | None, str]:
    """A finished subjob that never ran reports its *parent's* substate and Exit_status,
    with comment "Subjob finished" (notes: "Subjobs that never ran lie")."""
    return job["substate"], job["exit"], "Subjob finished"


def attributes(
    cfg: Config, job: dict[str, Any], index: int | None, parent_view: bool = False
) -> list[tuple[str, str]]:
    """The attributes ``qstat -f`` prints for a job, an array parent or a subjob, in
    OpenPBS's order (job_attr_def order, as the real samples show)."""
    now = time.time()
    unit = job if index is None else job["subjobs"][str(index)]
    is_parent = job["array"] and index is None
    attrs: list[tuple[str, str]] = [
        ("Job_Name", job["name"]),
        ("Job_Owner", f"{job['user']}@{cfg.host}"),
    ]
    ran = bool(unit.get("ran")) and not is_parent
    finished_unit = unit["state"] in ("F", "X")
    substate, exit_status, comment = unit["substate"], unit["exit"], unit["comment"]
    if not is_parent and finished_unit and not unit["ran"] and index is not None:
        substate, exit_status, comment = _lying_values(job, unit)
    if ran and unit["stime"] is not None:
        end = unit["obittime"] or now
        if end - unit["stime"] >= cfg.mom_poll or finished_unit:
            attrs += [
                ("resources_used.cpupercent", "0"),
                ("resources_used.cput", "00:00:00"),
                ("resources_used.mem", "0kb"),
                ("resources_used.ncpus", str(job["ncpus"])),
                ("resources_used.vmem", "0kb"),
                ("resources_used.walltime", hms(end - unit["stime"])),
            ]
    letter = unit["state"]
    if cfg.torque and letter in ("F", "X"):
        letter = "C"
    elif index is not None and letter == "X" and job["state"] == "F":
        letter = "F"
    attrs += [("job_state", letter), ("queue", job["queue"]), ("server", cfg.server)]
    if job["account"]:
        attrs.append(("Account_Name", job["account"]))
    attrs += [("Checkpoint", "u"), ("ctime", ctime_text(job["ctime"]))]
    depend = [f"{k}:{':'.join(f'{i}@{cfg.server}' for i in ids)}" for k, ids in job["depend"]]
    depend += [f"{k}:{i}@{cfg.server}" for k, i in job["dependents"]]
    if depend:
        attrs.append(("depend", ",".join(depend)))
    out, err = job["out"], job["err"]
    if index is not None:
        out, err = _unit_paths(cfg, {**job, "join": "n"}, index)
    attrs.append(("Error_Path", f"{cfg.host}:{err}"))
    if ran and unit["run"]:
        attrs += [
            ("exec_host", unit["run"]["exec_host"]),
            ("exec_vnode", unit["run"]["exec_vnode"]),
        ]
    attrs += [
        ("Hold_Types", "u" if job["hold"] else "s" if job["state"] == "H" else "n"),
        ("Join_Path", job["join"]),
        ("Keep_Files", job["keep"]),
        ("Mail_Points", job["mail"]),
        ("mtime", ctime_text(job["mtime"])),
        ("Output_Path", f"{cfg.host}:{out}"),
        ("Priority", "0"),
        ("qtime", ctime_text(job["qtime"])),
        ("Rerunable", job["rerun"]),
    ]
    attrs += [(f"Resource_List.{k}", v) for k, v in job["resources"].items()]
    stime = unit["stime"] if not is_parent else job["stime"]
    if stime is not None and (ran or is_parent):
        attrs.append(("stime", ctime_text(stime)))
    if ran and finished_unit and unit["obittime"]:
        attrs.append(("obittime", ctime_text(unit["obittime"])))
    if ran and unit["run"]:
        attrs += [("session_id", str(unit["run"]["session_id"])), ("jobdir", job["cwd"])]
    if not cfg.torque:
        attrs.append(("substate", str(substate)))
    variables = dict(job["variables"])
    if cfg.torque and index is not None:
        variables = {"PBS_ARRAYID": str(index), **variables}
    attrs.append(("Variable_List", ",".join(f"{k}={v}" for k, v in variables.items())))
    if comment:
        attrs.append(("comment", comment))
    attrs.append(("etime", ctime_text(job["etime"])))
    if ran and unit["run"]:
        attrs.append(("run_count", str(unit["run"]["run_count"])))
    if ran and finished_unit:
        attrs.append(("Stageout_status", "1"))
    if exit_status is not None and (finished_unit or is_parent):
        attrs.append(("exit_status" if cfg.torque else "Exit_status", str(exit_status)))
    attrs.append(("Submit_arguments", job["submit_args"]))
    if is_parent:
        attrs.append(("array", "True"))
    if index is not None:
        attrs += [("array_id", job_id(cfg, job, None)), ("array_index", str(index))]
    if is_parent:
        counts = {"Q": 0, "R": 0, "X": 0}
        for _, sub in units(job):
            counts["X" if sub["state"] in ("X", "F") else sub["state"]] += 1
        attrs.append(
            (
                "array_state_count",
                f"Queued:{counts['Q']} Running:{counts['R']} Exiting:0 Expired:{counts['X']} ",
            )
        )
        attrs.append(("array_indices_submitted", job["range"]))
        remaining = [i for i, sub in units(job) if sub["state"] == "Q"]
        if remaining:
            attrs.append(("array_indices_remaining", compress(remaining)))
    if job["state"] == "F" and (not job["array"] or is_parent or finished_unit):
        attrs.append(("history_timestamp", str(int(job["obittime"] or now))))
    attrs += [("project", job["project"]), ("Submit_Host", cfg.host)]
    if is_parent and job["max_run"] is not None:
        attrs.append(("max_run_subjobs", str(job["max_run"])))
    return attrs


def compress(indices: list[int]) -> str:
    pieces: list[str] = []
    start = prev = None
    for i in sorted(indices):
        if start is None:
            start = prev = i
        elif prev is not None and i == prev + 1:
            prev = i
        else:
            pieces.append(str(start) if start == prev else f"{start}-{prev}")
            start = prev = i
    if start is not None:
        pieces.append(str(start) if start == prev else f"{start}-{prev}")
    return ",".join(pieces)


def wrap_attribute(name: str, value: str) -> str:
    """One attribute as ``qstat -f`` prints it, following OpenPBS ``prt_attr()``:

    the value is cut at commas (empty pieces dropped, as strtok does); a piece that fits
    before column 78 is printed whole; otherwise, unless it is the first, it starts a new
    line ``\\n\\t`` and is printed character by character, breaking the line (``\\n\\t``)
    whenever it passes column 78 -- in the middle of a word if need be.  Commas are
    printed but not counted.  Checked against the real samples in shared/real-outputs.
    """
    text = f"    {name} = "
    start = len(name) + 7
    pieces = [p for p in value.split(",") if p]
    first = True
    for number, piece in enumerate(pieces):
        if len(piece) + start < WRAP_COLUMNS:
            text += piece
            start += len(piece)
        else:
            if not first:
                text += "\n\t"
                start = 9
            for char in piece:
                text += char
                start += 1
                if start > WRAP_COLUMNS:
                    start = 8
                    text += "\n\t"
        if number + 1 < len(pieces):
            first = False
            text += ","
    return text + "\n"


def format_full(cfg: Config, blocks: list[tuple[str, list[tuple[str, str]]]], wide: bool) -> str:
    parts = []
    for name, attrs in blocks:
        lines = [f"Job Id: {name}\n"]
        for key, value in attrs:
            lines.append(f"    {key} = {value}\n" if wide else wrap_attribute(key, value))
        parts.append("".join(lines) + "\n")
    return "".join(parts)


def _json_value(value: str) -> Any:
    if re.fullmatch(r"-?(0|[1-9]\d*)", value):
        return int(value)
    return value


def format_json(
    cfg: Config, blocks: list[tuple[str, list[tuple[str, str]]]], with_jobs: bool
) -> str:
    jobs: dict[str, Any] = {}
    for name, attrs in blocks:
        record: dict[str, Any] = {}
        for key, value in attrs:
            if key == "Variable_List":
                pairs = (p.partition("=") for p in value.split(","))
                record[key] = {k: _json_value(v) for k, _, v in pairs}
            elif "." in key:
                group, _, sub = key.partition(".")
                record.setdefault(group, {})[sub] = _json_value(value)
            else:
                record[key] = _json_value(value)
        jobs[name] = record
    document: dict[str, Any] = {
        "timestamp": int(time.time()),
        "pbs_version": PBS_VERSION,
        "pbs_server": cfg.server,
    }
    if with_jobs:
        document["Jobs"] = jobs
    if cfg.json_style == "release":  # 23.06.06: four spaces, no space after the colon
        return json.dumps(document, indent=4, separators=(",", ":"), ensure_ascii=False) + "\n"
    # current master (cJSON): TAB indentation and ":\t"
    return json.dumps(document, indent="\t", separators=(",", ":\t"), ensure_ascii=False) + "\n"


def _selected(
    cfg: Config, job: dict[str, Any], subjobs: bool, only_subjobs: bool
) -> list[int | None]:
    if not job["array"]:
        return [None]
    chosen: list[int | None] = [] if only_subjobs else [None]
    if subjobs or only_subjobs:
        chosen += list(job["indices"])
    return chosen


def qstat(cfg: Config, argv: list[str]) -> int:
    if argv[:1] == ["--version"]:
        print(f"pbs_version = {PBS_VERSION}" if not cfg.torque else f"Version: {TORQUE_VERSION}")
        return 0
    try:
        pairs, ids = getopt.gnu_getopt(argv, "fxHtJwF:u:airsn1D:GMTpQB")
    except getopt.GetoptError as error:
        sys.stderr.write(f"qstat: invalid option -- '{error.opt}'\n")
        sys.stderr.write("usage: qstat [-f] [-J] [-p] [-t] [-x] [-E] [-F format] [-D delim] [-w] [job_identifier...]\n")  # fmt: skip
        return USAGE_EXIT
    flags = {flag for flag, _ in pairs}
    values = dict(pairs)
    if cfg.torque and "-x" in flags:
        sys.stderr.write("qstat: the fake Torque has no XML output (-x)\n")
        return USAGE_EXIT
    if "-Q" in flags or "-B" in flags:
        sys.stderr.write("qstat: -Q/-B are not implemented by the fake server\n")
        return USAGE_EXIT
    history = "-x" in flags or "-H" in flags
    full = "-f" in flags or "-F" in values
    as_json = values.get("-F", "").lower() == "json"
    subjobs = "-t" in flags
    only_subjobs = "-J" in flags and subjobs
    arrays_only = "-J" in flags and not subjobs
    user = values.get("-u")
    code = 0
    blocks: list[tuple[str, list[tuple[str, str]]]] = []
    per_id: list[list[tuple[str, list[tuple[str, str]]]]] = []
    rows: list[tuple[dict[str, Any], int | None]] = []
    with locked(cfg) as state:
        advance(cfg, state)
        if ids:
            for raw in ids:
                if _JOB_ID.match(raw.strip()) is None:
                    sys.stderr.write(f"qstat: illegally formed job identifier: {raw}\n")
                    code = 1
                    continue
                name = full_id(cfg, raw.strip())
                found = find(cfg, state, raw)
                if found is None:
                    sys.stderr.write(f"qstat: Unknown Job Id {name}\n")
                    code = PBSE_UNKJOBID
                    continue
                job, index, is_parent = found
                if job["state"] == "F" and not history and not cfg.torque:
                    sys.stderr.write(
                        f"qstat: {name} Job has finished, use -x or -H to obtain historical "
                        "job information\n"
                    )
                    code = PBSE_HISTJOBID
                    continue
                chosen = _selected(cfg, job, subjobs, only_subjobs) if is_parent else [index]
                mine = [(job_id(cfg, job, i), attributes(cfg, job, i)) for i in chosen]
                per_id.append(mine)
                blocks += mine
                rows += [(job, i) for i in chosen]
        else:
            for job in jobs_in_order(state):
                if job["state"] == "F" and not history and not cfg.torque:
                    continue
                if user is not None and job["user"] != user:
                    continue
                if arrays_only and not job["array"]:
                    continue
                chosen = _selected(cfg, job, subjobs, only_subjobs)
                blocks += [(job_id(cfg, job, i), attributes(cfg, job, i)) for i in chosen]
                rows += [(job, i) for i in chosen]
    if full and as_json:
        if ids and cfg.json_style == "master" and per_id:
            blocks = per_id[0]  # current master prints only the first job (notes)
        sys.stdout.write(format_json(cfg, blocks, bool(blocks)))
    elif full:
        sys.stdout.write(format_full(cfg, blocks, "-w" in flags))
    elif rows:
        sys.stdout.write(format_table(cfg, rows, alternate=user is not None or "-a" in flags))
    return code


def format_table(
    cfg: Config, rows: list[tuple[dict[str, Any], int | None]], alternate: bool
) -> str:
    now = time.time()
    lines: list[str] = []
    if alternate:
        lines += [
            "",
            f"{cfg.server}: ",
            " " * 60 + "Req'd  Req'd   Elap",
            "Job ID          Username Queue    Jobname    SessID NDS TSK Memory Time  S Time",
            "--------------- -------- -------- ---------- ------ --- --- ------ ----- - -----",
        ]
    else:
        lines += [
            "Job id            Name             User              Time Use S Queue",
            "----------------  ---------------- ----------------  -------- - -----",
        ]
    for job, index in rows:
        unit = job if index is None else job["subjobs"][str(index)]
        ident = job_id(cfg, job, index)
        ident = ident if len(ident) <= 16 else ident[:15] + "*"
        letter = unit["state"]
        if cfg.torque and letter in ("F", "X"):
            letter = "C"
        elif index is not None and letter == "X" and job["state"] == "F":
            letter = "F"
        used = "0"
        if unit["stime"] is not None and not (job["array"] and index is None):
            used = hms((unit["obittime"] or now) - unit["stime"])
        if alternate:
            session = str(unit["run"]["session_id"]) if unit.get("run") else "--"
            wall = job["resources"].get("walltime", "--")[:5]
            elap = used[:5] if unit.get("run") else "--"
            lines.append(
                f"{ident:<15.15} {job['user']:<8.8} {job['queue']:<8.8} {job['name']:<10.10} "
                f"{session:>6} {1:>3} {job['ncpus']:>3} {'--':>6} {wall:>5} {letter} {elap:>5}"
            )
        else:
            lines.append(
                f"{ident:<16}  {job['name']:<16.16} {job['user']:<16.16}  {used:>8} {letter} "
                f"{job['queue']:<16}"
            )
    return "\n".join(lines) + "\n"


# -- qselect --------------------------------------------------------------------------


def qselect(cfg: Config, argv: list[str]) -> int:
    try:
        pairs, rest = getopt.gnu_getopt(argv, "xJTN:u:s:q:A:")
    except getopt.GetoptError as error:
        sys.stderr.write(f"qselect: invalid option -- '{error.opt}'\n")
        return USAGE_EXIT
    if rest:
        sys.stderr.write("qselect: destination arguments are not implemented by the fake\n")
        return USAGE_EXIT
    flags = {flag for flag, _ in pairs}
    values = dict(pairs)
    out: list[str] = []
    with locked(cfg) as state:
        advance(cfg, state)
        for job in jobs_in_order(state):
            if job["state"] == "F" and "-x" not in flags:
                continue
            if "-N" in values and job["name"] != values["-N"]:
                continue
            if "-u" in values and job["user"] != values["-u"]:
                continue
            if "-s" in values and job["state"] not in values["-s"]:
                continue
            if "-J" in flags and not job["array"]:
                continue
            out.append(job_id(cfg, job))
    if out:
        sys.stdout.write("\n".join(out) + "\n")
    return 0


# -- qdel -----------------------------------------------------------------------------


def qdel(cfg: Config, argv: list[str]) -> int:
    try:
        _, ids = getopt.gnu_getopt(argv, "W:x")  # -W force, -x: accepted, no effect
    except getopt.GetoptError as error:
        sys.stderr.write(f"qdel: invalid option -- '{error.opt}'\n")
        sys.stderr.write("usage: qdel [-W force|suppress_email=X] [-x] job_identifier...\n")
        return USAGE_EXIT
    if not ids:
        sys.stderr.write("usage: qdel [-W force|suppress_email=X] [-x] job_identifier...\n")
        return USAGE_EXIT
    code = 0
    with locked(cfg) as state:
        advance(cfg, state)
        for raw in ids:
            name = full_id(cfg, raw.strip())
            if _JOB_ID.match(raw.strip()) is None:
                sys.stderr.write(f"qdel: illegally formed job identifier: {raw}\n")
                code = 1
                continue
            found = find(cfg, state, raw)
            if found is None:
                sys.stderr.write(f"qdel: Unknown Job Id {name}\n")
                code = PBSE_UNKJOBID
                continue
            job, index, is_parent = found
            if index is not None:
                unit = job["subjobs"][str(index)]
                if unit["state"] in ("X", "F") or job["state"] == "F":
                    sys.stderr.write(f"qdel: Request invalid for finished array subjob {name}\n")
                    code = PBSE_NOHISTARRAYSUBJOB
                    continue
                if unit["state"] == "R":
                    terminate_unit(cfg, state, job, index, unit, "qdel")
                else:  # queued subjob: it never runs; the parent is not marked terminated
                    delete_queued(cfg, job, index, unit)
                    finish_array_if_done(cfg, job)
                continue
            if job["state"] == "F":
                sys.stderr.write(f"qdel: Job has finished {name}\n")
                code = PBSE_HISTJOBID
                continue
            if is_parent:
                for sub_index, unit in units(job):
                    if unit["state"] == "R":
                        terminate_unit(cfg, state, job, sub_index, unit, "qdel")
                    elif unit["state"] == "Q":
                        delete_queued(cfg, job, sub_index, unit)
                job["terminated"] = True
                job["exit"] = 1  # whole array qdel'd: parent 91 with Exit_status 1 (notes)
                finish_array_if_done(cfg, job)
            elif job["state"] == "R":
                terminate_unit(cfg, state, job, None, job, "qdel")
            else:
                delete_queued(cfg, job, None, job)
        advance(cfg, state)
    return code


# -- qmgr -----------------------------------------------------------------------------


def _server_attributes(cfg: Config, state: dict[str, Any] | None) -> list[tuple[str, str]]:
    attrs: list[tuple[str, str]] = []
    if state is not None:
        counts = {"Q": 0, "H": 0, "R": 0, "B": 0}
        for job in state["jobs"].values():
            if job["state"] in counts:
                counts[job["state"]] += 1
        attrs += [
            ("server_state", "Active"),
            ("server_host", cfg.host),
            ("scheduling", "True"),
            ("total_jobs", str(sum(counts.values()))),
            (
                "state_count",
                f"Transit:0 Queued:{counts['Q']} Held:{counts['H']} Waiting:0 "
                f"Running:{counts['R']} Exiting:0 Begun:{counts['B']} ",
            ),
        ]
    else:
        attrs.append(("scheduling", "True"))
    if cfg.acl_roots:
        attrs.append(("acl_roots", "root"))
    attrs += [
        ("default_queue", cfg.queue),
        ("log_events", "511"),
        ("mail_from", "adm"),
        ("query_other_jobs", "True"),
        ("resources_default.ncpus", "1"),
        ("default_chunk.ncpus", "1"),
        ("scheduler_iteration", "600"),
        ("resv_enable", "True"),
        ("node_fail_requeue", "310"),
    ]
    if cfg.max_array_size is not None:
        name = "max_job_array_size" if cfg.torque else "max_array_size"
        attrs.append((name, str(cfg.max_array_size)))
    if cfg.max_queued is not None:
        attrs.append(("max_queued", f"[u:PBS_GENERIC={cfg.max_queued}]"))
    attrs += [
        ("pbs_license_min", "0"),
        ("pbs_license_max", "2147483647"),
        ("pbs_license_linger_time", "31536000"),
    ]
    if state is not None:
        attrs.append(("pbs_version", PBS_VERSION))
    attrs += [
        ("eligible_time_enable", "False"),
        ("job_history_enable", "True"),
        ("max_concurrent_provision", "5"),
        ("max_job_sequence_id", "9999999"),
    ]
    return attrs


def _queue_attributes(cfg: Config, state: dict[str, Any] | None) -> list[tuple[str, str]]:
    attrs = [("queue_type", "Execution")]
    if state is not None:
        total = sum(1 for j in state["jobs"].values() if j["state"] != "F")
        attrs += [("total_jobs", str(total))]
    if cfg.queue_max_queued is not None:
        attrs.append(("max_queued", f"[u:PBS_GENERIC={cfg.queue_max_queued}]"))
    attrs += [("enabled", "True"), ("started", "True")]
    return attrs


def qmgr(cfg: Config, argv: list[str]) -> int:
    try:
        pairs, _ = getopt.gnu_getopt(argv, "c:anezv")
    except getopt.GetoptError as error:
        sys.stderr.write(f"qmgr: invalid option -- '{error.opt}'\n")
        return USAGE_EXIT
    commands = [value for flag, value in pairs if flag == "-c"]
    if not commands:
        sys.stderr.write("qmgr: the fake server only takes -c 'COMMAND'\n")
        return USAGE_EXIT
    with locked(cfg) as state:
        advance(cfg, state)
        for command in commands:
            words = command.split()
            verb = words[0].lower() if words else ""
            what = words[1].lower() if len(words) > 1 else ""
            verb = {"p": "print", "l": "list"}.get(verb, verb)
            what = {"s": "server", "q": "queue"}.get(what, what)
            if verb == "print" and what == "server":
                lines = [
                    "#",
                    "# Create queues and set their attributes.",
                    "#",
                    "#",
                    f"# Create and define queue {cfg.queue}",
                    "#",
                    f"create queue {cfg.queue}",
                ]
                lines += [
                    f"set queue {cfg.queue} {k} = {v}" for k, v in _queue_attributes(cfg, None)
                ]
                lines += ["#", "# Set server attributes.", "#"]
                lines += [f"set server {k} = {v}" for k, v in _server_attributes(cfg, None)]
                print("\n".join(lines))
            elif verb == "list" and what == "server":
                wanted = words[2:]
                attrs = _server_attributes(cfg, state)
                if wanted and wanted[0] != cfg.server:
                    attrs = [(k, v) for k, v in attrs if k in wanted]
                print(f"Server {cfg.server}")
                print("".join(f"    {k} = {v}\n" for k, v in attrs))
            elif verb in ("list", "print") and what == "queue":
                name = words[2] if len(words) > 2 else cfg.queue
                if name != cfg.queue:
                    sys.stderr.write(f"qmgr obj={name} svr=default: Unknown queue\n")
                    sys.stderr.write("qmgr: Error (15018) returned from server\n")
                    return 1
                attrs = _queue_attributes(cfg, state if verb == "list" else None)
                if verb == "list":
                    print(f"Queue {name}")
                    print("".join(f"    {k} = {v}\n" for k, v in attrs))
                else:
                    print(f"create queue {name}")
                    print("\n".join(f"set queue {name} {k} = {v}" for k, v in attrs))
            else:
                sys.stderr.write(f"qmgr: the fake server does not implement: {command}\n")
                return 1
    return 0


# -- entry point ----------------------------------------------------------------------

COMMANDS = {"qsub": qsub, "qstat": qstat, "qdel": qdel, "qselect": qselect, "qmgr": qmgr}


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[0] == "_run":
        return run_job(argv[1], argv[2])
    if not argv or argv[0] not in COMMANDS:
        sys.stderr.write(f"usage: fakepbs.py {{{','.join(COMMANDS)}}} ARGS...\n")
        return USAGE_EXIT
    cfg = Config(dict(os.environ))
    return COMMANDS[argv[0]](cfg, argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
