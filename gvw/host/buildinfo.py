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


def read_build_info_file(path: Path | str) -> BuildInfo | None:
    """:func:`read_build_info` of a file, read in pieces: memory stays at a few MB
    whatever the file's size (a 900 MB program, sparse or not). Raises OSError."""
    unaligned: BuildInfo | None = None
    with open(path, "rb") as handle:
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
                position = handle.tell()
                handle.seek(offset + at)
                info = _decode(handle.read(_WINDOW), 0)
                handle.seek(position)
                if info is not None:
                    if (offset + at) % _ALIGN == 0:
                        return info
                    unaligned = unaligned or info
                start = at + 1
            if not chunk:
                return unaligned
            # the last bytes again with the next piece: a magic cut in two is found whole
            keep = min(len(MAGIC) - 1, len(buffer))
            offset += len(buffer) - keep
            buffer = buffer[len(buffer) - keep :]


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
        info = _decode(data, at)
        if info is not None:
            if at % _ALIGN == 0:
                return info
            unaligned = unaligned or info
        start = at + 1


def _decode(data: bytes, at: int) -> BuildInfo | None:
    header = data[at : at + _HEADER_SIZE]
    if len(header) < _HEADER_SIZE or header[14] not in (4, 8) or not header[15] & _FLAG_INLINE:
        return None
    version, after = _uvarint_string(data, at + _HEADER_SIZE)
    if version is None or not _looks_like_go_version(version):
        return None
    modinfo, _ = _uvarint_string(data, after)
    return _parse_modinfo(_text(version), _unframe(modinfo or b""))


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
