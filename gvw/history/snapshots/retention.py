"""How long snapshots are kept (config: snapshot_keep, snapshot_max_age_days).

The newest ``snapshot_keep`` are kept, minus those older than
``snapshot_max_age_days`` (0: no age limit); the newest one is always kept, so ``gvw
rollback`` always has something to go back to. Blobs no snapshot refers to any more
are deleted with the snapshots. How long trashed versions are kept is the store's
rule (:meth:`gvw.store.version_store.Store.prune_trash`).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Collection
from datetime import datetime, timedelta, timezone
from pathlib import Path

from gvw.base.bounded import InputRefused, read_regular_file
from gvw.base.config import Config
from gvw.history.snapshots.fileformat import MAX_FILE_BYTES
from gvw.history.snapshots.repository import SnapshotRepository, time_of

_DIGEST_RE = re.compile(rb"[0-9a-f]{64}")
_STALE_TEMP_SECONDS = 3600
_GRACE_SECONDS = 3600


def prune_snapshots(
    repo: SnapshotRepository,
    config: Config,
    *,
    now: datetime | None = None,
    protect: Collection[str] = (),
) -> list[str]:
    """Delete the snapshots the retention rule drops; returns their ids."""
    now = now or datetime.now(timezone.utc)
    ids = list(reversed(repo.ids()))  # newest first
    limit = max(1, config.snapshot_keep)
    max_age = timedelta(days=config.snapshot_max_age_days)
    doomed = [
        snapshot_id
        for index, snapshot_id in enumerate(ids)
        if index > 0
        and snapshot_id not in protect
        and (index >= limit or (max_age and now - time_of(snapshot_id) > max_age))
    ]
    for snapshot_id in doomed:
        repo.delete(snapshot_id)
    _remove_stale_temporaries(repo.directory)
    if doomed:
        collect_blobs(repo)
    return doomed


def collect_blobs(repo: SnapshotRepository) -> list[str]:
    """Delete blobs that no snapshot file mentions. Any sha256-looking text in any file
    keeps a blob (damaged snapshots included): cheap, and never deletes too much.
    Blobs touched within the hour are kept too: a capture running now touches every
    blob it refers to before its snapshot file exists."""
    referenced: set[bytes] = set()
    for snapshot_id in repo.ids():
        with contextlib.suppress(OSError, InputRefused):
            raw = read_regular_file(repo.path_of(snapshot_id), MAX_FILE_BYTES)
            referenced.update(_DIGEST_RE.findall(raw))
    removed = []
    try:
        names = os.listdir(repo.blobs)
    except OSError:
        return []
    cutoff = time.time() - _GRACE_SECONDS
    for name in names:
        if len(name) == 64 and name.encode() not in referenced:
            blob = repo.blobs / name
            with contextlib.suppress(FileNotFoundError):
                if blob.stat().st_mtime < cutoff:
                    blob.unlink()
                    removed.append(name)
    return removed


def _remove_stale_temporaries(directory: Path) -> None:
    """Temporary files of killed gvw processes (live ones are younger than an hour)."""
    cutoff = time.time() - _STALE_TEMP_SECONDS
    for folder in (directory, directory / "blobs"):
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    with contextlib.suppress(OSError):
                        if entry.stat().st_mtime < cutoff:
                            os.unlink(entry.path)
