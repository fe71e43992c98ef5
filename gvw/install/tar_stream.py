"""A tar stream read in one pass, as it arrives: headers and file data handed out
without copying more than once.

Why not ``tarfile``: in stream mode it reads through a 10 KiB buffer that it copies on
every header and every read, and parses each header in a dozen Python calls; for the
~10,700 entries of a Go tree that was the largest cost of an install after inflation.

Formats: POSIX ustar (with its name prefix), pax extended headers (``x`` for the next
entry, ``g`` for all that follow: path, linkpath, size, mtime) and GNU long names
(``L``, ``K``), as Go's release archives and Python's and GNU tar's writers produce.
Sparse files are refused. Meta headers (pax, long names) are capped at 1 MiB, so a
header claiming gigabytes costs nothing. What an entry may be and where it may go is
the extractor's business (:mod:`gvw.install.archive`); this module only reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

BLOCK = 512
MAX_META_BYTES = 1 << 20  # a pax header or GNU long name larger than this is refused
_ENCODING = "utf-8"
_ERRORS = "surrogateescape"  # names that are not UTF-8 keep their bytes, as tarfile does
REGULAR_TYPES = (b"0", b"\0", b"7")  # file, old-style file, contiguous file
DIRECTORY, SYMLINK, HARDLINK = b"5", b"2", b"1"


class TarFormatError(Exception):
    """The stream is not a tar archive, or is a damaged one."""


@dataclass
class TarMember:
    """One entry, with tarfile's names for what the extractor reads."""

    name: str
    size: int
    mode: int
    mtime: float
    type: bytes
    linkname: str

    def isreg(self) -> bool:
        return self.type in REGULAR_TYPES

    def isdir(self) -> bool:
        return self.type == DIRECTORY

    def issym(self) -> bool:
        return self.type == SYMLINK

    def islnk(self) -> bool:
        return self.type == HARDLINK


