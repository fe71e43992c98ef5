"""Go's download index (``https://go.dev/dl/?mode=json&include=all``).

The real index is old and uneven: empty sha256 on old releases, ``go1.20`` without
``.0``, names like ``go1.9.2rc2``, os/arch pairs gvw has never heard of. Entries that
cannot be understood are skipped; only a document that is not an index at all is an
error. File names are checked because they become paths and URLs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from gvw.errors import BadIndexError
from gvw.platforms import Platform
from gvw.versions import GoVersion, parse_release_name

_SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
# a plain file name: no separators, no leading dot, nothing a URL or a path would bend
_FILENAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
ARCHIVE_SUFFIXES = (".tar.gz", ".zip")


def is_sha256(text: str) -> bool:
    """64 hexadecimal digits, either case (go.dev publishes lower case)."""
    return _SHA256_RE.match(text) is not None


@dataclass(frozen=True)
class ReleaseFile:
    filename: str
    os: str
    arch: str
    kind: str
    sha256: str | None
    size: int | None


@dataclass(frozen=True)
class Release:
    version: GoVersion
    stable: bool
    files: tuple[ReleaseFile, ...]

    def archive_for(self, target: Platform) -> ReleaseFile | None:
        """The archive to install on ``target`` (zip preferred on Windows)."""
        candidates = [
            f
            for f in self.files
            if f.kind == "archive"
            and f.os == target.goos
            and f.arch == target.goarch
            and f.filename.endswith(ARCHIVE_SUFFIXES)
        ]
        preferred = ".zip" if target.goos == "windows" else ".tar.gz"
        candidates.sort(key=lambda f: not f.filename.endswith(preferred))
        return candidates[0] if candidates else None


def parse_index(data: bytes, *, source: str) -> list[Release]:
    """Parse index JSON, newest release first. ``source`` names where it came from."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadIndexError(
            f"the download index from {source} is not valid JSON ({exc})",
            hint="check the mirror URL (gvw install --mirror URL) or try again later",
        ) from None
    if not isinstance(document, list):
        raise BadIndexError(
            f"the download index from {source} is not a list of releases",
            hint="check the mirror URL: it must serve Go's ?mode=json&include=all index",
        )
    releases: dict[GoVersion, Release] = {}
    for entry in document:
        release = _parse_release(entry)
        # the first entry wins when a hostile or sloppy index repeats a version
        if release is not None and release.version not in releases:
            releases[release.version] = release
    return sorted(releases.values(), key=lambda r: r.version, reverse=True)


def _parse_release(entry: object) -> Release | None:
    if not isinstance(entry, dict):
        return None
    name = entry.get("version")
    version = parse_release_name(name) if isinstance(name, str) else None
    if version is None:
        return None
    files_raw = entry.get("files")
    files = tuple(
        f
        for f in (_parse_file(raw) for raw in (files_raw if isinstance(files_raw, list) else []))
        if f is not None
    )
    stable = entry.get("stable") is True and not version.is_prerelease
    return Release(version=version, stable=stable, files=files)


def _parse_file(raw: object) -> ReleaseFile | None:
    if not isinstance(raw, dict):
        return None
    filename = raw.get("filename")
    if not isinstance(filename, str) or not _FILENAME_RE.match(filename) or ".." in filename:
        return None
    sha = raw.get("sha256")
    sha = sha.lower() if isinstance(sha, str) and is_sha256(sha) else None
    size = raw.get("size")
    return ReleaseFile(
        filename=filename,
        os=_text(raw.get("os")),
        arch=_text(raw.get("arch")),
        kind=_text(raw.get("kind")),
        sha256=sha,
        size=size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None,
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
