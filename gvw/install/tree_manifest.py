"""The manifest of an installed tree: every file's relative path, size and sha256.

Written into the staging directory before the final rename (so a version directory
that exists has its manifest), from what the extraction recorded as it wrote each file
(:class:`Collector`): the bytes pass through memory then anyway, and walking and hashing
the finished tree again would stat ~10,700 files and read ~250 MB a second time.
``gvw verify`` hashes the tree again, in parallel (hashlib releases the GIL on large
buffers), and compares.

Format: JSON, ``{"format": 1, "files": {"bin/go": {"size": N, "sha256": HEX}, ...,
"some/link": {"link": TARGET}}}`` with ``/``-separated paths relative to the tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gvw.base.errors import StoreError
from gvw.base.fsutil import atomic_write_bytes
from gvw.store.version_store import METADATA_NAME

MANIFEST_NAME = "gvw-manifest.json"
FORMAT = 1
_BLOCK = 1 << 20
# chunks handed to the hashing thread at once: few wake-ups, bounded memory
_BATCH_BYTES = 1 << 20
_BATCH_CHUNKS = 256
# gvw's own files in a version directory: not part of the Go tree
OWN_FILES = frozenset({MANIFEST_NAME, METADATA_NAME})

Entry = Mapping[str, Any]  # {"size", "sha256"} for files, {"link"} for symbolic links


class _FileDigest:
    """A file's sha256 and size, fed chunk by chunk (on the collector's hashing thread),
    or known already."""

    __slots__ = ("known", "sha256", "size")

    def __init__(self, size: int = 0, known: str | None = None) -> None:
        self.sha256 = hashlib.sha256()
        self.size = size
        self.known = known

    def update(self, data: bytes | memoryview) -> None:
        self.sha256.update(data)
        self.size += len(data)

    def hexdigest(self) -> str:
        return self.known if self.known is not None else self.sha256.hexdigest()


class Collector:
    """What an extraction writes, recorded as it writes it: every file's digest and
    size, every link. The seam :mod:`gvw.install.archive` reports through; the manifest
    is made from it without walking the tree again.

    Hashing runs on a thread of its own: the extraction's thread only hands chunks over,
    a batch at a time, so parsing the archive and writing files never wait for sha256.
    Use it as a context manager (the thread ends with the block). A repeated entry
    replaces the earlier one, as it replaces the file on disk.
    """

    def __init__(self) -> None:
        self._entries: dict[str, _FileDigest | str] = {}  # digest of a file, target of a link
        self._batch: list[tuple[_FileDigest, bytes | memoryview]] = []
        self._batch_bytes = 0
        self._batches: queue.SimpleQueue[list[tuple[_FileDigest, bytes | memoryview]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop()

    def file(self, rel: str) -> Callable[[bytes | memoryview], None]:
        """A file written at ``rel``: returns what each of its chunks is fed to."""
        digest = _FileDigest()
        self._entries[rel] = digest

        def feed(data: bytes | memoryview) -> None:
            self._batch.append((digest, data))
            self._batch_bytes += len(data)
            if self._batch_bytes >= _BATCH_BYTES or len(self._batch) >= _BATCH_CHUNKS:
                self._hand_over()

        return feed

    def hashed(self, rel: str, size: int, sha256: str) -> None:
        self._entries[rel] = _FileDigest(size, sha256)

    def link(self, rel: str, target: str) -> None:
        self._entries[rel] = target

    def hardlink(self, rel: str, source: str) -> None:
        """A hard link to the file ``source`` written before (same bytes, same digest)."""
        self._entries[rel] = self._entries[source]

    def rename(self, rel: str, new: str) -> None:
        self._entries[new] = self._entries.pop(rel)

    def remove(self, rel: str) -> None:
        self._entries.pop(rel, None)

    def manifest(self) -> dict[str, Entry]:
        self._stop()  # every chunk handed over is hashed
        files: dict[str, Entry] = {}
        for rel, entry in self._entries.items():
            if isinstance(entry, str):
                files[rel] = {"link": entry}
            else:
                files[rel] = {"size": entry.size, "sha256": entry.hexdigest()}
        return files

    def _hand_over(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._hash, daemon=True)
            self._thread.start()
        self._batches.put(self._batch)
        self._batch, self._batch_bytes = [], 0

    def _hash(self) -> None:
        get = self._batches.get
        while (batch := get()) is not None:
            for digest, data in batch:
                digest.update(data)

    def _stop(self) -> None:
        if self._batch:
            self._hand_over()
        if self._thread is not None:
            self._batches.put(None)
            self._thread.join()
            self._thread = None


def write_manifest(tree: Path, files: Mapping[str, Entry]) -> None:
    data = {"format": FORMAT, "files": dict(sorted(files.items()))}
    # a line break after each value, by the C encoder (indent= would use the pure-Python
    # one: ten times slower for ~10,700 entries)
    text = json.dumps(data, separators=(",\n", ":"))
    atomic_write_bytes(tree / MANIFEST_NAME, text.encode("utf-8"))


def read_manifest(tree: Path) -> dict[str, Entry] | None:
    """The manifest of an installed tree; None when it has none (installed before gvw
    wrote manifests). A damaged one is an error: it cannot vouch for anything."""
    path = tree / MANIFEST_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        data = json.loads(raw)
        files = data["files"]
        if data.get("format") != FORMAT or not isinstance(files, dict):
            raise ValueError("unknown format")
        for entry in files.values():
            if not (isinstance(entry.get("link"), str) or isinstance(entry.get("sha256"), str)):
                raise ValueError("an entry without sha256 or link")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(
            f"the manifest {path} is damaged ({exc})",
            hint="reinstall the version to get a new one",
        ) from None
    return files


@dataclass
class TreeCheck:
    """What differs between a tree and its manifest, by relative path."""

    files: int = 0  # entries the manifest lists
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.changed or self.extra)


def check_tree(tree: Path, files: Mapping[str, Entry], *, workers: int | None = None) -> TreeCheck:
    """Hash ``tree`` again (``workers`` threads) and compare it with ``files``."""
    result = TreeCheck(files=len(files))
    on_disk = dict(walk(tree))
    result.extra = sorted(rel for rel in on_disk if rel not in files)
    to_hash: list[tuple[str, str, Entry]] = []
    for rel, entry in files.items():
        path = on_disk.get(rel)
        if path is None:
            result.missing.append(rel)
        elif "link" in entry:
            if not os.path.islink(path) or os.readlink(path) != entry["link"]:
                result.changed.append(rel)
        elif os.path.islink(path) or os.path.getsize(path) != entry.get("size"):
            result.changed.append(rel)  # a size that differs needs no hashing
        else:
            to_hash.append((rel, path, entry))
    from concurrent.futures import ThreadPoolExecutor  # only gvw verify needs threads

    with ThreadPoolExecutor(max_workers=workers or default_workers()) as pool:
        digests = pool.map(lambda item: _hash_or_none(item[1]), to_hash, chunksize=16)
        for (rel, _path, entry), digest in zip(to_hash, digests):
            if digest != entry.get("sha256"):
                result.changed.append(rel)
    result.missing.sort()
    result.changed.sort()
    return result


def default_workers() -> int:
    # beyond a few threads the disk, not the CPU, is the limit (scripts/bench_verify.py)
    return min(8, (os.cpu_count() or 1) + 1)


def walk(tree: Path) -> Iterator[tuple[str, str]]:
    """(relative path, path) of every file and link under ``tree``, gvw's own files
    at its top excepted; links to directories are not followed."""
    root = str(tree)
    for directory, dirs, names in os.walk(root):
        rel_dir = os.path.relpath(directory, root).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for name in dirs:
            if os.path.islink(os.path.join(directory, name)):
                yield prefix + name, os.path.join(directory, name)
        for name in names:
            if not prefix and name in OWN_FILES:
                continue
            yield prefix + name, os.path.join(directory, name)


def hash_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _hash_or_none(path: str) -> str | None:
    try:
        return hash_file(path)
    except OSError:  # unreadable (quarantined, locked): counted as changed
        return None
