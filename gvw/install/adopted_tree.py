r"""A Go tree already on this machine (``gvw install --adopt DIR``): the one an MSI put
in ``C:\Program Files\Go``, a ``/usr/local/go``, taken into the store as a version before
it is removed, so that nothing the machine had is lost. A source for
:class:`gvw.install.installer.Installer`.

The version is the one the tree's ``VERSION`` file names (the installer checks the
copy against it again). There is no published checksum for a tree: it is copied as it
is, the metadata records where it came from and no sha256, and the manifest is made
from the bytes copied, so ``gvw verify`` can tell later damage from it. The copy
keeps to the archive rules: only directories and regular files (a link or a device
is refused, whatever it points at), executable bits kept, nothing else, within the
same size and entry limits.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gvw.base.errors import ArchiveError, InvalidVersionError
from gvw.base.fsutil import long_path, store_error
from gvw.base.sanitize import printable
from gvw.base.versions import GoVersion, parse_release_name
from gvw.install.archive import MAX_ENTRIES, MAX_TOTAL_BYTES
from gvw.install.sources import Provenance
from gvw.install.tree_manifest import Collector

ADOPTED = "adopted from "  # how the metadata's source names a tree
_CHUNK = 1 << 20
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def tree_version(tree: Path) -> GoVersion:
    """The Go release a tree holds: the first line of its ``VERSION`` file."""
    hint = f"name the directory that holds bin{os.sep}go, such as C:\\Program Files\\Go"
    if not (tree / "bin").is_dir():
        raise InvalidVersionError(f"{tree} is not a Go tree (it has no bin directory)", hint=hint)
    try:
        with open(tree / "VERSION", "rb") as handle:
            first = handle.read(4096).decode("utf-8", "replace").splitlines()[:1]
    except OSError:
        raise InvalidVersionError(
            f"{tree} has no readable VERSION file, so its Go version is unknown", hint=hint
        ) from None
    word = first[0].strip() if first else ""
    version = parse_release_name(word)
    if version is None:
        shown = printable(word, 64)
        raise InvalidVersionError(
            f"{tree / 'VERSION'} names no Go release ({shown!r})",
            hint="a Go release tree's VERSION file starts with its release, such as go1.22.10",
        )
    return version


class AdoptedTree:
    def __init__(self, tree: Path) -> None:
        self.tree = tree.absolute()
        self.version = tree_version(self.tree)

    @property
    def download_name(self) -> str:
        return f"adopted-go{self.version.name}"  # nothing is downloaded: no leftovers

    def fill(self, staging: Path, digests: Collector) -> Provenance:
        _Copy(self.tree, staging, digests).run()
        return Provenance(ADOPTED + str(self.tree), "", str(self.tree))


class _Copy:
    def __init__(self, tree: Path, target: Path, digests: Collector) -> None:
        self.tree = tree
        self.target = target
        self.digests = digests
        self.entries = 0
        self.total = 0

    def run(self) -> None:
        def fail(exc: OSError) -> None:
            raise exc

        top = long_path(self.tree)  # Windows: past 260 characters, as the archives
        try:
            for directory, dirs, files in os.walk(top, onerror=fail):
                rel_dir = os.path.relpath(directory, top)
                for name in sorted(dirs + files):
                    source = os.path.join(directory, name)
                    rel = name if rel_dir == "." else os.path.join(rel_dir, name)
                    self._entry(source, rel)
        except OSError as exc:
            raise store_error(exc, "copy", exc.filename or self.tree) from exc

    def _entry(self, source: str, rel: str) -> None:
        info = os.lstat(source)
        self._count(info.st_size if stat.S_ISREG(info.st_mode) else 0, rel)
        if stat.S_ISDIR(info.st_mode):
            os.mkdir(self._target(rel))
        elif stat.S_ISREG(info.st_mode):
            self._file(source, rel, info.st_mode)
        else:
            what = "a link" if stat.S_ISLNK(info.st_mode) else "a device or special file"
            raise ArchiveError(
                f"{self.tree} holds {what}, {printable(rel)}; refusing to adopt it, "
                "nothing was installed",
                hint="a Go release tree holds only directories and files: "
                "check what this directory is",
            )

    def _file(self, source: str, rel: str, mode: int) -> None:
        feed = self.digests.file(rel.replace(os.sep, "/"))
        # O_NOFOLLOW: a file swapped for a link since it was looked at is not followed
        src = os.open(source, _READ_FLAGS)
        try:
            dst = os.open(self._target(rel), _CREATE_FLAGS, 0o755 if mode & 0o111 else 0o644)
            try:
                while chunk := os.read(src, _CHUNK):
                    feed(chunk)
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(dst, view) :]
            finally:
                os.close(dst)
        finally:
            os.close(src)

    def _target(self, rel: str) -> str:
        return os.path.join(long_path(self.target), rel)

    def _count(self, size: int, rel: str) -> None:
        self.entries += 1
        self.total += size
        if self.entries > MAX_ENTRIES or self.total > MAX_TOTAL_BYTES:
            raise ArchiveError(
                f"{self.tree} is larger than any Go tree ({printable(rel)} passes the limit of "
                f"{MAX_ENTRIES:,} entries or {MAX_TOTAL_BYTES >> 30} GiB); nothing was installed",
                hint="name the Go tree itself, such as C:\\Program Files\\Go",
            )
