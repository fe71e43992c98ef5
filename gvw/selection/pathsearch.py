"""Finding files the way the shims do: a program on PATH outside the shims directories,
and a file in a directory or one of its parents.

One implementation, used by the resolver (``gvw current``, ``which``, ``exec``) and by
``gvw doctor``, so the two cannot disagree about which ``go`` runs. The rules are the
shims' (docs/selection.md, "What the shims do"):

- POSIX (``shim_files/posix_shim.sh``): PATH is split on ``:``; an empty entry is the
  current directory and relative entries are relative to it; a candidate is a regular
  file with execute permission; an entry naming the shims directory is skipped, and so
  is a file that is the shim itself (``/usr/local/bin/go -> shims/go``).
- Windows (``shims/windows_shim.c``): PATH is split on ``;``; ``"`` characters are
  removed (they are not part of a name); empty entries are skipped; relative entries are
  made absolute against the current directory (GetFullPathNameW); only ``<tool>.exe``
  counts (no PATHEXT: the shim starts .exe files only); trailing separators and case do
  not matter when comparing.

Directories are compared by canonical path (symlinks resolved) or, where both exist,
by identity (``test -ef``). Nothing here raises for a missing, unreadable or malformed
entry: it is simply not a match.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


def walk_up(start: Path) -> Iterator[Path]:
    """``start``, then each parent up to the root of its filesystem (drive or UNC share
    root on Windows)."""
    directory = start
    while True:
        yield directory
        parent = directory.parent
        if parent == directory:
            return
        directory = parent


def find_up(start: Path, name: str) -> Path | None:
    """The nearest file (not a directory) called ``name`` in ``start`` or above it. As
    in Go, anything that exists and is not a directory counts: a FIFO or a device under
    that name is found, for its reader to refuse, not taken for no file at all."""
    for directory in walk_up(start):
        candidate = directory / name
        if exists_not_directory(candidate):
            return candidate
    return None


def exists_not_directory(path: Path) -> bool:
    """Whether ``path`` (followed if a link) exists and is not a directory; never raises
    (EACCES and the like are "no"), unlike Path.is_file."""
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class PathSearch:
    """PATH lookups as the shims of ``shims`` do them.

    ``windows`` selects the Windows rules (the default is the host's; doctor's tests use
    them on Linux). ``cwd`` is what relative entries are relative to; None is the
    current directory of this process, which is the shims' own rule.
    """

    shims: Path
    windows: bool = os.name == "nt"
    cwd: str | None = None
    # other stores' shims directories, skipped as well (the machine store's: a `go`
    # there would only come back to the same selection)
    others: tuple[Path, ...] = ()

    def split(self, path_value: str) -> list[str]:
        """The entries of a PATH value, as written."""
        return path_value.split(";" if self.windows else ":")

    def directory(self, entry: str) -> str | None:
        """The absolute directory an entry names; None for one the shims skip."""
        if self.windows:
            text = entry.replace('"', "")
            if not text:
                return None
            if len(text) > 3:  # "C:\Go\bin\" is C:\Go\bin; "C:\" stays
                text = text.rstrip("\\/") or text
        else:
            text = entry or "."
        try:
            if self.cwd is not None:
                text = os.path.join(self.cwd, text)
            if self.windows:
                return os.path.abspath(text)  # lexical, as GetFullPathNameW
            # POSIX: only made absolute, not normalised: "a/../b" goes through the
            # link a, as the kernel resolves it
            return text if os.path.isabs(text) else os.path.join(os.getcwd(), text)
        except (OSError, ValueError):  # a deleted current directory, a NUL
            return None

    def is_shims(self, entry: str) -> bool:
        """Whether a PATH entry names the shims directory (any spelling of it)."""
        directory = self.directory(entry)
        if directory is None:
            return False
        if self._key(directory) in self._shims_keys:
            return True
        return any(_same_file(directory, str(shims)) for shims in self._all_shims)

    def is_shims_of(self, entry: str, shims: Path) -> bool:
        """Whether a PATH entry names the one shims directory ``shims``."""
        return PathSearch(shims, windows=self.windows, cwd=self.cwd).is_shims(entry)

    def tool_in(self, entry: str, tool: str) -> Path | None:
        """The ``tool`` a PATH lookup finds in this entry, if it is not a shim: None for
        the shims directory itself and for a file that is the shim."""
        directory = self.directory(entry)
        if directory is None or self.is_shims(entry):
            return None
        candidate = os.path.join(directory, tool + (".exe" if self.windows else ""))
        # os.path.isfile and os.access never raise (no permission, NUL, too long)
        if not os.path.isfile(candidate):
            return None
        if not self.windows:
            if not os.access(candidate, os.X_OK):
                return None
            if any(_same_file(candidate, os.path.join(s, tool)) for s in self._all_shims):
                return None
        return Path(candidate)

    def find(self, tool: str, path_value: str) -> Path | None:
        """The first ``tool`` on PATH outside the shims directory."""
        for entry in self.split(path_value):
            found = self.tool_in(entry, tool)
            if found is not None:
                return found
        return None

    @property
    def _all_shims(self) -> tuple[Path, ...]:
        return (self.shims, *self.others)

    @cached_property
    def _shims_keys(self) -> frozenset[str]:
        return frozenset(self._key(os.path.abspath(shims)) for shims in self._all_shims)

    def _key(self, path: str) -> str:
        try:
            real = os.path.realpath(path)
        except (OSError, ValueError):
            real = path
        if not self.windows:
            return real
        real = real.replace("/", "\\")
        if len(real) > 3:
            real = real.rstrip("\\") or real
        return real.casefold()


def _same_file(a: str, b: str) -> bool:
    """``test a -ef b``: both exist and are the same file or directory."""
    try:
        return os.path.samestat(os.stat(a), os.stat(b))
    except (OSError, ValueError):
        return False
