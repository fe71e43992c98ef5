"""What a snapshot holds, and its TOML form, checked field by field on the way in.

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
must be absolute, normal paths with one of the names a profile has (``.bashrc``,
``.zshrc``, ``gvw.fish``, ``profile.ps1``); a restore then writes only those that are
among the profiles gvw manages for the user at that time (see ``apply``).

Shell profiles are kept byte for byte: as ``content`` when they are UTF-8 text without
control characters other than tab, CR and LF, else as ``content_base64``.

``scope`` names the kinds of state the snapshotted command may change (see
:data:`SCOPES`): ``gvw rollback`` puts back only those, so it does not also revert a
``go env -w`` or a ``go install`` made after the command it undoes; ``gvw restore ID``
puts back everything the snapshot recorded. The kinds, by command:

========================  ====================================================
install, uninstall        ``installed`` (the shims follow the installed versions)
global                    ``global``
local                     ``version_files`` (the one ``.go-version`` it writes)
setup, setup --undo       ``profile_files``, ``user_path``
restore, rollback         what that restore changed (``user_path`` when the only
                          registry value it wrote was ``Path``, else ``registry``)
========================  ====================================================

The other kinds are ``go_env_file`` and ``tools`` (GOPATH/bin), which only a restore
changes. A snapshot without ``scope`` (written before gvw recorded it) counts as all
of them. In the registry (HKCU\\Environment) gvw restores only the values gvw and Go use
(:func:`restorable_registry_name`): ``registry`` is all of them, ``user_path`` only
``Path``. The shell's own variables (``process_env``) are never changed, only printed
as commands to run, for any scope.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Any, Literal, get_args

from gvw.goenv import PROCESS_VARS
from gvw.registry import RegistryValue
from gvw.selection import VERSION_FILE
from gvw.shells.profiles import PROFILE_NAMES
from gvw.versions import parse_installed_name

FORMAT = 1
ID_RE = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9]{3}$")  # UTC time, to the millisecond
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_FILE_BYTES = 16 << 20  # a snapshot file; real ones are a few KiB
MAX_VERSION_FILE = 64 << 10
MAX_GO_ENV_FILE = 1 << 20
MAX_PROFILE_FILE = 1 << 20  # gvw setup refuses to edit a larger shell profile

SEAL = b"# gvw snapshot; sha256 of the lines below: "

# states of a recorded file
PRESENT, ABSENT, UNRECORDED = "present", "absent", "unrecorded"

# the kinds of state a restore can put back; a snapshot's scope is a subset of them
ScopeKind = Literal[
    "installed",  # installed versions (and so the shims)
    "global",  # <root>/version
    "version_files",  # the .go-version files the snapshot recorded
    "profile_files",  # the shell profiles it recorded
    "user_path",  # Path in HKCU\Environment
    "registry",  # every value of HKCU\Environment gvw restores, Path included
    "go_env_file",  # the go env -w file
    "tools",  # the programs in GOPATH/bin
]
SCOPES: tuple[ScopeKind, ...] = get_args(ScopeKind)

# HKCU\Environment values a restore may set or delete (names ignore case); every other
# value belongs to someone else (another installer, the user) and is left alone. These
# are the Go variables gvw records from the process (PATH is the registry's "Path").
_REGISTRY_NAMES = frozenset(PROCESS_VARS)


def restorable_registry_name(name: str) -> bool:
    """Whether a restore may write ``name`` in HKCU\\Environment: Path, the Go variables
    (GOROOT, GOPATH, GOBIN, GOPROXY, GOFLAGS, GOTOOLCHAIN, GOENV) and GVW_*."""
    upper = name.upper()
    return upper in _REGISTRY_NAMES or upper.startswith("GVW_")


@dataclass(frozen=True)
class FileState:
    """A file as it was: its text, absent, or unrecorded (it existed but was not text
    gvw could keep: too large, not UTF-8, unreadable; a restore leaves it alone)."""

    path: str
    state: str = ABSENT
    content: str = ""

    @property
    def present(self) -> bool:
        return self.state == PRESENT


@dataclass(frozen=True)
class ProfileFile:
    """A shell profile as it was: its exact bytes, absent, or unrecorded (not a regular
    file, a symbolic link, larger than MAX_PROFILE_FILE, unreadable: a restore leaves
    it alone)."""

    path: str
    state: str = ABSENT
    data: bytes = b""

    @property
    def present(self) -> bool:
        return self.state == PRESENT


@dataclass(frozen=True)
class Tool:
    """A program in GOPATH/bin; its bytes are kept under blobs/<sha256>."""

    name: str
    size: int
    sha256: str
    go_version: str = ""  # "" when not a Go program or built before Go 1.18
    path: str = ""
    module: str = ""
    module_version: str = ""


@dataclass(frozen=True)
class State:
    """Everything a restore can put back (or print, for the process environment)."""

    global_file: FileState  # <root>/version (path "" : always the store's own)
    version_files: tuple[FileState, ...] = ()
    installed: tuple[str, ...] = ()  # newest first
    process_env: Mapping[str, str] = field(default_factory=dict)  # PROCESS_VARS that are set
    go_env_file: FileState | None = None  # None: GOENV=off or no config directory
    registry: Mapping[str, RegistryValue] | None = None  # None: not Windows
    tools_dir: str = ""  # "" when there is none (relative GOBIN, no home)
    tools: tuple[Tool, ...] = ()
    profile_files: tuple[ProfileFile, ...] = ()  # shell profiles the command changes


@dataclass(frozen=True)
class Snapshot:
    id: str
    created: datetime  # aware, UTC
    command: str  # the gvw command that was about to change things, e.g. "global 1.22"
    os: str  # Go's name of the OS it was taken on
    gvw_version: str
    state: State
    # what ``gvw rollback`` of this snapshot puts back; None: everything (older snapshots)
    scope: tuple[ScopeKind, ...] | None = None


class Invalid(ValueError):
    """A snapshot that does not follow the format; the message names the field."""


# --- writing -------------------------------------------------------------------------


def to_toml(snapshot: Snapshot) -> bytes:
    import tomli_w

    state = snapshot.state
    data: dict[str, Any] = {
        "format": FORMAT,
        "id": snapshot.id,
        "created": snapshot.created,
        "command": snapshot.command,
        "os": snapshot.os,
        "gvw_version": snapshot.gvw_version,
        **({} if snapshot.scope is None else {"scope": list(snapshot.scope)}),
        "global": _file_dict(state.global_file, with_path=False),
        "installed": list(state.installed),
        "version_files": [_file_dict(f) for f in state.version_files],
        "process_env": dict(state.process_env),
        "tools": {
            "dir": state.tools_dir,
            "files": [dict(t.__dict__) for t in state.tools],
        },
    }
    if state.go_env_file is not None:
        data["go_env_file"] = _file_dict(state.go_env_file)
    if state.profile_files:  # absent from snapshots of commands that edit no profile
        data["profile_files"] = [_profile_dict(f) for f in state.profile_files]
    if state.registry is not None:
        data["registry"] = {
            name: {"kind": v.kind, "value": v.value} for name, v in state.registry.items()
        }
    return seal(tomli_w.dumps(data).encode("utf-8"))


def seal(body: bytes) -> bytes:
    """The snapshot file for ``body``: the checksum line, then the TOML."""
    return SEAL + hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body


def _file_dict(state: FileState, *, with_path: bool = True) -> dict[str, str]:
    data = {"path": state.path} if with_path else {}
    data["state"] = state.state
    if state.present:
        data["content"] = state.content
    return data


def _profile_dict(profile: ProfileFile) -> dict[str, str]:
    data = {"path": profile.path, "state": profile.state}
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
    top = _Table(data, "")
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
    )
    top.done()
    return snapshot


class _Table:
    """A TOML table read strictly: typed getters that name the field, and no unknown keys."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise Invalid(f"{where or 'the file'} is not a table")
        self.data: dict[str, Any] = data
        self.where = where
        self.seen: set[str] = set()

    def name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, kind: type, default: Any = None) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if default is not None:
                return default
            raise Invalid(f"{self.name(key)} is missing")
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise Invalid(f"{self.name(key)} must be a {kind.__name__}, not {type(value).__name__}")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value: str = self.get(key, str, default)
        if "\0" in value:
            raise Invalid(f"{self.name(key)} contains a NUL character")
        return value

    def number(self, key: str) -> int:
        value: int = self.get(key, int)
        if value < 0:
            raise Invalid(f"{self.name(key)} must not be negative")
        return value

    def texts(self, key: str) -> list[str]:
        items = self.get(key, list)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise Invalid(f"{self.name(key)}[{index}] must be a str")
        return list(items)

    def table(self, key: str) -> _Table:
        return _Table(self.get(key, dict), self.name(key))

    def tables(self, key: str) -> list[_Table]:
        return [_Table(t, f"{self.name(key)}[{i}]") for i, t in enumerate(self.get(key, list))]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise Invalid(f"unknown field {self.name(unknown[0])}")


