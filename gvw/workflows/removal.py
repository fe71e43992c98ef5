"""Uninstalling: which versions may go, and moving them to the trash.

The global version and the one selected for the current directory are in use:
removing them would break every ``go`` run that relies on them, so they go only with
``force``. Removed versions are moved to the trash (one rename each, under the
version's install lock), so ``gvw rollback`` brings them back without a download.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
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


def refuse_in_use(
    targets: Sequence[GoVersion], store: Store, *, cwd: Path | None, env: Mapping[str, str]
) -> None:
    """Raise InUseError when a target is the global version or selected in ``cwd``."""
    selections: list[tuple[Selection | None, str]] = []
    with contextlib.suppress(GvwError, OSError):  # a broken pin is not our business here
        if store.paths.global_file.is_file():
            selections.append((read_version_file(store.paths.global_file), "the global version"))
    with contextlib.suppress(GvwError, OSError):
        selections.append((find_selection(cwd, env, store.paths), "selected here"))
    for selection, role in selections:
        version = None
        with contextlib.suppress(GvwError):  # selects nothing installed: nothing in use
            version = resolve(selection, store, env).version if selection else None
        if selection is not None and version in targets:
            raise InUseError(
                f"refusing to uninstall Go {version}: it is {role} (set by {selection.origin})",
                hint="select another version first (gvw global VERSION / gvw local "
                "VERSION), or use --force",
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
