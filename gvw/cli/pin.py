"""gvw global and gvw local: show, write or remove the global selection or ./.go-version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gvw.cli.app import App
from gvw.cli.completion import complete_selectable
from gvw.pins import PinWrite, read_pin, remove_pin, write_pin
from gvw.selection import VERSION_FILE

if TYPE_CHECKING:
    from gvw.snapshots.model import ScopeKind


@click.command("global")
@click.argument("version", required=False, shell_complete=complete_selectable)
@click.option("--unset", is_flag=True, help="Remove the global selection.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def global_(*, version: str | None, unset: bool, as_json: bool) -> None:
    """Show or set the default Go version (used where no .go-version applies)."""
    app = App()
    _pin(app, app.paths.global_file, version, unset=unset, local=False, as_json=as_json)


@click.command()
@click.argument("version", required=False, shell_complete=complete_selectable)
@click.option("--unset", is_flag=True, help="Remove ./.go-version.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def local(*, version: str | None, unset: bool, as_json: bool) -> None:
    """Show or pin the Go version of this directory (writes ./.go-version)."""
    app = App()
    path = app.require_cwd() / VERSION_FILE
    _pin(app, path, version, unset=unset, local=True, as_json=as_json)


def _pin(
    app: App, path: Path, version: str | None, *, unset: bool, local: bool, as_json: bool
) -> None:
    if version is None and not unset:
        selection = read_pin(path)
        if as_json:
            click.echo(json.dumps({"path": str(path), "version": str(selection.spec)}, indent=2))
        else:
            click.echo(f"{selection.spec} (set by {path})")
        return
    name = "local" if local else "global"
    command = f"{name} --unset" if unset else f"{name} {(version or '').strip()}"
    scope: list[ScopeKind] = ["version_files" if local else "global"]
    files = [path] if local else []
    with app.changes.change(command, scope=scope, version_files=files) as change:
        if unset:
            result = remove_pin(path, change=change)
        else:
            assert version is not None
            result = write_pin(path, version, store=app.store, env=app.env, change=change)
    _report(result, unset=unset, local=local, as_json=as_json)


def _report(result: PinWrite, *, unset: bool, local: bool, as_json: bool) -> None:
    if as_json:
        report = {
            "path": str(result.path),
            "version": result.spec,
            "selects": result.selects,
            "previous": result.previous,
            "changed": result.changed,
        }
        click.echo(json.dumps(report, indent=2))
    elif unset:
        if result.changed:
            click.echo(f"Removed {result.path}")
        else:
            click.echo(f"nothing to unset: {result.path} does not exist")
    elif local:
        click.echo(f"Wrote {result.spec} ({result.selects}) to {result.path}")
    else:
        click.echo(f"Global Go version: {result.spec} ({result.selects}), written to {result.path}")