class TarStream:
    """Entries of the tar stream that ``read(n)`` returns (inflated bytes, between 1 and
    n at a time, b"" at its end). Iterate for the members; read a member's data with
    :meth:`read_data` before asking for the next one (what is not read is skipped)."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self._chunk = b""
        self._offset = 0
        self._remaining = 0  # data bytes of the current member not read yet
        self._padding = 0  # then this many bytes up to the next block
        self._global: dict[str, str] = {}

    def __iter__(self) -> Iterator[TarMember]:
        first = True
        while True:
            self._skip(self._remaining + self._padding)
            self._remaining = self._padding = 0
            member = self._next_member(first)
            if member is None:
                return
            first = False
            self._remaining = member.size if member.isreg() else 0
            self._padding = -self._remaining % BLOCK
            yield member

    def read_data(self, size: int) -> memoryview:
        """Up to ``size`` bytes of the current member's data (a view of the inflated
        piece, not a copy); empty at its end."""
        size = min(size, self._remaining)
        if size <= 0:
            return memoryview(b"")
        if self._offset >= len(self._chunk):
            self._take_some(0)  # the next piece
        start = self._offset
        end = min(start + size, len(self._chunk))
        if end <= start:
            raise TarFormatError("unexpected end of data")
        self._offset = end
        self._remaining -= end - start
        return memoryview(self._chunk)[start:end]

    # --- headers

    def _next_member(self, first: bool) -> TarMember | None:
        pax: dict[str, str] = {}
        long_name = long_link = None
        while True:
            block = self._take_exactly(BLOCK, allow_end=True)
            if not block:
                if first:
                    raise TarFormatError("empty file")
                return None  # ended without an end marker: tarfile accepts that too
            if block.count(0) == BLOCK:
                return None  # the end-of-archive marker
            _check_sum(block, first)
            first = False
            kind = block[156:157]
            size = _number(block[124:136])
            if kind in (b"x", b"g", b"L", b"K"):
                if size > MAX_META_BYTES:
                    raise TarFormatError(f"a {size:,}-byte extended header")
                data = self._take_exactly(size)
                self._skip(-size % BLOCK)
                if kind == b"x":
                    pax.update(_pax_records(data))
                elif kind == b"g":
                    self._global.update(_pax_records(data))
                elif kind == b"L":
                    long_name = _text(data.split(b"\0", 1)[0])
                else:
                    long_link = _text(data.split(b"\0", 1)[0])
                continue
            if kind == b"S" or any(key.startswith("GNU.sparse") for key in pax):
                raise TarFormatError("a sparse file (Go archives have none)")
            return _member(block, {**self._global, **pax}, long_name, long_link, size)

    # --- reading the stream

    def _take_some(self, size: int) -> bytes:
        """Between 1 and ``size`` bytes (b"" at the end of the stream; with ``size`` 0,
        only the next piece is fetched when the current one is used up)."""
        if self._offset >= len(self._chunk):
            self._chunk = self._read(1 << 18)
            self._offset = 0
            if not self._chunk:
                return b""
        start = self._offset
        end = min(start + size, len(self._chunk))
        self._offset = end
        if start == 0 and end == len(self._chunk):
            return self._chunk
        return self._chunk[start:end]

    def _take_exactly(self, size: int, *, allow_end: bool = False) -> bytes:
        parts = []
        needed = size
        while needed:
            piece = self._take_some(needed)
            if not piece:
                if allow_end and needed == size:
                    return b""
                raise TarFormatError("unexpected end of data")
            parts.append(piece)
            needed -= len(piece)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _skip(self, size: int) -> None:
        while size > 0:
            piece = self._take_some(size)
            if not piece:
                raise TarFormatError("unexpected end of data")
            size -= len(piece)


def _member(
    block: bytes, pax: dict[str, str], long_name: str | None, long_link: str | None, size: int
) -> TarMember:
    name = long_name or _text(block[0:100].split(b"\0", 1)[0])
    if block[257:263] == b"ustar\x00" and long_name is None:  # POSIX: a name prefix
        prefix = _text(block[345:500].split(b"\0", 1)[0])
        if prefix:
            name = f"{prefix}/{name}"
    linkname = long_link or _text(block[157:257].split(b"\0", 1)[0])
    mtime: float = _number(block[136:148])
    if "path" in pax:
        name = pax["path"]
    if "linkpath" in pax:
        linkname = pax["linkpath"]
    if "size" in pax:
        size = _pax_number(pax["size"], "size")
    if "mtime" in pax:
        try:
            mtime = float(pax["mtime"])
        except ValueError:
            raise TarFormatError(f"a bad pax mtime {pax['mtime']!r}") from None
    return TarMember(name, size, _number(block[100:108]), mtime, block[156:157], linkname)


def _check_sum(block: bytes, first: bool) -> None:
    try:
        recorded = _number(block[148:156])
    except TarFormatError:
        recorded = -1
    # the checksum field counts as eight spaces; old writers summed signed bytes
    unsigned = sum(block) - sum(block[148:156]) + 256
    if recorded != unsigned and recorded != unsigned - 256 * sum(
        b > 127 for b in block[:148] + block[156:]
    ):
        raise TarFormatError("not a tar archive" if first else "a damaged header (bad checksum)")


def _number(field: bytes) -> int:
    """A numeric header field: octal text, or base-256 (GNU) for large values."""
    if field[:1] in (b"\x80", b"\xff"):
        value = int.from_bytes(field[1:], "big")
        if field[:1] == b"\xff":
            value -= 1 << (8 * (len(field) - 1))
        return value
    text = field.split(b"\0", 1)[0].strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise TarFormatError(f"a bad number {field!r} in a header") from None


def _pax_records(data: bytes) -> dict[str, str]:
    """``LENGTH KEY=VALUE\\n`` records (POSIX pax)."""
    records: dict[str, str] = {}
    position = 0
    while position < len(data):
        if data[position] == 0:
            break  # padding
        space = data.find(b" ", position)
        if space < 0:
            raise TarFormatError("a damaged pax header")
        try:
            length = int(data[position:space])
        except ValueError:
            raise TarFormatError("a damaged pax header") from None
        end = position + length
        if length <= 0 or end > len(data) or data[end - 1 : end] != b"\n":
            raise TarFormatError("a damaged pax header")
        key, equals, value = data[space + 1 : end - 1].partition(b"=")
        if not equals:
            raise TarFormatError("a damaged pax header")
        records[_text(key)] = _text(value)
        position = end
    return records


def _pax_number(text: str, key: str) -> int:
    if not text.isdigit():
        raise TarFormatError(f"a bad pax {key} {text!r}")
    return int(text)


def _text(raw: bytes) -> str:
    return raw.decode(_ENCODING, _ERRORS)
