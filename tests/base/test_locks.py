"""Cross-process locks that say who holds them (gvw/base/locks.py), against holders
that are real processes: told once after a grace period, a time-out naming the
holder, a killed holder leaving nothing held, a deleted lock file never held twice."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gvw.base.errors import StoreError
from gvw.base.locks import GRACE_SECONDS, held, read_holder, try_hold
from gvw.base.reporting import SilentReporter
from tests.support.gvw_env import REPO, GvwEnv
from tests.support.processes import LockHolder, read_line

_HOLDER = """
import sys
from pathlib import Path
from gvw.base.locks import held
with held(Path(sys.argv[1]), command=sys.argv[2], timeout=60, remove=sys.argv[3] == "remove"):
    print("held", flush=True)
    sys.stdin.read()
"""


def holder(path: Path, command: str = "gvw install 1.22.10", *, remove: bool = False):
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), command, "remove" if remove else "keep"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return process


def held_by(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None and read_line(process.stdout, 30) == "held\n"


def let_go(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.close()
    assert process.wait(timeout=30) == 0


def test_a_wait_is_told_once_and_a_time_out_names_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "install-1.22.10.lock"
    other = holder(path)
    held_by(other)
    recorded = read_holder(path)
    assert recorded is not None and (recorded.command, recorded.pid) == (
        "gvw install 1.22.10",
        other.pid,
    )
    told = SilentReporter()
    started = time.monotonic()
    with (
        pytest.raises(StoreError) as failed,
        held(path, command="gvw global", timeout=3, waiting=told),
    ):
        pass
    assert time.monotonic() - started >= 3
    since = r"since \d\d:\d\d:\d\d"
    assert len(told.messages) == 1
    assert re.fullmatch(
        rf"waiting for gvw install 1\.22\.10 \(process {other.pid}, {since}\) to release "
        rf"{re.escape(str(path))}; will wait up to 3 seconds",
        told.messages[0],
    ), told.messages
    assert re.fullmatch(
        rf"gave up after 3 seconds waiting for gvw install 1\.22\.10 \(process {other.pid}, "
        rf"{since}\) to release {re.escape(str(path))}",
        failed.value.message,
    )
    assert failed.value.hint == (
        f"let it finish and run the command again; if it hangs, stop it (process {other.pid})"
    )
    let_go(other)
    assert read_holder(path) is None  # the record goes with its holder


def test_a_short_wait_says_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shims.lock"
    other = holder(path)
    held_by(other)
    told = SilentReporter()
    subprocess.Popen(["sh", "-c", f"sleep {GRACE_SECONDS / 4}; kill -TERM {other.pid}"])
    with held(path, command="gvw rehash", timeout=30, waiting=told):
        assert read_holder(path).command == "gvw rehash"  # type: ignore[union-attr]
    assert told.messages == []
    other.wait(timeout=30)


def test_a_holder_killed_with_sigkill_holds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "apply.lock"
    other = holder(path, "gvw apply fleet.toml")
    held_by(other)
    os.kill(other.pid, signal.SIGKILL)
    other.wait(timeout=30)
    told = SilentReporter()
    with held(path, command="gvw apply fleet.toml", timeout=5, waiting=told):
        assert read_holder(path).pid == os.getpid()  # type: ignore[union-attr]
    assert told.messages == []


def test_a_lock_file_deleted_by_its_holder_is_never_held_twice(tmp_path: Path) -> None:
    path = tmp_path / ".gvw-mirror.lock"
    first = holder(path, "gvw mirror create A", remove=True)
    held_by(first)
    second = holder(path, "gvw mirror create B", remove=True)  # waits on the same file
    time.sleep(0.5)
    let_go(first)  # deletes the file it held: the second takes a new one
    held_by(second)
    fd = os.open(path, os.O_RDWR)
    try:
        assert not try_hold(fd), "the file the second holds is the one a third would open"
    finally:
        os.close(fd)
    assert read_holder(path).command == "gvw mirror create B"  # type: ignore[union-attr]
    let_go(second)
    assert not path.exists()


@pytest.mark.parametrize("record", ["nested brackets", "FIFO"])
def test_a_hostile_lock_record_is_a_holder_that_does_not_say_which(
    gvw: GvwEnv, record: str
) -> None:
    """The record is read through gvw.base.bounded: 4,000 ``[`` were an uncaught
    RecursionError in the waiting gvw, and a FIFO under the lock's name hung it."""
    lock = gvw.root / ".locks" / "state.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    if record == "FIFO":
        os.mkfifo(lock)
    else:
        lock.write_text("[" * 4000)
    with LockHolder(lock):
        waiting = gvw.popen("global", "1.22.10")
        try:
            assert waiting.stderr is not None
            assert read_line(waiting.stderr, 30) == (
                "gvw: waiting for another process (it does not say which) to release "
                f"{lock}; will wait up to 30 minutes\n"
            )
            assert waiting.poll() is None  # still waiting, as for any holder
        finally:
            waiting.kill()
            waiting.wait(timeout=30)
