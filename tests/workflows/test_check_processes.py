"""A check interrupted by SIGTERM, SIGINT or SIGHUP ends its whole process tree: gvw try
and gvw upgrade leave no go command, test binary or process a test started behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from gvw.base.errors import ExitCode
from tests.support.gvw_env import GvwEnv, install_unselected, write_files
from tests.support.patch_mirror import NEW, copy_store

# the test binary (a grandchild of gvw) starts a process of its own, then hangs
HANGING_TEST = b"""package project

import (
\t"os"
\t"os/exec"
\t"path/filepath"
\t"strconv"
\t"testing"
\t"time"
)

func TestHangs(t *testing.T) {
\tdir := os.Getenv("PIDS_DIR")
\tchild := exec.Command("sleep", "600")
\tif err := child.Start(); err != nil {
\t\tt.Fatal(err)
\t}
\tpids := strconv.Itoa(os.Getpid()) + " " + strconv.Itoa(child.Process.Pid)
\tos.WriteFile(filepath.Join(dir, "pids.tmp"), []byte(pids), 0o644)
\tos.Rename(filepath.Join(dir, "pids.tmp"), filepath.Join(dir, "pids"))
\ttime.Sleep(10 * time.Minute)
}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_files(
        tmp_path / "project",
        {
            "go.mod": b"module example.com/project\n\ngo 1.25\n",
            "hang_test.go": HANGING_TEST,
            ".go-version": b"1.25.4\n",
        },
    )
    return tmp_path / "project"


@pytest.fixture(scope="module")
def both(patch_store: GvwEnv, tmp_path_factory: pytest.TempPathFactory) -> GvwEnv:
    gvw = copy_store(patch_store, tmp_path_factory.mktemp("processes"))
    install_unselected(gvw, NEW)
    return gvw


def _descendants(root: int) -> set[int]:
    found: set[int] = set()
    pending = [root]
    while pending:
        pid = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    pending.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is missing


def _interrupt(gvw: GvwEnv, project: Path, tmp_path: Path, args: list[str], signum: int) -> int:
    pids_dir = tmp_path / "pids"
    pids_dir.mkdir()
    process = gvw.popen(*args, cwd=project, env={"PIDS_DIR": str(pids_dir)})
    deadline = time.monotonic() + 300
    while not (pids_dir / "pids").exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the test never started"
        time.sleep(0.1)
    tree = _descendants(process.pid)
    test_binary, sleeper = map(int, (pids_dir / "pids").read_text().split())
    assert {test_binary, sleeper} <= tree  # the whole chain is gvw's
    process.send_signal(signum)
    process.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in tree) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = sorted(p for p in tree if _alive(p))
    assert left == [], f"still running after gvw ended: {left}"
    return process.returncode


@pytest.mark.parametrize(
    ("signum", "code"),
    [
        (signal.SIGTERM, ExitCode.TERMINATED),
        (signal.SIGINT, ExitCode.INTERRUPTED),
        (signal.SIGHUP, ExitCode.HANGUP),
    ],
)
def test_an_interrupted_try_leaves_no_process_of_its_check_behind(
    both: GvwEnv, project: Path, tmp_path: Path, signum: int, code: int
) -> None:
    args = ["try", NEW, "--", "go", "test", "-count=1", "./..."]
    assert _interrupt(both, project, tmp_path, args, signum) == code


def test_an_interrupted_upgrade_leaves_no_process_behind_and_keeps_the_pin(
    both: GvwEnv, project: Path, tmp_path: Path
) -> None:
    args = ["upgrade", "--run", "go test -count=1 ./..."]
    assert _interrupt(both, project, tmp_path, args, signal.SIGTERM) == ExitCode.TERMINATED
    assert (project / ".go-version").read_bytes() == b"1.25.4\n"
    entry = both.audit_entries()[-1]
    assert entry["outcome"] == {"status": "interrupted", "exit_code": ExitCode.TERMINATED}
