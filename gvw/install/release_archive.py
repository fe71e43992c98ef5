"""A release archive from a mirror (go.dev/dl or a copy of it): downloaded while
hashed, checked against the index's sha256 (or the ``<file>.sha256`` beside it), then
extracted. A source for :class:`gvw.install.installer.Installer`."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

from gvw.base import http
from gvw.base.config import Config
from gvw.base.errors import ChecksumError, NetworkError, NoSuchReleaseError
from gvw.base.fsutil import partial_file
from gvw.base.reporting import Reporter
from gvw.install.archive import extract_archive
from gvw.install.checksums import mismatch_error
from gvw.install.mirror import Mirror
from gvw.install.release_index import ReleaseFile, is_sha256
from gvw.install.sources import Provenance, temporary_download
from gvw.install.tree_manifest import Collector

_BLOCK = 1 << 20


class ReleaseArchive:
    def __init__(
        self,
        archive: ReleaseFile,
        *,
        mirror: Mirror,
        config: Config,
        reporter: Reporter,
        downloads: Path,
        before_download: Callable[[], None] = lambda: None,
    ) -> None:
        self.archive = archive
        self.mirror = mirror
        self.config = config
        self.reporter = reporter
        self.downloads = downloads
        self.before_download = before_download  # e.g. the plain-http notice, said once

    @property
    def download_name(self) -> str:
        return self.archive.filename

    def fill(self, staging: Path, digests: Collector) -> Provenance:
        name = self.archive.filename
        location = self.mirror.file_location(name)
        with temporary_download(self.downloads, name) as part:
            actual = self._download(part, location)
            expected = self.archive.sha256 or self._published_checksum(name)
            if actual != expected:
                raise mismatch_error(name, location, expected, actual)
            extract_archive(
                part,
                staging,
                name=name,
                reporter=self.reporter,
                label="Extracting",
                sink=digests.file,
            )
        return Provenance(location, actual, name)

    def _download(self, part: Path, location: str) -> str:
        """Download ``location`` into ``part``, hashing on the way; its sha256."""
        archive = self.archive
        if self.mirror.is_local and not Path(location).exists():
            raise NoSuchReleaseError(
                f"{location} is listed in the mirror's index but missing",
                hint=f"fix the mirror directory {self.mirror.directory}",
            )
        progress = self.reporter.progress(
            f"Downloading {archive.filename}", archive.size, unit="bytes"
        )
        digest = hashlib.sha256()
        size = 0
        try:
            with partial_file(part, "download to"), open(part, "wb") as out:

                def sink(chunk: bytes) -> None:
                    nonlocal size
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    progress.advance(len(chunk))

                if self.mirror.is_local:
                    with open(location, "rb") as handle:
                        for block in iter(lambda: handle.read(_BLOCK), b""):
                            sink(block)
                else:
                    self.before_download()
                    http.stream(location, sink, timeout=self.config.timeout_seconds)
                # a longer file is left to the checksum, which names both hashes
                if archive.size is not None and size < archive.size:
                    raise NetworkError(
                        f"the download of {location} was cut short: {size} of {archive.size} bytes",
                        hint="try again",
                    )
        finally:
            progress.close()
        return digest.hexdigest()

    def _published_checksum(self, filename: str) -> str:
        """The ``<file>.sha256`` beside the archive, for index entries without one."""
        location = self.mirror.file_location(filename) + ".sha256"
        if self.mirror.is_local:
            try:
                text: str | None = Path(location).read_text("utf-8", "replace")
            except OSError:
                text = None
        else:
            text = http.fetch_optional_text(location, timeout=self.config.timeout_seconds)
        digest = (text or "").split()[:1]
        if not digest or not is_sha256(digest[0]):
            raise ChecksumError(
                f"no checksum for {filename}: the index has none and {location} "
                f"{'is missing' if text is None else 'holds no sha256'}",
                hint=f"download it yourself, check it, and run: gvw install --from-file "
                f"{filename} --sha256 HEX",
            )
        return digest[0].lower()
