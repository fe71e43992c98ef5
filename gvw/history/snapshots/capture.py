"""Record the current state: selection, Go environment, GOPATH/bin, and on Windows the
values of HKCU\\Environment that a restore can write back (``model.restorable_registry_name``).

The GOPATH/bin inventory is the only part that can be slow (hashing programs of tens
of MB), so what is learnt about each program is cached by its file identity (size,
times, inode): a program that did not change is not read again. Programs are copied
into the blob store once, by content hash, so a restore can put them back.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path, PurePath
from typing import Any

from gvw.base import fsutil
from gvw.base.bounded import InputRefused, parse_json, read_regular_file
from gvw.base.fsutil import PRIVATE_FILE_MODE, atomic_write_bytes, temp_sibling
from gvw.history.snapshots.model import (
    MAX_GO_ENV_FILE,
    MAX_KEPT_TOOL,
    MAX_VERSION_FILE,
    SHA256_RE,
    FileState,
    ProfileFile,
    Recorded,
    State,
    Tool,
    restorable_registry_name,
    valid_registry_name,
)
from gvw.host.buildinfo import read_build_info_file
from gvw.host.gobin import program_entries
from gvw.host.goenv import PROCESS_VARS, go_bin_dir, go_env_file, parse_go_env
from gvw.host.shells.profiles import MAX_PROFILE_FILE, profile_path
from gvw.host.windows_registry import RegistryValue, UserEnvironment
from gvw.store.version_store import Store

_CACHE_FORMAT = 1
_HASH_CHUNK = 1 << 20
_NEW_PRIVATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
MAX_CACHE_BYTES = 16 << 20  # about 300 bytes a program


def capture_state(
    store: Store,
    env: Mapping[str, str],
    *,
    goos: str,
    version_files: Iterable[Path] = (),
    profile_files: Iterable[Path] = (),
    registry: UserEnvironment | None,
    blobs: Path,
    tool_cache: Path,
) -> State:
    """The current state, with ``version_files`` and ``profile_files`` (the files a
    command will change, or those a snapshot recorded)."""
    go_env_path = _normal(go_env_file(env, goos))
    go_env = read_file_state(go_env_path, MAX_GO_ENV_FILE) if go_env_path else None
    file_values = parse_go_env(go_env.content) if go_env and go_env.present else {}
    bin_dir = _normal(go_bin_dir(env, file_values, goos))
    state = State(
        global_file=read_file_state(store.paths.global_file, MAX_VERSION_FILE, path_text=""),
        installed=tuple(v.name for v in store.installed()),
        process_env={k: env[k] for k in PROCESS_VARS if k in env},
        go_env_file=go_env,
        registry=_registry(registry),
        tools_dir=str(bin_dir) if bin_dir else "",
        tools=inventory(bin_dir, blobs, tool_cache) if bin_dir else (),
    )
    return with_files(state, version_files, profile_files)


def with_files(
    state: State, version_files: Iterable[Path] = (), profile_files: Iterable[Path] = ()
) -> State:
    """``state`` with the current contents of other version files and shell profiles
    (cheap: reads only those files), so one capture serves several comparisons."""
    return replace(
        state,
        version_files=tuple(
            read_file_state(p, MAX_VERSION_FILE) for p in dict.fromkeys(version_files)
        ),
        profile_files=tuple(
            read_profile(p) for p in dict.fromkeys(profile_path(p) for p in profile_files)
        ),
    )


def _normal(path: PurePath | None) -> Path | None:
    """An absolute, normalised path, as snapshots record them; None for a relative one
    (a relative GOENV or GOBIN depends on where go runs: nothing gvw can restore)."""
    if path is None or not path.is_absolute():
        return None
    return Path(os.path.normpath(path))


def _registry(registry: UserEnvironment | None) -> dict[str, RegistryValue] | None:
    """The values of HKCU\\Environment a restore can write back (Path, the Go and GVW_
    values), and no other: the rest belongs to someone else and may hold secrets."""
    if registry is None:
        return None
    return {
        name: value
        for name, value in registry.read_user_environment().items()
        if restorable_registry_name(name) and valid_registry_name(name) and "\0" not in value.value
    }


def read_file_state(path: Path, limit: int, *, path_text: str | None = None) -> FileState:
    """A file as text, absent, or unrecorded (not a regular file, too large, not UTF-8)."""
    shown_path = str(path) if path_text is None else path_text
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return FileState(shown_path, Recorded.ABSENT)
    except OSError:
        return FileState(shown_path, Recorded.UNRECORDED)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        return FileState(shown_path, Recorded.UNRECORDED)
    try:  # checked again once open: it may have become a FIFO or grown since
        text = read_regular_file(path, limit).decode("utf-8")
    except (OSError, ValueError):  # ValueError: refused, or not UTF-8
        return FileState(shown_path, Recorded.UNRECORDED)
    if "\0" in text:
        return FileState(shown_path, Recorded.UNRECORDED)
    return FileState(shown_path, Recorded.PRESENT, text)


def read_profile(path: Path) -> ProfileFile:
    """A shell profile's exact bytes, absent, or unrecorded (not a regular file, which
    includes a symbolic link; larger than MAX_PROFILE_FILE; unreadable)."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return ProfileFile(str(path), Recorded.ABSENT)
    except OSError:
        return ProfileFile(str(path), Recorded.UNRECORDED)
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_PROFILE_FILE:
        return ProfileFile(str(path), Recorded.UNRECORDED)
    try:  # checked again once open: it may have become a FIFO or grown since
        data = read_regular_file(path, MAX_PROFILE_FILE)
    except (OSError, InputRefused):
        return ProfileFile(str(path), Recorded.UNRECORDED)
    return ProfileFile(str(path), Recorded.PRESENT, data)


