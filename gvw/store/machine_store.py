"""Changing the machine store (docs/machine-store.md): who may, and how it is kept.

Every user and service of the machine reads the machine store; only an administrator
changes it. A command that changes it claims it first (:func:`claim`): before anything
changes, a process without the right gets :class:`NeedsAdminError`, which names the
store and how to get the right, and the store stays exactly as it was. The claim then
holds the store's lock for the whole command and makes what it writes readable by
everyone (directories 0755, files 0644), except the snapshots and the audit log,
which only the administrator reads.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from gvw.base.errors import NeedsAdminError
from gvw.base.fsutil import store_error, temp_sibling
from gvw.base.locks import held
from gvw.base.paths import Paths
from gvw.base.reporting import Reporter

LOCK_NAME = "machine.lock"
LOCK_TIMEOUT_SECONDS = 30 * 60  # another administrator's install may be downloading
PRIVATE_DIRECTORIES = ("snapshots", "log")  # the administrator's own record
_READABLE_BY_ALL = 0o055  # the umask bits that would hide new files from other users


@contextlib.contextmanager
def claim(paths: Paths, *, command: str, waiting: Reporter | None = None) -> Iterator[None]:
    """Hold the machine store ``paths.root`` for one command that changes it.

    ``command`` is the command line to run again with the right (``gvw install
    --machine 1.22``), for the message; ``waiting`` hears, once, who holds the store
    when the wait is longer than a moment (as the user store's locks say it)."""
    root = paths.root
    old_umask = os.umask(0)
    os.umask(old_umask & ~_READABLE_BY_ALL)
    try:
        if not may_change(root):
            raise denied(root, command)
        with held(
            paths.locks / LOCK_NAME,
            command=command,
            timeout=LOCK_TIMEOUT_SECONDS,
            waiting=waiting,
        ):
            _keep_private(paths)
            yield
    finally:
        os.umask(old_umask)


def may_change(root: Path) -> bool:
    """Whether this process may change the machine store at ``root``: on Windows when
    it runs elevated (a standard user may create files under %ProgramData%, so a
    write is no proof); elsewhere when it can create a file in ``root`` (made first
    if missing: that needs the right to write its parent), which root, sudo and a
    group the administrator gave write access all can."""
    if sys.platform == "win32":
        import ctypes

        return bool(ctypes.windll.shell32.IsUserAnAdmin())
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = temp_sibling(root / ".write-probe")
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except PermissionError:
        return False
    except OSError as exc:  # a read-only filesystem, a full disk: not a question of rights
        raise store_error(exc, "change", root) from exc
    return True


def denied(root: Path, command: str) -> NeedsAdminError:
    if sys.platform == "win32":
        how = f"run it in a terminal started with Run as administrator: {command}"
    else:
        how = f"run it as root: sudo {command}"
    return NeedsAdminError(
        f"cannot change the machine store {root}: it serves every user of this machine, "
        "and only an administrator may change it; nothing was changed",
        hint=how,
    )


def _keep_private(paths: Paths) -> None:
    """The snapshots and the audit log of the machine store: the administrator's only."""
    if os.name == "nt":
        return  # ACLs, not modes: see docs/machine-store.md
    for name in PRIVATE_DIRECTORIES:
        directory = paths.root / name
        try:
            directory.mkdir(mode=0o700, exist_ok=True)
            os.chmod(directory, 0o700)
        except OSError as exc:
            raise store_error(exc, "protect", directory) from exc
