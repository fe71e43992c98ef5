"""Downloads that survive the network: one archive read as a stream (so it can be
extracted as it arrives), written to a resumable ``.part`` file, hashed on the way,
retried and resumed with HTTP Range, and stopped at the size it was promised.

The partial file
    ``<downloads>/<name>.part``, named per file, not per process, so the next run
    continues it; beside it ``<name>.part.json`` records what it is a part of (the
    promised sha256 and size) and the server's validators (ETag, Last-Modified) that
    make a resumed request safe (If-Range). While a process uses it, it holds the OS
    lock ``<downloads>/.locks/<name>.lock``: a partial file whose lock is free has no
    owner (its process ended, however it ended) and is resumed by the next download of
    that file, never deleted as garbage. It is removed when the file was used (or
    proved bad: a checksum mismatch, a refused archive), and kept when the download
    fails or is interrupted, so that the next run resumes it.

Resuming
    The bytes already on disk are read first (hashed and handed on, so the hash state
    and the extraction are rebuilt from them), then ``Range: bytes=N-`` asks for the
    rest. A server that answers the whole file instead (no Range support, or the file
    changed) restarts the download from zero before anything was handed on; in the
    middle of a run, the repeated beginning is compared with the bytes on disk and
    skipped.

Retries
    Connection resets, time-outs, 5xx and 429 are retried after a bounded backoff
    (:func:`gvw.base.http.retry_delay`), each retry said as a warning. An attempt that
    brought at least 1 MiB resumes at once and does not count against the retries.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from gvw.base import http
from gvw.base.bounded import parse_json, read_regular_file
from gvw.base.errors import ChecksumError, GvwError, NetworkError
from gvw.base.fsutil import atomic_write_bytes, store_error, unlink_quietly
from gvw.base.reporting import Progress, Reporter

PART_SUFFIX = ".part"
META_SUFFIX = ".part.json"
LOCKS_DIR = ".locks"
LOCK_TIMEOUT_SECONDS = 30 * 60  # another process downloading the same file
_PROGRESS_BYTES = 1 << 20  # an attempt that brought this much does not count as a failure
# An archive whose size neither the index nor a lock promises stops here: Go's release
# archives are 60-110 MB, and Go caps a toolchain module zip at 500 MB too.
MAX_ARCHIVE_BYTES = 500 << 20
_LOCAL_READ = 1 << 20
_MAX_META_BYTES = 64 << 10  # a .part.json holds a sha256, a size and two validators


@dataclass(frozen=True)
class Promise:
    """What the index or lock says the file is: its size stops the download, and both
    decide whether a partial file on disk belongs to it."""

    size: int | None
    sha256: str | None


@dataclass(frozen=True)
class Cap:
    """The most a download with no promised size may bring, and the error past it."""

    max_bytes: int
    exceeded: Callable[[], GvwError]


def archive_cap(where: str) -> Cap:
    """The cap of a release archive whose size nobody promised."""
    from gvw.base.errors import ArchiveError

    return Cap(
        MAX_ARCHIVE_BYTES,
        lambda: ArchiveError(
            f"{where} is larger than {MAX_ARCHIVE_BYTES >> 20} MiB, far larger than any Go "
            "release archive, and no index or lock says how large it should be; refusing it",
            hint="check where it came from: Go release archives are about 60-110 MB",
        ),
    )


class PartialFile:
    """The ``.part`` file of one download in the shared download directory."""

    def __init__(self, downloads: Path, name: str) -> None:
        self.downloads = downloads
        self.name = name
        self.path = downloads / f"{name}{PART_SUFFIX}"
        self.meta_path = downloads / f"{name}{META_SUFFIX}"
        self.lock_path = downloads / LOCKS_DIR / f"{name}.lock"

    @contextlib.contextmanager
    def owned(self, reporter: Reporter) -> Iterator[PartialFile]:
        """Hold the file's lock for the block; another process downloading the same
        file (from another store sharing this cache) is waited for."""
        from gvw.base.locks import held

        with held(
            self.lock_path,
            command=" ".join(["gvw", *sys.argv[1:]]),  # the command that downloads it
            timeout=LOCK_TIMEOUT_SECONDS,
            waiting=reporter,
        ):
            yield self

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise store_error(exc, "read", self.path) from exc

    def meta(self) -> dict[str, Any]:
        # through the bounded reader, as every store file: a FIFO there hung the read,
        # nested brackets were a RecursionError (InputRefused is a ValueError)
        try:
            data = parse_json(read_regular_file(self.meta_path, _MAX_META_BYTES))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save_meta(self, meta: dict[str, Any]) -> None:
        atomic_write_bytes(self.meta_path, json.dumps(meta).encode())

    def discard(self) -> None:
        unlink_quietly(self.path)
        unlink_quietly(self.meta_path)


class Download:
    """One file from ``url`` as a stream: ``read(n)`` hands out its bytes in order,
    hashing them and appending them to the partial file, resuming and retrying as
    needed, and refusing more than the promised size (or, with none, the cap).

    Safe to ``interrupt()`` from another thread: a blocked read or a backoff ends at
    once with a NetworkError.
    """

    def __init__(
        self,
        url: str,
        partial: PartialFile,
        *,
        promise: Promise,
        cap: Cap,
        timeout: float,
        retries: int,
        reporter: Reporter,
        label: str,
    ) -> None:
        self.url = url
        self.partial = partial
        self.promise = promise
        self.cap = cap
        self.max_bytes = promise.size if promise.size is not None else cap.max_bytes
        self.timeout = timeout
        self.retries = retries
        self.reporter = reporter
        self.label = label
        self.digest = hashlib.sha256()
        self.offset = 0  # bytes handed out so far
        self.keep = True  # append to the partial file (False once the bytes are known bad)
        self._state = "new"  # new -> replaying -> network -> done
        self._replay: IO[bytes] | None = None  # the partial file, read first when resuming
        self._out: IO[bytes] | None = None
        self._response: http.Response | None = None
        self._repeated: IO[bytes] | None = None  # compared with a repeated beginning
        self._skip = 0  # bytes of that beginning still to compare
        self._failures = 0
        self._attempt_start = 0
        self._interrupted = threading.Event()
        self._progress: Progress | None = None

    # --- the stream

    def read(self, size: int = -1) -> bytes:
        """The next bytes (at most ``size``); b"" at the end."""
        if self._state == "new":
            self._start()
        if self._state == "replaying":
            assert self._replay is not None
            data = self._replay.read(_LOCAL_READ if size < 0 else min(size, _LOCAL_READ))
            if data:
                return self._hand_out(data, write=False)
            self._replay.close()
            self._replay = None
            if self.offset == self.promise.size:  # complete on disk: no network needed
                self._finish()
                return b""
            self.reporter.info(
                f"resuming the download of {self.partial.name} at {_amount(self.offset)}"
            )
            self._connect(None)
            if self._state == "done":  # the server says there is nothing more
                self._finish()
                return b""
        if self._state == "done":
            self._finish()
            return b""
        data = self._from_network(http.READ_SIZE if size < 0 else min(size, http.READ_SIZE))
        if not data:
            self._finish()
            return b""
        return self._hand_out(data, write=True)

    def drain(self) -> None:
        """Read to the end, hashing: what a checksum verdict needs once the bytes are no
        longer extracted."""
        while self.read(_LOCAL_READ):
            pass

    def sha256(self) -> str:
        return self.digest.hexdigest()

    @property
    def saved(self) -> Path | None:
        """The partial file, which holds every byte read (while they are kept)."""
        return self.partial.path if self.keep else None

    def interrupt(self) -> None:
        self._interrupted.set()
        response = self._response
        if response is not None:
            response.abort()

    def stop_keeping(self) -> None:
        """Stop appending to the partial file and remove it: its bytes will not be used."""
        self.keep = False
        self._close_output()
        self.partial.discard()

    def close(self) -> None:
        for handle in (self._replay, self._repeated):
            if handle is not None:
                handle.close()
        self._replay = self._repeated = None
        self._close_output()
        if self._response is not None:
            self._response.close()
            self._response = None
        if self._progress is not None:
            self._progress.close()
            self._progress = None

    # --- starting, resuming, retrying

    def _start(self) -> None:
        self._progress = self.reporter.progress(self.label, self.promise.size, unit="bytes")
        on_disk = self.partial.size()
        if on_disk and self._belongs(on_disk):
            try:
                self._replay = open(self.partial.path, "rb")  # noqa: SIM115 (closed by close)
            except OSError as exc:
                raise store_error(exc, "read", self.partial.path) from exc
            self._state = "replaying"  # the bytes on disk first, then the rest
            return
        self.partial.discard()
        self._connect(None)

    def _belongs(self, on_disk: int) -> bool:
        """Whether the partial file on disk is the beginning of this very file."""
        meta = self.partial.meta()
        return (
            meta.get("sha256") == (self.promise.sha256 or "")
            and meta.get("size") == self.promise.size
            and on_disk <= self.max_bytes
        )

    def _connect(self, error: NetworkError | None) -> None:
        """Open a response for the bytes from ``offset`` on; after ``error`` (a failed
        read), pause first. Transient failures are retried; when the retries run out,
        the error says how much was fetched and that the next run resumes."""
        progressed = self.offset - self._attempt_start >= _PROGRESS_BYTES
        while True:
            if error is not None:
                self._pause_after(error, progressed)
            try:
                self._open()
                return
            except NetworkError as again:
                if not again.transient or self._interrupted.is_set():
                    raise
                error, progressed = again, False

    def _pause_after(self, error: NetworkError, progressed: bool) -> None:
        if progressed:
            self._failures, delay = 0, 0.0  # a connection that brought data: resume at once
        elif self._failures >= self.retries:
            raise self._gave_up(error)
        else:
            self._failures += 1
            delay = http.retry_delay(self._failures, error)
        where = f" at {_of(self.offset, self.promise.size)}" if self.offset else ""
        when = f"in {delay:g} s (retry {self._failures} of {self.retries})" if delay else "now"
        self.reporter.warn(f"{error.message}{where}; trying again {when}")
        if self._interrupted.wait(delay):
            raise self._interruption()

    def _open(self) -> None:
        start = self.offset
        headers = {}
        if start:
            headers["Range"] = f"bytes={start}-"
            validator = _validator(self.partial.meta())
            if validator:
                headers["If-Range"] = validator
        response = http.get(
            self.url,
            timeout=self.timeout,
            headers=headers,
            accept=lambda status: status < 400 or (status == 416 and start > 0),
        )
        if response.status == 416:  # nothing after ``start``: complete, or not this file
            response.discard()
            if _content_range_total(response) != start:
                self.stop_keeping()
                raise NetworkError(
                    f"{self.url} changed while it was being downloaded; nothing was installed",
                    hint="run the command again to download it anew",
                )
            self._state = "done"
            return
        self._check_size(response, start)
        if start and response.status != 206:
            # the whole file again (no Range support): compare its beginning with the
            # bytes handed out already, then go on where they end
            self._repeated = self._open_repeated()
            self._skip = start
        elif not start:
            self._close_output()
            self.partial.discard()
            if self.keep:
                self.partial.save_meta(
                    {
                        "sha256": self.promise.sha256 or "",
                        "size": self.promise.size,
                        "etag": response.header("ETag") or "",
                        "last_modified": response.header("Last-Modified") or "",
                    }
                )
        self._response = response
        self._attempt_start = self.offset
        self._state = "network"

    def _check_size(self, response: http.Response, start: int) -> None:
        """Refuse an answer that says it is larger than the download may be."""
        if response.status == 206:
            first = _content_range_start(response)
            total = _content_range_total(response)
            if first != start:
                response.discard()
                raise NetworkError(
                    f"{self.url} answered a request for the bytes from {start} with the "
                    f"bytes from {first}",
                    hint="try again; if it persists, the mirror's Range support is broken",
                )
        else:
            total = response.content_length
        if (
            total is not None
            and total != self.promise.size
            and (self.promise.size is not None or total > self.max_bytes)
        ):
            response.discard()
            self.stop_keeping()
            raise self._too_large(total)

    def _open_repeated(self) -> IO[bytes]:
        if not self.keep:
            # the bytes are only hashed now (for a verdict): a server that starts over
            # cannot be followed without them
            raise NetworkError(
                f"{self.url} cannot resume downloads and the transfer was cut short",
                hint="run the command again",
            )
        if self._out is not None:
            self._out.flush()
        try:
            return open(self.partial.path, "rb")
        except OSError as exc:
            raise store_error(exc, "read", self.partial.path) from exc

    def _gave_up(self, error: NetworkError) -> NetworkError:
        """The last failure, with how much was fetched and that the next run resumes."""
        fetched = f"{_of(self.offset, self.promise.size)} fetched"
        hint = error.hint
        if self.keep and self.offset:
            again = (
                f"run the same command again: it resumes from the {_amount(self.offset)} on disk"
            )
            hint = f"{again}; {hint}" if hint else again
        return NetworkError(
            f"{error.message}; gave up after {self._failures + 1} attempts in a row with {fetched}",
            hint=hint,
            status=error.status,
        )

    def _too_large(self, size: int | None) -> GvwError:
        if size is None or self.promise.size is None:
            return _too_large(self.url, self.promise, self.cap)
        return ChecksumError(
            f"{self.url} is {size:,} bytes, not the {self.promise.size:,} bytes the index or "
            "lock promises; nothing was installed",
            hint="the mirror serves another file under this name: check it, or use another mirror",
        )

    def _interruption(self) -> NetworkError:
        return NetworkError(f"the download of {self.url} was interrupted")

    # --- reading the network

    def _from_network(self, size: int) -> bytes:
        """New bytes from the network; b"" at the end of the file."""
        while True:
            if self._interrupted.is_set():
                raise self._interruption()
            response = self._response
            if response is None:  # the server said there is nothing after what we have
                return b""
            try:
                data = response.read(size)
            except NetworkError as error:
                if self._interrupted.is_set():
                    raise self._interruption() from None
                response.close()
                self._response = None
                if not error.transient:
                    raise
                self._connect(error)
                continue
            if not data:
                if self.promise.size is not None and self.offset + self._skip < self.promise.size:
                    # ended cleanly but early (a connection closed without a length)
                    response.close()
                    self._response = None
                    self._connect(_ended_early(self.url))
                    continue
                return b""
            if self._skip:
                data = self._skip_repeated(data)
                if not data:
                    continue
            return data

    def _skip_repeated(self, data: bytes) -> bytes:
        take = min(self._skip, len(data))
        assert self._repeated is not None
        if self._repeated.read(take) != data[:take]:
            self.stop_keeping()
            raise NetworkError(
                f"{self.url} changed while it was being downloaded; nothing was installed",
                hint="run the command again to download it anew",
            )
        self._skip -= take
        if not self._skip:
            self._repeated.close()
            self._repeated = None
        return data[take:]

    # --- handing out

    def _hand_out(self, data: bytes, *, write: bool) -> bytes:
        if self.offset + len(data) > self.max_bytes:
            self.stop_keeping()
            raise self._too_large(None)
        if write and self.keep:
            self._write(data)
        self.digest.update(data)
        self.offset += len(data)
        if self._progress is not None:
            self._progress.advance(len(data))
        return data

    def _write(self, data: bytes) -> None:
        try:
            if self._out is None:
                self.partial.downloads.mkdir(parents=True, exist_ok=True)
                # unbuffered: what was received is on disk for the next run, even after a kill
                self._out = open(self.partial.path, "ab", buffering=0)  # noqa: SIM115
            view = memoryview(data)
            while view:  # an unbuffered write may take only part of it
                view = view[self._out.write(view) or 0 :]
        except OSError as exc:
            self.stop_keeping()
            raise store_error(exc, "download to", self.partial.path) from exc

    def _close_output(self) -> None:
        if self._out is not None:
            with contextlib.suppress(OSError):
                self._out.close()
            self._out = None

    def _finish(self) -> None:
        self._state = "done"
        if self._out is not None:
            self._out.flush()
        if self._response is not None:
            self._response.close()
            self._response = None
        if self._progress is not None:
            self._progress.close()
            self._progress = None


def _ended_early(url: str) -> NetworkError:
    return NetworkError(
        f"the transfer from {url} was cut short (the connection closed before the end of the file)",
        transient=True,
    )


def _validator(meta: dict[str, Any]) -> str:
    """The If-Range value: a strong ETag, else Last-Modified (RFC 9110 13.1.5)."""
    etag = str(meta.get("etag") or "")
    if etag and not etag.startswith("W/"):
        return etag
    return str(meta.get("last_modified") or "")


def _content_range_start(response: http.Response) -> int | None:
    value = (response.header("Content-Range") or "").strip()
    if not value.startswith("bytes "):
        return None
    first = value[6:].partition("-")[0].strip()
    return int(first) if first.isdigit() else None


def _content_range_total(response: http.Response) -> int | None:
    total = (response.header("Content-Range") or "").rpartition("/")[2].strip()
    return int(total) if total.isdigit() else None


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url


def _amount(amount: int) -> str:
    return f"{amount / 1e6:.1f} MB" if amount >= 1_000_000 else f"{amount:,} bytes"


def _of(done: int, total: int | None) -> str:
    """``12.3 MB of 66.6 MB``; ``12.3 MB`` when the total is not known."""
    return f"{_amount(done)} of {_amount(total)}" if total is not None else _amount(done)


class LocalFile:
    """A local archive (a ``file://`` mirror, ``--from-file``) read once, with what
    :class:`Download` gives: the sha256 of exactly the bytes handed out, the size
    limits, progress, and (with ``copy``) a private copy of those bytes for formats that
    are extracted only once whole (a zip), so that what is verified is what is
    extracted even when the file changes on its share in between."""

    def __init__(
        self,
        path: Path,
        *,
        promise: Promise,
        cap: Cap,
        reporter: Reporter,
        label: str,
        copy: Path | None = None,
    ) -> None:
        self.path = path
        self.promise = promise
        self.cap = cap
        self.max_bytes = promise.size if promise.size is not None else cap.max_bytes
        self.digest = hashlib.sha256()
        self.offset = 0
        self._saved = copy
        self._handle = _open_regular(path)
        self._copy: IO[bytes] | None = None
        if copy is not None:
            try:
                copy.parent.mkdir(parents=True, exist_ok=True)
                self._copy = open(copy, "wb")  # noqa: SIM115 (closed by close)
            except OSError as exc:
                self.close()
                raise store_error(exc, "copy the archive to", copy) from exc
        self._progress = reporter.progress(label, promise.size or _file_size(path), unit="bytes")

    def read(self, size: int = -1, /) -> bytes:
        try:
            data = self._handle.read(_LOCAL_READ if size < 0 else min(size, _LOCAL_READ))
        except OSError as exc:
            raise store_error(exc, "read", self.path) from exc
        if self.offset + len(data) > self.max_bytes:
            raise _too_large(self.path, self.promise, self.cap)
        if not data and size != 0 and self.promise.size not in (None, self.offset):
            # shorter than promised: the sha256 may still match (a lock's size is wrong)
            raise ChecksumError(
                f"{self.path} is {self.offset:,} bytes, not the {self.promise.size:,} bytes "
                "the index or lock promises; nothing was installed",
                hint="the mirror holds another file under this name, or the lock is wrong: "
                "check it, or make the lock again with gvw lock",
            )
        if data and self._copy is not None:
            try:
                self._copy.write(data)
            except OSError as exc:
                raise store_error(exc, "copy the archive to", self._saved or self.path) from exc
        self.digest.update(data)
        self.offset += len(data)
        self._progress.advance(len(data))
        return data

    def drain(self) -> None:
        while self.read(_LOCAL_READ):
            pass
        if self._copy is not None:
            self._copy.flush()

    def sha256(self) -> str:
        return self.digest.hexdigest()

    @property
    def saved(self) -> Path | None:
        """The private copy of the bytes read, when one is made."""
        return self._saved

    def stop_keeping(self) -> None:
        pass  # nothing of it is kept beyond this install

    def interrupt(self) -> None:
        pass  # reads from disk do not block

    def close(self) -> None:
        self._handle.close()
        if self._copy is not None:
            self._copy.close()
        self._progress.close()


def _open_regular(path: Path) -> IO[bytes]:
    """``path`` opened for reading, if it is a regular file: a FIFO would hang the read
    and a device (``/dev/zero``) never ends, so both are refused before reading."""
    from gvw.base.bounded import InputRefused, open_regular_file
    from gvw.base.errors import ArchiveError

    try:
        return open_regular_file(path)
    except FileNotFoundError:
        raise ArchiveError(f"{path} does not exist") from None
    except InputRefused as refused:
        raise ArchiveError(
            f"{path} {refused.reason}: refusing to read it as an archive",
            hint="point gvw at the archive file itself",
        ) from None
    except OSError as exc:
        raise store_error(exc, "read", path) from exc


def _file_size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _too_large(where: Path | str, promise: Promise, cap: Cap) -> GvwError:
    promised = promise.size
    if promised is None:
        return cap.exceeded()
    return ChecksumError(
        f"{where} holds more than the {promised:,} bytes the index or lock promises; "
        "nothing was installed",
        hint="the mirror serves another file under this name: check it, or use another mirror",
    )
