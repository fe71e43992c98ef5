"""The one installer: resolve a spec against the index, then let a source (a release
archive, a local file, a module zip from a proxy; see :mod:`gvw.install.sources`) fill a
staging directory with a verified tree, check it, record its manifest and move it into
place with one rename.

Concurrent installs of one version are serialised by a per-version lock: the first
process downloads, the others wait and then find the version installed. A process
killed at any point leaves a staging directory, which the next install of that version
removes under the same lock; a partial download, which it resumes
(:mod:`gvw.install.download`); and, from a zip or a local file, a private copy, which it
removes once nobody holds it (the cache may be shared by other stores, whose locks are
their own: :mod:`gvw.base.leftovers`).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from gvw.base.config import Config
from gvw.base.errors import InvalidVersionError, NoSuchReleaseError
from gvw.base.fsutil import remove_tree
from gvw.base.platforms import Platform
from gvw.base.redaction import redact
from gvw.base.reporting import Reporter
from gvw.base.versions import ExactSpec, GoVersion, Spec, SystemSpec, newest_matching
from gvw.install.adopted_tree import AdoptedTree
from gvw.install.archive import check_version_file
from gvw.install.goproxy.source import ProxySource, list_releases, proxy_source
from gvw.install.goproxy.toolchain_module import ToolchainModule
from gvw.install.local_file import LocalArchive
from gvw.install.mirror import Mirror, load_store_index, notice_plain_http
from gvw.install.nearest import nearest_releases
from gvw.install.release_archive import ReleaseArchive
from gvw.install.release_index import Release, ReleaseFile, ReleaseIndex
from gvw.install.sources import Source, remove_abandoned_downloads
from gvw.store.version_store import InstallMetadata, Store


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
            releases = list_releases(self._proxy_source(), self.platform)
            self._index = ReleaseIndex(releases, [], self.mirror.url)
        if self._index is None:
            self._index = load_store_index(
                self.mirror, self.store, self.config, self.reporter, refresh=self.refresh_index
            )
        return self._index

    def loaded_index(self) -> ReleaseIndex | None:
        """The index when this installer has already read it (no network), else None."""
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
            nearest = nearest_releases(spec, installable)
            raise NoSuchReleaseError(
                f"no Go release matches {spelled}{platform} on {self.mirror.url} "
                f"(mirror set by {self.mirror.origin}); {nearest.text}",
                hint=f"install it with: gvw install {nearest.spec}{self.mirror.option}"
                if nearest.spec
                else "check the mirror URL (gvw install --mirror URL) and the platform "
                "(GVW_PLATFORM)",
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
        if planned.archive is None:
            return self._already(planned.version)
        return self._install(planned.version, self._source(planned.archive))

    def install_file(
        self, archive: Path, *, sha256: str | None, skip_checksum: bool
    ) -> InstallOutcome:
        """Install a local archive (offline machines); the version comes from its name."""
        source = LocalArchive(
            archive,
            sha256=sha256,
            skip_checksum=skip_checksum,
            downloads=self.store.paths.downloads,
            reporter=self.reporter,
        )
        return self._install(source.version, source)

    def install_tree(self, tree: Path) -> InstallOutcome:
        """Adopt a Go tree already on this machine (an MSI's, a /usr/local/go) as the
        version its VERSION file names: copied, the original left as it is."""
        source = AdoptedTree(tree)
        return self._install(source.version, source)

    def _source(self, archive: ReleaseFile) -> Source:
        """Where ``archive`` comes from: a module proxy or a release mirror."""
        paths = self.store.paths
        if self.mirror.is_goproxy:  # a module zip, verified by the checksum database
            return ToolchainModule(
                archive.filename,
                source=self._proxy_source(),
                platform=self.platform,
                reporter=self.reporter,
                downloads=paths.downloads,
                sumdb_cache=paths.cache / "sumdb",
                sumdb_lock=lambda: self.store.cache_lock("sumdb"),
                skip_checksum=self.skip_checksum,
                retries=self.config.retries,
            )

        def plain_http_notice() -> None:
            if self.mirror.is_plain_http and not self.index().fetched:
                notice_plain_http(self.mirror, self.reporter)  # not said yet

        return ReleaseArchive(
            archive,
            mirror=self.mirror,
            config=self.config,
            reporter=self.reporter,
            downloads=paths.downloads,
            before_download=plain_http_notice,
        )

    def _proxy_source(self) -> ProxySource:
        settings = self.mirror.go_settings
        assert settings is not None, "a goproxy mirror carries Go's settings"
        return proxy_source(
            self.mirror.url, self.mirror.origin, settings, timeout=self.config.timeout_seconds
        )

    def _already(self, version: GoVersion) -> InstallOutcome:
        """Installed: in this store, or (planned so by ``gvw install``) in the machine
        store, which selection runs it from."""
        path = self.store.locate(version) or self.store.paths.version_dir(version.name)
        return InstallOutcome(version, path, True)

    def _install(self, version: GoVersion, source: Source) -> InstallOutcome:
        """The one way a version comes into the store, whatever the source: under the
        version's lock, leftovers of a killed install removed, the tree staged and
        checked (``go/VERSION``), its manifest written, then one rename into place."""
        from gvw.install.tree_manifest import Collector, write_manifest

        with self.store.install_lock(version):
            if self.store.is_installed(version):
                return self._already(version)
            self._clean_leftovers(version, source.download_name)
            staging = self.store.new_staging_dir(version)
            try:
                # hashed while extracting: the manifest gvw verify checks
                with Collector() as digests:
                    origin = source.fill(staging, digests)
                    manifest = digests.manifest()
                check_version_file(staging, version, origin.name)
                write_manifest(staging, manifest)
                # a mirror's user:token is never written into the store (gvw facts shows it)
                meta = InstallMetadata(
                    version.name, redact(origin.location), origin.sha256, time.time()
                )
                if self.before_change is not None:
                    self.before_change(version)
                path = self.store.commit_staging(staging, version, meta)
            except BaseException:
                # if this fails too, the next install of this version removes it under the lock
                with contextlib.suppress(OSError):
                    remove_tree(staging)
                raise
        return InstallOutcome(version, path, False)

    def _clean_leftovers(self, version: GoVersion, download_name: str) -> None:
        removed = self.store.clean_staging(version)
        removed += remove_abandoned_downloads(self.store.paths.downloads, download_name)
        if removed:
            self.reporter.info(f"removed leftovers of an interrupted install of {version.name}")
