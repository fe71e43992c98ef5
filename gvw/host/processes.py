"""Running a command as a process tree that gvw measures and can end as a whole.

``gvw try``, ``gvw upgrade`` and ``gvw verify`` run the project's checks and the
toolchain itself; those start more processes (``go test`` runs a test binary, which may
start its own). When gvw is interrupted (Ctrl+C, SIGTERM from a CI runner, SIGHUP when
the terminal closes) every one of them must end too, not keep running under init:

No process of a check outlives it: when the command ends, is interrupted or times out,
whatever it started and left running is ended too.

- POSIX: the command starts in a session (and process group) of its own; at the end
  the group gets SIGTERM, then SIGKILL after a grace period. (A descendant that
  starts a session of its own has left the group: as for any service manager without
  cgroups, it is out of reach.) Being outside the terminal's foreground group, the
  tree hears Ctrl+C only through gvw.
- Windows: the command starts suspended, is put into a job object that ends every
  process in it when gvw closes the job (or dies), then resumes; at the end the job
  is terminated.

Peak memory is that of the whole tree: on Linux the resident set of the command and
all its descendants, sampled every 50 ms from ``/proc`` (a peak shorter than that can be
missed); on Windows the job's peak committed memory (``PeakJobMemoryUsed``); elsewhere
it is not measured (None).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Union

SAMPLE_SECONDS = 0.05
GRACE_SECONDS = 2.0  # between SIGTERM and SIGKILL
Output = Union[IO[bytes], int]  # a file, or subprocess.PIPE


@dataclass
class Finished:
    exit_code: int
    seconds: float  # wall time
    peak_memory: int | None  # bytes, the whole tree; None: not measured here
    output: bytes = b""  # with output=subprocess.PIPE


def run_tree(
    argv: Sequence[str],
    *,
    cwd: Path | None,
    env: Mapping[str, str],
    output: Output,
    timeout: float | None = None,
) -> Finished:
    """Run ``argv`` (stdout and stderr to ``output``), wait, and end its whole tree if
    gvw is interrupted (the exception propagates) or ``timeout`` passes (raises
    :class:`subprocess.TimeoutExpired`). OSError when it cannot start."""
    started = time.monotonic()
    with _tree(argv, cwd=cwd, env=env, output=output) as (process, peak):
        try:
            if output == subprocess.PIPE:
                data, _ = process.communicate(timeout=timeout)
            else:
                process.wait(timeout=timeout)
                data = b""
        finally:  # interrupted, timed out, or done: nothing it started outlives it
            _end(process)
    return Finished(process.returncode, time.monotonic() - started, peak.value, data or b"")


class _Peak:
    value: int | None = None


@contextlib.contextmanager
def _tree(
    argv: Sequence[str], *, cwd: Path | None, env: Mapping[str, str], output: Output
) -> Iterator[tuple[subprocess.Popen[bytes], _Peak]]:
    common: dict[str, Any] = dict(
        cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
    )
    peak = _Peak()
    if sys.platform == "win32":
        job = _WindowsJob()
        try:
            process = subprocess.Popen(list(argv), creationflags=_CREATE_SUSPENDED, **common)
            job.adopt(process)
            yield process, peak
        finally:
            peak.value = job.peak_memory()
            job.close()  # ends whatever is still running in it
        return
    process = subprocess.Popen(list(argv), start_new_session=True, **common)
    sampler = _Sampler(process.pid, peak) if _CAN_SAMPLE else None
    try:
        yield process, peak
    finally:
        if sampler is not None:
            sampler.stop()


def _end(process: subprocess.Popen[bytes]) -> None:
    """End the process and everything it started (see the module doc)."""
    if sys.platform == "win32":
        with contextlib.suppress(OSError):
            process.kill()  # the job is terminated when it is closed
        return
    group = process.pid  # start_new_session: the group's id is the leader's pid
    if process.returncode is not None and not _group_alive(group):
        return  # the usual case: it ended and left nothing behind
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=GRACE_SECONDS)
    while time.monotonic() < deadline and _group_alive(group):
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=GRACE_SECONDS)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


# --- Linux: the tree's resident memory from /proc ------------------------------------

_CAN_SAMPLE = sys.platform.startswith("linux") and os.path.isdir("/proc/self/task")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class _Sampler:
    """Samples the resident memory of a process and its descendants on a thread."""

    def __init__(self, root: int, peak: _Peak) -> None:
        self.root = root
        self.peak = peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gvw-memory", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            total = tree_memory(self.root)
            if total and (self.peak.value is None or total > self.peak.value):
                self.peak.value = total
            if self._stop.wait(SAMPLE_SECONDS):
                return


def tree_memory(root: int) -> int:
    """The resident bytes of ``root`` and its descendants now (0 when it is gone)."""
    total, seen, pending = 0, set(), [root]
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * _PAGE
            pending.extend(_children(pid))
        except (OSError, ValueError, IndexError):
            continue  # it ended between two reads
    return total


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children", "rb") as f:
            found.extend(int(p) for p in f.read().split())
    return found


# --- Windows: a job object -----------------------------------------------------------

_CREATE_SUSPENDED = 0x00000004
_JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000
_JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9


class _WindowsJob:
    """A kill-on-close job object (the Windows shim uses the same kind)."""

    def __init__(self) -> None:
        import ctypes
        from ctypes import wintypes

        class Basic(ctypes.Structure):
            _fields_ = [
                ("PerProcessUserTimeLimit", ctypes.c_int64),
                ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", wintypes.DWORD),
                ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t),
                ("ActiveProcessLimit", wintypes.DWORD),
                ("Affinity", ctypes.c_size_t),
                ("PriorityClass", wintypes.DWORD),
                ("SchedulingClass", wintypes.DWORD),
            ]

        class Extended(ctypes.Structure):
            _fields_ = [
                ("BasicLimitInformation", Basic),
                ("IoInfo", ctypes.c_uint64 * 6),
                ("ProcessMemoryLimit", ctypes.c_size_t),
                ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t),
                ("PeakJobMemoryUsed", ctypes.c_size_t),
            ]

        self._ctypes = ctypes
        self._info = Extended
        self._kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        self._kernel32.CreateJobObjectW.restype = wintypes.HANDLE
        self.handle = self._kernel32.CreateJobObjectW(None, None)
        if not self.handle:
            raise ctypes.WinError(ctypes.get_last_error())  # type: ignore[attr-defined]
        info = Extended()
        info.BasicLimitInformation.LimitFlags = _JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        self._kernel32.SetInformationJobObject(
            wintypes.HANDLE(self.handle),
            _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
            ctypes.byref(info),
            ctypes.sizeof(info),
        )

    def adopt(self, process: subprocess.Popen[bytes]) -> None:
        """Put the suspended process into the job, then let it run (so nothing it
        starts can escape the job)."""
        ctypes = self._ctypes
        handle = ctypes.c_void_p(int(process._handle))  # type: ignore[attr-defined]
        if not self._kernel32.AssignProcessToJobObject(ctypes.c_void_p(self.handle), handle):
            error = ctypes.get_last_error()
            process.kill()
            raise ctypes.WinError(error)
        ntdll = ctypes.WinDLL("ntdll")
        ntdll.NtResumeProcess(handle)

    def peak_memory(self) -> int | None:
        ctypes = self._ctypes
        info = self._info()
        ok = self._kernel32.QueryInformationJobObject(
            ctypes.c_void_p(self.handle),
            _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
            ctypes.byref(info),
            ctypes.sizeof(info),
            None,
        )
        return int(info.PeakJobMemoryUsed) if ok else None

    def close(self) -> None:
        if self.handle:
            self._kernel32.TerminateJobObject(self._ctypes.c_void_p(self.handle), 1)
            self._kernel32.CloseHandle(self._ctypes.c_void_p(self.handle))
            self.handle = None
