"""The version store: what is installed, staging, trash, locks and metadata.

A directory under ``versions/`` exists only when complete: installs are extracted
into ``.staging/`` on the same volume and moved into place with one rename, and the
metadata file is written last, before that rename.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from gvw.errors import NotInstalledError, StoreError
from gvw.fsutil import atomic_write_bytes, remove_tree, rename, store_error
from gvw.paths import Paths
from gvw.versions import GoVersion, parse_installed_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

METADATA_NAME = "gvw-install.toml"
LOCK_TIMEOUT_SECONDS = 30 * 60  # long enough for a slow download by another process


@dataclass(frozen=True)
class InstallMetadata:
    version: str
    source: str  # URL or file the archive came from
    sha256: str  # "" when the user skipped verification
    installed_at: float


class Store:
    def __init__(self, paths: Paths) -> None:
        self.paths = paths

    # --- reading

    def installed(self) -> list[GoVersion]:
        """Installed versions, newest first. Names that are not versions are ignored."""
        try:
            names = os.listdir(self.paths.versions)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise store_error(exc, "read", self.paths.versions) from exc
        found = [parse_installed_name(n) for n in names]
        versions = [v for v in found if v is not None and self.paths.version_dir(v.name).is_dir()]
        return sorted(versions, reverse=True)

    def is_installed(self, version: GoVersion) -> bool:
        return self.paths.version_dir(version.name).is_dir()

    def require(self, version: GoVersion) -> Path:
        path = self.paths.version_dir(version.name)
        if not path.is_dir():
            raise NotInstalledError(
                f"Go {version.name} is not installed",
                hint=f"install it with: gvw install {version.name}",
            )
        return path

    def metadata(self, version: GoVersion) -> InstallMetadata | None:
        path = self.paths.version_dir(version.name) / METADATA_NAME
        try:
            data = tomllib.loads(path.read_text("utf-8"))
            return InstallMetadata(
                version=str(data["version"]),
                source=str(data["source"]),
                sha256=str(data["sha256"]),
                installed_at=float(data["installed_at"]),
            )
        except (OSError, ValueError, KeyError, UnicodeDecodeError):
            return None  # installed by hand, or damaged: the toolchain itself still works

    # --- locks

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Hold the cross-process lock ``name`` (a file under ``.locks/``)."""
        from filelock import FileLock, Timeout

        path = self.paths.locks / f"{name}.lock"
        try:
            self.paths.locks.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(path), timeout=LOCK_TIMEOUT_SECONDS)
            lock.acquire()
        except Timeout:
            raise StoreError(
                f"another gvw has held {path} for {LOCK_TIMEOUT_SECONDS // 60} minutes",
                hint=f"wait for it to finish; if no gvw is running, delete {path}",
            ) from None
        except OSError as exc:
            raise store_error(exc, "lock", path) from exc
        try:
            yield
        finally:
            lock.release()

    def install_lock(self, version: GoVersion) -> AbstractContextManager[None]:
        """The lock that installing, removing or restoring ``version`` holds."""
        return self.lock(f"install-{version.name}")

    def is_busy(self, name: str) -> bool:
        """Whether another process holds the lock ``name`` right now."""
        from filelock import FileLock, Timeout

        lock = FileLock(str(self.paths.locks / f"{name}.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return True
        except OSError:
            return False  # no lock directory: nobody can hold it
        lock.release()
        return False

    # --- staging

    def new_staging_dir(self, version: GoVersion) -> Path:
        path = self.paths.staging / f"{version.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        try:
            path.mkdir(parents=True)
        except OSError as exc:
            raise store_error(exc, "create", path) from exc
        return path

    def clean_staging(self, version: GoVersion) -> list[Path]:
        """Remove leftovers of killed installs of ``version``.

        Call with the version's install lock held: then no live process owns them.
        """
        removed = []
        try:
            entries = list(self.paths.staging.iterdir())
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise store_error(exc, "read", self.paths.staging) from exc
        for entry in entries:
            # names are "<version>.<pid>.<random>"; compare the whole version part
            if entry.name.rsplit(".", 2)[0] == version.name:
                try:
                    remove_tree(entry)
                    removed.append(entry)
                except OSError as exc:
                    raise store_error(exc, "remove the leftover", entry) from exc
        return removed

    def staging_leftovers(self) -> list[Path]:
        try:
            return sorted(self.paths.staging.iterdir())
        except OSError:
            return []

    def commit_staging(self, staging: Path, version: GoVersion, meta: InstallMetadata) -> Path:
        """Write the metadata last, then make the version visible with one rename."""
        atomic_write_bytes(staging / METADATA_NAME, tomli_w.dumps(meta.__dict__).encode())
        final = self.paths.version_dir(version.name)
        try:
            self.paths.versions.mkdir(parents=True, exist_ok=True)
            rename(staging, final)
        except OSError as exc:
            raise store_error(exc, "move into place", final) from exc
        return final

    # --- removal

    def remove(self, version: GoVersion) -> Path:
        """Move ``version`` out of ``versions/`` into the trash (one rename, so it is
        never seen half-deleted); returns the trash entry."""
        source = self.require(version)
        entry = self.paths.trash / f"{version.name}.{int(time.time())}.{uuid.uuid4().hex[:6]}"
        try:
            self.paths.trash.mkdir(parents=True, exist_ok=True)
            rename(source, entry)
        except OSError as exc:
            raise store_error(exc, "move to the trash", source) from exc
        return entry

    def trash_entries(self, version: GoVersion | None = None) -> list[Path]:
        """Trash entries, newest first, optionally only those of one version."""
        try:
            entries = [e for e in self.paths.trash.iterdir() if e.is_dir()]
        except OSError:
            return []
        if version is not None:
            entries = [e for e in entries if e.name.rsplit(".", 2)[0] == version.name]
        return sorted(entries, key=lambda e: _trash_time(e), reverse=True)

    def purge(self, entry: Path) -> None:
        try:
            remove_tree(entry)
        except OSError as exc:
            raise store_error(exc, "remove", entry) from exc


def _trash_time(entry: Path) -> int:
    try:
        return int(entry.name.rsplit(".", 2)[1])
    except (IndexError, ValueError):
        return 0