def inventory(bin_dir: Path, blobs: Path, cache_file: Path) -> tuple[Tool, ...]:
    """The programs in ``bin_dir``, each kept under ``blobs/<sha256>``."""
    programs = program_entries(bin_dir)
    if not programs:
        return ()
    cache = _load_cache(cache_file, bin_dir)
    fresh: dict[str, Any] = {}
    tools = []
    for entry, info in programs:
        identity = [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]
        tool = _cached_tool(cache.get(entry.name), entry.name, identity)
        if tool is None or (tool.kept and not _touch(blobs / tool.sha256)):
            tool = _examine(Path(entry.path), entry.name, blobs, info.st_size)
            if tool is None:
                continue
        fresh[entry.name] = {"identity": identity, "tool": dict(tool.__dict__)}
        tools.append(tool)
    if fresh != cache:
        payload = {"format": _CACHE_FORMAT, "dir": str(bin_dir), "tools": fresh}
        atomic_write_bytes(cache_file, json.dumps(payload).encode("utf-8"), mode=PRIVATE_FILE_MODE)
    return tuple(tools)


def _examine(path: Path, name: str, blobs: Path, size: int) -> Tool | None:
    """Hash the program in pieces (memory stays small whatever its size), copying it on
    the way into a private temporary blob that becomes ``blobs/<sha256>``; larger than
    MAX_KEPT_TOOL (``size``, from its stat) it is hashed only. The build information is
    read from the copy (what the hash is of), or from the program when not kept."""
    copy = temp_sibling(blobs / "incoming") if size <= MAX_KEPT_TOOL else None
    try:
        size, digest = _hash_and_copy(path, copy)
        blob = blobs / digest if copy is not None and size <= MAX_KEPT_TOOL else None
        info = read_build_info_file(copy if blob is not None and copy else path)
        if blob is not None and copy is not None and not _touch(blob):
            with fsutil.errors_as_store_error("keep", blob):
                fsutil.replace(copy, blob)
    except OSError:
        return None  # vanished or unreadable: not something a restore could rely on
    finally:
        if copy is not None:
            fsutil.unlink_quietly(copy)  # gone already once it became the blob
    if info is None:
        return Tool(name, size, digest, kept=blob is not None)
    return Tool(
        name,
        size,
        digest,
        info.go_version,
        info.path,
        info.module,
        info.module_version,
        kept=blob is not None,
    )


def _hash_and_copy(path: Path, copy: Path | None) -> tuple[int, str]:
    """Size and sha256 of ``path``, its bytes written to ``copy`` (0600) as well.
    Raises OSError for the program, StoreError for the copy (a full disk)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as source, _PrivateCopy(copy) as out:
        for block in iter(lambda: source.read(_HASH_CHUNK), b""):
            digest.update(block)
            size += len(block)
            out.write(block)
    return size, digest.hexdigest()


class _PrivateCopy:
    """A new file only its owner can read (none when ``path`` is None); its failures
    are the store's (StoreError), never taken for the program's."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.fd = -1

    def __enter__(self) -> _PrivateCopy:
        if self.path is not None:
            with fsutil.errors_as_store_error("write", self.path):
                self.fd = os.open(self.path, _NEW_PRIVATE, fsutil.PRIVATE_FILE_MODE)
        return self

    def write(self, block: bytes) -> None:
        if self.fd >= 0:
            with fsutil.errors_as_store_error("write", self.path or ""):
                view = memoryview(block)
                while view:
                    view = view[os.write(self.fd, view) :]

    def __exit__(self, *_exc: object) -> None:
        if self.fd >= 0:
            with fsutil.errors_as_store_error("write", self.path or ""):
                try:
                    os.fsync(self.fd)
                finally:
                    os.close(self.fd)


def _touch(blob: Path) -> bool:
    """Mark a kept program as in use (pruning spares blobs touched within the hour);
    False when it is not there."""
    try:
        os.utime(blob)
        return True
    except OSError:
        return False


def _cached_tool(known: object, name: str, identity: list[int]) -> Tool | None:
    """What the cache knows of the program ``name`` whose file identity is ``identity``;
    None when it knows nothing, the program changed, or the entry is damaged (a damaged
    cache is only a miss: the program is examined again)."""
    if not isinstance(known, dict) or known.get("identity") != identity:
        return None
    fields = known.get("tool")
    if not isinstance(fields, dict) or set(fields) != set(Tool.__dataclass_fields__):
        return None
    size = fields["size"]
    texts = [v for k, v in fields.items() if k not in ("size", "kept")]
    if (
        fields["name"] != name
        or not isinstance(size, int)
        or isinstance(size, bool)
        or not isinstance(fields["kept"], bool)
        or not all(isinstance(v, str) and v.isprintable() for v in texts)
        or not SHA256_RE.match(fields["sha256"])
    ):
        return None
    return Tool(**fields)


def _load_cache(cache_file: Path, bin_dir: Path) -> dict[str, Any]:
    try:
        data = parse_json(read_regular_file(cache_file, MAX_CACHE_BYTES))
    except (OSError, ValueError):  # ValueError: damaged or refused: a miss
        return {}
    ok = (
        isinstance(data, dict)
        and data.get("format") == _CACHE_FORMAT
        and data.get("dir") == str(bin_dir)
        and isinstance(data.get("tools"), dict)
    )
    return data["tools"] if ok else {}
