"""Where releases come from: a mirror URL and its (cached) download index.

A mirror is ``https://`` (default ``https://go.dev/dl/``), ``http://`` (allowed with a
warning: checksums are then only as trustworthy as the connection) or a ``file://``
directory holding ``index.json`` beside the archives.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from gvw.base import http
from gvw.base.bounded import InputRefused, read_regular_file
from gvw.base.errors import BadIndexError, ConfigError, GvwError, NetworkError
from gvw.base.fileurl import file_url_path
from gvw.base.fsutil import atomic_write_bytes
from gvw.base.reporting import Reporter
from gvw.install.release_index import ReleaseIndex, read_index

if TYPE_CHECKING:
    from gvw.base.config import Config
    from gvw.install.goproxy.settings import GoSettings
    from gvw.store.version_store import Store

INDEX_QUERY = "?mode=json&include=all"
FILE_INDEX_NAME = "index.json"
# go.dev's index with every release is about 2.5 MB (2025); over http or file://
MAX_INDEX_BYTES = 8 << 20


GOPROXY = "goproxy"  # the module proxies Go's own settings name (gvw.install.goproxy)


@dataclass(frozen=True)
class Mirror:
    url: str  # always ends with "/"; "goproxy" or "goproxy+<url>" for module proxies
    origin: str  # where the URL was set: "--mirror", "GVW_MIRROR", the config file
    # Go's GOPROXY/GOSUMDB/... settings, for goproxy mirrors (App.mirror resolves them)
    go_settings: GoSettings | None = field(default=None, compare=False)

    @classmethod
    def parse(cls, text: str, *, origin: str) -> Mirror:
        url = text.strip()
        if url == GOPROXY or url.startswith(GOPROXY + "+"):
            return cls(url=url, origin=origin)
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("https", "http", "file"):
            hint = "a mirror is an https://, http:// or file:// URL, or goproxy"
            if os.path.isdir(url):
                hint = f"for a local directory use --mirror {Path(url).absolute().as_uri()}"
            raise ConfigError(
                f"mirror {url!r} (set by {origin}) is not a URL gvw can use", hint=hint
            )
        if not url.endswith("/"):
            url += "/"
        return cls(url=url, origin=origin)

    @property
    def option(self) -> str:
        """`` --mirror URL`` when the URL came from the command line, else "": a hint's
        command must reach the mirror the failed one did."""
        return f" --mirror {self.url}" if self.origin == "--mirror" else ""

    @property
    def is_goproxy(self) -> bool:
        return self.url == GOPROXY or self.url.startswith(GOPROXY + "+")

    @property
    def is_local(self) -> bool:
        return self.url.lower().startswith("file:")

    @property
    def is_plain_http(self) -> bool:
        return self.url.lower().startswith("http:")

    @property
    def directory(self) -> Path:
        return file_url_path(self.url)

    @property
    def index_location(self) -> str:
        return str(self.directory / FILE_INDEX_NAME) if self.is_local else self.url + INDEX_QUERY

    def file_location(self, filename: str) -> str:
        return str(self.directory / filename) if self.is_local else self.url + filename


def load_index(
    mirror: Mirror,
    *,
    cache_dir: Path,
    max_age_seconds: float,
    timeout: float,
    reporter: Reporter,
    refresh: bool = False,
    lock: Callable[[str], AbstractContextManager[None]] | None = None,
    retries: int = http.DEFAULT_RETRIES,
) -> ReleaseIndex:
    """The mirror's releases, newest first, and the index's bad entries.

    Remote indexes are cached in ``cache_dir`` for ``max_age_seconds``, only when they
    parsed without a bad entry (a damaged or tampered index is fetched again next time,
    never reused as if it were good). When the mirror cannot be reached, a cached copy
    of any age is used with a warning (without retrying: a cached index now beats a
    fresh one after backoffs). ``lock(name)`` is a cross-process lock: processes
    that need a fresh index at the same time fetch it once, the others wait and read
    what the first one cached.
    """
    if mirror.is_local:
        location = mirror.index_location
        return read_index(_read_local(Path(location), mirror), source=location)
    cache_file = cache_dir / (_cache_key(mirror) + ".json")
    if not refresh:
        cached = _usable_cache(cache_file, newer_than=time.time() - max_age_seconds)
        if cached is not None:
            return cached
    asked_at = time.time()
    with lock(f"index-{_cache_key(mirror)}") if lock is not None else contextlib.nullcontext():
        # another gvw may have fetched it while this one waited for the lock
        cached = _usable_cache(cache_file, newer_than=asked_at)
        if cached is not None:
            return cached
        return _fetch(mirror, cache_file, timeout=timeout, retries=retries, reporter=reporter)


def load_store_index(
    mirror: Mirror, store: Store, config: Config, reporter: Reporter, *, refresh: bool = False
) -> ReleaseIndex:
    """:func:`load_index` with the store's cache, lock and the configured limits."""
    return load_index(
        mirror,
        cache_dir=store.paths.index_cache,
        max_age_seconds=config.index_cache_seconds,
        timeout=config.timeout_seconds,
        reporter=reporter,
        refresh=refresh,
        # concurrent installs fetch the index once, whichever store sharing the cache
        lock=store.cache_lock,
        retries=config.retries,
    )


