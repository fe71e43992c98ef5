"""Real processes for the race tests: one that holds a file lock until told to let go,
reading a running process's stderr a line at a time with a time limit, waiting for a
process to be stopped, and the peak memory of a command."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

_HOLD = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()  # until the test closes stdin
"""


class LockHolder:
    """Another process holding the OS lock on ``path`` (as a gvw that holds it does)
    until :meth:`release`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HOLD, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert read_line(self.process.stdout, 30) == "held\n"

    def release(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)

    def __enter__(self) -> LockHolder:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


def read_line(stream: IO[str], timeout: float) -> str:
    """The next line of a pipe, or "" when none came within ``timeout`` seconds."""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return stream.readline()


def stopped(pid: int) -> bool:
    """Whether the process is stopped (SIGSTOP has taken effect)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] == "T"


def stop(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGSTOP)
    deadline = time.monotonic() + 10
    while not stopped(process.pid):
        assert time.monotonic() < deadline, "the process did not stop"
        time.sleep(0.01)


def resume(process: subprocess.Popen[str]) -> None:
    os.kill(process.pid, signal.SIGCONT)


_MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
out = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
sys.stderr.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}\\n")
sys.stdout.buffer.write(out)
"""


def peak_memory(argv: Sequence[str], env: Mapping[str, str]) -> tuple[int, bytes, int]:
    """Run ``argv``: its exit code, its stdout and its peak resident memory in KiB.

    Started from a small launcher, not from pytest: Linux counts a child's memory before
    its exec, when it is still a copy of its parent (vfork included), in its peak, and
    pytest's own is tens of MB after a long run."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *argv],
        env=dict(env),
        capture_output=True,
        check=False,
    )
    code, peak = done.stderr.decode().split()[-2:]
    return int(code), done.stdout, int(peak)
