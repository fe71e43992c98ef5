"""The install pipeline: resolve a spec against the index, download while hashing,
verify, extract into staging, and move the finished tree into place.

Concurrent installs of one version are serialised by a per-version lock: the first
process downloads, the others wait and then find the version installed. A process
killed at any point leaves only staging directories and ``.part`` files, which the
next install of that version removes under the same lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from gvw import http
from gvw.archive import check_version_file, extract_archive
from gvw.checksums import expected_for_file, mismatch_error
from gvw.config import Config
from gvw.errors import (
    ArchiveError,
    ChecksumError,
    InvalidVersionError,
    NetworkError,
    NoSuchReleaseError,
)
from gvw.fsutil import partial_file, remove_tree, store_error, unlink_quietly
from gvw.goproxy.install import install_from_proxy, proxy_releases
from gvw.index import Release, ReleaseFile, ReleaseIndex, is_sha256
from gvw.local_archive import archive_version, private_copy
from gvw.mirror import Mirror, load_store_index, notice_plain_http
from gvw.platforms import Platform
from gvw.redaction import redact
from gvw.reporting import Reporter
from gvw.store import InstallMetadata, Store
from gvw.versions import (
    ExactSpec,
    GoVersion,
    Spec,
    SystemSpec,
    newest_matching,
)

if TYPE_CHECKING:
    from gvw.manifest import Collector


@dataclass(frozen=True)
class Planned:
    """What installing a spec will do: ``archive`` is None when it is installed."""

    version: GoVersion
    archive: ReleaseFile | None


@dataclass(frozen=True)
class InstallOutcome:
    version: GoVersion
    path: Path
    already_installed: bool


class Installer:
    def __init__(
        self,
        store: Store,
        *,
        config: Config,
        mirror: Mirror | None,
        platform: Platform,
        reporter: Reporter,
        refresh_index: bool = False,
        before_change: Callable[[GoVersion], None] | None = None,
        skip_checksum: bool = False,
    ) -> None:
        self.store = store
        self.config = config
        self._mirror = mirror  # None for --from-file installs, which need none
        self.platform = platform
        self.reporter = reporter
        self.refresh_index = refresh_index
        # called (under the version's lock) just before a new version becomes visible:
        # the install command snapshots there, so installs that change nothing leave none
        self.before_change = before_change
        self._index: ReleaseIndex | None = None
        self.skip_checksum = skip_checksum  # goproxy mirrors: install without the database

    @property
    def mirror(self) -> Mirror:
        assert self._mirror is not None, "an install from a mirror needs a mirror"
        return self._mirror

    # --- the index

    def index(self) -> ReleaseIndex:
        if self._index is None and self.mirror.is_goproxy:
            self._index = ReleaseIndex(proxy_releases(self), [], self.mirror.url)
        if self._index is None:
            self._index = load_store_index(
                self.mirror, self.store, self.config, self.reporter, refresh=self.refresh_index
            )
        return self._index

    def resolve(self, spec: Spec, *, spelled: str) -> tuple[Release, ReleaseFile]:
        """The release and archive that ``spec`` names on this mirror and platform."""
        if isinstance(spec, SystemSpec):
            raise InvalidVersionError(
                '"system" is the Go found on PATH; gvw cannot install it',
                hint="name a version, e.g. gvw install 1.22",
            )
        releases = self.index().releases
        installable = {r.version: r for r in releases if r.archive_for(self.platform)}
        if isinstance(spec, ExactSpec):
            chosen = installable.get(spec.version)
        else:
            stable = [v for v, r in installable.items() if r.stable]
            chosen_version = newest_matching(spec, stable)
            chosen = installable.get(chosen_version) if chosen_version else None
        self.index().check(spec, chosen.version if chosen else None, self.platform, self.reporter)
        if chosen is None:
            # say "for linux-arm64" when the release exists but not for this platform
            exists = isinstance(spec, ExactSpec) and any(
                r.version == spec.version for r in releases
            )
            platform = f" for {self.platform}" if exists else ""
            raise NoSuchReleaseError(
                f"no Go release matches {spelled}{platform} on {self.mirror.url} "
                f"(mirror set by {self.mirror.origin})",
                hint=f"see what exists with: gvw list-remote{_family_arg(spec)} --all",
            )
        archive = chosen.archive_for(self.platform)
        assert archive is not None
        return chosen, archive

    # --- installing

    def plan(self, spec: Spec, *, spelled: str) -> Planned:
        """Resolve ``spec`` (no index needed when an exact version is installed): the
        CLI plans every spec before it downloads anything."""
        if isinstance(spec, ExactSpec) and self.store.is_installed(spec.version):
            return Planned(spec.version, None)
        release, archive = self.resolve(spec, spelled=spelled)
        return Planned(release.version, archive)

    def install(self, spec: Spec, *, spelled: str) -> InstallOutcome:
        return self.install_planned(self.plan(spec, spelled=spelled))

    def install_planned(self, planned: Planned) -> InstallOutcome:
        version, archive = planned.version, planned.archive
        if archive is None:
            return self._already(version)
        if self.mirror.is_goproxy:  # a module zip, verified by the checksum database
            return install_from_proxy(self, version, archive)
        with self.store.install_lock(version):
            if self.store.is_installed(version):
                return self._already(version)
            self._clean_leftovers(version, archive.filename)
            download, actual = self._download(archive)
            try:
                self._verify(archive, actual)
                return self._install_verified(
                    version,
                    download,
                    name=archive.filename,
                    source=self.mirror.file_location(archive.filename),
                    sha256=actual,
                )
            finally:
                unlink_quietly(download)

    def install_file(
        self, archive: Path, *, sha256: str | None, skip_checksum: bool
    ) -> InstallOutcome:
        """Install a local archive (offline machines); the version comes from its name."""
        version = archive_version(archive.name)
        if not archive.is_file():
            raise ArchiveError(f"{archive} does not exist or is not a file")
        with self.store.install_lock(version):
            if self.store.is_installed(version):
                return self._already(version)
            self._clean_leftovers(version, archive.name)
            expected = None if skip_checksum else expected_for_file(archive, sha256)
            # hash a private copy and extract that same copy: a file on a share that
            # changes between the two reads must not be installed as verified
            copy, actual = private_copy(archive, self.store.paths.downloads)
            try:
                return self._install_checked_file(
                    version, archive, copy, expected=expected, actual=actual
                )
            finally:
                unlink_quietly(copy)

    def _install_checked_file(
        self, version: GoVersion, archive: Path, copy: Path, *, expected: str | None, actual: str
    ) -> InstallOutcome:
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
        return self._install_verified(
            version,
            copy,
            name=archive.name,
            source=str(archive.absolute()),
            sha256=actual if expected else "",
        )

    def _already(self, version: GoVersion) -> InstallOutcome:
        return InstallOutcome(version, self.store.paths.version_dir(version.name), True)

    def _clean_leftovers(self, version: GoVersion, filename: str) -> None:
        removed = self.store.clean_staging(version)
        downloads = self.store.paths.downloads
        if downloads.is_dir():
            for part in downloads.glob(f"{filename}.*.part"):
                unlink_quietly(part)
                removed.append(part)
        if removed:
            self.reporter.info(f"removed leftovers of an interrupted install of {version.name}")

    def _download(self, archive: ReleaseFile) -> tuple[Path, str]:
        """Download into the cache, hashing on the way; returns the file and its sha256."""
        downloads = self.store.paths.downloads
        try:
            downloads.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise store_error(exc, "create", downloads) from exc
        part = downloads / f"{archive.filename}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part"
        location = self.mirror.file_location(archive.filename)
        progress = self.reporter.progress(
            f"Downloading {archive.filename}", archive.size, unit="bytes"
        )
        digest = hashlib.sha256()
        size = 0
        if self.mirror.is_local and not Path(location).exists():
            progress.close()
            raise NoSuchReleaseError(
                f"{location} is listed in the mirror's index but missing",
                hint=f"fix the mirror directory {self.mirror.directory}",
            )
        try:
            with partial_file(part, "download to"), open(part, "wb") as out:

                def sink(chunk: bytes) -> None:
                    nonlocal size
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    progress.advance(len(chunk))

                if self.mirror.is_local:
                    _copy_local(Path(location), sink)
                else:
                    if self.mirror.is_plain_http and not self.index().fetched:
                        notice_plain_http(self.mirror, self.reporter)  # not said yet
                    http.stream(location, sink, timeout=self.config.timeout_seconds)
                # a longer file is left to the checksum, which names both hashes
                if archive.size is not None and size < archive.size:
                    raise NetworkError(
                        f"the download of {location} was cut short: {size} of {archive.size} bytes",
                        hint="try again",
                    )
        finally:
            progress.close()
        return part, digest.hexdigest()

    def _verify(self, archive: ReleaseFile, actual: str) -> None:
        expected = archive.sha256 or self._published_checksum(archive.filename)
        if actual != expected:
            raise mismatch_error(
                archive.filename, self.mirror.file_location(archive.filename), expected, actual
            )

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

    def _install_verified(
        self, version: GoVersion, archive: Path, *, name: str, source: str, sha256: str
    ) -> InstallOutcome:
        from gvw.manifest import Collector

        digests = Collector()  # hashed while extracting: the manifest gvw verify checks

        def fill(staging: Path) -> None:
            extract_archive(
                archive,
                staging,
                name=name,
                reporter=self.reporter,
                label="Extracting",
                sink=digests.file,
            )

        return self.install_tree(
            version, fill, source=source, sha256=sha256, name=name, digests=digests
        )

    def install_tree(
        self,
        version: GoVersion,
        fill: Callable[[Path], None],
        *,
        source: str,
        sha256: str,
        name: str | None = None,
        digests: Collector | None = None,
    ) -> InstallOutcome:
        """Stage the verified tree ``fill`` writes into an empty directory, check it,
        record its manifest (``digests`` saw the bytes as they were written; files it
        did not see are hashed from disk) and move it into place: the one path every
        kind of source ends in."""
        from gvw.manifest import Collector, write_manifest

        staging = self.store.new_staging_dir(version)
        try:
            fill(staging)
            check_version_file(staging, version, name or source)
            write_manifest(staging, (digests or Collector()).manifest(staging))
            # a mirror's user:token is never written into the store (gvw facts shows it)
            meta = InstallMetadata(version.name, redact(source), sha256, time.time())
            if self.before_change is not None:
                self.before_change(version)
            path = self.store.commit_staging(staging, version, meta)
        except BaseException:
            # if this fails too, the next install of this version removes it under the lock
            with contextlib.suppress(OSError):
                remove_tree(staging)
            raise
        return InstallOutcome(version, path, False)


def _family_arg(spec: Spec) -> str:
    if isinstance(spec, ExactSpec):
        return f" {spec.version.major}.{spec.version.minor}"
    text = str(spec)
    return "" if text == "latest" else f" {text}"


def _copy_local(source: Path, sink: Callable[[bytes], None]) -> None:
    with open(source, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sink(block)