def cached_index(mirror: Mirror, *, cache_dir: Path) -> ReleaseIndex | None:
    """What is known without the network (shell completion): a file mirror's index,
    else the cached index of any age; None when there is none or it is unreadable."""
    try:
        if mirror.is_local:
            return read_index(_read_local(Path(mirror.index_location), mirror), source="")
        return _usable_cache(cache_dir / (_cache_key(mirror) + ".json"), newer_than=0)
    except GvwError:
        return None


def notice_plain_http(mirror: Mirror, reporter: Reporter) -> None:
    """Said on every use of a plain-http mirror (``--quiet`` silences it)."""
    # one line on a terminal: short words, the URL the only long part
    reporter.notice(f"mirror {mirror.url} is plain http: downloads can be altered; prefer https")


def _fetch(
    mirror: Mirror, cache_file: Path, *, timeout: float, retries: int, reporter: Reporter
) -> ReleaseIndex:
    if mirror.is_plain_http:
        notice_plain_http(mirror, reporter)
    stale = _read_cache(cache_file)
    try:
        data = http.fetch_bytes(
            mirror.index_location,
            timeout=timeout,
            max_bytes=MAX_INDEX_BYTES,
            too_large=_too_large_index,
            retries=0 if stale is not None else retries,
            notify=reporter.warn,
        )
    except NetworkError as exc:
        if stale is None:
            raise
        index = read_index(stale[0], source=f"the cached index {cache_file}")
        reporter.warn(
            f"{exc.message}; using the index cached "
            f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(stale[1]))}"
        )
        return index
    index = read_index(data, source=mirror.index_location)
    if not index.problems:
        try:
            atomic_write_bytes(cache_file, data)
        except GvwError as exc:  # a cache we cannot write is not worth failing for
            reporter.warn(f"could not cache the index: {exc.message}")
    return replace(index, fetched=True)


def _usable_cache(cache_file: Path, *, newer_than: float) -> ReleaseIndex | None:
    """The cached index when it was written after ``newer_than`` and is clean."""
    cached = _read_cache(cache_file)
    if cached is None or cached[1] < newer_than:
        return None
    try:
        index = read_index(cached[0], source=f"the cached index {cache_file}")
    except GvwError:
        return None  # a damaged cache is just a miss
    return index if not index.problems else None


def _cache_key(mirror: Mirror) -> str:
    return hashlib.sha256(mirror.url.encode()).hexdigest()[:24]


def _too_large_index(message: str) -> BadIndexError:
    return BadIndexError(
        f"the download index: {message}",
        hint="check the mirror URL: Go's index of every release is a few MB",
    )


def _read_local(path: Path, mirror: Mirror) -> bytes:
    try:
        return read_regular_file(path, MAX_INDEX_BYTES)
    except OSError as exc:
        raise NetworkError(
            f"cannot read {path} from mirror {mirror.url} (set by {mirror.origin}): {exc.strerror}",
            hint="a file:// mirror is a directory holding index.json beside the archives",
        ) from exc
    except InputRefused as refused:
        # the same refusal as an http mirror's (fetch_bytes with _too_large_index)
        raise _too_large_index(f"{path} {refused.reason}; refusing it") from None


def _read_cache(path: Path) -> tuple[bytes, float] | None:
    try:
        return read_regular_file(path, MAX_INDEX_BYTES), path.stat().st_mtime
    except (OSError, InputRefused):
        return None
