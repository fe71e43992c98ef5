"""Filesystem primitives: atomic writes, renames that survive Windows scanners,
and OS errors turned into store errors that say what to do."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

from gvw.base.errors import StoreError
from gvw.base.errors import store_error as store_error  # (its home was here)

IS_WINDOWS = os.name == "nt"
# Antivirus scanners and indexers hold new files open for a moment, so renames on
# Windows fail with "Access is denied" (g#72, nvm-windows PR#410, krew#308).
_RENAME_RETRY_SECONDS = 5.0


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_directory(path: Path) -> bool:
    """Make ``path`` a directory only its owner can enter: created 0700 (its parents as
    usual), an existing one with group or other permissions tightened; whether it was
    tightened. On Windows the mode bits mean nothing; the store's place in the user
    profile keeps it private."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(path, PRIVATE_DIR_MODE)
        except FileExistsError:
            if not IS_WINDOWS and stat.S_IMODE(os.stat(path).st_mode) & 0o077:
                os.chmod(path, PRIVATE_DIR_MODE)
                return True
        return False
    except OSError as exc:
        raise store_error(exc, "create", path) from exc


def make_tree_private(top: Path) -> None:
    """Every directory under ``top`` 0700 and every file 0600 (links are left alone:
    what they lead to is not the tree's). For a tree an older gvw made readable."""
    for directory, subdirectories, files in os.walk(top):
        for name in subdirectories + files:
            path = os.path.join(directory, name)
            with errors_as_store_error("make private", path):
                mode = os.lstat(path).st_mode
                if stat.S_ISDIR(mode) and stat.S_IMODE(mode) & 0o077:
                    os.chmod(path, PRIVATE_DIR_MODE)
                elif stat.S_ISREG(mode) and stat.S_IMODE(mode) & 0o077:
                    os.chmod(path, PRIVATE_FILE_MODE)


def temp_sibling(path: Path) -> Path:
    """A unique temporary name next to ``path`` (same directory, same volume) that says
    whose it is: ``.<name>.gvw-<pid>-<random>.tmp``."""
    return path.with_name(f".{path.name}.gvw-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")


# the tail of temp_sibling's names; before gvw named them, "<pid>.<random>.tmp"
_TEMP_TAIL = r"\.(?:gvw-\d+-[0-9a-f]{8}|\d+\.[0-9a-f]{8})\.tmp"
_ANY_TEMP = re.compile(r"\..+" + _TEMP_TAIL)
_HOLD_ATTEMPTS = 100
_WRITE_ATTEMPTS = 5


def is_temp_sibling_name(name: str, of: str | None = None) -> bool:
    """Whether ``name`` is a temporary that :func:`temp_sibling` makes (of the file
    named ``of``, or of any file)."""
    if of is None:
        return bool(_ANY_TEMP.fullmatch(name))
    return bool(re.fullmatch(r"\." + re.escape(of) + _TEMP_TAIL, name))


def create_held(path: Path, mode: int = 0o666) -> int:
    """Create the new file ``path`` and hold it (an OS lock, :mod:`gvw.base.locks`) until
    the returned descriptor is closed: while it is held, :func:`remove_if_abandoned`
    leaves it alone, whoever runs it. A clean-up that found the file in the instant
    between its creation and the lock may have taken it: then it is made again."""
    from gvw.base.locks import hold_blocking

    for _ in range(_HOLD_ATTEMPTS):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
        try:
            hold_blocking(fd)  # a clean-up holds it for a moment at most
            if os.fstat(fd).st_nlink > 0:
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # removed before we held it: make it again
    raise StoreError(f"cannot create {path}: something keeps removing it")


def remove_if_abandoned(path: Path) -> bool:
    """Remove the temporary file ``path`` if no process holds it, that is if the
    process that made it (:func:`create_held`) is gone however it ended; whether it
    did. A link, or a file that cannot be opened, is left alone."""
    return not os.path.islink(path) and remove_if_unheld(path, lambda: _unlinked(path))


