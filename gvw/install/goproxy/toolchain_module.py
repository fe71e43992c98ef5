"""A Go toolchain from a module proxy: download the module zip (with GOPROXY's
fall-back rules), check its ``h1:`` hash against the checksum database, and extract
it. A source for :class:`gvw.install.installer.Installer`.

The database is asked before the download (a refusal costs no 70 MB), the zip is
hashed before anything is extracted, and a mismatch leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from gvw.base.errors import ArchiveError, ChecksumError, NetworkError
from gvw.base.fileurl import file_url_path, is_file_url
from gvw.base.platforms import Platform
from gvw.base.reporting import Reporter
from gvw.install.download import Cap, Download, LocalFile, PartialFile, Promise
from gvw.install.goproxy.modzip import MODULE, extract_module_zip, zip_hash
from gvw.install.goproxy.source import ProxySource, toolchain_url
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
        retries: int,
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
        self.retries = retries

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
        partial = PartialFile(self.downloads, self.filename)
        with (
            partial.owned(self.reporter),
            temporary_download(self.downloads, self.filename) as copy,
        ):

            def fetch(proxy: str) -> tuple[str, str, Path]:
                url = toolchain_url(proxy, f"{modver}.zip")
                stream = self._stream(url, partial, copy)
                try:
                    stream.drain()
                finally:
                    stream.close()
                assert stream.saved is not None
                return url, stream.sha256(), stream.saved

            (url, sha256, path), _proxy = self.source.try_proxies(
                fetch, what=f"downloading {MODULE}@{modver}"
            )
            if vouched is not None:
                try:
                    _check(path, modver, url, vouched)
                except ChecksumError:
                    partial.discard()  # not the module the database vouches for
                    raise
            try:
                extract_module_zip(
                    path,
                    staging,
                    modver=modver,
                    platform=self.platform,
                    reporter=self.reporter,
                    sink=digests,
                )
            except ArchiveError:
                partial.discard()
                raise
            partial.discard()  # extracted: the zip is not kept
        return Provenance(url, sha256 if vouched else "", self.filename)

    def _stream(self, url: str, partial: PartialFile, copy: Path) -> Download | LocalFile:
        """The module zip at ``url``: downloaded into the partial file (resumably), or
        copied from a ``file://`` proxy."""
        cap = Cap(
            MAX_ZIP_BYTES,
            lambda: ArchiveError(
                f"{url} sends more than {MAX_ZIP_BYTES >> 20} MiB, more than Go "
                "accepts for a module zip; refusing it",
                hint="check the proxy: a Go toolchain module is about 100 MB",
            ),
        )
        label = f"Downloading {self.modver}.zip"
        promise = Promise(None, None)  # the checksum database vouches for it afterwards
        if is_file_url(url):
            path = file_url_path(url)
            if not path.exists():
                raise NetworkError(f"{path} does not exist", status=404)
            return LocalFile(
                path, promise=promise, cap=cap, reporter=self.reporter, label=label, copy=copy
            )
        return Download(
            url,
            partial,
            promise=promise,
            cap=cap,
            timeout=self.source.timeout,
            retries=self.retries,
            reporter=self.reporter,
            label=label,
        )


def _check(part: Path, modver: str, url: str, vouched: Vouched) -> None:
    actual = zip_hash(part, shown=f"{MODULE}@{modver}")
    if actual != vouched.hash:
        raise ChecksumError(
            f"checksum mismatch for {MODULE}@{modver} from {url}: the checksum database "
            f"{vouched.database} has {vouched.hash}, the download is {actual}; "
            "nothing was installed",
            hint="the proxy served a damaged or altered module; try again or use another proxy",
        )
