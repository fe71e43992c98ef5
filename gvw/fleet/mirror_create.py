"""``gvw mirror create``: an offline mirror in go.dev/dl's layout (``index.json``, the
archives, ``<file>.sha256``), usable as a ``file://`` mirror or from any static server.

Each archive is downloaded into ``.gvw-partial/``, checked against its sha256 (the
lock's, else the source index's), and only then renamed into place; ``index.json`` is
written last, atomically. A killed run therefore leaves either the old mirror or the
new one, never an index naming an archive that is not complete; a run that fails or is
interrupted removes its partial download (a ``kill -9`` leaves it to the next run).
Archives already there with the right checksum are not downloaded again. Runs into
one directory take turns, so each one's archives end up in the index.

With the vulnerability database (``--vulndb``), ``vulndb/`` beside the archives holds
its toolchain part in the database's own layout (:func:`gvw.knowledge.vulndb.sync`):
machines without internet read it with ``GOVULNDB=file:///.../vulndb``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gvw.base import http
from gvw.base.bounded import InputRefused, open_regular_file, parse_json, read_regular_file
from gvw.base.errors import ChecksumError, StoreError
from gvw.base.fsutil import (
    atomic_write_bytes,
    atomic_write_text,
    partial_file,
    remove_tree,
    rename,
    store_error,
)
from gvw.base.locks import held
from gvw.base.reporting import Reporter
from gvw.base.versions import parse_release_name
from gvw.fleet.lockfile import Lock
from gvw.install.checksums import hash_file
from gvw.install.mirror import FILE_INDEX_NAME, MAX_INDEX_BYTES, Mirror
from gvw.knowledge.vulndb import SyncResult, VulnDB, sync

PARTIAL_DIR = ".gvw-partial"
LOCK_FILE = ".gvw-mirror.lock"
# a run may download many archives: another run waits for it this long
LOCK_TIMEOUT_SECONDS = 4 * 3600
VULNDB_DIR = "vulndb"


@dataclass
class MirrorResult:
    directory: Path
    downloaded: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def create_mirror(
    directory: Path,
    lock: Lock,
    *,
    source: Mirror,
    timeout: float,
    reporter: Reporter,
    command: str = "gvw mirror create",
) -> MirrorResult:
    """Add ``lock``'s archives to the mirror in ``directory``. Runs into one directory
    take turns (the lock file ``.gvw-mirror.lock``, there while one runs): each merges
    its archives into the index the one before it wrote, and only one uses
    ``.gvw-partial/``."""
    with held(
        directory / LOCK_FILE,
        command=command,
        timeout=LOCK_TIMEOUT_SECONDS,
        waiting=reporter,
        remove=True,
    ):
        partial = directory / PARTIAL_DIR
        try:
            if partial.exists():
                remove_tree(partial)  # what a killed run left (no other run is using it)
            partial.mkdir()
        except OSError as exc:
            raise store_error(exc, "prepare", partial) from exc
        try:
            return _fill(directory, partial, lock, source, timeout, reporter)
        finally:  # a failed, killed or interrupted run leaves no partial download either
            with contextlib.suppress(OSError):
                remove_tree(partial)


def _fill(
    directory: Path,
    partial: Path,
    lock: Lock,
    source: Mirror,
    timeout: float,
    reporter: Reporter,
) -> MirrorResult:
    result = MirrorResult(directory)
    entries: list[dict[str, Any]] = []
    for version, per_platform in sorted(lock.archives.items()):
        for platform, archive in sorted(per_platform.items()):
            target = directory / archive.filename
            if target.is_file() and hash_file(target) == archive.sha256:
                result.kept.append(archive.filename)
            else:
                _download(
                    source,
                    archive.filename,
                    archive.sha256,
                    archive.size,
                    partial,
                    target,
                    timeout,
                    reporter,
                )
                result.downloaded.append(archive.filename)
            atomic_write_text(directory / f"{archive.filename}.sha256", archive.sha256 + "\n")
            goos, goarch = platform.split("-", 1)
            entries.append(
                {
                    "filename": archive.filename,
                    "os": goos,
                    "arch": goarch,
                    "version": f"go{version}",
                    "sha256": archive.sha256,
                    "size": archive.size,
                    "kind": "archive",
                }
            )
    index = _merged_index(directory / FILE_INDEX_NAME, entries)
    atomic_write_bytes(directory / FILE_INDEX_NAME, json.dumps(index, indent=1).encode())
    return result


def copy_vulndb(directory: Path, db: VulnDB, *, timeout: float) -> SyncResult:
    """Copy (or bring up to date) the database's toolchain part into ``directory``."""
    return sync(db, directory / VULNDB_DIR, timeout=timeout)


