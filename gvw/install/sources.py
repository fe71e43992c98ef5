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

from gvw.base.fsutil import store_error, unlink_quietly
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


def leftover_downloads(downloads: Path, name: str) -> list[Path]:
    """The private copies of ``name`` that earlier runs left in ``downloads`` (never the
    resumable ``<name>.part``, which the next download of it continues)."""
    if not downloads.is_dir():
        return []
    return list(downloads.glob(f"{name}.*{PART_SUFFIX}"))


@contextmanager
def temporary_download(downloads: Path, name: str) -> Iterator[Path]:
    """The path of a new private ``.part`` copy of ``name`` in ``downloads``; the
    file is removed when the block ends, however it ends (what stays is the tree
    extracted from it). Write it inside ``fsutil.partial_file``."""
    try:
        downloads.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise store_error(exc, "create", downloads) from exc
    part = downloads / f"{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}{PART_SUFFIX}"
    try:
        yield part
    finally:
        unlink_quietly(part)
