"""Installing a toolchain from a module proxy: download the module zip (with GOPROXY's
fall-back rules), check its ``h1:`` hash against the checksum database, and hand the
unpacked tree to the installer's one staging and commit path.

The database is asked before the download (a refusal costs no 70 MB), the zip is
hashed before anything is extracted, and a mismatch leaves the store as it was.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from gvw.errors import ArchiveError, ChecksumError
from gvw.fsutil import partial_file, store_error, unlink_quietly
from gvw.goproxy.modzip import MODULE, extract_module_zip, zip_hash
from gvw.goproxy.source import ProxySource, list_releases, proxy_source, stream, toolchain_url
from gvw.goproxy.verify import Vouched, vouched_hash
from gvw.index import Release, ReleaseFile
from gvw.reporting import Reporter
from gvw.versions import GoVersion

if TYPE_CHECKING:
    from gvw.install import Installer, InstallOutcome

MAX_ZIP_BYTES = 500 << 20  # modzip.MaxZipFile: the go command refuses larger module zips


def proxy_releases(installer: Installer) -> list[Release]:
    source = proxy_source(installer.mirror, timeout=installer.config.timeout_seconds)
    return list_releases(source, installer.platform)


def install_from_proxy(
    installer: Installer, version: GoVersion, archive: ReleaseFile
) -> InstallOutcome:
    from gvw.install import InstallOutcome

    store = installer.store
    source = proxy_source(installer.mirror, timeout=installer.config.timeout_seconds)
    modver = archive.filename.removesuffix(".zip")
    with store.install_lock(version):
        if store.is_installed(version):
            return InstallOutcome(version, store.paths.version_dir(version.name), True)
        installer._clean_leftovers(version, archive.filename)
        vouched = None
        if installer.skip_checksum:
            installer.reporter.warn(f"installing {MODULE}@{modver} without checksum verification")
        else:
            vouched = vouched_hash(
                source,
                modver,
                cache_dir=store.paths.cache / "sumdb",
                lock=lambda: store.lock("sumdb"),
            )
        part, url, sha256 = _download(source, modver, store.paths.downloads, installer.reporter)
        try:
            if vouched is not None:
                _check(part, modver, url, vouched)

            def fill(staging: Path) -> None:
                extract_module_zip(
                    part,
                    staging,
                    modver=modver,
                    platform=installer.platform,
                    reporter=installer.reporter,
                )

            return installer.install_tree(
                version, fill, source=url, sha256=sha256 if vouched else ""
            )
        finally:
            unlink_quietly(part)


def _check(part: Path, modver: str, url: str, vouched: Vouched) -> None:
    actual = zip_hash(part, shown=f"{MODULE}@{modver}")
    if actual != vouched.hash:
        raise ChecksumError(
            f"checksum mismatch for {MODULE}@{modver} from {url}: the checksum database "
            f"{vouched.database} has {vouched.hash}, the download is {actual}; "
            "nothing was installed",
            hint="the proxy served a damaged or altered module; try again or use another proxy",
        )


def _download(
    source: ProxySource, modver: str, downloads: Path, reporter: Reporter
) -> tuple[Path, str, str]:
    """The module zip in a ``.part`` file, the URL it came from, and its sha256."""
    try:
        downloads.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise store_error(exc, "create", downloads) from exc
    part = downloads / f"{modver}.zip.{os.getpid()}.{uuid.uuid4().hex[:8]}.part"
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
                stream(url, sink, timeout=source.timeout)
            finally:
                progress.close()
            return url

        url, _proxy = source.try_proxies(fetch, what=f"downloading {MODULE}@{modver}")
    return part, url, digest.hexdigest()
