"""Safe, fast extraction of Go release archives (.tar.gz and .zip).

Archives are untrusted even after the checksum matched (a mirror can publish a
hostile archive with a matching checksum). Every entry must sit under ``go/``; absolute
names, ``..``, backslashes, device files and links that lead outside the target are
refused, nothing is ever written through a link, and executable bits are kept.
"""

from __future__ import annotations

import os
import posixpath
import queue
import re
import stat
import tarfile
import threading
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Callable

from gvw.errors import ArchiveError
from gvw.fsutil import IS_WINDOWS, long_path, store_error
from gvw.reporting import Reporter

TOP_DIR = "go"
MAX_TOTAL_BYTES = 8 << 30  # a Go tree is ~250 MB; more is a decompression bomb
MAX_ENTRIES = 200_000
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_COPY_CHUNK = 1 << 20


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
    try:
        if name.endswith(".zip"):
            _Extractor(target, archive, shown, sink).extract_zip(reporter, label)
        elif name.endswith((".tar.gz", ".tgz")):
            _Extractor(target, archive, shown, sink).extract_tar(reporter, label)
        else:
            raise ArchiveError(
                f"{shown} is neither a .tar.gz nor a .zip archive",
                hint="Go releases are go<version>.<os>-<arch>.tar.gz or .zip",
            )
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ArchiveError(
            f"{shown} is corrupt or truncated ({exc or type(exc).__name__})",
            hint="download it again",
        ) from None
    except OSError as exc:
        raise store_error(exc, "extract into", target) from exc
    exe = ".exe" if name.endswith(".zip") else ""
    if not (target / "bin" / f"go{exe}").is_file():
        raise ArchiveError(
            f"{shown} does not hold a Go toolchain (no go/bin/go{exe})",
            hint="check that the file is an official Go release archive",
        )


class _GunzipThread:
    """A file-like reader of the decompressed stream, inflated in a second thread.

    zlib releases the GIL while it inflates, so decompression overlaps with tar
    parsing and file writes, as ``curl | tar xz`` overlaps gzip and tar. Roughly
    halves the time to unpack a Go tree.
    """

    _QUEUE_CHUNKS = 16

    def __init__(self, raw: IO[bytes], advance: Callable[[int], None]) -> None:
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(self._QUEUE_CHUNKS)
        self._buffer = b""
        self._done = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._inflate, args=(raw, advance), daemon=True)
        self._thread.start()

    def _inflate(self, raw: IO[bytes], advance: Callable[[int], None]) -> None:
        try:
            inflater = zlib.decompressobj(wbits=31)  # 31: gzip header and trailer
            while not self._stop.is_set():
                compressed = raw.read(_COPY_CHUNK)
                if not compressed:
                    if not inflater.eof:
                        raise EOFError("compressed data ends before the end of the stream")
                    break
                advance(len(compressed))
                while compressed:
                    self._put(inflater.decompress(compressed))
                    compressed = b""
                    if inflater.eof and inflater.unused_data:
                        # concatenated gzip members (RFC 1952 allows it)
                        compressed = inflater.unused_data
                        inflater = zlib.decompressobj(wbits=31)
            self._put(b"")
        except BaseException as exc:  # handed to the reading thread
            self._put(exc)

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            item = self._queue.get()
            if isinstance(item, BaseException):
                self._done = True
                raise item
            if not item:
                self._done = True
            self._buffer += item
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


