"""Which Go runs here: the selection rules the shims implement too.

Small steps, each usable on its own (as in rbenv): find the version file, read its
first word, decide the spec and where it came from, resolve the spec against the
installed versions, and find the binary. Inputs (cwd, environment, paths) are
arguments; nothing is read from globals. The rules are in docs/selection.md.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gvw.base.errors import InvalidVersionError, NotInstalledError, NoVersionSelectedError
from gvw.base.paths import Paths
from gvw.base.versions import (
    ExactSpec,
    GoVersion,
    Spec,
    SystemSpec,
    newest_matching,
    parse_installed_name,
    parse_spec,
)
from gvw.selection.pathsearch import PathSearch, walk_up
from gvw.store.version_store import Store

VERSION_FILE = ".go-version"
ENV_VAR = "GVW_GO_VERSION"
ENV_ORIGIN = f"{ENV_VAR} environment variable"
MAX_VERSION_FILE_BYTES = 4096
EXPECTED_HINT = "expected a version such as 1.22.10, 1.22, latest or system"
BROKEN_HINT = "it is not a readable regular file: fix or remove it"
# works in every state where it is shown: the version it installs becomes the global one
# while nothing is selected (gvw.workflows.pins.select_if_unselected)
NO_VERSION_HINT = "install one with: gvw install latest"
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Selection:
    """A spec and where it was set."""

    spec: Spec
    origin: str  # "GVW_GO_VERSION environment variable", a file path, "launcher go1.x"
    file: Path | None = None  # the version file, when it came from one


@dataclass(frozen=True)
class Resolved:
    selection: Selection | None  # None: nothing selected, fell back to the system go
    version: GoVersion | None  # None for the system go
    goroot: Path | None  # the GOROOT the shim sets; None for the system go
    system_go: Path | None = None  # the system go, when that is what runs


def find_version_file(cwd: Path) -> Path | None:
    """The nearest ``.go-version`` from ``cwd`` upwards that is not a directory (a
    directory of that name is ignored). It may be broken: reading it says so."""
    for directory in walk_up(cwd):
        candidate = directory / VERSION_FILE
        if _name_holds(candidate) not in (None, "dir"):
            return candidate
    return None


def read_global_file(paths: Paths) -> Selection | None:
    """The global selection: ``<root>/version``, else the machine store's
    (docs/machine-store.md); None when neither exists. Anything else that is not a
    readable regular file there, a directory too, is an error."""
    for store in (paths, paths.machine):
        if store is not None and _name_holds(store.global_file) is not None:
            return read_version_file(store.global_file)
    return None


def read_version_file(path: Path) -> Selection:
    """The spec in a version file: the first word of the first line that is neither
    blank nor a ``#`` comment, within the first 4096 bytes."""
    head = _read_head(path)
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    for raw_line in head.split(b"\n"):
        line = raw_line.strip(b" \t\r\f\v")
        if not line or line.startswith(b"#"):
            continue
        word = line.split()[0].decode("utf-8", "surrogateescape")
        return Selection(parse_spec(word, origin=str(path)), origin=str(path), file=path)
    raise InvalidVersionError(f"no Go version in {path}", hint=EXPECTED_HINT)


