"""A local archive (``gvw install --from-file``): the release its official name
names, read once: hashed and extracted from the same bytes (a .tar.gz as it is read; a
zip from a private copy made as it is hashed), so that what is verified is exactly what
is extracted even if the file on its share changes in between. A source for
:class:`gvw.install.installer.Installer`."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from gvw.base.errors import ArchiveError, InvalidVersionError
from gvw.base.reporting import Reporter
from gvw.base.versions import GoVersion, parse_release_name
from gvw.install.archive import is_tar_gz
from gvw.install.checksums import expected_for_file, mismatch_error
from gvw.install.download import LocalFile, Promise, archive_cap
from gvw.install.sources import Provenance, temporary_download
from gvw.install.tree_manifest import Collector
from gvw.install.unpack import unpack_verified

_ARCHIVE_NAME_RE = re.compile(
    r"^go(?P<version>[0-9]+\.[0-9]+(?:\.[0-9]+)?(?:(?:beta|rc)[0-9]+)?)"
    r"\.(?P<os>[a-z0-9]+)-(?P<arch>[a-z0-9]+)\.(?:tar\.gz|zip)$"
)


def archive_version(name: str) -> GoVersion:
    """The release an official archive name (go1.22.10.linux-amd64.tar.gz) names."""
    match = _ARCHIVE_NAME_RE.match(name)
    parsed = parse_release_name(match["version"]) if match else None
    if parsed is None:
        raise InvalidVersionError(
            f"cannot tell the Go version from the file name {name!r}",
            hint="keep the official name, e.g. go1.22.10.windows-amd64.zip",
        )
    return parsed


class LocalArchive:
    def __init__(
        self,
        archive: Path,
        *,
        sha256: str | None,
        skip_checksum: bool,
        downloads: Path,
        reporter: Reporter,
    ) -> None:
        self.archive = archive
        self.version = archive_version(archive.name)
        if not archive.is_file():
            raise ArchiveError(f"{archive} does not exist or is not a file")
        self.sha256 = sha256
        self.skip_checksum = skip_checksum
        self.downloads = downloads
        self.reporter = reporter

    @property
    def download_name(self) -> str:
        return self.archive.name

    def fill(self, staging: Path, digests: Collector) -> Provenance:
        archive = self.archive
        expected = None if self.skip_checksum else expected_for_file(archive, self.sha256)
        if expected is None:
            self.reporter.warn(f"installing {archive.name} without checksum verification")
        copying = (
            contextlib.nullcontext(None)
            if is_tar_gz(archive.name)
            else temporary_download(self.downloads, archive.name)
        )
        with copying as copy:
            local = LocalFile(
                archive,
                promise=Promise(None, expected),
                cap=archive_cap(str(archive)),
                reporter=self.reporter,
                label="Extracting",
                copy=copy,
            )
            try:
                actual = unpack_verified(
                    local,
                    staging,
                    digests,
                    name=archive.name,
                    expected=expected,
                    # no mirror is involved: another mirror is no remedy
                    mismatch=lambda actual: mismatch_error(
                        archive.name,
                        str(archive),
                        expected or "",
                        actual,
                        hint="the file is damaged or not the release the checksum is for: "
                        "copy it again and compare its sha256 with https://go.dev/dl/",
                    ),
                    reporter=self.reporter,
                )
            finally:
                local.close()
        location = str(archive.absolute())
        return Provenance(location, actual if expected else "", archive.name)