class _Extractor:
    def __init__(self, target: Path, archive: Path, shown: str, sink: FileSink | None) -> None:
        self.root = long_path(target)
        self.sink = sink
        self.archive = archive
        self.shown = shown  # the name errors use
        self.links: set[str] = set()  # relative paths of links created so far
        self.total = 0
        self.entries = 0

    # --- formats

    def extract_tar(self, reporter: Reporter, label: str) -> None:
        size = self.archive.stat().st_size
        progress = reporter.progress(label, size, unit="bytes")
        try:
            with open(self.archive, "rb") as raw:
                gunzip = _GunzipThread(raw, progress.advance)
                try:
                    # "r|": one sequential pass, no seeking, constant memory
                    with tarfile.open(fileobj=gunzip, mode="r|") as tar:  # type: ignore[call-overload]
                        for member in tar:
                            self._tar_member(tar, member)
                finally:
                    gunzip.close()
        finally:
            progress.close()
        self._check_links()

    def _tar_member(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        rel = self._relative(member.name)
        self._count(member.size if member.isreg() else 0)
        if rel is None:
            return
        if member.isdir():
            self._mkdir(rel)
        elif member.isreg():
            source = tar.extractfile(member)
            assert source is not None
            self._write_file(rel, source, member.mode, member.mtime)
        elif member.issym():
            self._symlink(rel, member.linkname, member.name)
        elif member.islnk():
            self._hardlink(rel, member.linkname, member.name)
        else:
            raise ArchiveError(
                f"{self.shown} holds a device or special file {member.name!r}; refusing it",
                hint="official Go archives never do: check where the file came from",
            )

    def extract_zip(self, reporter: Reporter, label: str) -> None:
        with zipfile.ZipFile(self.archive) as archive:
            infos = archive.infolist()
            total = sum(info.file_size for info in infos)
            progress = reporter.progress(label, total, unit="bytes")
            try:
                for info in infos:
                    self._zip_member(archive, info)
                    progress.advance(info.file_size)
            finally:
                progress.close()

    def _zip_member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        rel = self._relative(info.filename)
        self._count(info.file_size)
        if rel is None:
            return
        unix_mode = info.external_attr >> 16 if info.create_system == 3 else 0
        if stat.S_ISLNK(unix_mode):
            raise ArchiveError(
                f"{self.shown} holds a symbolic link {info.filename!r}; "
                "links in zip archives are refused",
                hint="official Go archives have none: check where the file came from",
            )
        if info.is_dir():
            self._mkdir(rel)
            return
        with archive.open(info) as source:
            mtime = _zip_mtime(info)
            self._write_file(rel, source, unix_mode or 0o644, mtime)

    # --- checks

    def _relative(self, name: str) -> str | None:
        """The entry's path below ``go/``, or None for ``go/`` itself; refuses the rest."""
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
        if not parts or parts[0] != TOP_DIR:
            self._refuse(name, f"is outside the {TOP_DIR}/ directory")
        rel = "/".join(parts[1:])
        if not rel:
            return None
        for prefix in _prefixes(rel):
            if prefix in self.links:
                self._refuse(name, "would be written through a link")
        return rel

    def _refuse(self, name: str, why: str) -> None:
        raise ArchiveError(
            f"{self.shown} holds an entry {name!r} that {why}; nothing was installed",
            hint="official Go archives never do: check where the file came from",
        )

    def _count(self, size: int) -> None:
        self.entries += 1
        self.total += size
        if self.entries > MAX_ENTRIES or self.total > MAX_TOTAL_BYTES:
            raise ArchiveError(
                f"{self.shown} unpacks to more than {MAX_ENTRIES} entries or "
                f"{MAX_TOTAL_BYTES >> 30} GiB; refusing it",
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
        os.makedirs(self._path(rel), exist_ok=True)

    def _write_file(self, rel: str, source: IO[bytes], mode: int, mtime: float) -> None:
        path = self._path(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # Keep executable bits, drop setuid/setgid/sticky and group/world write.
        perm = 0o755 if mode & 0o111 else 0o644
        if os.path.lexists(path):
            os.unlink(path)  # a repeated entry replaces the file, never writes through it
        feed = self.sink(rel) if self.sink is not None else None
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), perm)
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = source.read(_COPY_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                if feed is not None:
                    feed(chunk)
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
        path = self._path(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.lexists(path):
            os.unlink(path)
        os.symlink(target, path)
        self.links.add(rel)

    def _hardlink(self, rel: str, target: str, name: str) -> None:
        source_rel = self._relative(target)
        if (
            source_rel is None
            or source_rel in self.links
            or not os.path.isfile(self._path(source_rel))
        ):
            self._refuse(name, f"is a hard link to {target!r}, which is not a file before it")
        assert source_rel is not None
        path = self._path(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
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
