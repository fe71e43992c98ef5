"""The programs in GOPATH/bin (where ``go install`` puts them): which files count.

``gvw tools``, ``gvw install``'s project checks and snapshots all list programs by this
one rule, so what a snapshot records is what ``gvw tools`` shows and rebuilds.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gvw.base.fsutil import store_error

MAX_TOOL_BYTES = 1 << 30  # bigger files in GOPATH/bin are left out of the inventory


def valid_tool_name(name: str) -> bool:
    """A plain file name: nothing that could lead out of GOPATH/bin on any OS."""
    return (
        0 < len(name) <= 255
        and name not in (".", "..")
        and not any(c in name for c in "/\\:\0")
        and all(c.isprintable() for c in name)
        and not name.endswith((" ", "."))  # Windows drops these and means another file
    )


def program_entries(bin_dir: Path) -> list[tuple[os.DirEntry[str], os.stat_result]]:
    """The programs in a GOPATH/bin directory, by name: regular files with plain,
    not hidden names, at most MAX_TOOL_BYTES (snapshots and ``gvw tools`` alike)."""
    try:
        entries = sorted(os.scandir(bin_dir), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise store_error(exc, "read", bin_dir) from exc
    found = []
    for entry in entries:
        if entry.name.startswith(".") or not valid_tool_name(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and info.st_size <= MAX_TOOL_BYTES:
            found.append((entry, info))
    return found
