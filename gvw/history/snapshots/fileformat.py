"""The snapshot file: TOML under a checksum line, checked field by field on the way in.

A snapshot file may have been cut short, damaged or edited by hand. Its first line is
a comment holding the sha256 of the rest, so any of these is noticed (a snapshot is
gvw's record, not a configuration file: to go back to a different state, restore
another snapshot). Beyond that, :func:`parse` checks all of it before anything uses
it and names the first field that is wrong, so a restore is never half-applied, even
of a snapshot edited by someone who also recomputed the checksum. Every path it may
later write to is checked here too: ``.go-version`` entries must be absolute, normal
paths to a file named exactly ``.go-version``; tool names must be plain file names;
versions must be canonical Go version names; blob references must be sha256 digests.
The go env file and the GOPATH/bin directory are recorded for comparison only: a
restore writes to the locations computed from the current environment, never to a
path a snapshot names. Shell profiles (``profile_files``, recorded by ``gvw setup``)
must be absolute, normal paths with one of the names a profile has
(:func:`gvw.host.shells.profiles.is_profile_name`); a restore then writes only those that
are among the profiles gvw manages for the user at that time (see ``kinds``).

Shell profiles are kept byte for byte: as ``content`` when they are UTF-8 text without
control characters other than tab, CR and LF, else as ``content_base64``.

:func:`as_dict` is the one mapping from a snapshot to its fields: the file is that
mapping in TOML, ``gvw snapshots show --json`` the same mapping in JSON.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import sys
from datetime import datetime, timezone
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Any

from gvw.base.versions import parse_installed_name
from gvw.history.snapshots.model import (
    MAX_GO_ENV_FILE,
    MAX_MODULES,
    MAX_VERSION_FILE,
    SCOPES,
    SHA256_RE,
    FileState,
    ModuleRecord,
    ProfileFile,
    Recorded,
    ScopeKind,
    Snapshot,
    State,
    Tool,
    valid_registry_name,
)
from gvw.history.snapshots.strict import Invalid, Table
from gvw.host.gobin import valid_tool_name
from gvw.host.goenv import PROCESS_VARS
from gvw.host.shells.profiles import MAX_PROFILE_FILE, PROFILE_NAMES, is_profile_name, profile_key
from gvw.host.windows_registry import RegistryValue
from gvw.selection.resolver import VERSION_FILE

__all__ = ["FORMAT", "ID_RE", "MAX_FILE_BYTES", "Invalid", "as_dict", "parse", "seal", "to_toml"]

FORMAT = 1
ID_RE = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9]{3}$")  # UTC time, to the millisecond
MAX_FILE_BYTES = 16 << 20  # a snapshot file; real ones are a few KiB

SEAL = b"# gvw snapshot; sha256 of the lines below: "


# --- writing -------------------------------------------------------------------------


def as_dict(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot as plain data: the TOML file's tables, and ``gvw snapshots show
    --json`` (where ``None`` stands for what the file leaves out, and ``created`` is
    written in ISO 8601)."""
    state = snapshot.state
    return {
        "format": FORMAT,
        "id": snapshot.id,
        "created": snapshot.created,
        "command": snapshot.command,
        "os": snapshot.os,
        "gvw_version": snapshot.gvw_version,
        "scope": None if snapshot.scope is None else list(snapshot.scope),
        "global": _file_dict(state.global_file, with_path=False),
        "installed": list(state.installed),
        "version_files": [_file_dict(f) for f in state.version_files],
        "process_env": dict(state.process_env),
        "tools": {
            "dir": state.tools_dir,
            "files": [dict(t.__dict__) for t in state.tools],
        },
        "go_env_file": None if state.go_env_file is None else _file_dict(state.go_env_file),
        # absent from snapshots of commands that edit no profile
        "profile_files": [_profile_dict(f) for f in state.profile_files] or None,
        "registry": None
        if state.registry is None
        else {name: {"kind": v.kind, "value": v.value} for name, v in state.registry.items()},
        "module_list": None if snapshot.module_list is None else _module_dict(snapshot.module_list),
    }


def _module_dict(record: ModuleRecord) -> dict[str, Any]:
    return {
        "dir": record.directory,
        "go_version": record.go_version,
        "modules": list(record.modules),
    }


def to_toml(snapshot: Snapshot) -> bytes:
    import tomli_w

    data = {key: value for key, value in as_dict(snapshot).items() if value is not None}
    return seal(tomli_w.dumps(data).encode("utf-8"))


def seal(body: bytes) -> bytes:
    """The snapshot file for ``body``: the checksum line, then the TOML."""
    return SEAL + hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body


