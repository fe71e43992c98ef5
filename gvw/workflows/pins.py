"""Pins: showing, writing and removing a version file (``gvw global``, ``gvw local``).

A pin is written only with a version that is installed (so a typo never breaks every
``go`` call), only when its text really changes (rewriting the same selection is no
change to undo, and leaves no snapshot), and always atomically. The caller's
:class:`gvw.history.changes.Change` is snapshotted just before the file changes.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gvw.base.bounded import InputRefused, read_regular_file
from gvw.base.errors import (
    GvwError,
    InvalidVersionError,
    NotInstalledError,
    NoVersionSelectedError,
    StoreError,
    UsageError,
)
from gvw.base.fsutil import (
    atomic_write_bytes,
    atomic_write_text,
    remove_abandoned_temporaries,
    store_error,
)
from gvw.base.versions import GoVersion
from gvw.history.changes import Change
from gvw.selection.resolver import (
    EXPECTED_HINT,
    MAX_VERSION_FILE_BYTES,
    Selection,
    check_choice,
    find_selection,
    read_version_file,
)
from gvw.store.version_store import Store
from gvw.workflows.project import GoModRequirement, go_mod_requirement

# a pin gvw rewrites in place (gvw upgrade keeps its other lines); the shims read 4 KiB
MAX_PIN_BYTES = 1 << 20


@dataclass(frozen=True)
class PinWrite:
    path: Path
    spec: str | None  # what the file now says; None when it was removed
    selects: str | None  # the version (or the system go) that spec selects now
    previous: str | None  # the first word the file held before; None: there was none
    changed: bool


def read_pin(path: Path, *, store: Store, command: str) -> Selection:
    """The pin in ``path`` (shown by ``gvw global`` or ``gvw local``, the ``command``);
    a name that is there but no readable regular file (a directory too) is a broken
    pin, reported as the shims report it."""
    if not os.path.lexists(path):
        installed = store.installed()
        hint = (
            f"set one with: gvw {command} {installed[0]}"
            if installed
            else "install one with: gvw install latest"
        )
        raise NoVersionSelectedError(f"no version is set in {path}", hint=hint)
    return read_version_file(path)


def write_pin(
    path: Path, text: str, *, store: Store, env: Mapping[str, str], change: Change
) -> PinWrite:
    """Pin ``text`` (a spec that must select an installed version) in ``path``."""
    spec, selects = check_choice(text, store, env)
    new_text = spec + "\n"
    remove_abandoned_temporaries(path)  # what a killed write of it left, written or not
    previous = _first_word(path)
    if _holds(path, new_text):
        return PinWrite(path, spec, selects, previous, changed=False)
    change.snapshot()
    atomic_write_text(path, new_text)
    change.note("pin", path=str(path), old=previous, new=spec)
    return PinWrite(path, spec, selects, previous, changed=True)


def nothing_selected(cwd: Path | None, env: Mapping[str, str], store: Store) -> bool:
    """Whether no GVW_GO_VERSION, no .go-version and no global file applies in ``cwd``
    (a broken one counts as a selection: it is the user's to fix)."""
    try:
        return find_selection(cwd, env, store.paths) is None
    except GvwError:
        return False


def select_if_unselected(
    version: GoVersion, *, cwd: Path | None, env: Mapping[str, str], store: Store, change: Change
) -> PinWrite | None:
    """Make ``version`` the global version when nothing is selected in ``cwd``: a first
    install then works at once, as rustup's first toolchain becomes the default. The
    exact version is written, so later installs never change what it selects. Decided
    under the store's state lock (``gvw global`` writes under it too): of concurrent
    first installs, one is selected and the others find a selection. None when
    something was selected."""
    with change.exclusive():
        if not nothing_selected(cwd, env, store):
            return None
        return write_pin(store.paths.global_file, version.name, store=store, env=env, change=change)


def broad_pin(path: Path, env: Mapping[str, str]) -> str | None:
    """Whether a ``.go-version`` covers a whole home ("home") or filesystem ("root"):
    every directory below without one of its own, a global version in disguise that
    ``gvw global`` does not show. None for any other directory."""
    directory = path.parent
    if directory.parent == directory:  # /, C:\, \\server\share\
        return "root"
    home = env.get("USERPROFILE" if os.name == "nt" else "HOME", "")
    if home and _same_directory(directory, Path(home)):
        return "home"
    return None


def _same_directory(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def go_mod_pin(
    cwd: Path, env: Mapping[str, str], store: Store, *, will_install: bool
) -> GoModRequirement:
    """The exact Go that ``cwd``'s go.mod or go.work makes Go switch to, for
    ``gvw local --from-go-mod``; it must be installed unless it is about to be."""
    requirement = go_mod_requirement(cwd, env)
    if requirement is None:
        raise UsageError(
            f"no go.mod or go.work with a go or toolchain line in {cwd} or above",
            hint="pin a version yourself: gvw local <version>",
        )
    if not will_install and not store.is_installed(requirement.version):
        raise NotInstalledError(
            f"Go {requirement.version} is not installed (asked for by {requirement.reason})",
            hint="install and pin it with: gvw local --from-go-mod --install",
        )
    return requirement


def remove_pin(path: Path, *, change: Change) -> PinWrite:
    """Remove the pin ``path``; ``changed`` is False when there was none."""
    previous = _first_word(path)
    if not os.path.lexists(path):
        return PinWrite(path, None, None, None, changed=False)
    if path.is_file():
        change.snapshot()
    try:
        path.unlink()
    except FileNotFoundError:
        return PinWrite(path, None, None, None, changed=False)
    except OSError as exc:
        raise store_error(exc, "remove", path) from exc
    change.note("pin", path=str(path), old=previous, new=None)
    return PinWrite(path, None, None, previous, changed=True)


def _first_word(path: Path) -> str | None:
    try:
        return str(read_version_file(path).spec) if path.is_file() else None
    except GvwError:  # a damaged pin: its old value is unknown, which is no reason to stop
        return None


def _holds(path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    try:  # a longer file (or a FIFO, /dev/zero) does not hold it, and is not read whole
        return read_regular_file(path, len(data)) == data
    except (OSError, InputRefused):
        return False


def replace_pin_word(
    path: Path, word: str, *, change: Change, expected: str | None = None
) -> PinWrite:
    """Change only the version word of the pin in ``path`` (``gvw upgrade``): the
    comments, other lines, line endings and a BOM stay byte for byte as they were.
    ``expected``: the word the file held when the upgrade began; a pin changed since
    (by hand, by another gvw) is the user's newer choice and is not overwritten."""
    try:
        data = read_regular_file(path, MAX_PIN_BYTES)
    except OSError as exc:
        raise store_error(exc, "read", path) from exc
    except InputRefused as refused:
        raise InvalidVersionError(f"{path} {refused.reason}", hint=EXPECTED_HINT) from None
    start, end = _word_span(data)
    if start < 0:
        raise InvalidVersionError(f"no Go version in {path}", hint=EXPECTED_HINT)
    previous = data[start:end].decode("utf-8", "surrogateescape")
    if expected is not None and previous != expected:
        raise StoreError(
            f"{path} changed while the upgrade ran (it said {expected}, now {previous}); "
            "it was left as it is",
            hint="run gvw upgrade again",
        )
    new = data[:start] + word.encode("utf-8") + data[end:]
    if new == data:
        return PinWrite(path, word, word, previous, changed=False)
    change.snapshot()
    atomic_write_bytes(path, new)
    change.note("pin", path=str(path), old=previous, new=word)
    return PinWrite(path, word, word, previous, changed=True)


def pin_word(path: Path) -> str | None:
    """The version word of a pin as the file spells it (``go1.22.10`` keeps its prefix)."""
    try:
        data = read_regular_file(path, MAX_PIN_BYTES)
    except (OSError, InputRefused):
        return None
    start, end = _word_span(data)
    return data[start:end].decode("utf-8", "surrogateescape") if start >= 0 else None


def _word_span(data: bytes) -> tuple[int, int]:
    """Where the version word is, by :func:`gvw.selection.resolver.read_version_file`'s rules:
    the first word of the first line neither blank nor a ``#`` comment, within the
    first 4096 bytes (after a BOM); (-1, -1) when there is none."""
    offset = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    limit = MAX_VERSION_FILE_BYTES
    while offset < min(len(data), limit):
        line_end = data.find(b"\n", offset)
        line_end = len(data) if line_end < 0 else line_end
        line = data[offset:line_end]
        stripped = line.lstrip(b" \t\r\f\v")
        if stripped.strip(b" \t\r\f\v") and not stripped.startswith(b"#"):
            start = offset + len(line) - len(stripped)
            word = stripped.split()[0]
            return start, start + len(word)
        offset = line_end + 1
    return -1, -1
