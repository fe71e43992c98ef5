"""A Go toolchain from a module proxy: download the module zip (with GOPROXY's
fall-back rules), check its ``h1:`` hash against the checksum database, and extract
it. A source for :class:`gvw.install.installer.Installer`.

The database is asked before the download (a refusal costs no 70 MB), the zip is
hashed before anything is extracted, and a mismatch leaves the store as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from gvw.base.errors import ArchiveError, ChecksumError
from gvw.base.fsutil import partial_file
from gvw.base.platforms import Platform
from gvw.base.reporting import Reporter
from gvw.install.goproxy.modzip import MODULE, extract_module_zip, zip_hash
from gvw.install.goproxy.source import ProxySource, stream, toolchain_url
from gvw.install.goproxy.verify import Vouched, vouched_hash
from gvw.install.sources import Provenance, temporary_download
from gvw.install.tree_manifest import Collector

MAX_ZIP_BYTES = 500 << 20  # modzip.MaxZipFile: the go command refuses larger module zips


class ToolchainModule:
    def __init__(
        self,
        filename: str,  # golang.org/toolchain's <version>.zip (v0.0.1-go1.22.10.linux-amd64.zip)
        *,
        source: ProxySource,
        platform: Platform,
        reporter: Reporter,
        downloads: Path,
        sumdb_cache: Path,
        sumdb_lock: Callable[[], AbstractContextManager[None]],
        skip_checksum: bool,
    ) -> None:
        self.filename = filename
        self.modver = filename.removesuffix(".zip")
        self.source = source
        self.platform = platform
        self.reporter = reporter
        self.downloads = downloads
        self.sumdb_cache = sumdb_cache
        self.sumdb_lock = sumdb_lock
        self.skip_checksum = skip_checksum

    @property
    def download_name(self) -> str:
        return self.filename

    def fill(self, staging: Path, digests: Collector) -> Provenance:
        modver = self.modver
        vouched = None
        if self.skip_checksum:
            self.reporter.warn(f"installing {MODULE}@{modver} without checksum verification")
        else:
            vouched = vouched_hash(
                self.source, modver, cache_dir=self.sumdb_cache, lock=self.sumdb_lock
            )
        with temporary_download(self.downloads, self.filename) as part:
            url, sha256 = self._download(part)
            if vouched is not None:
                _check(part, modver, url, vouched)
            extract_module_zip(
                part, staging, modver=modver, platform=self.platform, reporter=self.reporter
            )
        return Provenance(url, sha256 if vouched else "", self.filename)

    def _download(self, part: Path) -> tuple[str, str]:
        """The module zip into ``part``: the URL it came from and its sha256."""
        modver, reporter = self.modver, self.reporter
        digest = hashlib.sha256()
        with partial_file(part, "download to"), open(part, "wb") as out:

            def fetch(proxy: str) -> str:
                nonlocal digest
                out.seek(0)
                out.truncate()  # a proxy that failed half-way left bytes behind
                digest = hashlib.sha256()
                url = toolchain_url(proxy, f"{modver}.zip")
                progress = reporter.progress(f"Downloading {modver}.zip", None, unit="bytes")

                def sink(chunk: bytes) -> None:
                    if out.tell() + len(chunk) > MAX_ZIP_BYTES:
                        raise ArchiveError(
                            f"{url} sends more than {MAX_ZIP_BYTES >> 20} MiB, more than Go "
                            "accepts for a module zip; refusing it",
                            hint="check the proxy: a Go toolchain module is about 100 MB",
                        )
                    out.write(chunk)
                    digest.update(chunk)
                    progress.advance(len(chunk))

                try:
                    stream(url, sink, timeout=self.source.timeout)
                finally:
                    progress.close()
                return url

            url, _proxy = self.source.try_proxies(fetch, what=f"downloading {MODULE}@{modver}")
        return url, digest.hexdigest()


def _check(part: Path, modver: str, url: str, vouched: Vouched) -> None:
    actual = zip_hash(part, shown=f"{MODULE}@{modver}")
    if actual != vouched.hash:
        raise ChecksumError(
            f"checksum mismatch for {MODULE}@{modver} from {url}: the checksum database "
            f"{vouched.database} has {vouched.hash}, the download is {actual}; "
            "nothing was installed",
            hint="the proxy served a damaged or altered module; try again or use another proxy",
        )