def _file_state(table: _Table, goos: str, *, kind: str) -> FileState:
    state = table.text("state")
    if state not in (PRESENT, ABSENT, UNRECORDED):
        raise Invalid(f"{table.name('state')} must be present, absent or unrecorded")
    content = table.text("content") if state == PRESENT else ""
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


def _profile_files(tables: list[_Table], goos: str) -> tuple[ProfileFile, ...]:
    profiles = []
    for table in tables:
        state = table.text("state")
        if state not in (PRESENT, ABSENT, UNRECORDED):
            raise Invalid(f"{table.name('state')} must be present, absent or unrecorded")
        path = table.text("path")
        where = table.name("path")
        _check_absolute(path, goos, where)
        name = _pure(path, goos).name
        if (name.lower() if goos == "windows" else name) not in PROFILE_NAMES:
            raise Invalid(f"{where} {path!r} is not a shell profile ({', '.join(PROFILE_NAMES)})")
        data = b""
        if state == PRESENT:
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
    paths = [p.path.lower() if goos == "windows" else p.path for p in profiles]
    if len(set(paths)) != len(paths):
        raise Invalid("profile_files names a file twice")
    return tuple(profiles)


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


def _process_env(table: _Table) -> dict[str, str]:
    values = {}
    for name in list(table.data):
        if name not in PROCESS_VARS:
            raise Invalid(f"{table.name(name)} is not one of {', '.join(PROCESS_VARS)}")
        values[name] = table.text(name)
    return values


_REGISTRY_NAME_RE = re.compile(r"^[^=\x00-\x1f\x7f]{1,255}$")


def valid_registry_name(name: str) -> bool:
    """A name an environment variable can have (capture skips any other)."""
    return bool(_REGISTRY_NAME_RE.match(name))


def _registry(table: _Table) -> dict[str, RegistryValue]:
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


def valid_tool_name(name: str) -> bool:
    """A plain file name: nothing that could lead out of GOPATH/bin on any OS."""
    return (
        0 < len(name) <= 255
        and name not in (".", "..")
        and not any(c in name for c in "/\\:\0")
        and all(c.isprintable() for c in name)
        and not name.endswith((" ", "."))  # Windows drops these and means another file
    )


def _tools(table: _Table, goos: str) -> tuple[Tool, ...]:
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
