"""A local archive (``gvw install --from-file``): the release its official name
names, and a private copy hashed as it is made, so that what is verified is exactly
what is extracted (a file on a share can change between two reads). A source for
:class:`gvw.install.installer.Installer`."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from gvw.base.errors import ArchiveError, InvalidVersionError
from gvw.base.fsutil import partial_file
from gvw.base.reporting import Reporter
from gvw.base.versions import GoVersion, parse_release_name
from gvw.install.archive import extract_archive
from gvw.install.checksums import expected_for_file, mismatch_error
from gvw.install.sources import Provenance, temporary_download
from gvw.install.tree_manifest import Collector

_ARCHIVE_NAME_RE = re.compile(
    r"^go(?P<version>[0-9]+\.[0-9]+(?:\.[0-9]+)?(?:(?:beta|rc)[0-9]+)?)"
    r"\.(?P<os>[a-z0-9]+)-(?P<arch>[a-z0-9]+)\.(?:tar\.gz|zip)$"
)
_CHUNK = 1 << 20


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
        with temporary_download(self.downloads, archive.name) as copy:
            # hash a private copy and extract that same copy: a file on a share that
            # changes between the two reads must not be installed as verified
            actual = _copy_hashing(archive, copy)
            if expected is not None and actual != expected:
                # no mirror is involved: another mirror is no remedy
                raise mismatch_error(
                    archive.name,
                    str(archive),
                    expected,
                    actual,
                    hint="the file is damaged or not the release the checksum is for: "
                    "copy it again and compare its sha256 with https://go.dev/dl/",
                )
            if expected is None:
                self.reporter.warn(f"installing {archive.name} without checksum verification")
            extract_archive(
                copy,
                staging,
                name=archive.name,
                reporter=self.reporter,
                label="Extracting",
                sink=digests.file,
            )
        location = str(archive.absolute())
        return Provenance(location, actual if expected else "", archive.name)


def _copy_hashing(archive: Path, copy: Path) -> str:
    """Copy ``archive`` to ``copy``, hashing on the way; its sha256."""
    digest = hashlib.sha256()
    with (
        partial_file(copy, "copy the archive to"),
        open(archive, "rb") as source,
        open(copy, "wb") as out,
    ):
        for block in iter(lambda: source.read(_CHUNK), b""):
            out.write(block)
            digest.update(block)
    return digest.hexdigest()
