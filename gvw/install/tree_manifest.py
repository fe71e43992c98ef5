"""The manifest of an installed tree: every file's relative path, size and sha256.

Written into the staging directory before the final rename (so a version directory
that exists has its manifest), from digests computed while the archive was extracted:
the bytes pass through memory then anyway, and hashing the finished tree again would
read ~250 MB a second time. ``gvw verify`` hashes the tree again, in parallel
(hashlib releases the GIL on large buffers), and compares.

Format: JSON, ``{"format": 1, "files": {"bin/go": {"size": N, "sha256": HEX}, ...,
"some/link": {"link": TARGET}}}`` with ``/``-separated paths relative to the tree.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gvw.base.bounded import InputRefused, parse_json, read_regular_file
from gvw.base.errors import StoreError
from gvw.base.fsutil import atomic_write_bytes
from gvw.store.version_store import METADATA_NAME

MANIFEST_NAME = "gvw-manifest.json"
MAX_MANIFEST_BYTES = 32 << 20  # a Go tree's is about 1.5 MB (11,000 files)
FORMAT = 1
_BLOCK = 1 << 20
# gvw's own files in a version directory: not part of the Go tree
OWN_FILES = frozenset({MANIFEST_NAME, METADATA_NAME})

Entry = Mapping[str, Any]  # {"size", "sha256"} for files, {"link"} for symbolic links


class Collector:
    """Digests of the files an extraction writes; ``file(rel)`` is the seam
    :func:`gvw.install.archive.extract_archive` feeds each written chunk through."""

    def __init__(self) -> None:
        self._digests: dict[str, Any] = {}

    def file(self, rel: str) -> Callable[[bytes], None]:
        digest = hashlib.sha256()
        self._digests[rel] = digest  # a repeated entry replaces the file: and its digest
        return digest.update

    def manifest(self, tree: Path) -> dict[str, Entry]:
        """The manifest of ``tree``: collected digests, checked against what is on
        disk; files the extraction did not feed through (hard links) are hashed now."""
        files: dict[str, Entry] = {}
        for rel, path in walk(tree):
            if os.path.islink(path):
                files[rel] = {"link": os.readlink(path)}
                continue
            digest = self._digests.get(rel)
            sha256 = digest.hexdigest() if digest is not None else hash_file(path)
            files[rel] = {"size": os.path.getsize(path), "sha256": sha256}
        return files


def write_manifest(tree: Path, files: Mapping[str, Entry]) -> None:
    data = {"format": FORMAT, "files": dict(sorted(files.items()))}
    atomic_write_bytes(tree / MANIFEST_NAME, json.dumps(data, indent=0).encode("utf-8"))


def read_manifest(tree: Path) -> dict[str, Entry] | None:
    """The manifest of an installed tree; None when it has none (installed before gvw
    wrote manifests). A damaged one is an error: it cannot vouch for anything."""
    path = tree / MANIFEST_NAME
    try:
        raw = read_regular_file(path, MAX_MANIFEST_BYTES)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
    except InputRefused as refused:
        raise StoreError(
            f"the manifest {path} {refused.reason}", hint="reinstall the version to get a new one"
        ) from None
    try:
        data = parse_json(raw)
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
