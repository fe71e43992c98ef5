"""Verified unpacking of one archive stream (a download or a local file) into staging.

- A .tar.gz is extracted as it arrives, so downloading, inflating and writing overlap;
  the sha256 of the whole stream is compared at its end. Only then does the installer
  make the version visible; a mismatch raises and the installer removes the staging
  tree, so the user sees what they saw when the check came first. When extraction
  refuses the archive, the rest is still read and hashed: a download that does not
  match its checksum is reported as that (exit 9), an archive that matches but is
  hostile as a refused archive (exit 10).
- A zip is read whole first (its central directory, which lists the entries, is at
  its end), verified, then extracted from the copy that was hashed, on several threads.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from gvw.base.errors import ArchiveError, ChecksumError
from gvw.base.reporting import Reporter
from gvw.install.archive import TreeSink, extract_archive, extract_tar_gz, is_tar_gz


class ArchiveStream(Protocol):
    """What :class:`gvw.install.download.Download` and ``LocalFile`` have in common."""

    @property
    def saved(self) -> Path | None:
        """Where the bytes read so far are kept, if they are."""

    def read(self, size: int = -1, /) -> bytes: ...

    def drain(self) -> None: ...

    def sha256(self) -> str: ...

    def stop_keeping(self) -> None: ...


def unpack_verified(
    stream: ArchiveStream,
    staging: Path,
    sink: TreeSink,
    *,
    name: str,
    expected: str | None,
    mismatch: Callable[[str], ChecksumError],
    reporter: Reporter,
) -> str:
    """Extract the archive ``stream`` reads into ``staging`` and check it against
    ``expected`` (None: unchecked, the user said so); returns its sha256. Raises
    ``mismatch(actual)`` when it differs."""
    if is_tar_gz(name):
        try:
            extract_tar_gz(stream, staging, name=name, sink=sink)
        except ArchiveError:
            _verdict(stream, expected, mismatch, refused=True)
            raise
        _verdict(stream, expected, mismatch, refused=False)
        return stream.sha256()
    _verdict(stream, expected, mismatch, refused=False)
    assert stream.saved is not None, "a zip is read into a file before it is extracted"
    extract_archive(
        stream.saved, staging, name=name, reporter=reporter, label="Extracting", sink=sink
    )
    return stream.sha256()


def _verdict(
    stream: ArchiveStream,
    expected: str | None,
    mismatch: Callable[[str], ChecksumError],
    *,
    refused: bool,
) -> None:
    """Read the rest of ``stream`` (what follows the tar's end, or everything after a
    refusal) and compare its sha256."""
    if refused:
        stream.stop_keeping()  # whatever the verdict, these bytes will not be used
    stream.drain()
    actual = stream.sha256()
    if expected is not None and actual != expected:
        stream.stop_keeping()
        raise mismatch(actual) from None
