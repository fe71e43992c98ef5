"""The snapshots directory: ``<id>.toml`` files, ``blobs/<sha256>``, a tool cache.

Ids are the UTC time of the snapshot to the millisecond (``20241122-044512-123``), so
they sort by time; each new one is later than every existing one. A snapshot is
written to a temporary file, flushed, and then given its name with an operation that
fails when the name is taken (a hard link on POSIX, a rename on Windows): concurrent
gvw commands that pick the same millisecond never overwrite each other, the loser
takes the next one. No lock is needed (importing one costs more than a snapshot). A
killed gvw leaves at most a hidden ``.tmp`` file, which listings ignore and pruning
removes.

Snapshots keep values a restore must put back, credentials included (a GOPROXY with
``user:token``, the go env file), so the directory is private to its user: 0700, its
files 0600, each created that way; a directory of an older gvw, and every file in it,
is tightened on the next write (:meth:`SnapshotRepository.make_private`). Displays
redact (``display``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from gvw import __version__
from gvw.base.bounded import InputRefused, TooLarge, open_regular_file, read_regular_file
from gvw.base.errors import SnapshotError
from gvw.base.fsutil import (
    PRIVATE_FILE_MODE,
    atomic_write_bytes,
    make_tree_private,
    private_directory,
    remove_file,
    rename,
    store_error,
    temp_sibling,
    write_all,
)
from gvw.history.snapshots.fileformat import ID_RE, MAX_FILE_BYTES, Invalid, parse, to_toml
from gvw.history.snapshots.model import SHA256_RE, ModuleRecord, ScopeKind, Snapshot, State

SUFFIX = ".toml"
DAMAGED_DIR = "damaged"  # snapshots set aside by `gvw snapshots discard`
ID_FORMAT = "%Y%m%d-%H%M%S-%f"
_BLOB_CHUNK = 1 << 20


def id_for(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(ID_FORMAT)[:-3]


def time_of(snapshot_id: str) -> datetime:
    """The time an id (``YYYYmmdd-HHMMSS-mmm``, UTC) names; sliced, not strptime'd: that
    import costs more than a whole snapshot."""
    s = snapshot_id
    return datetime(
        int(s[0:4]),
        int(s[4:6]),
        int(s[6:8]),
        int(s[9:11]),
        int(s[11:13]),
        int(s[13:15]),
        int(s[16:19]) * 1000,
        tzinfo=timezone.utc,
    )


class SnapshotRepository:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def blobs(self) -> Path:
        return self.directory / "blobs"

    @property
    def tool_cache(self) -> Path:
        return self.directory / "tools-cache.json"

    def make_private(self) -> None:
        """The directory and its blobs only the user can enter (before anything is
        written into them). A directory found open is an older gvw's, whose files are
        0644: they are made 0600 then, once (not a walk of the store on every run)."""
        tightened = private_directory(self.directory)
        if private_directory(self.blobs) or tightened:
            make_tree_private(self.directory)

    def path_of(self, snapshot_id: str) -> Path:
        return self.directory / f"{snapshot_id}{SUFFIX}"

    # --- listing

    def ids(self) -> list[str]:
        """Ids of the snapshot files present, oldest first."""
        return sorted(name[: -len(SUFFIX)] for name in self._names() if _is_snapshot_name(name))

    def stray_files(self) -> list[str]:
        """``*.toml`` files that are not named like a snapshot (put there by hand)."""
        return sorted(n for n in self._names() if n.endswith(SUFFIX) and not _is_snapshot_name(n))

    def _names(self) -> list[str]:
        try:
            return os.listdir(self.directory)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise store_error(exc, "read", self.directory) from exc

    def load(self, snapshot_id: str) -> Snapshot:
        """A whole, checked snapshot; a damaged one raises SnapshotError naming the file."""
        path = self.path_of(snapshot_id)
        try:
            # a directory, FIFO, device or dangling link under a snapshot's name is
            # damage, never read
            try:
                raw = read_regular_file(path, MAX_FILE_BYTES)
            except TooLarge as refused:
                raise Invalid(f"it {refused.reason}") from None
            except (InputRefused, FileNotFoundError):
                if os.path.lexists(path):
                    raise Invalid("it is not a regular file") from None
                raise FileNotFoundError(path) from None
            return parse(raw, expected_id=snapshot_id)
        except FileNotFoundError:
            raise SnapshotError(
                f"no snapshot {snapshot_id}", hint="see the snapshots with: gvw snapshots"
            ) from None
        except OSError as exc:
            raise store_error(exc, "read", path) from exc
        except Invalid as problem:
            raise SnapshotError(
                f"snapshot {path.name} is damaged: {problem}",
                hint=f"set it aside with: gvw snapshots discard {snapshot_id}",
            ) from None

    def load_all(self) -> tuple[list[Snapshot], list[SnapshotError]]:
        """Every readable snapshot, newest first, and the problems with the others."""
        found, problems = [], []
        for snapshot_id in reversed(self.ids()):
            try:
                found.append(self.load(snapshot_id))
            except SnapshotError as problem:
                problems.append(problem)
        for name in self.stray_files():
            problems.append(SnapshotError(f"{name} is not named like a snapshot (ignored)"))
        return found, problems

    def resolve(self, text: str) -> str:
        """The id a user typed: whole, with ``.toml``, or a unique prefix of one."""
        wanted = text.strip().removesuffix(SUFFIX)
        ids = self.ids()
        if wanted in ids:
            return wanted
        matches = [i for i in ids if wanted and i.startswith(wanted)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise SnapshotError(
                f"{text.strip()!r} matches {len(matches)} snapshots: {', '.join(matches[:5])}",
                hint="give more of the id",
            )
        raise SnapshotError(
            f"no snapshot {text.strip()!r}", hint="see the snapshots with: gvw snapshots"
        )

    # --- writing

    def write(
        self,
        command: str,
        state: State,
        *,
        goos: str,
        scope: tuple[ScopeKind, ...] | None,
        now: datetime | None = None,
        module_list: ModuleRecord | None = None,
    ) -> Snapshot:
        """Write a new snapshot of ``state``, taken before ``command``, which changes
        the kinds of state in ``scope`` (None: any)."""
        moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        snapshot_id = id_for(moment)
        self.make_private()
        while True:
            existing = self.ids()
            if existing and snapshot_id <= existing[-1]:
                # same millisecond as another process, or the clock went back: stay ordered
                snapshot_id = id_for(time_of(existing[-1]) + timedelta(milliseconds=1))
            snapshot = Snapshot(
                snapshot_id, moment, command, goos, __version__, state, scope, module_list
            )
            data = to_toml(snapshot)
            if len(data) > MAX_FILE_BYTES:  # it could not be read back: refuse the change
                raise SnapshotError(
                    f"cannot take a snapshot before gvw {command}: it would be larger than "
                    f"{MAX_FILE_BYTES >> 20} MiB; nothing was changed",
                    hint="make the go env file and the shell profiles smaller",
                )
            if self._publish(snapshot_id, data):
                return snapshot

    def _publish(self, snapshot_id: str, data: bytes) -> bool:
        """Write ``<id>.toml`` unless that name exists (then False: pick another id)."""
        final = self.path_of(snapshot_id)
        tmp = temp_sibling(final)
        # complete and flushed before it gets its name
        atomic_write_bytes(tmp, data, mode=PRIVATE_FILE_MODE)
        try:
            if os.name == "nt":
                rename(tmp, final)  # fails when the name exists
            else:
                try:
                    os.link(tmp, final)
                except FileExistsError:
                    raise
                except OSError:  # a filesystem without hard links
                    if final.exists():
                        raise FileExistsError(final) from None
                    os.replace(tmp, final)
            return True
        except FileExistsError:
            return False
        except OSError as exc:
            raise store_error(exc, "write", final) from exc
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def set_aside(self, snapshot_id: str) -> Path:
        """Move a snapshot into ``damaged/`` (one rename: it is here or there, never
        half-moved), under a name no earlier discard took; returns where it went."""
        source = self.path_of(snapshot_id)
        aside = self.directory / DAMAGED_DIR
        try:
            private_directory(aside)
            for attempt in range(1000):
                target = aside / (
                    source.name if attempt == 0 else f"{snapshot_id}.{attempt}{SUFFIX}"
                )
                if not os.path.lexists(target):
                    rename(source, target)
                    return target
        except OSError as exc:
            raise store_error(exc, "move aside", source) from exc
        raise SnapshotError(
            f"{aside} holds too many copies of {source.name}", hint=f"empty {aside}"
        )

    def delete(self, snapshot_id: str) -> None:
        path = self.path_of(snapshot_id)
        if path.is_dir() and not path.is_symlink():  # not gvw's to delete: out of the way
            self.set_aside(snapshot_id)
            return
        remove_file(path)

    # --- blobs

    def blob_path(self, sha256: str) -> Path | None:
        """Where the program of ``sha256`` is kept (None for what is not a sha256)."""
        return self.blobs / sha256 if SHA256_RE.match(sha256) else None


def copy_blob(blob: Path, sha256: str, fd: int | None = None) -> bool:
    """Hash the kept program ``blob`` as a stream, copying it to the open file ``fd``
    when given; whether it is a regular file whose content has that ``sha256``. Memory
    stays small whatever its size (a kept program may be 256 MiB), and a FIFO or a
    device under its name is refused, never read."""
    digest = hashlib.sha256()
    try:
        handle = open_regular_file(blob)
    except (OSError, InputRefused):
        return False
    with handle:
        while True:
            try:
                block = handle.read(_BLOB_CHUNK)
            except OSError:
                return False
            if not block:
                return digest.hexdigest() == sha256
            digest.update(block)
            if fd is not None:
                write_all(fd, block)  # a failure here is the destination's: raised


def _is_snapshot_name(name: str) -> bool:
    return name.endswith(SUFFIX) and bool(ID_RE.match(name[: -len(SUFFIX)]))
