"""Uninstalling: which versions may go, and moving them to the trash.

The global version and the one selected for the current directory are in use:
removing them would break every ``go`` run that relies on them, so they go only with
``force``. Removed versions are moved to the trash (one rename each, under the
version's install lock), so ``gvw rollback`` brings them back without a download.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gvw.base.errors import GvwError, InUseError, NotInstalledError, UsageError
from gvw.base.versions import ExactSpec, GoVersion, newest_matching, parse_spec
from gvw.history.changes import Change
from gvw.selection.resolver import Selection, find_selection, read_version_file, resolve
from gvw.store.version_store import Store


def uninstall_targets(texts: Sequence[str], store: Store) -> list[GoVersion]:
    """The installed versions ``texts`` name; every one must be exact and installed."""
    targets: list[GoVersion] = []
    for text in texts:
        spec = parse_spec(text, origin="the command line")
        if not isinstance(spec, ExactSpec):
            matching = [v.name for v in store.installed() if newest_matching(spec, [v])]
            listed = f"installed: {', '.join(matching)}" if matching else "none is installed"
            raise UsageError(
                f"uninstall takes exact versions, not {text.strip()!r} ({listed})",
                hint=f"name one, e.g. gvw uninstall {matching[0]}"
                if matching
                else "see the installed versions with: gvw list",
            )
        machine = store.machine
        if (
            machine is not None
            and machine.is_installed(spec.version)
            and not store.is_installed(spec.version)
        ):
            raise NotInstalledError(
                f"Go {spec.version} is in the machine store {machine.paths.root}, not in yours",
                hint=f"remove it from there (as administrator): "
                f"gvw uninstall --machine {spec.version}",
            )
        store.require(spec.version)
        targets.append(spec.version)
    return targets


@dataclass(frozen=True)
class InUse:
    """A version that a selection resolves to: the global one, or the one selected here."""

    version: GoVersion
    role: str  # "the global version" or "selected here"
    origin: str  # where that selection was set

    @property
    def is_global(self) -> bool:
        return self.role == GLOBAL_ROLE


GLOBAL_ROLE = "the global version"


def in_use(
    targets: Sequence[GoVersion], store: Store, *, cwd: Path | None, env: Mapping[str, str]
) -> list[InUse]:
    """Which ``targets`` are the global version or selected in ``cwd`` (once each:
    selected here by the global file counts as the global version)."""
    selections: list[tuple[Selection | None, str]] = []
    with contextlib.suppress(GvwError, OSError):  # a broken pin is not our business here
        if store.paths.global_file.is_file():
            selections.append((read_version_file(store.paths.global_file), GLOBAL_ROLE))
    with contextlib.suppress(GvwError, OSError):
        selections.append((find_selection(cwd, env, store.paths), "selected here"))
    found: dict[tuple[GoVersion, str], InUse] = {}
    for selection, role in selections:
        version = None
        with contextlib.suppress(GvwError):  # selects nothing installed: nothing in use
            version = resolve(selection, store, env).version if selection else None
        if selection is not None and version is not None and version in targets:
            found.setdefault((version, selection.origin), InUse(version, role, selection.origin))
    return list(found.values())


def refuse_in_use(
    targets: Sequence[GoVersion], store: Store, *, cwd: Path | None, env: Mapping[str, str]
) -> None:
    """Raise InUseError when a target is the global version or selected in ``cwd``."""
    for used in in_use(targets, store, cwd=cwd, env=env):
        others = [v for v in store.installed() if v not in targets]
        if others:  # a command that works: select what stays, then uninstall
            pin = "global" if used.is_global else "local"
            hint = f"select another version first: gvw {pin} {others[0]}"
        else:
            hint = "remove it all the same with: gvw uninstall --force " + " ".join(
                v.name for v in targets
            )
        raise InUseError(
            f"refusing to uninstall Go {used.version}: it is {used.role} (set by {used.origin})",
            hint=hint,
        )


def uninstall(targets: Sequence[GoVersion], store: Store, *, change: Change) -> list[Path]:
    """Move ``targets`` to the trash; returns their trash entries."""
    change.snapshot()
    entries = []
    for version in targets:
        with store.install_lock(version):
            entries.append(store.remove(version))
        change.versions_changed()
        change.note("uninstalled", version=version.name)
    return entries
