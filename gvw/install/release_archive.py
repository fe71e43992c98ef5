"""A release archive from a mirror (go.dev/dl or a copy of it): downloaded (resumably,
with retries; :mod:`gvw.install.download`) or read from a ``file://`` mirror, extracted
as it arrives, and checked against the index's sha256 (or the ``<file>.sha256`` beside
it) before the installer makes it visible (:mod:`gvw.install.unpack`). A source for
:class:`gvw.install.installer.Installer`."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Callable

from gvw.base import http
from gvw.base.config import Config
from gvw.base.errors import ChecksumError, NoSuchReleaseError
from gvw.base.reporting import Reporter
from gvw.install.archive import is_tar_gz
from gvw.install.checksums import mismatch_error, published_digest, read_sidecar
from gvw.install.download import Download, LocalFile, PartialFile, Promise, archive_cap
from gvw.install.mirror import Mirror
from gvw.install.release_index import ReleaseFile
from gvw.install.sources import Provenance, temporary_download
from gvw.install.tree_manifest import Collector
from gvw.install.unpack import unpack_verified


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
        # known before the download: no checksum, no download
        expected = self.archive.sha256 or self._published_checksum(name)
        promise = Promise(self.archive.size, expected)
        cap = archive_cap(location)

        def unpack(stream: Download | LocalFile) -> str:
            return unpack_verified(
                stream,
                staging,
                digests,
                name=name,
                expected=expected,
                mismatch=lambda actual: mismatch_error(name, location, expected, actual),
                reporter=self.reporter,
            )

        label = f"Downloading {name}"
        if self.mirror.is_local:
            if not Path(location).exists():
                raise NoSuchReleaseError(
                    f"{location} is listed in the mirror's index but missing",
                    hint=f"fix the mirror directory {self.mirror.directory}",
                )
            # a zip is read whole before it is extracted: into a private copy
            copying = (
                contextlib.nullcontext(None)
                if is_tar_gz(name)
                else temporary_download(self.downloads, name)
            )
            with copying as copy:
                local = LocalFile(
                    Path(location),
                    promise=promise,
                    cap=cap,
                    reporter=self.reporter,
                    label=label,
                    copy=copy,
                )
                try:
                    actual = unpack(local)
                finally:
                    local.close()
            return Provenance(location, actual, name)
        self.before_download()
        partial = PartialFile(self.downloads, name)
        with partial.owned(self.reporter):
            download = Download(
                location,
                partial,
                promise=promise,
                cap=cap,
                timeout=self.config.timeout_seconds,
                retries=self.config.retries,
                reporter=self.reporter,
                label=label,
            )
            try:
                actual = unpack(download)
            finally:
                download.close()
            partial.discard()  # extracted and verified: the archive is not kept
        return Provenance(location, actual, name)

    def _published_checksum(self, filename: str) -> str:
        """The ``<file>.sha256`` beside the archive, for index entries without one."""
        location = self.mirror.file_location(filename) + ".sha256"
        if self.mirror.is_local:  # read as over http: a regular file, 64 KiB at most
            text = read_sidecar(Path(location))
        else:
            text = http.fetch_optional_text(
                location,
                timeout=self.config.timeout_seconds,
                retries=self.config.retries,
                notify=self.reporter.warn,
            )
        digest = published_digest(text)
        if digest is None:
            missing = "is missing or not a regular file" if self.mirror.is_local else "is missing"
            raise ChecksumError(
                f"no checksum for {filename}: the index has none and {location} "
                f"{missing if text is None else 'holds no sha256'}",
                hint=f"download it yourself, check it, and run: gvw install --from-file "
                f"{filename} --sha256 HEX",
            )
        return digest
