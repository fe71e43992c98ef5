"""Filesystem primitives: atomic writes, renames that survive Windows scanners,
and OS errors turned into store errors that say what to do."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

from gvw.base.errors import StoreError

IS_WINDOWS = os.name == "nt"
# Antivirus scanners and indexers hold new files open for a moment, so renames on
# Windows fail with "Access is denied" (g#72, nvm-windows PR#410, krew#308).
_RENAME_RETRY_SECONDS = 5.0


def store_error(exc: OSError, action: str, path: Path | str) -> StoreError:
    """Turn an OSError into a StoreError that names the path and the likely fix."""
    code = exc.errno
    if code == errno.ENOSPC:
        why, hint = "the disk is full", "free some space and run the command again"
    elif code in (errno.EACCES, errno.EPERM):
        why, hint = "permission denied", f"check the permissions of {path}"
    elif code == errno.EROFS:
        why, hint = "the filesystem is read-only", "point GVW_ROOT at a writable directory"
    else:
        why, hint = exc.strerror or str(exc), None
    return StoreError(f"cannot {action} {path}: {why}", hint=hint)


def temp_sibling(path: Path) -> Path:
    """A unique temporary name next to ``path`` (same directory, same volume)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def atomic_write_bytes(
    path: Path,
    data: bytes,
    *,
    mode: int | None = None,
    before_replace: Callable[[], None] | None = None,
) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never
    a mix: write a temporary sibling, flush it to disk, rename it over.

    The new file gets ``mode``, else the permissions of the file it replaces (a
    user's 0600 profile stays 0600), set before the rename so no reader sees it
    without them. ``before_replace`` runs once the new file is complete, just before
    the rename (to move a running program aside on Windows: the gap is two renames).
    """
    if mode is None:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            mode = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise store_error(exc, "create", path.parent) from exc
    tmp = temp_sibling(path)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if before_replace is not None:
            before_replace()
        replace(tmp, path)
    except OSError as exc:
        unlink_quietly(tmp)
        raise store_error(exc, "write", path) from exc
    except BaseException:
        unlink_quietly(tmp)
        raise


@contextlib.contextmanager
def partial_file(path: Path, action: str) -> Iterator[None]:
    """Remove the partly written file ``path`` when the block fails, however it fails
    (Ctrl+C, a signal too); an OSError becomes a StoreError naming ``action``."""
    try:
        yield
    except OSError as exc:
        unlink_quietly(path)
        raise store_error(exc, action, path) from exc
    except BaseException:
        unlink_quietly(path)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def replace(src: Path, dst: Path) -> None:
    """os.replace, retried on Windows sharing violations."""
    _retry_on_windows(lambda: os.replace(src, dst))


def rename(src: Path, dst: Path) -> None:
    """os.rename (fails if ``dst`` exists on Windows), retried on sharing violations."""
    _retry_on_windows(lambda: os.rename(src, dst))


def _retry_on_windows(operation: Callable[[], None]) -> None:
    deadline = time.monotonic() + _RENAME_RETRY_SECONDS
    delay = 0.01
    while True:
        try:
            operation()
            return
        except PermissionError:
            if not IS_WINDOWS or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def remove_tree(path: Path) -> None:
    """Delete a directory tree, including read-only files (Windows refuses those)."""

    def make_writable_and_retry(func: Callable[[str], object], name: str, _exc: object) -> None:
        os.chmod(name, stat.S_IWRITE | stat.S_IREAD | stat.S_IEXEC)
        func(name)

    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        if sys.version_info >= (3, 12):
            shutil.rmtree(path, onexc=make_writable_and_retry)
        else:
            shutil.rmtree(path, onerror=make_writable_and_retry)


def unlink_quietly(path: Path) -> None:
    """Remove a file if it can be removed; for clean-up on paths that already failed."""
    with contextlib.suppress(OSError):
        path.unlink()


def remove_file(path: Path) -> None:
    """Remove a file; one that is already gone is fine, any other failure is an error."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise store_error(exc, "remove", path) from exc


def long_path(path: Path) -> str:
    r"""The path as a string Windows accepts beyond 260 characters (``\\?\`` form)."""
    text = str(path.absolute())
    if not IS_WINDOWS or text.startswith("\\\\?\\"):
        return text
    if text.startswith("\\\\"):
        return "\\\\?\\UNC\\" + text[2:]
    return "\\\\?\\" + text


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive OS lock on the file ``path`` (created if missing) for the
    block: flock on POSIX, msvcrt.locking on Windows. For short critical sections on
    every command's path (the audit log), where importing filelock (which pulls in
    asyncio and ssl on some versions) would cost more than the section itself."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
    except OSError as exc:
        raise store_error(exc, "lock", path) from exc
    try:
        if sys.platform == "win32":  # (not IS_WINDOWS: mypy narrows on sys.platform)
            import msvcrt

            _retry_windows_lock(fd, msvcrt, path)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock on both systems


def _retry_windows_lock(fd: int, msvcrt: Any, path: Path) -> None:
    # LK_LOCK itself retries for 10 s; a writer holds the lock for microseconds
    for _ in range(6):
        try:
            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
            return
        except OSError:
            continue
    raise StoreError(f"another gvw has held {path} for a minute", hint=f"delete {path}")