def _download(
    source: Mirror,
    filename: str,
    expected: str,
    size: int,
    partial: Path,
    target: Path,
    timeout: float,
    reporter: Reporter,
) -> None:
    part = partial / f"{filename}.part"
    location = source.file_location(filename)
    digest = hashlib.sha256()
    progress = reporter.progress(f"Downloading {filename}", None, unit="bytes")
    try:
        # a full disk is this machine's (exit 12 with the disk's hint), a file that
        # cannot be read is the source's (_read_source)
        with partial_file(part, "download to"), open(part, "wb") as out:

            def sink(chunk: bytes) -> None:
                # the lock's size stops a source that never ends (an endless server)
                if out.tell() + len(chunk) > size:
                    raise ChecksumError(
                        f"{location} holds more than the {size:,} bytes the lock promises; "
                        "it was not added to the mirror",
                        hint="the source serves another file under this name",
                    )
                try:
                    out.write(chunk)
                except OSError as exc:  # this machine's disk, not the source
                    raise store_error(exc, "download to", part) from exc
                digest.update(chunk)
                progress.advance(len(chunk))

            if source.is_local:
                _read_source(source, location, partial, sink)
            else:
                http.stream(location, sink, timeout=timeout)
    finally:
        progress.close()
    written = part.stat().st_size
    if written != size:  # shorter than promised, though the sha256 may match
        part.unlink()
        raise ChecksumError(
            f"{location} is {written:,} bytes, not the {size:,} bytes the lock promises; "
            "it was not added to the mirror",
            hint="the source serves another file under this name, or the lock is wrong",
        )
    actual = digest.hexdigest()
    if actual != expected:
        part.unlink()
        raise ChecksumError(
            f"checksum mismatch for {filename} from {location}: expected sha256 {expected}, "
            f"got {actual}; it was not added to the mirror",
            hint="the source is damaged or was tampered with; try again or use another mirror",
        )
    try:
        rename(part, target)
    except OSError as exc:
        raise store_error(exc, "move into place", target) from exc


def _read_source(
    source: Mirror, location: str, partial: Path, sink: Callable[[bytes], None]
) -> None:
    """Copy a ``file://`` source's archive into ``sink`` (which raises no OSError)."""
    try:
        # a FIFO would hang the copy and a device never end: regular files only
        with open_regular_file(location) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sink(block)
    except InputRefused as refused:
        raise StoreError(
            f"cannot copy {location} into the mirror: it {refused.reason}",
            hint=f"check the source mirror {source.url} (set by {source.origin})",
        ) from None
    except OSError as exc:
        raise _source_error(source, location, partial, exc) from exc


def _source_error(source: Mirror, location: str, partial: Path, exc: OSError) -> StoreError:
    return StoreError(
        f"cannot copy {location} into {partial}: {exc.strerror}",
        hint=f"check the source mirror {source.url} (set by {source.origin})",
    )


def _merged_index(path: Path, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The mirror's index with ``entries`` added (replacing entries of the same file)."""
    releases: dict[str, list[dict[str, Any]]] = {}
    try:
        existing = parse_json(read_regular_file(path, MAX_INDEX_BYTES))
    except (OSError, ValueError):  # ValueError: damaged or refused
        existing = []
    for release in existing if isinstance(existing, list) else []:
        if isinstance(release, dict) and isinstance(release.get("files"), list):
            releases.setdefault(str(release.get("version")), []).extend(release["files"])
    for entry in entries:
        files = releases.setdefault(entry["version"], [])
        files[:] = [f for f in files if f.get("filename") != entry["filename"]]
        files.append(entry)
    ordered = sorted(
        (name for name in releases if parse_release_name(name) is not None),
        key=lambda name: parse_release_name(name),  # type: ignore[arg-type,return-value]
        reverse=True,
    )
    return [
        {
            "version": name,
            "stable": not parse_release_name(name).is_prerelease,  # type: ignore[union-attr]
            "files": sorted(releases[name], key=lambda f: str(f.get("filename"))),
        }
        for name in ordered
    ]
