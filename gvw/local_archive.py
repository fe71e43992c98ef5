"""A local archive (``gvw install --from-file``): the release its official name
names, and a private copy hashed as it is made, so that what is verified is exactly
what is extracted (a file on a share can change between two reads)."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path

from gvw.errors import InvalidVersionError
from gvw.fsutil import partial_file
from gvw.versions import GoVersion, parse_release_name

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


def private_copy(archive: Path, downloads: Path) -> tuple[Path, str]:
    """Copy ``archive`` to a ``.part`` file in ``downloads``, hashing on the way;
    returns the copy and its sha256 (the caller removes the copy)."""
    part = downloads / f"{archive.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part"
    digest = hashlib.sha256()
    with partial_file(part, "copy the archive to"):
        downloads.mkdir(parents=True, exist_ok=True)
        with open(archive, "rb") as source, open(part, "wb") as out:
            for block in iter(lambda: source.read(_CHUNK), b""):
                out.write(block)
                digest.update(block)
    return part, digest.hexdigest()
