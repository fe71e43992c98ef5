"""gvw global and gvw local: write the global selection or ./.go-version."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from gvw.cli.app import App
from gvw.errors import NoVersionSelectedError
from gvw.fsutil import atomic_write_text, store_error
from gvw.selection import VERSION_FILE, check_choice, read_version_file

if TYPE_CHECKING:
    from gvw.snapshots.model import ScopeKind


@click.command("global")
@click.argument("version", required=False)
@click.option("--unset", is_flag=True, help="Remove the global selection.")
def global_(*, version: str | None, unset: bool) -> None:
    """Show or set the default Go version (used where no .go-version applies)."""
    app = App()
    path = app.paths.global_file
    written = _pin(app, path, version, unset=unset, command="global", local=False)
    if written:
        click.echo(f"Global Go version: {written[0]} ({written[1]}), written to {path}")


@click.command()
@click.argument("version", required=False)
@click.option("--unset", is_flag=True, help="Remove ./.go-version.")
def local(*, version: str | None, unset: bool) -> None:
    """Show or pin the Go version of this directory (writes ./.go-version)."""
    app = App()
    path = app.require_cwd() / VERSION_FILE
    written = _pin(app, path, version, unset=unset, command="local", local=True)
    if written:
        click.echo(f"Wrote {written[0]} ({written[1]}) to {path}")


def _pin(
    app: App, path: Path, version: str | None, *, unset: bool, command: str, local: bool
) -> tuple[str, str] | None:
    """Show, unset or write the version file ``path``; returns (spec, what it selects)
    when it wrote one. A snapshot is taken only when the file really changes."""
    version_file = path if local else None
    scope: list[ScopeKind] = ["version_files" if local else "global"]
    if unset:
        if path.is_file():
            app.snapshot_before(f"{command} --unset", scope=scope, version_file=version_file)
        _remove(path)
        return None
    if version is None:
        _show(path)
        return None
    spec, selects = check_choice(version, app.store, app.env)
    text = spec + "\n"
    if not _holds(path, text):  # rewriting the same selection is no change to undo
        app.snapshot_before(f"{command} {version.strip()}", scope=scope, version_file=version_file)
    atomic_write_text(path, text)
    return spec, selects


def _show(path: Path) -> None:
    if not path.is_file():
        raise NoVersionSelectedError(
            f"no version is set in {path}", hint="set one with: gvw global <version>"
        )
    click.echo(f"{read_version_file(path).spec} (set by {path})")


def _holds(path: Path, text: str) -> bool:
    try:
        return path.read_text("utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        click.echo(f"nothing to unset: {path} does not exist")
        return
    except OSError as exc:
        raise store_error(exc, "remove", path) from exc
    click.echo(f"Removed {path}")