def _name_holds(path: Path) -> str | None:
    """What a version file's name holds: None (nothing, or nothing this user can see),
    "dir", "file" (a regular file, through links), or "other": a name that exists but
    is no regular file (a dangling link, a link loop, a FIFO, a socket, a device)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "other" if os.path.lexists(path) else None
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


def _read_head(path: Path) -> bytes:
    """The first bytes of a regular file, else the broken-pin error. The type is
    tested before opening and again on the open file, which is opened non-blocking:
    opening a FIFO for reading would otherwise wait for a writer forever."""
    broken = InvalidVersionError(f"cannot read version file {path}", hint=BROKEN_HINT)
    if _name_holds(path) != "file":
        raise broken
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError:
        raise broken from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise broken
        chunks: list[bytes] = []
        left = MAX_VERSION_FILE_BYTES
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        raise broken from None
    finally:
        os.close(fd)


def find_selection(cwd: Path | None, env: Mapping[str, str], paths: Paths) -> Selection | None:
    """The first hit of: GVW_GO_VERSION, the nearest .go-version, the global file.

    ``cwd`` is None when the current directory has been deleted: like the shims, go
    on with the global file.
    """
    from_env = env.get(ENV_VAR, "").strip()
    if from_env:
        return Selection(parse_spec(from_env, origin=ENV_ORIGIN), origin=ENV_ORIGIN)
    version_file = find_version_file(cwd) if cwd is not None else None
    if version_file is not None:
        return read_version_file(version_file)
    return read_global_file(paths)


def find_system_go(tool: str, env: Mapping[str, str], store: Store) -> Path | None:
    """The first ``tool`` on PATH outside the shims directories (this store's and the
    machine store's), by the shims' rules (:mod:`gvw.selection.pathsearch`; ``gvw
    doctor`` uses the same search)."""
    return shims_search(store).find(tool, env.get("PATH", ""))


def shims_search(
    store: Store, *, windows: bool = os.name == "nt", cwd: str | None = None
) -> PathSearch:
    """PATH lookups that skip the shims of ``store`` and of the machine store."""
    others = (store.machine.paths.shims,) if store.machine is not None else ()
    return PathSearch(store.paths.shims, windows=windows, cwd=cwd, others=others)


def resolve(
    selection: Selection | None, store: Store, env: Mapping[str, str], *, tool: str = "go"
) -> Resolved:
    """Turn a selection into the toolchain to run, or raise the shims' errors."""
    if selection is None or isinstance(selection.spec, SystemSpec):
        system_go = find_system_go(tool, env, store)
        if system_go is not None:
            return Resolved(selection, None, None, system_go)
        if selection is None:
            raise NoVersionSelectedError(
                "no Go version selected and no other go on PATH",
                hint=NO_VERSION_HINT,
            )
        raise NotInstalledError(
            f"no system Go found on PATH (set by {selection.origin})",
            hint="select a version with: gvw global <version>",
        )
    # this store's versions and the machine store's (docs/machine-store.md)
    version = newest_matching(selection.spec, store.selectable())
    goroot = store.locate(version) if version is not None else None
    if version is None or goroot is None:
        raise NotInstalledError(
            f"Go {selection.spec} is not installed (set by {selection.origin})",
            hint=f"install it with: gvw install {selection.spec}",
        )
    return Resolved(selection, version, goroot)


def check_choice(text: str, store: Store, env: Mapping[str, str]) -> tuple[str, str]:
    """Validate a version a user wants to select (``gvw global/local/shell``).

    Returns the spec as it will be written and what it selects now (a version, or the
    system go's path); fails if nothing installed matches.
    """
    spec = parse_spec(text, origin="the command line")
    if isinstance(spec, SystemSpec):
        system_go = find_system_go("go", env, store)
        if system_go is None:
            raise NotInstalledError(
                "no system Go found on PATH", hint="install a version with: gvw install 1.22"
            )
        return "system", str(system_go)
    resolved = resolve(Selection(spec, origin="the command line"), store, env)
    assert resolved.version is not None
    return str(spec), resolved.version.name


def launcher_version(tool: str) -> GoVersion | None:
    """``go1.22.10`` -> 1.22.10: the fixed version of a launcher name, else None."""
    if tool.startswith("go") and tool[2:3].isdigit():
        return parse_installed_name(tool[2:])
    return None


def resolve_tool(
    tool: str, cwd: Path | None, env: Mapping[str, str], store: Store
) -> tuple[Path, Resolved]:
    """The executable a shim named ``tool`` runs from ``cwd``, and why."""
    fixed = launcher_version(tool)
    if fixed is not None:
        selection = Selection(ExactSpec(fixed), origin=f"launcher {tool}")
        resolved = resolve(selection, store, env)
        tool = "go"
    else:
        resolved = resolve(find_selection(cwd, env, store.paths), store, env, tool=tool)
    if resolved.system_go is not None:
        return resolved.system_go, resolved
    assert resolved.goroot is not None
    exe = tool + (".exe" if os.name == "nt" else "")
    return resolved.goroot / "bin" / exe, resolved
