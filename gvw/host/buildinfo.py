"""Read the Go version and module that built a program, without running anything.

The Go linker (1.18+) leaves a blob in the data section: a 32-byte header starting
with ``\\xff Go buildinf:`` at a 16-byte boundary, the pointer size, a flags byte
whose bit 2 says the strings are inline, then two varint-length-prefixed strings:
the Go version and the module info (``path``/``mod``/``dep`` lines framed by 16-byte
sentinels). This mirrors debug/buildinfo.readRawBuildInfo and
runtime/debug.ParseBuildInfo; older binaries (pointer format) and non-Go files give
None, and callers leave the fields empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MAGIC = b"\xff Go buildinf:"
_HEADER_SIZE = 32
_ALIGN = 16
_FLAG_INLINE = 0x2
_MAX_VERSION = 256


@dataclass(frozen=True)
class BuildInfo:
    go_version: str  # "go1.22.10"
    path: str = ""  # the main package, e.g. "golang.org/x/tools/gopls"
    module: str = ""  # the main module, e.g. "golang.org/x/tools/gopls"
    module_version: str = ""  # "v0.16.2", or "(devel)" for a local build


_CHUNK = 1 << 20
# how much of a file after a hit is decoded: the header, the version and the module
# information (a line per dependency; a few KB for most programs, tens for the largest)
_WINDOW = 1 << 20
# what decides whether a hit is a blob: the header, the version's length and the version
_HEAD = _HEADER_SIZE + 2 + _MAX_VERSION


def read_build_info_file(path: Path | str) -> BuildInfo | None:
    """:func:`read_build_info` of a file, read in pieces: memory stays at a few MB
    whatever the file's size (a 900 MB program, sparse or not). Raises OSError."""
    with open(path, "rb") as handle:
        return read_build_info_from(handle)


def read_build_info_from(handle: BinaryIO) -> BuildInfo | None:
    """:func:`read_build_info` of an open, seekable file, read in pieces.

    Each hit's header and version are checked in the piece already read; only a hit
    that passes is decoded from a window read after it, and only while that can change
    the answer (the first aligned blob, else the first unaligned one). So a file
    holding the magic a million times is read once, not a million windows of it."""
    unaligned: BuildInfo | None = None
    offset = 0  # of ``buffer`` in the file
    buffer = b""
    while True:
        chunk = handle.read(_CHUNK)
        buffer += chunk
        start = 0
        while True:
            at = buffer.find(MAGIC, start)
            if at < 0:
                break
            start = at + 1
            aligned = (offset + at) % _ALIGN == 0
            if unaligned is not None and not aligned:
                continue  # an unaligned blob is already found: only an aligned one wins
            head = buffer[at : at + _HEAD]
            if len(head) < _HEAD and chunk:  # cut by the end of the piece, not of the file
                head = _read_at(handle, offset + at, _HEAD)
            if _version_at(head, 0) is None:
                continue
            info = _decode(_read_at(handle, offset + at, _WINDOW), 0)
            if info is not None:
                if aligned:
                    return info
                unaligned = info
        if not chunk:
            return unaligned
        # the last bytes again with the next piece: a magic cut in two is found whole
        keep = min(len(MAGIC) - 1, len(buffer))
        offset += len(buffer) - keep
        buffer = buffer[len(buffer) - keep :]


def _read_at(handle: BinaryIO, at: int, size: int) -> bytes:
    """``size`` bytes from ``at``, the file's position left where it was."""
    position = handle.tell()
    handle.seek(at)
    try:
        return handle.read(size)
    finally:
        handle.seek(position)


def read_build_info(data: bytes) -> BuildInfo | None:
    """The build info in a program's bytes, or None when it has none we can read.

    The magic also appears as a plain string in programs that link debug/buildinfo
    (the go command itself), so every hit is decoded and checked; an aligned hit wins,
    as in Go, which searches 16-byte boundaries of the data section.
    """
    unaligned: BuildInfo | None = None
    start = 0
    while True:
        at = data.find(MAGIC, start)
        if at < 0:
            return unaligned
        start = at + 1
        if unaligned is not None and at % _ALIGN:
            continue  # as in read_build_info_from: the first unaligned blob is kept
        info = _decode(data, at)
        if info is not None:
            if at % _ALIGN == 0:
                return info
            unaligned = info


def _decode(data: bytes, at: int) -> BuildInfo | None:
    found = _version_at(data, at)
    if found is None:
        return None
    version, after = found
    modinfo, _ = _uvarint_string(data, after)
    return _parse_modinfo(_text(version), _unframe(modinfo or b""))


def _version_at(data: bytes, at: int) -> tuple[bytes, int] | None:
    """The Go version of a valid header at ``at`` and where the module info starts;
    None when the header or the version is not one the linker writes."""
    header = data[at : at + _HEADER_SIZE]
    if len(header) < _HEADER_SIZE or header[14] not in (4, 8) or not header[15] & _FLAG_INLINE:
        return None
    version, after = _uvarint_string(data, at + _HEADER_SIZE)
    if version is None or not _looks_like_go_version(version):
        return None
    return version, after


def _uvarint_string(data: bytes, at: int) -> tuple[bytes | None, int]:
    """encoding/binary.Uvarint, then that many bytes."""
    length = shift = 0
    for index in range(at, min(at + 10, len(data))):
        byte = data[index]
        length |= (byte & 0x7F) << shift
        if byte < 0x80:
            end = index + 1 + length
            return (data[index + 1 : end], end) if end <= len(data) else (None, at)
        shift += 7
    return None, at


def _looks_like_go_version(raw: bytes) -> bool:
    return (
        0 < len(raw) <= _MAX_VERSION
        and raw.startswith((b"go", b"devel"))
        and all(0x20 < b < 0x7F for b in raw.split(b" ")[0])
    )


def _unframe(modinfo: bytes) -> bytes:
    # the module info sits between two 16-byte sentinels (modload.infoStart/infoEnd)
    if len(modinfo) >= 33 and modinfo[-17:-16] == b"\n":
        return modinfo[16:-16]
    return b""


def _parse_modinfo(version: str, modinfo: bytes) -> BuildInfo:
    path = module = module_version = ""
    for line in _text(modinfo).split("\n"):
        if line.startswith("path\t"):
            path = line[5:]
        elif line.startswith("mod\t"):
            columns = line[4:].split("\t")
            module = columns[0]
            module_version = columns[1] if len(columns) > 1 else ""
    return BuildInfo(version, path, module, module_version)


def _text(raw: bytes) -> str:
    """Decoded, with anything unprintable replaced: these strings end up on terminals."""
    text = raw.decode("utf-8", "replace")
    return "".join(c if c == "\n" or c == "\t" or c.isprintable() else "?" for c in text)
