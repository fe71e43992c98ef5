"""Safe, fast extraction of Go release archives (.tar.gz and .zip).

Archives are untrusted even after the checksum matched (a mirror can publish a
hostile archive with a matching checksum). Every entry must sit under ``go/``; absolute
names, ``..``, backslashes, device files and links that lead outside the target are
refused, nothing is ever written through a link, and executable bits are kept.
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Callable

from gvw.base.errors import ArchiveError
from gvw.base.fsutil import IS_WINDOWS, long_path, store_error
from gvw.base.reporting import Reporter
from gvw.base.versions import GoVersion, parse_release_name
from gvw.install.gunzip import GunzipReader

TOP_DIR = "go"
# Decompression-bomb limits (docs/security.md#hostile-archives says why these numbers).
# A Go tree is ~210-250 MB in 10,357 (1.21) to ~11,100 (1.24) entries, growing by ~250
# a release: 20,000 leaves years of growth, and refusing a bomb at the limit costs about
# twice a real install's file creation.
MAX_TOTAL_BYTES = 8 << 30
MAX_ENTRIES = 20_000
# Entries per compressed byte, checked on the stream (it holds when extraction is fed
# from the download as it arrives): from the RATIO_FROM-th entry on, every entry must
# have cost MIN_PACKED_BYTES of the compressed stream on average. A real tree averages
# ~6,200; its worst possible order (all 1,097 directories, then the smallest files
# first, gzip -9) ~114 at entry 4,096; one-byte-file bombs ~14.
RATIO_FROM = 4096
MIN_PACKED_BYTES = 64
# Names: real trees go 13 levels deep with names up to 111 bytes; past these a name is
# refused (exit 10) rather than failing in the filesystem (exit 12) or in a recursion
MAX_NAME_BYTES = 1024
MAX_NAME_DEPTH = 64
MAX_COMPONENT_BYTES = 255
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_COPY_CHUNK = 1 << 20
# O_EXCL: never open an existing file or a link planted by an earlier entry
_CREATE_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
)
_UTIME_ON_FD = os.utime in os.supports_fd  # not on Windows
_SPECIAL_FILE_MODES = (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO, stat.S_IFSOCK)
# what the filesystem says when two entries clash (a file where a directory is, a
# directory below a file): the archive's fault, not the store's
_CLASH_ERRNOS = {errno.EEXIST, errno.ENOTDIR, errno.EISDIR, errno.ENOTEMPTY}


# called with each written file's relative path; returns where its bytes go as well
FileSink = Callable[[str], Callable[[bytes], None]]


def extract_archive(
    archive: Path,
    target: Path,
    *,
    name: str,
    reporter: Reporter,
    label: str,
    sink: FileSink | None = None,
) -> None:
    """Extract the ``go/`` tree of ``archive`` into the empty directory ``target``.

    ``name`` is the archive's real file name (the download may be a ``.part`` file):
    it decides the format and names the archive in errors. Raises ArchiveError for
    corrupt or hostile archives; the caller removes ``target`` on failure.
    ``sink`` sees every regular file's bytes as they are written (the install manifest).
    """
    shown = name
    name = name.lower()
    with _archive_errors(shown, target):
        if name.endswith(".zip"):
            _Extractor(target, archive, shown, sink).extract_zip(reporter, label)
        elif name.endswith((".tar.gz", ".tgz")):
            _Extractor(target, archive, shown, sink).extract_tar(reporter, label)
        else:
            raise ArchiveError(
                f"{shown} is neither a .tar.gz nor a .zip archive",
                hint="Go releases are go<version>.<os>-<arch>.tar.gz or .zip",
            )
    exe = ".exe" if name.endswith(".zip") else ""
    if not (target / "bin" / f"go{exe}").is_file():
        raise ArchiveError(
            f"{shown} does not hold a Go toolchain (no go/bin/go{exe})",
            hint="check that the file is an official Go release archive",
        )


def extract_zip_below(
    archive: Path, target: Path, *, top: str, name: str, reporter: Reporter, label: str
) -> None:
    """Extract the entries of the zip ``archive`` below the directory ``top`` (a module
    zip's ``<module>@<version>``) into ``target``, by the rules of :func:`extract_archive`.
    What the tree must hold is the caller's to check."""
    with _archive_errors(name, target):
        _Extractor(target, archive, name, top=top).extract_zip(reporter, label)


@contextlib.contextmanager
def _archive_errors(shown: str, target: Path) -> Iterator[None]:
    try:
        yield
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ArchiveError(
            f"{shown} is corrupt or truncated ({exc or type(exc).__name__})",
            hint="download it again",
        ) from None
    except OSError as exc:
        raise store_error(exc, "extract into", target) from exc


class _Extractor:
    def __init__(
        self,
        target: Path,
        archive: Path,
        shown: str,
        sink: FileSink | None = None,
        *,
        top: str = TOP_DIR,
    ) -> None:
        self.root = long_path(target)
        self.top = top.split("/")  # every entry must sit below it
        self.sink = sink  # where each written file's bytes go as well (the manifest)
        self.archive = archive
        self.shown = shown  # the name errors use
        self.links: set[str] = set()  # relative paths of links created so far
        self.link_keys: set[str] = set()  # the same, case-folded
        self.dirs: set[str] = {""}  # relative paths of directories known to exist
        self.total = 0
        self.entries = 0
        self.packed: int | None = None  # compressed bytes read so far (tar.gz only)

    # --- formats

    def extract_tar(self, reporter: Reporter, label: str) -> None:
        size = self.archive.stat().st_size
        progress = reporter.progress(label, size, unit="bytes")
        self.packed = 0

        def advance(amount: int) -> None:  # in the inflating thread, ahead of the reader
            self.packed = (self.packed or 0) + amount
            progress.advance(amount)

        try:
            with open(self.archive, "rb") as raw:
                gunzip = GunzipReader(raw, advance)
                try:
                    # "r|": one sequential pass, no seeking, constant memory
                    with tarfile.open(fileobj=gunzip, mode="r|") as tar:  # type: ignore[call-overload]
                        for member in tar:
                            with self._clashes(member.name):
                                self._tar_member(tar, member)
                finally:
                    gunzip.close()
        finally:
            progress.close()
        self._check_links()

    def _tar_member(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        # counted at the header, before its data is read: a declared 9 GiB is refused
        # without inflating any of it
        self._count(member.size if member.isreg() else 0)
        rel = self._relative(member.name)
        if rel is None:
            return
        if member.isdir():
            self._mkdir(rel)
        elif member.isreg():
            source = tar.extractfile(member)
            assert source is not None
            self._write_file(rel, source, member.size, member.mode, member.mtime)
        elif member.issym():
            self._symlink(rel, member.linkname, member.name)
        elif member.islnk():
            self._hardlink(rel, member.linkname, member.name)
        else:
            self._refuse_special(member.name)

    def extract_zip(self, reporter: Reporter, label: str) -> None:
        with zipfile.ZipFile(self.archive) as archive:
            infos = archive.infolist()
            # the central directory declares every entry and size: a bomb is refused
            # from it before anything is written
            total = sum(info.file_size for info in infos)
            self._check_limits(len(infos), total)
            progress = reporter.progress(label, total, unit="bytes")
            try:
                for info in infos:
                    with self._clashes(info.filename):
                        self._zip_member(archive, info)
                    progress.advance(info.file_size)
            finally:
                progress.close()

    def _zip_member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self._count(info.file_size)
        rel = self._relative(info.filename)
        if rel is None:
            return
        unix_mode = info.external_attr >> 16 if info.create_system == 3 else 0
        if stat.S_ISLNK(unix_mode):
            raise ArchiveError(
                f"{self.shown} holds a symbolic link {info.filename!r}; "
                "links in zip archives are refused",
                hint="official Go archives have none: check where the file came from",
            )
        if stat.S_IFMT(unix_mode) in _SPECIAL_FILE_MODES:
            self._refuse_special(info.filename)
        if info.is_dir():
            self._mkdir(rel)
            return
        with archive.open(info) as source:
            mtime = _zip_mtime(info)
            self._write_file(rel, source, info.file_size, unix_mode or 0o644, mtime)

    # --- checks

    def _relative(self, name: str) -> str | None:
        """The entry's path below ``go/``, or None for ``go/`` itself; refuses the rest."""
        self._check_name(name)
        if (
            name.startswith(("/", "\\"))
            or _DRIVE_RE.match(name)
            or "\\" in name
            or "\x00" in name
            or (IS_WINDOWS and ":" in name)
        ):
            self._refuse(name, "has an absolute or non-portable path")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if ".." in parts:
            self._refuse(name, "climbs out of the target with '..'")
        if parts[: len(self.top)] != self.top:
            self._refuse(name, f"is outside the {'/'.join(self.top)}/ directory")
        rel = "/".join(parts[len(self.top) :])
        if not rel:
            return None
        if self.links:
            # case-folded: on a case-insensitive filesystem (macOS, Windows) go/s/A/x
            # would be written through the link go/s/a
            for prefix in _prefixes(rel.casefold()):
                if prefix in self.link_keys:
                    self._refuse(name, "would be written through a link")
        return rel

    def _check_name(self, name: str) -> None:
        """Names no filesystem (or no recursion) should be asked to take."""
        encoded = name.encode("utf-8", "surrogateescape")
        parts = encoded.split(b"/")
        if len(encoded) > MAX_NAME_BYTES:
            self._refuse(name[:100] + "...", f"is longer than {MAX_NAME_BYTES} bytes")
        elif len(parts) > MAX_NAME_DEPTH:
            self._refuse(name[:100] + "...", f"is nested more than {MAX_NAME_DEPTH} levels deep")
        elif any(len(part) > MAX_COMPONENT_BYTES for part in parts):
            self._refuse(name, f"has a path element longer than {MAX_COMPONENT_BYTES} bytes")

    @contextlib.contextmanager
    def _clashes(self, name: str) -> Iterator[None]:
        """The filesystem's refusal of an entry that clashes with an earlier one, as the
        archive's fault (exit 10); any other OSError is the store's."""
        try:
            yield
        except OSError as exc:
            if exc.errno in _CLASH_ERRNOS:
                self._refuse(name, "clashes with an earlier entry (a file and a directory)")
            if exc.errno == errno.ENAMETOOLONG:
                self._refuse(name, "has a name too long for this filesystem")
            raise

    def _not_over_directory(self, rel: str, name: str) -> None:
        # unlinking a directory fails differently on each OS (EISDIR, EPERM): refuse first
        if rel in self.dirs:
            self._refuse(name, "would replace a directory of an earlier entry")

    def _refuse(self, name: str, why: str) -> None:
        raise ArchiveError(
            f"{self.shown} holds an entry {name!r} that {why}; nothing was installed",
            hint="official Go archives never do: check where the file came from",
        )

    def _refuse_special(self, name: str) -> None:
        raise ArchiveError(
            f"{self.shown} holds a device or special file {name!r}; refusing it",
            hint="official Go archives never do: check where the file came from",
        )

    def _count(self, size: int) -> None:
        self.entries += 1
        self.total += size
        self._check_limits(self.entries, self.total)
        packed = self.packed
        if (
            packed is not None
            and self.entries >= RATIO_FROM
            and packed < MIN_PACKED_BYTES * self.entries
        ):
            self._bomb(
                f"packs {self.entries:,} entries into its first {packed:,} compressed "
                f"bytes (a Go tree needs more than {MIN_PACKED_BYTES} an entry)"
            )

    def _check_limits(self, entries: int, total: int) -> None:
        if entries > MAX_ENTRIES:
            self._bomb(f"holds more than {MAX_ENTRIES:,} entries")
        elif total > MAX_TOTAL_BYTES:
            self._bomb(f"unpacks to more than {MAX_TOTAL_BYTES >> 30} GiB")

    def _bomb(self, why: str) -> None:
        raise ArchiveError(
            f"{self.shown} {why}; refusing it as a decompression bomb, nothing was installed",
            hint="a Go toolchain is far smaller: check where the file came from",
        )

    def _check_links(self) -> None:
        # Each link was checked lexically when created, but a chain of links can
        # still lead out; resolve them now that all exist.
        root = os.path.realpath(self.root)
        for rel in self.links:
            real = os.path.realpath(self._path(rel))
            if real != root and not real.startswith(root + os.sep):
                self._refuse(TOP_DIR + "/" + rel, "is a link that leads outside the target")

    # --- writing

    def _path(self, rel: str) -> str:
        return os.path.join(self.root, *rel.split("/"))

    def _mkdir(self, rel: str) -> None:
        if rel in self.dirs:
            return
        self._parent_dir(rel)
        try:
            os.mkdir(self._path(rel))
        except FileExistsError:
            if not os.path.isdir(self._path(rel)):
                raise
        self.dirs.add(rel)

    def _parent_dir(self, rel: str) -> None:
        """Make sure the directory holding ``rel`` exists: one set lookup per entry
        once it was made (archives list directories before their files)."""
        parent = rel.rpartition("/")[0]
        if parent not in self.dirs:
            os.makedirs(self._path(parent), exist_ok=True)
            self.dirs.add(parent)
            self.dirs.update(_prefixes(parent))

    def _write_file(self, rel: str, source: IO[bytes], size: int, mode: int, mtime: float) -> None:
        path = self._path(rel)
        self._not_over_directory(rel, TOP_DIR + "/" + rel)
        self._parent_dir(rel)
        # Keep executable bits, drop setuid/setgid/sticky and group/world write.
        perm = 0o755 if mode & 0o111 else 0o644
        try:
            fd = os.open(path, _CREATE_FLAGS, perm)
        except FileExistsError:
            os.unlink(path)  # a repeated entry replaces the file, never writes through it
            fd = os.open(path, _CREATE_FLAGS, perm)
        feed = self.sink(rel) if self.sink is not None else None
        try:
            # unbuffered writes on the descriptor: no file object, no isatty or lseek
            remaining = size
            while remaining > 0:
                chunk = source.read(min(remaining, _COPY_CHUNK))
                if not chunk:
                    break  # tarfile and zipfile raise on a short entry themselves
                remaining -= len(chunk)
                if feed is not None:
                    feed(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
            if _UTIME_ON_FD:
                os.utime(fd, (mtime, mtime))
        finally:
            os.close(fd)
        if not _UTIME_ON_FD:
            os.utime(path, (mtime, mtime))

    def _symlink(self, rel: str, target: str, name: str) -> None:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
        if (
            target.startswith("/")
            or "\\" in target
            or _DRIVE_RE.match(target)
            or (joined == ".." or joined.startswith("../"))
        ):
            self._refuse(name, f"is a link to {target!r}, outside the target")
        if len(target.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
            self._refuse(name, f"is a link to a name longer than {MAX_NAME_BYTES} bytes")
        self._not_over_directory(rel, name)
        path = self._path(rel)
        self._parent_dir(rel)
        if os.path.lexists(path):
            os.unlink(path)
        os.symlink(target, path)
        self.links.add(rel)
        self.link_keys.add(rel.casefold())
        # a chain (go/s/b -> .., then go/s/a -> b/../..) passes the textual check: see
        # where the link leads now, before any later entry could be written through it
        real = os.path.realpath(path)
        root = os.path.realpath(self.root)
        if real != root and not real.startswith(root + os.sep):
            self._refuse(name, f"is a link to {target!r}, which leads outside the target")

    def _hardlink(self, rel: str, target: str, name: str) -> None:
        source_rel = self._relative(target)
        if (
            source_rel is None
            or source_rel in self.links
            or not os.path.isfile(self._path(source_rel))
        ):
            self._refuse(name, f"is a hard link to {target!r}, which is not a file before it")
        assert source_rel is not None
        self._not_over_directory(rel, name)
        path = self._path(rel)
        self._parent_dir(rel)
        if os.path.lexists(path):
            os.unlink(path)
        os.link(self._path(source_rel), path, follow_symlinks=False)


def _prefixes(rel: str) -> Iterator[str]:
    parts = rel.split("/")
    for i in range(1, len(parts)):
        yield "/".join(parts[:i])


def _zip_mtime(info: zipfile.ZipInfo) -> float:
    import time

    try:
        return time.mktime((*info.date_time, 0, 0, -1))
    except (OverflowError, ValueError):
        return 0.0


def check_version_file(tree: Path, version: GoVersion, name: str) -> None:
    """An archive named go1.22.10 must hold Go 1.22.10 (go/VERSION, first line). Every
    Go release since 1.0 has that file: an archive without one cannot be checked."""
    hint = "official Go archives hold go/VERSION naming their release: check the file's source"
    try:
        with open(tree / "VERSION", "rb") as handle:
            first = handle.read(4096).decode("utf-8", "replace").splitlines()[:1]
    except OSError:
        raise ArchiveError(
            f"{name} has no go/VERSION file, so it cannot be shown to hold Go "
            f"{version.name}; nothing was installed",
            hint=hint,
        ) from None
    found = first[0].strip() if first else ""
    if parse_release_name(found) != version:
        held = f"holds {found}" if found else "has an empty go/VERSION"
        raise ArchiveError(f"{name} claims to be Go {version.name} but {held}", hint=hint)
