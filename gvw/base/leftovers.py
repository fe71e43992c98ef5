"""What killed gvw processes leave behind, and the one rule that removes it.

Every temporary gvw makes is *held* by the process that made it for as long as it is
in use: a file by an OS lock on it (:func:`gvw.base.fsutil.create_held`), a directory by
an owner file inside it, ``.gvw-owner``, held the same way (:func:`held_directory`).
The OS lets go of a hold when its process ends, however it ends (``kill -9`` too), so a
temporary that nobody holds belongs to a process that is gone: only those are removed
(:func:`remove_abandoned`). The proof travels with the file, so the rule needs no lock
of its own and holds between all the processes that can see it: several ``GVW_ROOT``\\ s
sharing one cache, CI jobs in containers sharing a volume, two users' gvw in one
GOPATH/bin. A temporary whose owner is gone may still be worth keeping (a partial
download can be resumed): :func:`is_abandoned` tells without removing.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from gvw.base.errors import StoreError, store_error
from gvw.base.fsutil import create_held, remove_if_abandoned, remove_if_unheld, remove_tree
from gvw.base.locks import try_hold

OWNER_FILE = ".gvw-owner"
_ATTEMPTS = 100


@contextmanager
def held_directory(parent: Path, prefix: str) -> Iterator[Path]:
    """A new directory ``<parent>/<prefix><pid>-<random>``, held for the block and
    removed at its end, however it ends."""
    for _ in range(_ATTEMPTS):
        path = parent / f"{prefix}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            continue
        except OSError as exc:
            raise store_error(exc, "create", path) from exc
        try:
            fd = create_held(path / OWNER_FILE, 0o600)
        except (FileNotFoundError, FileExistsError):
            continue  # a clean-up took it before it was held: another name
        except OSError as exc:
            with contextlib.suppress(OSError):
                remove_tree(path)
            raise store_error(exc, "create", path / OWNER_FILE) from exc
        break
    else:
        raise StoreError(f"cannot create a directory in {parent}: something keeps removing it")
    try:
        yield path
    finally:
        os.close(fd)  # (Windows deletes no open file)
        with contextlib.suppress(OSError):
            remove_tree(path)


def is_abandoned(path: Path) -> bool:
    """Whether nobody holds the temporary file ``path`` right now (its owner is gone).
    A file that cannot be opened is not known to be abandoned."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return False
    try:
        return try_hold(fd)
    finally:
        os.close(fd)


def remove_abandoned_directory(path: Path) -> bool:
    """Remove the temporary directory ``path`` if no process holds its owner file;
    whether it did. A directory without one (made by an older gvw, or by a process
    killed before it held it) gets one, held while the directory is removed, so its
    maker, if alive, finds it taken and makes another."""
    if path.is_symlink() or not path.is_dir():
        return False
    return remove_if_unheld(path / OWNER_FILE, lambda: _removed(path), create=True)


def _removed(path: Path) -> bool:
    try:
        remove_tree(path)
    except OSError:
        return False
    return True


def remove_abandoned(
    directory: Path,
    *,
    files: Callable[[str], bool] = lambda name: False,
    directories: Callable[[str], bool] = lambda name: False,
) -> list[Path]:
    """Remove the temporaries in ``directory`` whose names ``files`` or ``directories``
    accept and that nobody holds; the removed paths."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    removed = []
    for entry in entries:
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if is_dir and directories(entry.name):
            if remove_abandoned_directory(path):
                removed.append(path)
        elif not is_dir and files(entry.name) and remove_if_abandoned(path):
            removed.append(path)
    return removed
