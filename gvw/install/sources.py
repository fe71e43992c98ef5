"""What every install source gives the installer: a way to fill an empty staging
directory with a verified Go tree, and where that tree came from.

A source (a release archive from a mirror, a local archive file, a module zip from a
GOPROXY) downloads, verifies and extracts; it never takes locks, cleans leftovers or
commits anything. :class:`gvw.install.installer.Installer` does that, once, for all.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gvw.base.fsutil import create_held, store_error, unlink_quietly
from gvw.base.leftovers import remove_abandoned
from gvw.install.tree_manifest import Collector

PART_SUFFIX = ".part"


@dataclass(frozen=True)
class Provenance:
    """Where an installed tree came from: recorded in the version's metadata file."""

    location: str  # the URL or path of the archive (credentials are redacted on record)
    sha256: str  # the archive's verified sha256; "" when installed without verification
    name: str  # what messages call it: the archive's file name


class Source(Protocol):
    @property
    def download_name(self) -> str:
        """The file name this source's downloads are named after: a killed install of
        it may have left a private copy (``<name>.*.part``, removed) and a resumable
        partial download (``<name>.part``, resumed; :mod:`gvw.install.download`)."""

    def fill(self, staging: Path, digests: Collector) -> Provenance:
        """Write the verified tree into the empty directory ``staging``, feeding each
        file's bytes through ``digests``; raise when anything fails verification."""


def remove_abandoned_downloads(downloads: Path, name: str) -> list[Path]:
    """Remove the private copies of ``name`` that killed runs left in ``downloads``
    (``<name>.<pid>.<random>.part``): only those nobody holds (:mod:`gvw.base.leftovers`),
    since the cache may be shared by other stores whose installs are using theirs right
    now. Never the resumable ``<name>.part``, which the next download of it continues
    (:mod:`gvw.install.download`)."""
    resumable = name + PART_SUFFIX
    return remove_abandoned(
        downloads,
        files=lambda entry: (
            entry != resumable and entry.startswith(f"{name}.") and entry.endswith(PART_SUFFIX)
        ),
    )


@contextmanager
def temporary_download(downloads: Path, name: str) -> Iterator[Path]:
    """The path of a new private ``.part`` file for ``name`` in ``downloads``, held
    for the block (no other process's clean-up removes it) and removed when the block
    ends, however it ends (what stays is the tree extracted from it). Write it inside
    ``fsutil.partial_file``."""
    part = downloads / f"{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{PART_SUFFIX}"
    try:
        downloads.mkdir(parents=True, exist_ok=True)
        hold = create_held(part)
    except OSError as exc:
        raise store_error(exc, "create", part) from exc
    try:
        yield part
    finally:
        os.close(hold)  # (Windows deletes no open file)
        unlink_quietly(part)
