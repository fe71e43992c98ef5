"""Values for shell completion (click's ``shell_complete=``), one function per kind.

They run at every Tab, in a fresh gvw process, so they stay cheap: no network (install
offers releases from the cached index only), no HTTP client, nothing imported until called.
A completion never fails: whatever goes wrong, it offers nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import click
from click.shell_completion import CompletionItem

if TYPE_CHECKING:
    from gvw.cli.app import App

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def _offer(values: Iterable[str], incomplete: str) -> list[CompletionItem]:
    """The values that start with what was typed, in order, each once."""
    wanted = incomplete.strip()
    return [CompletionItem(v) for v in dict.fromkeys(values) if v.startswith(wanted)]


def _quietly(function: Callable[[App, click.Context], Iterable[str]]) -> Completer:
    def complete(
        ctx: click.Context, _param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        from gvw.base.errors import GvwError
        from gvw.cli.app import App

        try:
            return _offer(function(App(), ctx), incomplete)
        except (GvwError, OSError, ValueError):
            return []

    return complete


def _installed(app: App) -> list[str]:
    """Oldest first, as listed before (the shell keeps this order)."""
    return [v.name for v in reversed(app.store.installed())]


@_quietly
def complete_installed(app: App, _ctx: click.Context) -> Iterable[str]:
    """Installed versions, exact names (uninstall)."""
    return _installed(app)


def _selectable(app: App) -> list[str]:
    """The versions of the user store and the machine store, oldest first."""
    return [v.name for v in reversed(app.store.selectable())]


@_quietly
def complete_selectable(app: App, _ctx: click.Context) -> Iterable[str]:
    """What a pin or a session may name: latest, system and the installed versions of
    both stores (global, local, shell)."""
    return ["latest", "system", *_selectable(app)]


@_quietly
def complete_tools(app: App, _ctx: click.Context) -> Iterable[str]:
    """The shims' names: go, gofmt and a go<version> launcher per installed version
    (which, and the program of exec)."""
    return ["go", "gofmt", *(f"go{name}" for name in _selectable(app))]


def complete_exec(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """exec: a shim's name first, then the shell's own file completion."""
    if ctx.params.get(param.name or ""):
        return [CompletionItem(incomplete, type="file")]
    return complete_tools(ctx, param, incomplete)


@_quietly
def complete_releases(app: App, ctx: click.Context) -> Iterable[str]:
    """What the cached index offers for this platform (install), newest first: latest,
    the families, then every release. Never the network: without a cached index, only
    ``latest``."""
    from gvw.install.mirror import cached_index

    index = cached_index(app.mirror(ctx.params.get("mirror")), cache_dir=app.paths.index_cache)
    releases = [r for r in (index.releases if index else []) if r.archive_for(app.platform)]
    families = [f"{r.version.major}.{r.version.minor}" for r in releases if r.stable]
    return ["latest", *families, *(r.version.name for r in releases)]


@_quietly
def complete_snapshot_ids(app: App, _ctx: click.Context) -> Iterable[str]:
    """Snapshot ids, newest first (snapshots show/diff/discard, restore)."""
    from gvw.history.snapshots.repository import SnapshotRepository

    return list(reversed(SnapshotRepository(app.paths.snapshots).ids()))
