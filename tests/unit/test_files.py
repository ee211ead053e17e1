"""hsm.effects.files: atomic writes, the append-only journal, and readable errors.

Tests run as root in CI, where directory permissions do not stop anyone, so the
permission test skips then; the other failures use a path whose "directory" is a
regular file, which fails for every user.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TypeVar

import pytest
from returns.io import IOResult
from returns.unsafe import unsafe_perform_io

from hsm.effects.files import (
    append_journal,
    read_journal,
    read_text,
    write_atomic,
    write_many_atomic,
)
from hsm.pure.errors import StateError

REPO = Path(__file__).resolve().parents[2]

T = TypeVar("T")


def ok(result: IOResult[T, StateError]) -> T:
    return unsafe_perform_io(result.unwrap())


def err(result: IOResult[T, StateError]) -> StateError:
    return unsafe_perform_io(result.failure())


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*.tmp"))


# -- write_atomic ---------------------------------------------------------------------


def test_write_atomic_creates_parents_and_writes_exact_content(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "job.sh"
    assert ok(write_atomic(target, "#!/bin/bash\necho é\n")) == target
    assert target.read_bytes() == "#!/bin/bash\necho é\n".encode()
    assert os.listdir(target.parent) == ["job.sh"]  # no temp file left behind


def test_write_atomic_replaces_and_applies_mode_exactly(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_text("old")
    old_umask = os.umask(0o077)
    try:
        ok(write_atomic(target, b"new\x00bytes", mode=0o755))
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"new\x00bytes"
    assert target.stat().st_mode & 0o777 == 0o755
    assert leftovers(tmp_path) == []


def test_write_atomic_under_a_regular_file_fails_in_words(tmp_path: Path) -> None:
    blocker = tmp_path / "sweep"
    blocker.write_text("I am a file")
    target = blocker / "scripts" / "job.sh"
    error = err(write_atomic(target, "x"))
    assert error.path == str(target)
    assert error.message.startswith(f"could not write {target}: ")
    assert "not a directory" in error.message and "hint:" in error.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_write_atomic_in_a_read_only_directory_says_permission_denied(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        error = err(write_atomic(locked / "job.sh", "x"))
    finally:
        locked.chmod(0o700)
    assert "permission denied" in error.message
    assert leftovers(tmp_path) == []


def test_write_atomic_onto_a_directory_fails_and_cleans_up(tmp_path: Path) -> None:
    (tmp_path / "job.sh").mkdir()
    error = err(write_atomic(tmp_path / "job.sh", "x"))
    assert "is a directory" in error.message
    assert leftovers(tmp_path) == []


# -- write_many_atomic ----------------------------------------------------------------


def test_write_many_atomic_writes_ten_thousand_files_fast(tmp_path: Path) -> None:
    items = [
        (
            tmp_path / "scripts" / f"d{i % 3}" / f"task_{i:05d}.sh",
            f"#!/bin/bash\npython train.py lr={i}\n",
        )
        for i in range(10_000)
    ]
    started = time.perf_counter()
    count = ok(write_many_atomic(items))
    seconds = time.perf_counter() - started
    print(f"write_many_atomic: 10,000 files in {seconds:.2f} s")
    assert count == 10_000
    assert leftovers(tmp_path) == []
    for path, text in items[::997]:
        assert path.read_text() == text
    assert sum(1 for _ in (tmp_path / "scripts").rglob("*.sh")) == 10_000
    # ~1.5 s on the reference machine; generous so a busy CI disk does not flake.
    assert seconds < 20


def test_write_many_atomic_mode_and_duplicate_paths(tmp_path: Path) -> None:
    path = tmp_path / "x.sh"
    assert ok(write_many_atomic([(path, "first"), (path, "second")], mode=0o700)) == 2
    assert path.read_text() == "second"
    assert path.stat().st_mode & 0o777 == 0o700


def test_write_many_atomic_failure_touches_no_target_and_leaves_no_temp(
    tmp_path: Path,
) -> None:
    (tmp_path / "blocker").write_text("file")
    good = [(tmp_path / "ok" / f"{i}.sh", "x") for i in range(300)]  # spans a batch
    bad = (tmp_path / "blocker" / "job.sh", "x")
    error = err(write_many_atomic([*good, bad, (tmp_path / "ok" / "late.sh", "x")]))
    assert str(tmp_path / "blocker" / "job.sh") in error.message
    assert "not a directory" in error.message
    assert not any(path.exists() for path, _ in good)
    assert leftovers(tmp_path) == []


def test_write_many_atomic_of_nothing_is_zero(tmp_path: Path) -> None:
    assert ok(write_many_atomic([])) == 0


# -- read_text ------------------------------------------------------------------------


def test_read_text_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    ok(write_atomic(path, "{}\n"))
    assert ok(read_text(path)) == "{}\n"

    missing = err(read_text(tmp_path / "nope.json"))
    assert missing.message.startswith(f"could not read {tmp_path / 'nope.json'}: ")
    assert "does not exist" in missing.message

    assert "is a directory" in err(read_text(tmp_path)).message

    (tmp_path / "bin").write_bytes(b"\xff\xfe\x00")
    assert "not UTF-8" in err(read_text(tmp_path / "bin")).message


# -- the journal ----------------------------------------------------------------------


def test_journal_round_trip_and_exact_line_format(tmp_path: Path) -> None:
    journal = tmp_path / "sweep" / "journal.jsonl"
    records: list[dict[str, object]] = [
        {"event": "before_submit", "task": 1, "name": "é"},
        {"event": "after_submit", "task": 1, "job_id": "123", "text": "a\nb\u2028c"},
        {"z": None, "a": [1, 2.5, True]},
    ]
    for record in records:
        assert ok(append_journal(journal, record)) is None
    assert ok(read_journal(journal)) == records
    first = journal.read_bytes().split(b"\n")[0]
    assert first == '{"event":"before_submit","name":"é","task":1}'.encode()
    assert journal.read_bytes().count(b"\n") == 3  # newlines inside values are escaped


def test_missing_journal_has_no_records(tmp_path: Path) -> None:
    assert ok(read_journal(tmp_path / "journal.jsonl")) == []


def test_torn_last_line_is_ignored_then_cut_by_the_next_append(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    ok(append_journal(journal, {"n": 1}))
    ok(append_journal(journal, {"n": 2}))
    with journal.open("ab") as handle:
        handle.write(b'{"n":3,"job_id":"12')  # crash mid-write
    assert ok(read_journal(journal)) == [{"n": 1}, {"n": 2}]
    ok(append_journal(journal, {"n": 4}))
    assert ok(read_journal(journal)) == [{"n": 1}, {"n": 2}, {"n": 4}]
    assert journal.read_bytes() == b'{"n":1}\n{"n":2}\n{"n":4}\n'


def test_damaged_final_line_is_ignored_and_cut_too(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    journal.write_bytes(b'{"n":1}\n{"n":\x00\x00\n')
    assert ok(read_journal(journal)) == [{"n": 1}]
    ok(append_journal(journal, {"n": 2}))
    assert journal.read_bytes() == b'{"n":1}\n{"n":2}\n'


@pytest.mark.parametrize("size", [0, 4000, 20_000])
@pytest.mark.parametrize("damage", [b"", b'{"torn":"qq', b'{"bad":\n', b'{"bad":\n{"torn'])
def test_append_after_any_crash_leftover_keeps_exactly_the_committed_records(
    tmp_path: Path, size: int, damage: bytes
) -> None:
    # Records longer than the 4 KiB tail window make the appender read further back.
    journal = tmp_path / "journal.jsonl"
    records = [{"n": n, "pad": "y" * size} for n in range(3)]
    for record in records:
        ok(append_journal(journal, record))
    with journal.open("ab") as handle:
        handle.write(damage)
    assert ok(read_journal(journal)) == records
    ok(append_journal(journal, {"n": 3}))
    assert ok(read_journal(journal)) == [*records, {"n": 3}]
    assert journal.read_bytes().endswith(b'}\n{"n":3}\n')


def test_journal_of_only_a_torn_line(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    journal.write_bytes(b'{"n":')
    assert ok(read_journal(journal)) == []
    ok(append_journal(journal, {"n": 1}))
    assert journal.read_bytes() == b'{"n":1}\n'


@pytest.mark.parametrize("bad", [b"not json", b"[1, 2]", b'{"n": 2', b"\xff\xfe"])
def test_corrupt_middle_line_is_an_error_naming_file_and_line(tmp_path: Path, bad: bytes) -> None:
    journal = tmp_path / "journal.jsonl"
    journal.write_bytes(b'{"n":1}\n' + bad + b'\n{"n":3}\n')
    error = err(read_journal(journal))
    assert error.message.startswith(f"{journal} line 2 is not a JSON record")
    assert error.path == str(journal)
    assert "hint:" in error.message


def test_append_under_a_regular_file_fails_in_words(tmp_path: Path) -> None:
    (tmp_path / "sweep").write_text("file")
    journal = tmp_path / "sweep" / "journal.jsonl"
    error = err(append_journal(journal, {"n": 1}))
    assert error.message.startswith(f"could not append to {journal}: ")
    assert "not a directory" in error.message


def test_unserialisable_record_is_a_bug_not_a_state_error(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        append_journal(tmp_path / "j.jsonl", {"path": Path("x")})
    assert not (tmp_path / "j.jsonl").exists()


WRITER = """
import sys
from pathlib import Path
from returns.unsafe import unsafe_perform_io
from hsm.effects.files import append_journal
journal, writer, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
pad = "x" * 5000  # bigger than a page: an unlocked, split write would show
for seq in range(count):
    unsafe_perform_io(append_journal(journal, {"w": writer, "seq": seq, "pad": pad})).unwrap()
"""


def test_concurrent_appends_from_several_processes_never_interleave(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    writers, count = 4, 200
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(journal), str(w), str(count)], env=env)
        for w in range(writers)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0] * writers
    records = ok(read_journal(journal))
    assert len(records) == writers * count
    for w in range(writers):
        assert [r["seq"] for r in records if r["w"] == w] == list(range(count))
    for line in journal.read_bytes().splitlines():
        json.loads(line)  # every physical line is one whole record
