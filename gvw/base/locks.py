"""Cross-process locks that say who holds them.

A lock is an OS lock on a file: ``flock`` on POSIX, ``msvcrt.locking`` on Windows (on
one byte far past the start, so the rest of the file stays readable). The OS lets go of
it when the holder's file is closed or the holder dies, however it dies, so a killed
gvw never leaves a lock held. The file itself stays: deleting a lock file races with
the next process that opens it.

The holder writes one line into the file once it holds the lock (:class:`Holder`: the
command, its process id, its host, since when). A process that has to wait reads it and,
after a short grace period, says once what it waits for and how long it will wait; one
that gives up names the holder in its error.

:func:`try_hold` and :func:`hold_blocking` are the bare OS lock on an open file, for
:mod:`gvw.base.leftovers`, which holds temporary files the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gvw.base.bounded import parse_json, read_regular_file
from gvw.base.errors import StoreError, store_error
from gvw.base.reporting import Reporter

GRACE_SECONDS = 1.0  # a wait shorter than this is not worth a line on the terminal
_POLL_SECONDS = (0.01, 0.2)  # first and longest pause between two attempts
_MAX_RECORD_BYTES = 4096
# Windows locks byte ranges and refuses reads of a locked range: the lock byte sits far
# past the holder's record (a lock may lie beyond the end of the file).
_WINDOWS_LOCK_OFFSET = 1 << 30


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as its holder wrote it into the lock file."""

    command: str  # "gvw install 1.22.10", with credentials redacted
    pid: int
    host: str
    since: float  # time.time() when it took the lock

    def describe(self) -> str:
        """``gvw install 1.22.10 (process 4242, since 10:42:07)``."""
        import socket

        from gvw.base.sanitize import printable

        where = "" if self.host == socket.gethostname() else f" on {printable(self.host, 64)}"
        return (
            f"{printable(self.command, 200)} (process {self.pid}{where}, "
            f"since {_clock(self.since)})"
        )


def read_holder(path: Path) -> Holder | None:
    """The holder recorded in the lock file ``path``; None when it names none (nobody
    holds it, or the holder has not written its record yet)."""
    # through the bounded reader: a FIFO there would block the open, and a record of
    # nested brackets ended in RecursionError (InputRefused is a ValueError)
    try:
        data = parse_json(read_regular_file(path, _MAX_RECORD_BYTES))
        return Holder(
            str(data["command"]), int(data["pid"]), str(data["host"]), float(data["since"])
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None


@contextlib.contextmanager
def held(
    path: Path,
    *,
    command: str,
    timeout: float,
    waiting: Reporter | None = None,
    remove: bool = False,
) -> Iterator[None]:
    """Hold the lock file ``path`` (created if missing) for the block, recording
    ``command`` as its holder. Wait at most ``timeout`` seconds for another holder;
    after :data:`GRACE_SECONDS` of waiting, tell ``waiting`` once who it is.
    ``remove``: delete the file when done (where it would be litter: a mirror's
    directory); whoever waited on the deleted file then takes the lock anew."""
    deadline = time.monotonic() + timeout
    told = [False]
    while True:
        fd = _open(path)
        try:
            _acquire(fd, path, deadline=deadline, timeout=timeout, waiting=waiting, told=told)
            if not same_file(fd, path, follow=True):  # its holder deleted it: lock the new one
                continue
            _record(fd, command)
            try:
                yield
            finally:
                with contextlib.suppress(OSError):  # a record never outlives its holder
                    os.ftruncate(fd, 0)
                if remove and os.name != "nt":  # POSIX: deleted while still held
                    with contextlib.suppress(OSError):
                        os.unlink(path)
                release(fd)
            break
        finally:
            os.close(fd)
    if remove and os.name == "nt":  # Windows deletes no open file; a waiter keeps it
        with contextlib.suppress(OSError):
            os.unlink(path)


def _open(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
    except OSError as exc:
        raise store_error(exc, "lock", path) from exc


def same_file(fd: int, path: Path, *, follow: bool = False) -> bool:
    """Whether the open file ``fd`` is the file ``path`` names (``follow``: or the file
    a link there leads to)."""
    try:
        opened, named = os.fstat(fd), os.stat(path, follow_symlinks=follow)
    except OSError:
        return False
    return (opened.st_dev, opened.st_ino) == (named.st_dev, named.st_ino)


def _acquire(
    fd: int,
    path: Path,
    *,
    deadline: float,
    timeout: float,
    waiting: Reporter | None,
    told: list[bool],
) -> None:
    started = deadline - timeout
    pause, longest = _POLL_SECONDS
    while not try_hold(fd):
        waited = time.monotonic() - started
        if waited >= timeout:
            holder = read_holder(path)
            who = holder.describe() if holder else "another process"
            raise StoreError(
                f"gave up after {_duration(timeout)} waiting for {who} to release {path}",
                hint="let it finish and run the command again"
                + (f"; if it hangs, stop it (process {holder.pid})" if holder else ""),
            )
        if not told[0] and waited >= GRACE_SECONDS and waiting is not None:
            told[0] = True
            waiting.info(_waiting_message(path, read_holder(path), timeout))
        time.sleep(min(pause, max(0.0, timeout - waited)))
        pause = min(pause * 2, longest)


def _waiting_message(path: Path, holder: Holder | None, timeout: float) -> str:
    who = holder.describe() if holder else "another process (it does not say which)"
    return f"waiting for {who} to release {path}; will wait up to {_duration(timeout)}"


def _record(fd: int, command: str) -> None:
    import socket

    from gvw.base.redaction import redact

    line = json.dumps(
        {
            "command": redact(command)[:1000],
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": round(time.time(), 3),
        }
    )
    with contextlib.suppress(OSError):  # the record helps people; the lock is what counts
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, line.encode() + b"\n")


def try_hold(fd: int) -> bool:
    """Take the OS lock on the open file ``fd`` if nobody holds it; whether it did."""
    if sys.platform == "win32":  # (not os.name: mypy narrows on sys.platform)
        import msvcrt

        with _at_lock_byte(fd):
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def hold_blocking(fd: int) -> None:
    """Take the OS lock on ``fd``, waiting for a holder (one that only ever holds it
    for a moment: a clean-up checking whether a temporary is abandoned)."""
    while not try_hold(fd):
        time.sleep(_POLL_SECONDS[0])


def release(fd: int) -> None:
    """Let go of the OS lock on ``fd`` (closing ``fd`` does it too)."""
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            import msvcrt

            with _at_lock_byte(fd):
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)


@contextlib.contextmanager
def _at_lock_byte(fd: int) -> Iterator[None]:
    """msvcrt.locking locks at the file position: move it to the lock byte and back,
    so that the holder's own writes land where they were going."""
    position = os.lseek(fd, 0, os.SEEK_CUR)
    os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
    try:
        yield
    finally:
        os.lseek(fd, position, os.SEEK_SET)


def _clock(moment: float) -> str:
    local = time.localtime(moment)
    if time.strftime("%Y-%m-%d", local) == time.strftime("%Y-%m-%d"):
        return time.strftime("%H:%M:%S", local)
    return time.strftime("%Y-%m-%d %H:%M:%S", local)


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{round(seconds / 60)} minutes"
    return f"{seconds:g} seconds" if seconds != 1 else "1 second"
