"""Where releases come from: a mirror URL and its (cached) download index.

A mirror is ``https://`` (default ``https://go.dev/dl/``), ``http://`` (allowed with a
warning: checksums are then only as trustworthy as the connection) or a ``file://``
directory holding ``index.json`` beside the archives.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from gvw import http
from gvw.errors import ConfigError, GvwError, NetworkError
from gvw.fsutil import atomic_write_bytes
from gvw.index import Release, parse_index
from gvw.reporting import Reporter

INDEX_QUERY = "?mode=json&include=all"
FILE_INDEX_NAME = "index.json"


@dataclass(frozen=True)
class Mirror:
    url: str  # always ends with "/"
    origin: str  # where the URL was set: "--mirror", "GVW_MIRROR", the config file

    @classmethod
    def parse(cls, text: str, *, origin: str) -> Mirror:
        url = text.strip()
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("https", "http", "file"):
            hint = "a mirror is an https://, http:// or file:// URL"
            if os.path.isdir(url):
                hint = f"for a local directory use --mirror {Path(url).absolute().as_uri()}"
            raise ConfigError(
                f"mirror {url!r} (set by {origin}) is not a URL gvw can use", hint=hint
            )
        if not url.endswith("/"):
            url += "/"
        return cls(url=url, origin=origin)

    @property
    def is_local(self) -> bool:
        return self.url.lower().startswith("file:")

    @property
    def is_plain_http(self) -> bool:
        return self.url.lower().startswith("http:")

    @property
    def directory(self) -> Path:
        # urllib.request pulls in http.client and ssl: only file mirrors need it
        from urllib.request import url2pathname

        parts = urlsplit(self.url)
        if parts.netloc and parts.netloc.lower() != "localhost":
            # file://server/share/dl/ is the UNC path \\server\share\dl
            return Path(url2pathname("//" + parts.netloc + parts.path))
        return Path(url2pathname(parts.path))

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
) -> list[Release]:
    """The mirror's releases, newest first.

    Remote indexes are cached in ``cache_dir`` for ``max_age_seconds``; when the
    mirror cannot be reached, a cached copy of any age is used with a warning.
    """
    if mirror.is_local:
        data = _read_local(Path(mirror.index_location), mirror)
        return parse_index(data, source=mirror.index_location)
    if mirror.is_plain_http:
        reporter.warn(
            f"mirror {mirror.url} uses plain http: downloads can be tampered with "
            "in transit; use https:// if the mirror supports it"
        )
    cache_file = _cache_file(mirror, cache_dir)
    cached = _read_cache(cache_file)
    if cached is not None and not refresh:
        data, fetched_at = cached
        if time.time() - fetched_at < max_age_seconds:
            try:
                return parse_index(data, source=f"the cached index {cache_file}")
            except GvwError:
                pass  # a damaged cache is just a miss
    try:
        data = http.fetch_bytes(mirror.index_location, timeout=timeout)
    except NetworkError as exc:
        if cached is None:
            raise
        reporter.warn(
            f"{exc.message}; using the index cached "
            f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(cached[1]))}"
        )
        return parse_index(cached[0], source=f"the cached index {cache_file}")
    releases = parse_index(data, source=mirror.index_location)
    try:
        atomic_write_bytes(cache_file, data)
    except GvwError as exc:  # a cache we cannot write is not worth failing for
        reporter.warn(f"could not cache the index: {exc.message}")
    return releases


def cached_releases(mirror: Mirror, *, cache_dir: Path) -> list[Release] | None:
    """The releases a ``file://`` mirror lists, or a remote mirror's cached index of
    any age; None when there is none. Never uses the network (gvw facts)."""
    try:
        if mirror.is_local:
            return parse_index(_read_local(Path(mirror.index_location), mirror), source="")
        cached = _read_cache(_cache_file(mirror, cache_dir))
        return parse_index(cached[0], source="") if cached else None
    except GvwError:
        return None


def _cache_file(mirror: Mirror, cache_dir: Path) -> Path:
    return cache_dir / (hashlib.sha256(mirror.url.encode()).hexdigest()[:24] + ".json")


def _read_local(path: Path, mirror: Mirror) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise NetworkError(
            f"cannot read {path} from mirror {mirror.url} (set by {mirror.origin}): {exc.strerror}",
            hint="a file:// mirror is a directory holding index.json beside the archives",
        ) from exc


def _read_cache(path: Path) -> tuple[bytes, float] | None:
    try:
        return path.read_bytes(), path.stat().st_mtime
    except OSError:
        return None
