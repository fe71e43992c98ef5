"""The files of a zip read by its central directory's word, from several threads at once.

A zip compresses each file on its own, so a tree can be inflated and written on all
cores: each thread reads through a file handle of its own (no shared seek position, no
lock) and inflates in C (ISA-L where installed), with no per-chunk Python machinery in
between. What ``zipfile``'s readers check is checked here too: the local header must
be one and name the same file as the directory, the method must be stored or deflate
(no encryption), and the size and CRC-32 at the end must be the directory's.
"""

from __future__ import annotations

import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from gvw.install.gunzip import raw_inflater

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature ... name length, extra length
_LOCAL_SIGNATURE = b"PK\x03\x04"
_READ = 1 << 20  # compressed bytes per read
_OUT = 1 << 20  # at most this many inflated bytes per piece: memory stays bounded


class ZipEntries:
    """``chunks(info)`` yields the bytes of one file of the zip at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._handles: list[IO[bytes]] = []
        self._lock = threading.Lock()

    def _handle(self) -> IO[bytes]:
        handle: IO[bytes] | None = getattr(self._local, "handle", None)
        if handle is None:
            handle = open(self.path, "rb")  # noqa: SIM115 (closed by close)
            self._local.handle = handle
            with self._lock:
                self._handles.append(handle)
        return handle

    def close(self) -> None:
        with self._lock:
            for handle in self._handles:
                handle.close()
            self._handles.clear()

    def chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        handle = self._handle()
        handle.seek(info.header_offset)
        header = handle.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size:
            raise zipfile.BadZipFile(f"truncated local header of {info.filename!r}")
        fields = _LOCAL_HEADER.unpack(header)
        if fields[0] != _LOCAL_SIGNATURE:
            raise zipfile.BadZipFile(f"bad local header of {info.filename!r}")
        name = handle.read(fields[9])
        if name.decode("utf-8" if info.flag_bits & 0x800 else "cp437") != info.orig_filename:
            raise zipfile.BadZipFile(
                f"file name in directory {info.orig_filename!r} and header {name!r} differ"
            )
        if info.flag_bits & 0x1:
            raise zipfile.BadZipFile(f"{info.filename!r} is encrypted")
        handle.seek(fields[10], 1)  # the local extra field
        if info.compress_type == zipfile.ZIP_STORED:
            pieces = _stored(handle, info.compress_size)
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            pieces = _deflated(handle, info.compress_size)
        else:
            raise zipfile.BadZipFile(
                f"{info.filename!r} uses compression method {info.compress_type}"
            )
        size = crc = 0
        for piece in pieces:
            size += len(piece)
            if size > info.file_size:
                raise zipfile.BadZipFile(f"{info.filename!r} is longer than its directory says")
            crc = zlib.crc32(piece, crc)
            yield piece
        if size != info.file_size or crc != info.CRC:
            raise zipfile.BadZipFile(f"bad size or CRC-32 of {info.filename!r}")


def _stored(handle: IO[bytes], length: int) -> Iterator[bytes]:
    while length > 0:
        data = handle.read(min(length, _READ))
        if not data:
            raise EOFError("the zip ends inside a file")
        length -= len(data)
        yield data


def _deflated(handle: IO[bytes], length: int) -> Iterator[bytes]:
    inflater = raw_inflater()
    for data in _stored(handle, length):
        while data:
            out = inflater.decompress(data, _OUT)
            if out:
                yield out
            data = inflater.unconsumed_tail
    while not inflater.eof:  # what zlib holds back
        out = inflater.decompress(b"", _OUT)
        if not out:
            raise EOFError("the deflate stream of a file ends too early")
        yield out
