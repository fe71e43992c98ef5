"""gvw global and gvw local: show, write or remove the global selection or ./.go-version."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gvw.base.paths import Paths
from gvw.cli.app import App, machine_option
from gvw.cli.completion import complete_selectable
from gvw.cli.output import say
from gvw.selection.resolver import VERSION_FILE
from gvw.workflows.pins import PinWrite, go_mod_pin, read_pin, remove_pin, write_pin

if TYPE_CHECKING:
    from gvw.history.snapshots.model import ScopeKind


@click.command("global")
@click.argument("version", required=False, shell_complete=complete_selectable)
@click.option("--unset", is_flag=True, help="Remove the global selection.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@machine_option
def global_(*, version: str | None, unset: bool, as_json: bool, machine: bool) -> None:
    """Show or set the default Go version (used where no .go-version applies).

    Yours, in your store; where you have none, the machine store's applies (and is
    shown). With --machine: the machine store's, for every user without their own.
    """
    app = App(machine=machine)
    path = app.paths.global_file
    if version is None and not unset:
        path = shown_global_file(app.paths)
    _pin(app, path, version, unset=unset, local=False, as_json=as_json)


def shown_global_file(paths: Paths) -> Path:
    """The global file that applies: the store's, else the machine store's when only
    that one exists (docs/machine-store.md)."""
    machine = paths.machine
    if os.path.lexists(paths.global_file) or machine is None:
        return paths.global_file
    return machine.global_file if os.path.lexists(machine.global_file) else paths.global_file


@click.command()
@click.argument("version", required=False, shell_complete=complete_selectable)
@click.option("--unset", is_flag=True, help="Remove ./.go-version.")
@click.option(
    "--from-go-mod",
    is_flag=True,
    help="Pin the Go that go.mod (or go.work) makes Go switch to.",
)
@click.option("--install", is_flag=True, help="With --from-go-mod: install it when missing.")
@click.option("--mirror", metavar="URL", help="With --install: download from this mirror.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def local(
    *,
    version: str | None,
    unset: bool,
    from_go_mod: bool,
    install: bool,
    mirror: str | None,
    as_json: bool,
) -> None:
    """Show or pin the Go version of this directory (writes ./.go-version)."""
    if from_go_mod and (version or unset):
        raise click.UsageError("give VERSION, --unset or --from-go-mod, not several")
    if (install or mirror) and not from_go_mod:
        raise click.UsageError("--install and --mirror go with --from-go-mod")
    app = App()
    path = app.require_cwd() / VERSION_FILE
    if from_go_mod:
        _pin_from_go_mod(app, path, install=install, mirror=mirror, as_json=as_json)
        return
    _pin(app, path, version, unset=unset, local=True, as_json=as_json)


def _pin_from_go_mod(
    app: App, path: Path, *, install: bool, mirror: str | None, as_json: bool
) -> None:
    from gvw.base.versions import ExactSpec
    from gvw.cli.install import make_installer
    from gvw.cli.terminal import TerminalReporter

    wanted = go_mod_pin(app.require_cwd(), app.env, app.store, will_install=install)
    scope: list[ScopeKind] = ["installed", "version_files"] if install else ["version_files"]
    command = "local --from-go-mod" + (" --install" if install else "")
    # an install takes minutes: then the state lock is held only to write the pin
    with app.changes.change(
        command, scope=scope, version_files=[path], exclusive=not install
    ) as change:
        if install and not app.store.is_installed(wanted.version):
            reporter = TerminalReporter(quiet=as_json)
            installer = make_installer(app, change, reporter, mirror=app.mirror(mirror))
            spec = ExactSpec(wanted.version)
            done = installer.install_planned(installer.plan(spec, spelled=str(spec)))
            if not done.already_installed:
                change.versions_changed()
                change.note("installed", version=done.version.name, reason=wanted.reason)
                if not as_json:
                    say(f"Installed Go {done.version} in {done.path} ({wanted.reason})")
        with change.exclusive():
            result = write_pin(
                path, wanted.version.name, store=app.store, env=app.env, change=change
            )
    _report(result, unset=False, local=True, as_json=as_json, reason=wanted.reason)


def _pin(
    app: App, path: Path, version: str | None, *, unset: bool, local: bool, as_json: bool
) -> None:
    if version is None and not unset:
        selection = read_pin(path)
        if as_json:
            click.echo(json.dumps({"path": str(path), "version": str(selection.spec)}, indent=2))
        else:
            say(f"{selection.spec} (set by {path})")
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


def _report(result: PinWrite, *, unset: bool, local: bool, as_json: bool, reason: str = "") -> None:
    if as_json:
        report = {
            "path": str(result.path),
            "version": result.spec,
            "selects": result.selects,
            "previous": result.previous,
            "changed": result.changed,
            **({"reason": reason} if reason else {}),
        }
        click.echo(json.dumps(report, indent=2))
    elif unset:
        if result.changed:
            say(f"Removed {result.path}")
        else:
            say(f"nothing to unset: {result.path} does not exist")
    elif local:
        because = f" ({reason})" if reason else ""
        say(f"Wrote {result.spec} ({result.selects}) to {result.path}{because}")
    else:
        say(f"Global Go version: {result.spec} ({result.selects}), written to {result.path}")
