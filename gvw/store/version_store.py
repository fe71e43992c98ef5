"""The version store: what is installed, staging, trash, locks and metadata.

A directory under ``versions/`` exists only when complete: installs are extracted
into ``.staging/`` on the same volume and moved into place with one rename, and the
metadata file is written last, before that rename.

The store owns its names: lock files (:meth:`Store.install_lock`), staging and trash
entries (``<version>.<...>``, read back by :func:`entry_version`; a trash entry's
middle part is the time it was trashed), and the rules on the trash: moving a version
there (:meth:`Store.remove`), back (:meth:`Store.untrash`), and how long entries stay
(:meth:`Store.prune_trash`; config ``trash_keep``, ``trash_max_age_days``: the newest
``trash_keep`` entries, minus those older than ``trash_max_age_days``; 0 keeps none /
sets no age limit).
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from gvw.base.bounded import parse_toml, read_regular_file
from gvw.base.errors import NotInstalledError, StoreError
from gvw.base.fsutil import atomic_write_bytes, remove_tree, rename, store_error
from gvw.base.paths import Paths
from gvw.base.reporting import Reporter
from gvw.base.versions import GoVersion, parse_installed_name

METADATA_NAME = "gvw-install.toml"
MAX_METADATA_BYTES = 64 << 10  # four short values
LOCK_TIMEOUT_SECONDS = 30 * 60  # long enough for a slow download by another process
STATE_LOCK = "state"


@dataclass(frozen=True)
class InstallMetadata:
    version: str
    source: str  # URL or file the archive came from
    sha256: str  # "" when the user skipped verification
    installed_at: float


@dataclass(frozen=True)
class Installed:
    """An installed version and where it is."""

    version: GoVersion
    path: Path
    machine: bool  # in the machine store (docs/machine-store.md)


class Store:
    def __init__(
        self, paths: Paths, *, command: str | None = None, waiting: Reporter | None = None
    ) -> None:
        self.paths = paths
        # what its locks say holds them, and who hears that a lock is being waited for
        self.command = command or f"gvw (process {os.getpid()})"
        self.waiting = waiting

    @cached_property
    def machine(self) -> Store | None:
        """The machine store, which selection looks in after this one (None when there
        is none, or this is it). It is only read from here: changing it is a command of
        its own (``--machine``)."""
        paths = self.paths.machine
        return Store(paths) if paths is not None else None

    # --- reading: what selection sees (this store, then the machine store)

    def everywhere(self) -> list[Installed]:
        """The versions of this store and of the machine store, newest first; a version
        in both is listed twice, this store's first."""
        found = [Installed(v, self.paths.version_dir(v.name), False) for v in self.installed()]
        if self.machine is not None:
            found += [
                Installed(v, self.machine.paths.version_dir(v.name), True)
                for v in self.machine.installed()
            ]
        return sorted(found, key=lambda entry: entry.version, reverse=True)  # stable: ours first

    def selectable(self) -> list[GoVersion]:
        """The versions selection can pick, newest first, each once."""
        return sorted({entry.version for entry in self.everywhere()}, reverse=True)

    def locate(self, version: GoVersion) -> Path | None:
        """Where ``version`` is: in this store, else in the machine store, else None."""
        for store in (self, self.machine):
            if store is not None and store.is_installed(version):
                return store.paths.version_dir(version.name)
        return None

    # --- reading: this store

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
            data = parse_toml(read_regular_file(path, MAX_METADATA_BYTES).decode("utf-8"))
            return InstallMetadata(
                version=str(data["version"]),
                source=str(data["source"]),
                sha256=str(data["sha256"]),
                installed_at=float(data["installed_at"]),
            )
        except (OSError, ValueError, KeyError):  # ValueError: not TOML, refused, not UTF-8
            return None  # installed by hand, or damaged: the toolchain itself still works

    # --- locks

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Hold the cross-process lock ``name`` (a file under ``.locks/`` that names its
        holder); a wait longer than a moment is told to ``waiting`` once."""
        with self._held(self.paths.locks / f"{name}.lock"):
            yield

    @contextmanager
    def cache_lock(self, name: str) -> Iterator[None]:
        """Hold the lock ``name`` of the cache (the download index, the checksum
        database, the vulnerability database), which other stores may share
        (GVW_CACHE_DIR): one lock for all. In a cache this user cannot write (another
        user's, a read-only one) nothing it guards is written either: the block runs
        without it, as it did when each store had its own."""
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(self._held(self.paths.cache_locks / f"{name}.lock"))
            except StoreError as error:
                if not _unwritable(error.__cause__):
                    raise
            yield

    def _held(self, path: Path) -> AbstractContextManager[None]:
        from gvw.base.locks import held

        return held(path, command=self.command, timeout=LOCK_TIMEOUT_SECONDS, waiting=self.waiting)

    def install_lock(self, version: GoVersion) -> AbstractContextManager[None]:
        """The lock that installing, removing or restoring ``version`` holds."""
        return self.lock(_install_lock_name(version.name))

    def state_lock(self) -> AbstractContextManager[None]:
        """The lock of the store's state as a whole (the selection, which versions are
        installed, the snapshot history): commands that decide from it and change it
        hold it from the decision to the change (:meth:`gvw.history.changes.Change.exclusive`)."""
        return self.lock(STATE_LOCK)

    def is_installing(self, version_name: str) -> bool:
        """Whether another process holds ``version_name``'s install lock right now."""
        return self.is_busy(_install_lock_name(version_name))

    def is_busy(self, name: str) -> bool:
        """Whether another process holds the lock ``name`` right now."""
        from gvw.base.locks import try_hold

        try:
            fd = os.open(self.paths.locks / f"{name}.lock", os.O_RDONLY)
        except OSError:
            return False  # no lock file: nobody can hold it
        try:
            return not try_hold(fd)
        finally:
            os.close(fd)

    # --- staging

    def new_staging_dir(self, version: GoVersion) -> Path:
        import uuid  # here: read-only commands never make a name

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
            if entry_version(entry) == version.name:
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
        import tomli_w

        atomic_write_bytes(staging / METADATA_NAME, tomli_w.dumps(meta.__dict__).encode())
        return self._into_versions(staging, version, "move into place", name_source=False)

    def _into_versions(
        self, source: Path, version: GoVersion, action: str, *, name_source: bool
    ) -> Path:
        """Make ``source`` the installed ``version`` with one rename; a failure names
        ``source`` or the version directory."""
        final = self.paths.version_dir(version.name)
        try:
            self.paths.versions.mkdir(parents=True, exist_ok=True)
            rename(source, final)
        except OSError as exc:
            raise store_error(exc, action, source if name_source else final) from exc
        return final

    # --- removal

    def remove(self, version: GoVersion) -> Path:
        """Move ``version`` out of ``versions/`` into the trash (one rename, so it is
        never seen half-deleted); returns the trash entry."""
        source = self.require(version)
        import uuid

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
            entries = [e for e in entries if entry_version(e) == version.name]
        return sorted(entries, key=_trash_time, reverse=True)

    def complete_trash_entry(self, version: GoVersion) -> Path | None:
        """The newest trash entry of ``version`` that is a whole toolchain (installs
        write the metadata last), or None."""
        for entry in self.trash_entries(version):
            if (entry / METADATA_NAME).is_file() or (entry / "bin").is_dir():
                return entry
        return None

    def untrash(self, version: GoVersion, entry: Path) -> None:
        """Move ``entry`` back to be ``version`` (the inverse of :meth:`remove`)."""
        with self.install_lock(version):
            if not self.is_installed(version):  # else another process put it back meanwhile
                self._into_versions(entry, version, "move back from the trash", name_source=True)

    def purge(self, entry: Path) -> None:
        try:
            remove_tree(entry)
        except OSError as exc:
            raise store_error(exc, "remove", entry) from exc

    def prune_trash(
        self, *, keep: int, max_age_days: float, now: float | None = None
    ) -> list[Path]:
        """Purge the trash entries the retention rule drops (the newest ``keep``, minus
        those older than ``max_age_days``; 0: no age limit); returns them."""
        now = time.time() if now is None else now
        max_age = max_age_days * 86400
        doomed = [
            entry
            for index, entry in enumerate(self.trash_entries())  # newest first
            if index >= keep or (max_age and now - _trash_time(entry) > max_age)
        ]
        for entry in doomed:
            # under the version's lock: a rollback moving this entry back into versions/
            # (untrash, same lock) never finds it half deleted
            with self.lock(_install_lock_name(entry_version(entry))):
                if entry.exists():
                    self.purge(entry)
        return doomed


def _install_lock_name(version_name: str) -> str:
    return f"install-{version_name}"


def entry_version(entry: Path) -> str:
    """The version a staging or trash entry (``<version>.<...>.<random>``) belongs to."""
    return entry.name.rsplit(".", 2)[0]


def _trash_time(entry: Path) -> int:
    """When an entry was trashed (its middle part); 0 when it is not named by gvw."""
    try:
        return int(entry.name.rsplit(".", 2)[1])
    except (IndexError, ValueError):
        return 0


def _unwritable(cause: BaseException | None) -> bool:
    return isinstance(cause, OSError) and cause.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
