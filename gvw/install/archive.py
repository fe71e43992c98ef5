"""Safe, fast extraction of Go release archives (.tar.gz and .zip).

Archives are untrusted even after the checksum matched (a mirror can publish a
hostile archive with a matching checksum), and a .tar.gz is extracted while it is still
downloading, before its checksum is known (:func:`extract_tar_gz`): every byte passes
the same rules either way. Every entry must sit under ``go/``; absolute names, ``..``,
backslashes, device files and links that lead outside the target are refused, nothing
is ever written through a link, and executable bits are kept.
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import re
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Callable, Protocol

from gvw.base.errors import ArchiveError, GvwError
from gvw.base.fsutil import IS_WINDOWS, long_path, store_error
from gvw.base.reporting import Reporter
from gvw.base.versions import GoVersion, parse_release_name
from gvw.install.gunzip import INFLATE_ERRORS, GunzipReader, Readable
from gvw.install.tar_stream import TarFormatError, TarMember, TarStream
from gvw.install.zip_entries import ZipEntries

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


class TreeSink(Protocol):
    """What is told about every file and link the extraction writes (the manifest)."""

    def file(self, rel: str) -> Callable[[bytes | memoryview], None]:
        """A file at ``rel``: returns what each chunk of its bytes is fed to."""

    def hashed(self, rel: str, size: int, sha256: str) -> None:
        """A file at ``rel`` whose digest was taken already (zips, on several threads)."""

    def link(self, rel: str, target: str) -> None: ...

    def hardlink(self, rel: str, source: str) -> None: ...


def is_tar_gz(name: str) -> bool:
    return name.lower().endswith((".tar.gz", ".tgz"))


def extract_archive(
    archive: Path,
    target: Path,
    *,
    name: str,
    reporter: Reporter,
    label: str,
    sink: TreeSink | None = None,
) -> None:
    """Extract the ``go/`` tree of ``archive`` into the empty directory ``target``.

    ``name`` is the archive's real file name (the download may be a ``.part`` file):
    it decides the format and names the archive in errors. Raises ArchiveError for
    corrupt or hostile archives; the caller removes ``target`` on failure.
    ``sink`` is told every file (and its bytes) and link as they are written.
    """
    if is_tar_gz(name):
        size = archive.stat().st_size
        progress = reporter.progress(label, size, unit="bytes")
        try:
            with open(archive, "rb") as raw:
                extract_tar_gz(_Counted(raw, progress.advance), target, name=name, sink=sink)
        finally:
            progress.close()
        return
    if not name.lower().endswith(".zip"):
        raise ArchiveError(
            f"{name} is neither a .tar.gz nor a .zip archive",
            hint="Go releases are go<version>.<os>-<arch>.tar.gz or .zip",
        )
    with _archive_errors(name, target):
        _Extractor(target, name, sink).extract_zip(archive, reporter, label)
    _require_go(target, name, exe=".exe")


def extract_tar_gz(raw: Readable, target: Path, *, name: str, sink: TreeSink | None = None) -> None:
    """Extract the ``go/`` tree of the .tar.gz that ``raw.read(n)`` returns, as it
    arrives, into the empty directory ``target`` (the rules of :func:`extract_archive`).

    Reading stops at the tar's end: what ``raw`` holds after it (the gzip trailer,
    padding) is left for the caller, which hashes the whole download. On an ArchiveError
    ``raw`` is left where it was too, so the caller can finish reading it and decide
    whether the archive or the download was bad (a checksum mismatch).
    """
    with _archive_errors(name, target):
        _Extractor(target, name, sink).extract_tar(raw)
    _require_go(target, name, exe="")


def _require_go(target: Path, name: str, *, exe: str) -> None:
    if not (target / "bin" / f"go{exe}").is_file():
        raise ArchiveError(
            f"{name} does not hold a Go toolchain (no go/bin/go{exe})",
            hint="check that the file is an official Go release archive",
        )


class _Counted:
    """A file read through, counting the bytes read (progress)."""

    def __init__(self, raw: Readable, advance: Callable[[int], None]) -> None:
        self.raw = raw
        self.advance = advance

    def read(self, size: int = -1, /) -> bytes:
        data = self.raw.read(size)
        self.advance(len(data))
        return data


def extract_zip_below(
    archive: Path,
    target: Path,
    *,
    top: str,
    name: str,
    reporter: Reporter,
    label: str,
    sink: TreeSink | None = None,
) -> None:
    """Extract the entries of the zip ``archive`` below the directory ``top`` (a module
    zip's ``<module>@<version>``) into ``target``, by the rules of :func:`extract_archive`.
    What the tree must hold is the caller's to check."""
    with _archive_errors(name, target):
        _Extractor(target, name, sink, top=top).extract_zip(archive, reporter, label)


# what a corrupt archive raises, whatever reads it
_CORRUPT: tuple[type[Exception], ...] = (TarFormatError, zipfile.BadZipFile, *INFLATE_ERRORS)
_ARCHIVE_FAULTS: tuple[type[Exception], ...] = (GvwError, *_CORRUPT)


@contextlib.contextmanager
def _archive_errors(shown: str, target: Path) -> Iterator[None]:
    try:
        yield
    except _CORRUPT as exc:
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
        shown: str,
        sink: TreeSink | None = None,
        *,
        top: str = TOP_DIR,
    ) -> None:
        self.root = long_path(target)
        self.base = self.root + os.sep  # + a checked relative path: where an entry goes
        self.top = top.split("/")  # every entry must sit below it
        self.sink = sink  # told every file and link written (the manifest)
        self.shown = shown  # the name errors use
        self.links: set[str] = set()  # relative paths of links created so far
        self.link_keys: set[str] = set()  # the same, case-folded
        self.dirs: set[str] = {""}  # relative paths of directories known to exist
        self.total = 0
        self.entries = 0
        self.packed: int | None = None  # compressed bytes read so far (tar.gz only)

    # --- formats

    def extract_tar(self, raw: Readable) -> None:
        self.packed = 0
        # counted as the inflater reads (not by wrapping ``raw``: its interrupt() must stay
        # reachable, so that a signal ends a blocked read of a download at once)
        gunzip = GunzipReader(raw, self._read_packed)
        try:
            # one sequential pass, no seeking, constant memory
            tar = TarStream(gunzip.read1)
            for member in tar:
                with self._clashes(member.name):
                    self._tar_member(tar, member)
        except _ARCHIVE_FAULTS:
            gunzip.close()  # the archive's fault: the caller may still read ``raw``
            raise
        except BaseException:
            gunzip.close(abort=True)  # a signal, a full disk: end a blocked read now
            raise
        gunzip.close()
        self._check_links()

    def _tar_member(self, tar: TarStream, member: TarMember) -> None:
        # counted at the header, before its data is read: a declared 9 GiB is refused
        # without inflating any of it
        self._count(member.size if member.isreg() else 0)
        rel = self._relative(member.name)
        if rel is None:
            return
        if member.isdir():
            self._mkdir(rel)
        elif member.isreg():
            self._parent_dir(rel)
            feed = self.sink.file(rel) if self.sink is not None else None
            self._write_file(rel, tar.read_data, member.size, member.mode, member.mtime, feed)
        elif member.issym():
            self._symlink(rel, member.linkname, member.name)
        elif member.islnk():
            self._hardlink(rel, member.linkname, member.name)
        else:
            self._refuse_special(member.name)

    def extract_zip(self, path: Path, reporter: Reporter, label: str) -> None:
        """Check every entry and make every directory in the archive's order, then write
        the files on several threads: a zip compresses each file on its own, so they can
        be inflated, written and hashed at once (on Windows, where a scanner holds each
        new file for a moment, that is most of the time)."""
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            # the central directory declares every entry and size: a bomb is refused
            # from it before anything is written
            total = sum(info.file_size for info in infos)
            self._check_limits(len(infos), total)
            # entries whose names differ only in case are one file on Windows and macOS:
            # they are written by one task, in order, so the last one wins as it would
            groups: dict[str, list[tuple[str, zipfile.ZipInfo, int]]] = {}
            for info in infos:
                with self._clashes(info.filename):
                    planned = self._zip_member(info)
                if planned is not None:
                    groups.setdefault(planned[0].casefold(), []).append(planned)
        progress = reporter.progress(label, total, unit="bytes")
        try:
            self._write_zip_files(path, list(groups.values()), progress.advance)
        finally:
            progress.close()

    def _zip_member(self, info: zipfile.ZipInfo) -> tuple[str, zipfile.ZipInfo, int] | None:
        """Check one entry; make it if it is a directory; a file is returned to write."""
        self._count(info.file_size)
        rel = self._relative(info.filename)
        if rel is None:
            return None
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
            return None
        self._parent_dir(rel)
        return rel, info, unix_mode or 0o644

    def _write_zip_files(
        self,
        path: Path,
        groups: list[list[tuple[str, zipfile.ZipInfo, int]]],
        advance: Callable[[int], None],
    ) -> None:
        import hashlib
        from concurrent.futures import ThreadPoolExecutor

        entries = ZipEntries(path)

        def write(group: list[tuple[str, zipfile.ZipInfo, int]]) -> list[tuple[str, int, str]]:
            written = []
            for rel, info, mode in group:
                digest = hashlib.sha256()
                reader = _PieceReader(entries.chunks(info))
                mtime = _zip_mtime(info)
                self._write_file(rel, reader.read, info.file_size, mode, mtime, digest.update)
                reader.finish()  # the size and CRC-32 are checked after the last byte
                written.append((rel, info.file_size, digest.hexdigest()))
            return written

        workers = min(8, (os.cpu_count() or 1) + 2)
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for written in pool.map(write, groups):  # in the archive's order
                    for rel, size, sha256 in written:
                        if self.sink is not None:
                            self.sink.hashed(rel, size, sha256)
                        advance(size)
        finally:
            entries.close()

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
            or not _is_utf8(name)  # bytes that are no UTF-8: no name on Windows
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

    def _read_packed(self, amount: int) -> None:
        """Compressed bytes read so far (by the inflater, ahead of the entries)."""
        self.packed = (self.packed or 0) + amount

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
        return self.base + rel.replace("/", os.sep)

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

    def _write_file(
        self,
        rel: str,
        read: Callable[[int], bytes | memoryview],
        size: int,
        mode: int,
        mtime: float,
        feed: Callable[[bytes | memoryview], object] | None,
    ) -> None:
        path = self._path(rel)
        name = "/".join([*self.top, rel])
        self._not_over_directory(rel, name)
        # Keep executable bits, drop setuid/setgid/sticky and group/world write.
        perm = 0o755 if mode & 0o111 else 0o644
        with self._clashes(name):  # zips write on other threads: their clashes too
            try:
                fd = os.open(path, _CREATE_FLAGS, perm)
            except FileExistsError:
                os.unlink(path)  # a repeated entry replaces the file, never writes through it
                fd = os.open(path, _CREATE_FLAGS, perm)
        try:
            # unbuffered writes on the descriptor: no file object, no isatty or lseek
            remaining = size
            while remaining > 0:
                chunk = read(min(remaining, _COPY_CHUNK))
                if not chunk:
                    break  # the tar reader and zipfile raise on a short entry themselves
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
            or not _is_utf8(target)
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
        if self.sink is not None:
            self.sink.link(rel, target)
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
        if self.sink is not None:
            self.sink.hardlink(rel, source_rel)


class _PieceReader:
    """``read(n)`` over pieces of any size: at most ``n`` bytes, b"" at the end."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces = pieces
        self._piece = b""
        self._offset = 0

    def read(self, size: int) -> bytes:
        if self._offset >= len(self._piece):
            self._piece = next(self._pieces, b"")
            self._offset = 0
        start = self._offset
        self._offset = min(start + size, len(self._piece))
        if start == 0 and self._offset == len(self._piece):
            return self._piece
        return self._piece[start : self._offset]

    def finish(self) -> None:
        """Run the pieces to their end, where the reader checks what it read."""
        for _ in self._pieces:
            pass


def _is_utf8(text: str) -> bool:
    """Whether a name read from an archive was UTF-8 (the tar reader keeps other bytes
    as surrogate escapes, which no Windows API accepts)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
