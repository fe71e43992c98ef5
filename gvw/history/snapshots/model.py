"""What a snapshot holds: the data model, the kinds of state (scopes), the limits.

The file form (TOML, its checksum line, the checks on the way in) is
:mod:`gvw.history.snapshots.fileformat`; comparing and restoring states is
:mod:`gvw.history.snapshots.kinds` (one entry per kind of state).

``scope`` names the kinds of state the snapshotted command may change (see
:data:`SCOPES`): ``gvw rollback`` puts back only those, so it does not also revert a
``go env -w`` or a ``go install`` made after the command it undoes; ``gvw restore ID``
puts back everything the snapshot recorded. The kinds, by command:

========================  ====================================================
install, uninstall        ``installed`` (the shims follow the installed versions);
                          an install while nothing is selected also ``global``
global                    ``global``
local                     ``version_files`` (the one ``.go-version`` it writes)
setup, setup --undo       ``profile_files``, ``user_path``
restore, rollback         what that restore changed (``user_path`` when the only
                          registry value it wrote was ``Path``, else ``registry``)
tools rebuild             ``tools`` (the programs in GOPATH/bin it rebuilds)
upgrade                   ``installed`` and the pin it moves (``version_files``
                          or ``global``); with ``--rebuild-tools`` also ``tools``
apply                     ``installed``, ``global``
========================  ====================================================

The other kind is ``go_env_file``, which only a restore changes. A snapshot without
``scope`` (written before gvw recorded it) counts as all of them. In the registry
(HKCU\\Environment) gvw records and restores only the values gvw and Go use
(:func:`restorable_registry_name`): ``registry`` is all of them, ``user_path`` only
``Path``. The shell's own variables (``process_env``) are never changed, only printed as
commands to run, for any scope.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Literal, get_args

from gvw.host.goenv import MAX_GO_ENV_FILE as MAX_GO_ENV_FILE
from gvw.host.goenv import PROCESS_VARS
from gvw.host.windows_registry import RegistryValue

MAX_VERSION_FILE = 64 << 10
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class Recorded(str, Enum):
    """What a snapshot knows of a file (a ``str`` so that it is written as its value)."""

    PRESENT = "present"  # its content is recorded
    ABSENT = "absent"  # there was no such file
    UNRECORDED = "unrecorded"  # it existed, but not as something gvw can keep

    def __str__(self) -> str:
        return self.value


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

# HKCU\Environment values a snapshot records and a restore may set or delete (names
# ignore case); every other value belongs to someone else (another installer, the
# user) and may hold secrets. These are the Go variables gvw records from the process
# (PATH is the registry's "Path").
_REGISTRY_NAMES = frozenset(PROCESS_VARS)


def restorable_registry_name(name: str) -> bool:
    """Whether a snapshot records ``name`` of HKCU\\Environment and a restore may write
    it: Path, the Go variables (GOROOT, GOPATH, GOBIN, GOPROXY, GOFLAGS, GOTOOLCHAIN,
    GOENV) and GVW_*."""
    upper = name.upper()
    return upper in _REGISTRY_NAMES or upper.startswith("GVW_")


_REGISTRY_NAME_RE = re.compile(r"^[^=\x00-\x1f\x7f]{1,255}$")


def valid_registry_name(name: str) -> bool:
    """A name an environment variable can have (capture skips any other)."""
    return bool(_REGISTRY_NAME_RE.match(name))


class _RecordedFile:
    """What the recorded files share: their state, taken from its text if need be."""

    state: Recorded

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", Recorded(self.state))  # frozen: set once, here

    @property
    def present(self) -> bool:
        return self.state is Recorded.PRESENT


@dataclass(frozen=True)
class FileState(_RecordedFile):
    """A file as it was: its text, absent, or unrecorded (it existed but was not text
    gvw could keep: too large, not UTF-8, unreadable; a restore leaves it alone)."""

    path: str
    state: Recorded = Recorded.ABSENT
    content: str = ""


@dataclass(frozen=True)
class ProfileFile(_RecordedFile):
    """A shell profile as it was: its exact bytes, absent, or unrecorded (not a regular
    file, a symbolic link, larger than MAX_PROFILE_FILE, unreadable: a restore leaves
    it alone)."""

    path: str
    state: Recorded = Recorded.ABSENT
    data: bytes = b""


# Programs larger than this are recorded (name, size, sha256, what built them) but not
# kept: a restore cannot put them back, and says so. Real Go programs are 5-150 MB.
MAX_KEPT_TOOL = 256 << 20


@dataclass(frozen=True)
class Tool:
    """A program in GOPATH/bin; its bytes are kept under blobs/<sha256>, unless it is
    larger than MAX_KEPT_TOOL (``kept`` False)."""

    name: str
    size: int
    sha256: str
    go_version: str = ""  # "" when not a Go program or built before Go 1.18
    path: str = ""
    module: str = ""
    module_version: str = ""
    kept: bool = True  # False: too large to keep, recorded by hash only


@dataclass(frozen=True)
class ModuleRecord:
    """A project's ``go list -m all`` under the Go it used before an upgrade: kept with
    the snapshot as a record (a restore does not write it; nothing to put back)."""

    directory: str  # the project
    go_version: str  # the Go that listed it
    modules: tuple[str, ...]  # the lines: "path version [=> replacement]"


MAX_MODULES = 100_000


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
    module_list: ModuleRecord | None = None  # recorded by gvw upgrade