def remove_if_unheld(held: Path, remove: Callable[[], bool], *, create: bool = False) -> bool:
    """Call ``remove`` (which says whether it removed) if no process holds the file
    ``held``, holding it meanwhile where the OS allows (POSIX; Windows deletes no open
    file). ``create``: make ``held`` when it is missing, so that its maker, if alive,
    finds it taken."""
    from gvw.base.locks import same_file, try_hold

    flags = os.O_RDWR | os.O_CREAT if create else os.O_RDONLY
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(held, flags, 0o600)
    except OSError:
        return False
    try:
        if not try_hold(fd) or not same_file(fd, held):
            return False
        if not IS_WINDOWS:
            return remove()
    finally:
        os.close(fd)
    return remove()


def _unlinked(path: Path) -> bool:
    try:
        path.unlink()
    except OSError:
        return False
    return True


def remove_abandoned_temporaries(path: Path) -> list[Path]:
    """Remove what killed writes of ``path`` left beside it (:func:`temp_sibling`
    names nobody holds); the removed paths."""
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    found = [path.parent / n for n in names if is_temp_sibling_name(n, of=path.name)]
    return [p for p in found if remove_if_abandoned(p)]


def atomic_write_bytes(
    path: Path,
    data: bytes,
    *,
    mode: int | None = None,
    before_replace: Callable[[], None] | None = None,
) -> None:
    """Write ``data`` to ``path`` atomically: :func:`atomic_write`."""
    atomic_write(path, lambda fd: write_all(fd, data), mode=mode, before_replace=before_replace)


def atomic_write(
    path: Path,
    write: Callable[[int], None],
    *,
    mode: int | None = None,
    before_replace: Callable[[], None] | None = None,
) -> None:
    """Write ``path`` so that readers see the old or the new file, never a mix: ``write``
    fills a temporary sibling (given its descriptor; called again from the start if
    another gvw's clean-up took the temporary), which is flushed to disk and renamed
    over. A stream is copied through ``write`` without holding it in memory.

    The new file gets ``mode``, else the permissions of the file it replaces (a
    user's 0600 profile stays 0600), set before the rename so no reader sees it
    without them. ``before_replace`` runs once the new file is complete, just before
    the rename (to move a running program aside on Windows: the gap is two renames).
    The temporary is held while it is written (:func:`create_held`), and the
    temporaries of earlier writes of ``path`` whose writers were killed are removed.
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
    remove_abandoned_temporaries(path)
    for _ in range(_WRITE_ATTEMPTS):
        tmp = temp_sibling(path)
        try:
            fd = create_held(tmp, 0o666 if mode is None else mode)
            try:
                write(fd)
                os.fsync(fd)
            finally:
                os.close(fd)  # (Windows renames no open file)
            if mode is not None:
                os.chmod(tmp, mode)
            if before_replace is not None:
                before_replace()
                before_replace = None  # once, whatever happens next
            replace(tmp, path)
            return
        except FileNotFoundError as exc:
            if os.path.lexists(tmp) or not path.parent.is_dir():
                unlink_quietly(tmp)
                raise store_error(exc, "write", path) from exc
            # another gvw's clean-up took it in the instant it was not held: again
        except OSError as exc:
            unlink_quietly(tmp)
            raise store_error(exc, "write", path) from exc
        except BaseException:
            unlink_quietly(tmp)
            raise
    raise StoreError(f"cannot write {path}: its temporary file kept disappearing")


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until all of ``data`` is written (a write may take only part)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:  # pragma: no cover - os.write raises rather than return 0
            raise OSError(errno.EIO, "nothing was written")
        view = view[written:]


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


@contextlib.contextmanager
def errors_as_store_error(action: str, path: Path | str) -> Iterator[None]:
    """An OSError in the block as a StoreError naming ``action`` and ``path``."""
    try:
        yield
    except OSError as exc:
        raise store_error(exc, action, path) from exc


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
        import shutil  # only here: the start-up of read-only commands does without it

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
