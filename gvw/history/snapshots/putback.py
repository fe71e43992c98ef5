"""Writing recorded files back: atomically, never through a symbolic link, never into
a directory that no longer exists (unless asked to create it: the go env file's)."""

from __future__ import annotations

from pathlib import Path

from gvw.base.errors import SnapshotError
from gvw.base.fsutil import atomic_write, atomic_write_bytes, remove_file
from gvw.history.snapshots.model import FileState, Recorded
from gvw.history.snapshots.repository import copy_blob


def write_file(path: Path, state: FileState, *, make_parents: bool = False) -> None:
    """Put a recorded text file back (an unrecorded one is left alone)."""
    if state.state is Recorded.PRESENT:
        put_back(path, state.content.encode("utf-8"), make_parents=make_parents)
    elif state.state is Recorded.ABSENT:
        put_back(path, None)


def put_back(path: Path, data: bytes | None, *, make_parents: bool = False) -> None:
    """Write ``data`` to ``path`` atomically, or remove it when ``data`` is None."""
    if path.is_symlink():  # checked at planning time too; a restore never writes through one
        raise SnapshotError(f"refusing to replace {path}: it is a symbolic link")
    if data is None:
        remove_file(path)
        return
    if not make_parents and not path.parent.is_dir():
        raise SnapshotError(f"cannot restore {path}: its directory no longer exists")
    atomic_write_bytes(path, data)


def put_tool(path: Path, blob: Path, sha256: str) -> None:
    """Copy the kept program ``blob`` to ``path`` as a stream, checking its hash on the
    way (it was checked before the restore began; a blob changed since is not put back)."""

    def copy(fd: int) -> None:
        if not copy_blob(blob, sha256, fd):
            raise SnapshotError(
                f"cannot restore {path}: its kept copy changed during the restore",
                hint="restore the snapshot again",
            )

    # executable from the moment it appears (the mode is set before the rename)
    atomic_write(path, copy, mode=0o755)
