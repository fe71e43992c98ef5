"""A gzip stream inflated in a second thread, read as a file by the tar reader.

The inflater releases the GIL, so decompression overlaps with tar parsing and file
writes, as ``curl | tar xz`` overlaps gzip and tar: roughly half the time to unpack a Go
tree. The thread also does the reading of the compressed stream, which may be the
download itself (:class:`gvw.install.download.Download`): network reads, the partial
file and the archive's sha256 then run beside the extraction too.

Inflation uses ISA-L (the ``isal`` package) where it is installed: 2-3 times faster than
zlib, which is the rest of the time (docs/dev/decisions.md).

Memory stays bounded whatever the archive holds: each call to zlib yields at
most ``_INFLATE_CHUNK`` bytes (1 MiB of zeros inflates to 1 GiB in one unbounded call),
and ``read`` hands out slices of the current chunk by offset instead of re-slicing one
growing buffer (that copy per 10 KiB read made a 3 MB entry-count bomb take minutes).
"""

from __future__ import annotations

import queue
import threading
import zlib
from typing import Any, Callable, Protocol

try:  # ISA-L's inflate: the same interface as zlib's, 2-3x faster
    from isal import isal_zlib as _inflate
except ImportError:  # pragma: no cover - isal has wheels for the platforms gvw supports
    _inflate = zlib  # type: ignore[misc]

# what a corrupt stream raises, whichever inflater runs
INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, EOFError, _inflate.error)  # type: ignore[assignment]

_READ_CHUNK = 1 << 18  # compressed bytes per read of the archive
_RAW_DEFLATE_WBITS = -15  # zlib's code for "no header": a zip entry's deflate stream


def raw_inflater() -> Any:
    """An inflater for a bare deflate stream (a zip entry), ISA-L's where installed."""
    return _inflate.decompressobj(wbits=_RAW_DEFLATE_WBITS)


_INFLATE_CHUNK = 1 << 18  # at most this many inflated bytes per zlib call and queue item
_QUEUE_CHUNKS = 16  # inflated chunks held ahead of the reader (4 MiB)
_GZIP_WBITS = 31  # zlib's code for "a gzip header and trailer"


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class GunzipReader:
    """A file-like, read-only view of the inflated stream of ``raw``.

    ``advance`` is called with the number of compressed bytes consumed (progress).
    Errors of the inflating thread (INFLATE_ERRORS, EOFError for a truncated stream,
    OSError, or whatever ``raw.read`` raises) are raised by ``read``. ``close`` stops
    the thread.
    """

    def __init__(self, raw: Readable, advance: Callable[[int], None] | None = None) -> None:
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(_QUEUE_CHUNKS)
        self._chunk = b""
        self._offset = 0
        self._done = False
        self._stop = threading.Event()
        self._raw = raw
        self._thread = threading.Thread(target=self._inflate, args=(raw, advance), daemon=True)
        self._thread.start()

    def _inflate(self, raw: Readable, advance: Callable[[int], None] | None) -> None:
        try:
            inflater = _inflate.decompressobj(wbits=_GZIP_WBITS)
            while not self._stop.is_set():
                data = raw.read(_READ_CHUNK)
                if not data:
                    if not inflater.eof:
                        raise EOFError("compressed data ends before the end of the stream")
                    break
                if advance is not None:
                    advance(len(data))
                inflater = self._feed(inflater, data)
            self._put(b"")
        except BaseException as exc:  # handed to the reading thread
            self._put(exc)

    def _feed(self, inflater: Any, data: bytes) -> Any:
        """Inflate ``data`` in bounded pieces; returns the inflater for what follows."""
        while not self._stop.is_set():
            if inflater.eof:
                # concatenated gzip members (RFC 1952 allows them)
                data = inflater.unused_data + data
                if not data:
                    break
                inflater = _inflate.decompressobj(wbits=_GZIP_WBITS)
            out = inflater.decompress(data, _INFLATE_CHUNK)
            if out:
                self._put(out)
            data = inflater.unconsumed_tail
            if not inflater.eof and not data and len(out) < _INFLATE_CHUNK:
                break  # all input consumed, nothing pending inside zlib
        return inflater

    def _put(self, item: bytes | BaseException) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def read(self, size: int = -1) -> bytes:
        parts = []
        wanted = size
        while wanted != 0:
            if self._offset >= len(self._chunk) and (self._done or not self._next_chunk()):
                break
            available = len(self._chunk) - self._offset
            take = available if wanted < 0 else min(wanted, available)
            parts.append(self._chunk[self._offset : self._offset + take])
            self._offset += take
            if wanted > 0:
                wanted -= take
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def read1(self, size: int) -> bytes:
        """Between 1 and ``size`` bytes from the current inflated piece, without joining
        pieces (b"" at the end): what a reader that keeps its own position wants."""
        if self._offset >= len(self._chunk) and (self._done or not self._next_chunk()):
            return b""
        start = self._offset
        self._offset = min(start + size, len(self._chunk))
        if start == 0 and self._offset == len(self._chunk):
            return self._chunk
        return self._chunk[start : self._offset]

    def _next_chunk(self) -> bool:
        item = self._queue.get()
        if isinstance(item, BaseException):
            self._done = True
            raise item
        if not item:
            self._done = True
            return False
        self._chunk, self._offset = item, 0
        return True

    def close(self, *, abort: bool = False) -> None:
        """Stop the thread. It finishes the read of ``raw`` it is in, unless ``abort``
        asks ``raw`` to end that read at once (``raw.interrupt()``, where it has one):
        without it, the caller may go on reading ``raw`` where the thread stopped."""
        self._stop.set()
        interrupt = getattr(self._raw, "interrupt", None)
        if abort and interrupt is not None:
            interrupt()
        self._thread.join()