def _file_dict(state: FileState, *, with_path: bool = True) -> dict[str, str]:
    data = {"path": state.path} if with_path else {}
    data["state"] = state.state.value
    if state.present:
        data["content"] = state.content
    return data


def _profile_dict(profile: ProfileFile) -> dict[str, str]:
    data = {"path": profile.path, "state": profile.state.value}
    if profile.present:
        text = profile_text_of(profile.data)
        if text is not None:
            data["content"] = text
        else:
            data["content_base64"] = base64.b64encode(profile.data).decode("ascii")
    return data


_PLAIN_CONTROLS = frozenset("\t\n\r")


def profile_text_of(data: bytes) -> str | None:
    """``data`` as text, when it is UTF-8 without control characters other than tab,
    CR and LF (what a snapshot keeps readable); else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any((c < " " or c == "\x7f") and c not in _PLAIN_CONTROLS for c in text):
        return None
    return text


# --- reading -------------------------------------------------------------------------


def parse(raw: bytes, *, expected_id: str) -> Snapshot:
    """Check and read a snapshot file's bytes; raises :class:`Invalid`."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    if len(raw) > MAX_FILE_BYTES:
        raise Invalid(f"larger than {MAX_FILE_BYTES >> 20} MiB")
    head, _, body = raw.partition(b"\n")
    if not head.startswith(SEAL):
        raise Invalid("it has no checksum line (not written by gvw?)")
    if head[len(SEAL) :] != hashlib.sha256(body).hexdigest().encode("ascii"):
        raise Invalid("its content does not match its checksum (cut short or edited)")
    try:
        data = tomllib.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise Invalid("not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(f"not valid TOML ({exc})") from None
    top = Table(data, "")
    if top.number("format") != FORMAT:
        raise Invalid(f"format {data['format']} is not {FORMAT} (written by another gvw?)")
    snapshot_id = top.text("id")
    if snapshot_id != expected_id:
        raise Invalid(f"id {snapshot_id!r} does not match the file name")
    created = top.get("created", datetime)
    if created.tzinfo is None:
        raise Invalid("created has no time zone")
    goos = top.text("os")
    state = State(
        global_file=_file_state(top.table("global"), goos, kind="global"),
        version_files=tuple(
            _file_state(t, goos, kind="version_file") for t in top.tables("version_files")
        ),
        installed=tuple(
            _version(v, f"installed[{i}]") for i, v in enumerate(top.texts("installed"))
        ),
        process_env=_process_env(top.table("process_env")),
        go_env_file=(
            _file_state(top.table("go_env_file"), goos, kind="go_env_file")
            if "go_env_file" in data
            else None
        ),
        registry=_registry(top.table("registry")) if "registry" in data else None,
        tools_dir=top.get("tools", dict).get("dir", ""),
        tools=_tools(top.table("tools"), goos),
        profile_files=(
            _profile_files(top.tables("profile_files"), goos) if "profile_files" in data else ()
        ),
    )
    snapshot = Snapshot(
        id=snapshot_id,
        created=created.astimezone(timezone.utc),
        command=top.text("command"),
        os=goos,
        gvw_version=top.text("gvw_version"),
        state=state,
        scope=_scope(top.texts("scope")) if "scope" in data else None,
        module_list=_module_record(top.table("module_list"), goos)
        if "module_list" in data
        else None,
    )
    top.done()
    return snapshot


def _module_record(table: Table, goos: str) -> ModuleRecord:
    directory = table.text("dir")
    _check_absolute(directory, goos, table.name("dir"))
    version = table.text("go_version")
    if version != "system":
        _version(version, table.name("go_version"))
    modules = table.texts("modules")
    if len(modules) > MAX_MODULES:
        raise Invalid(f"{table.name('modules')} lists more than {MAX_MODULES} modules")
    table.done()
    return ModuleRecord(directory, version, tuple(modules))


def _file_state(table: Table, goos: str, *, kind: str) -> FileState:
    state = _recorded(table)
    content = table.text("content") if state is Recorded.PRESENT else ""
    limit = MAX_GO_ENV_FILE if kind == "go_env_file" else MAX_VERSION_FILE
    if len(content.encode("utf-8", "surrogatepass")) > limit:
        raise Invalid(f"{table.name('content')} is longer than {limit} bytes")
    path = ""
    if kind != "global":
        path = table.text("path")
        where = table.name("path")
        _check_absolute(path, goos, where)
        if kind == "version_file" and _pure(path, goos).name != VERSION_FILE:
            raise Invalid(f"{where} {path!r} is not a {VERSION_FILE} file")
    table.done()
    return FileState(path, state, content)


def _profile_files(tables: list[Table], goos: str) -> tuple[ProfileFile, ...]:
    profiles = []
    for table in tables:
        state = _recorded(table)
        path = table.text("path")
        where = table.name("path")
        _check_absolute(path, goos, where)
        name = _pure(path, goos).name
        if not is_profile_name(name, windows=goos == "windows"):
            raise Invalid(f"{where} {path!r} is not a shell profile ({', '.join(PROFILE_NAMES)})")
        data = b""
        if state is Recorded.PRESENT:
            if ("content" in table.data) == ("content_base64" in table.data):
                raise Invalid(f"{table.name('content')} or content_base64 (one of them) is needed")
            if "content" in table.data:
                data = table.text("content").encode("utf-8")
            else:
                encoded = table.text("content_base64")
                try:
                    data = base64.b64decode(encoded.encode("ascii"), validate=True)
                except (UnicodeEncodeError, binascii.Error):
                    raise Invalid(f"{table.name('content_base64')} is not base64") from None
            if len(data) > MAX_PROFILE_FILE:
                raise Invalid(f"{table.name('content')} is longer than {MAX_PROFILE_FILE} bytes")
        table.done()
        profiles.append(ProfileFile(path, state, data))
    paths = [profile_key(p.path, windows=goos == "windows") for p in profiles]
    if len(set(paths)) != len(paths):
        raise Invalid("profile_files names a file twice")
    return tuple(profiles)


def _recorded(table: Table) -> Recorded:
    try:
        return Recorded(table.text("state"))
    except ValueError:
        raise Invalid(f"{table.name('state')} must be present, absent or unrecorded") from None


def _pure(path: str, goos: str) -> PurePath:
    return PureWindowsPath(path) if goos == "windows" else PurePosixPath(path)


def _check_absolute(path: str, goos: str, where: str) -> None:
    pure = _pure(path, goos)
    if not pure.is_absolute() or ".." in pure.parts or str(pure) != path:
        raise Invalid(f"{where} {path!r} is not an absolute, normalised path")


def _version(text: str, where: str) -> str:
    if parse_installed_name(text) is None:
        raise Invalid(f"{where} {text!r} is not a Go version")
    return text


def _scope(kinds: list[str]) -> tuple[ScopeKind, ...]:
    known: dict[str, ScopeKind] = {kind: kind for kind in SCOPES}
    scope = []
    for index, text in enumerate(kinds):
        kind = known.get(text)
        if kind is None:
            raise Invalid(f"scope[{index}] {text!r} is not one of {', '.join(SCOPES)}")
        scope.append(kind)
    return tuple(scope)


def _process_env(table: Table) -> dict[str, str]:
    values = {}
    for name in list(table.data):
        if name not in PROCESS_VARS:
            raise Invalid(f"{table.name(name)} is not one of {', '.join(PROCESS_VARS)}")
        values[name] = table.text(name)
    return values


def _registry(table: Table) -> dict[str, RegistryValue]:
    values = {}
    for name in list(table.data):
        if not valid_registry_name(name):
            raise Invalid(f"{table.name(repr(name))} is not an environment variable name")
        entry = table.table(name)
        kind = entry.text("kind")
        if kind not in ("REG_SZ", "REG_EXPAND_SZ"):
            raise Invalid(f"{entry.name('kind')} must be REG_SZ or REG_EXPAND_SZ")
        values[name] = RegistryValue(entry.text("value"), expand=kind == "REG_EXPAND_SZ")
        entry.done()
    return values


def _tools(table: Table, goos: str) -> tuple[Tool, ...]:
    directory = table.text("dir")
    if directory:
        _check_absolute(directory, goos, table.name("dir"))
    tools = []
    for entry in table.tables("files"):
        tool = Tool(
            name=entry.text("name"),
            size=entry.number("size"),
            sha256=entry.text("sha256"),
            go_version=entry.text("go_version", ""),
            path=entry.text("path", ""),
            module=entry.text("module", ""),
            module_version=entry.text("module_version", ""),
        )
        entry.done()
        if not valid_tool_name(tool.name):
            raise Invalid(f"{entry.name('name')} {tool.name!r} is not a plain file name")
        if not SHA256_RE.match(tool.sha256):
            raise Invalid(f"{entry.name('sha256')} is not a sha256 digest")
        tools.append(tool)
    if tools and not directory:
        raise Invalid(f"{table.name('dir')} is empty but tools are listed")
    names = [t.name for t in tools]
    if len(set(names)) != len(names):
        raise Invalid(f"{table.name('files')} names a tool twice")
    table.done()
    return tuple(tools)
