"""The shims directory: ``go``, ``gofmt`` and a ``go<version>`` launcher per installed
version, all copies of one shim program that decides what to do from its own name.

Which program depends on the store's platform (the host's, or ``GVW_PLATFORM``'s): a
native one where the package ships one (Windows ``.exe``; Linux and macOS on amd64
and arm64), else the ``/bin/sh`` shim. Windows locks a running .exe against
replacement but lets it be renamed, so an old shim is moved aside before the new one
takes its name, and the moved-aside files are deleted when they are no longer running.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from gvw.base.fsutil import (
    atomic_write_bytes,
    is_temp_sibling_name,
    remove_file,
    rename,
    store_error,
)
from gvw.base.leftovers import remove_abandoned
from gvw.base.paths import Paths
from gvw.base.versions import GoVersion

POSIX_SHIM = "posix_shim.sh"
# In the store root, for a shim that finds its version missing (see docs/selection.md,
# "Auto-install"): how to run gvw, one argument per line, and whether to install.
GVW_COMMAND_FILE = "gvw-command"
AUTO_INSTALL_FILE = "auto-install"
WINDOWS_SHIM = "windows_shim.exe"
# Go os-arch names with a native POSIX shim (scripts/build_native_shims.py)
NATIVE_PLATFORMS = ("linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64")
TOOLS = ("go", "gofmt")
_ASIDE_MARK = ".old-"


@dataclass(frozen=True)
class ShimProgram:
    """The shim program for a platform: which file of the package, and what it is."""

    file: str
    windows: bool  # .exe names

    @property
    def description(self) -> str:
        if self.windows:
            return "the native Windows shim"
        if self.file == POSIX_SHIM:
            return "the POSIX sh shim (no native shim is shipped for this platform)"
        return f"the native shim for {self.file.removeprefix('native_shim-')}"

    def read(self) -> bytes:
        return resources.files("gvw").joinpath("shim_files", self.file).read_bytes()


def shim_for(platform: str) -> ShimProgram:
    """The program the shims of a store for ``platform`` (Go's os-arch) are copies of."""
    if platform.startswith("windows-"):
        return ShimProgram(WINDOWS_SHIM, windows=True)
    if platform in NATIVE_PLATFORMS:
        return ShimProgram(f"native_shim-{platform}", windows=False)
    return ShimProgram(POSIX_SHIM, windows=False)


@dataclass(frozen=True)
class RehashResult:
    written: tuple[str, ...]
    removed: tuple[str, ...]


def wanted_shims(installed: list[GoVersion], windows: bool) -> list[str]:
    suffix = ".exe" if windows else ""
    names = [*TOOLS, *(f"go{v.name}" for v in installed)]
    return [name + suffix for name in names]


def rehash(paths: Paths, installed: list[GoVersion], *, platform: str) -> RehashResult:
    """Make the shims directory hold exactly the shims for ``installed``, copies of the
    program for ``platform`` (:func:`shim_for`).

    Call with the store's "shims" lock held. Unchanged shims are not rewritten.
    """
    shim = shim_for(platform)
    windows = shim.windows
    program = shim.read()
    directory = paths.shims
    try:
        directory.mkdir(parents=True, exist_ok=True)
        present = {p.name for p in directory.iterdir()}
    except OSError as exc:
        raise store_error(exc, "create", directory) from exc
    _delete_moved_aside(directory, present)
    # shims whose writing was killed (.go1.22.10.gvw-<pid>-<random>.tmp)
    present -= {p.name for p in remove_abandoned(directory, files=is_temp_sibling_name)}
    wanted = wanted_shims(installed, windows)
    written = []
    for name in wanted:
        target = directory / name
        if name in present and _same_content(target, program):
            continue
        _install_shim(target, program)
        written.append(name)
    removed = []
    for name in sorted(present):
        if _is_launcher(name, windows) and name not in wanted:
            _retire(directory / name)
            removed.append(name)
    return RehashResult(tuple(written), tuple(removed))


def record_gvw_command(root: Path, command: Sequence[str], *, auto_install: bool) -> None:
    """Tell the shims how to run gvw (``<root>/gvw-command``, UTF-8, one argument per
    line: they do not search PATH for it) and whether to install a missing version
    (``<root>/auto-install`` exists iff the config says ``auto_install = true``).
    Unchanged files are not rewritten."""
    target = root / GVW_COMMAND_FILE
    if any("\n" in word or "\r" in word or not word for word in command):
        text = None  # cannot be one argument per line: the shims then never install
    else:
        text = "".join(f"{word}\n" for word in command).encode("utf-8", "surrogateescape")
    _keep(target, text)
    _keep(root / AUTO_INSTALL_FILE, b"on\n" if auto_install and text else None)


def _keep(path: Path, data: bytes | None) -> None:
    """``path`` holds ``data`` (None: does not exist), written atomically."""
    try:
        current: bytes | None = path.read_bytes()
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise store_error(exc, "read", path) from exc
    if current == data:
        return
    if data is not None:
        atomic_write_bytes(path, data)
    else:
        remove_file(path)


def stale_shims(paths: Paths, installed: list[GoVersion], *, platform: str) -> list[str]:
    """Shims that are missing, outdated or left over (for doctor)."""
    shim = shim_for(platform)
    windows = shim.windows
    program = shim.read()
    wanted = wanted_shims(installed, windows)
    problems = [n for n in wanted if not _same_content(paths.shims / n, program)]
    try:
        present = [p.name for p in paths.shims.iterdir()]
    except OSError:
        present = []
    problems += [n for n in present if _is_launcher(n, windows) and n not in wanted]
    return problems


def _install_shim(target: Path, program: bytes) -> None:
    # POSIX renames over a running program atomically, so `go` never goes missing;
    # Windows refuses to replace a running .exe but lets it be renamed away: the new
    # one is written first, so `go.exe` is missing only between two renames.
    retire_old = os.name == "nt" and target.exists()
    atomic_write_bytes(
        target,
        program,
        mode=0o755,
        before_replace=(lambda: _retire(target)) if retire_old else None,
    )


def _retire(path: Path) -> None:
    """Move a shim out of the way (works while it runs on Windows), then try to delete it."""
    aside = path.with_name(f".{path.name}{_ASIDE_MARK}{uuid.uuid4().hex[:8]}")
    try:
        rename(path, aside)
    except OSError as exc:
        raise store_error(exc, "replace", path) from exc
    with contextlib.suppress(OSError):  # still running (Windows): a later rehash deletes it
        aside.unlink()


def _delete_moved_aside(directory: Path, present: set[str]) -> None:
    for name in [n for n in present if _ASIDE_MARK in n]:
        try:
            (directory / name).unlink()
        except OSError:
            continue  # still running
        present.discard(name)


def _is_launcher(name: str, windows: bool) -> bool:
    stem = name[:-4] if windows and name.lower().endswith(".exe") else name
    if windows != name.lower().endswith(".exe"):
        return False
    return stem.startswith("go") and stem[2:3].isdigit()


def _same_content(path: Path, program: bytes) -> bool:
    try:
        return (
            path.stat().st_size == len(program)
            and path.read_bytes() == program
            and (os.name == "nt" or os.access(path, os.X_OK))
        )
    except OSError:
        return False
