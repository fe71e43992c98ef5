"""``file://`` URLs as local paths (mirrors, proxies and databases can be directories)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit


def is_file_url(url: str) -> bool:
    return url.lower().startswith("file:")


def file_url_path(url: str) -> Path:
    """The local path a ``file://`` URL names; ``file://server/share/dl/`` is the UNC
    path ``\\\\server\\share\\dl``."""
    # urllib.request pulls in http.client and ssl: imported only for file URLs
    from urllib.request import url2pathname

    parts = urlsplit(url)
    if parts.netloc and parts.netloc.lower() != "localhost":
        return Path(url2pathname("//" + parts.netloc + parts.path))
    return Path(url2pathname(parts.path))
