"""gvw global and gvw local: show, write or remove the global selection or ./.go-version."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gvw.base.errors import NotInstalledError
from gvw.base.paths import Paths
from gvw.cli import terminal
from gvw.cli.app import App, machine_option
from gvw.cli.command import Command
from gvw.cli.completion import complete_selectable
from gvw.cli.output import say
from gvw.selection.resolver import VERSION_FILE
from gvw.workflows.pins import (
    PinWrite,
    broad_pin,
    go_mod_pin,
    read_pin,
    remove_pin,
    write_pin,
)

if TYPE_CHECKING:
    from gvw.history.snapshots.model import ScopeKind


@click.command("global", cls=Command)
@click.argument("version", required=False, shell_complete=complete_selectable)
@click.option("--unset", is_flag=True, help="Remove the global selection.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@machine_option
def global_(*, version: str | None, unset: bool, as_json: bool, machine: bool) -> None:
    """Show or set the default Go version.

    The global version applies wherever no .go-version and no GVW_GO_VERSION does.
    Yours is in your store; where you have none, the machine store's applies (and is
    shown). With --machine: the machine store's, for every user without their own.
    VERSION must be installed: an exact version, a family such as 1.22 (the newest
    1.22.x installed), latest, or system (the go found on PATH).

    \b
    Examples:
      gvw global
      gvw global 1.22
      gvw global system
      gvw global --unset
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


@click.command(cls=Command)
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
    """Show or pin the Go version of this directory.

    Writes ./.go-version, which applies here and in every directory below that has no
    .go-version of its own. Commit it: a teammate's `gvw install` then installs it.
    VERSION must be installed (see gvw global for the forms it takes).

    \b
    Examples:
      gvw local 1.22
      gvw local
      gvw local --from-go-mod --install   the Go that go.mod asks for
      gvw local --unset
    """
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
                    terminal.success(
                        f"Installed Go {done.version} in {done.path} ({wanted.reason})"
                    )
        with change.exclusive():
            result = write_pin(
                path, wanted.version.name, store=app.store, env=app.env, change=change
            )
    _report(result, unset=False, local=True, as_json=as_json, reason=wanted.reason)


def _pin(
    app: App, path: Path, version: str | None, *, unset: bool, local: bool, as_json: bool
) -> None:
    name = "local" if local else "global"
    if version is None and not unset:
        selection = read_pin(path, store=app.store, command=name)
        if as_json:
            click.echo(json.dumps({"path": str(path), "version": str(selection.spec)}, indent=2))
        else:
            say(f"{selection.spec} (set by {path})")
        return
    command = f"{name} --unset" if unset else f"{name} {(version or '').strip()}"
    scope: list[ScopeKind] = ["version_files" if local else "global"]
    files = [path] if local else []
    try:
        with app.changes.change(command, scope=scope, version_files=files) as change:
            if unset:
                result = remove_pin(path, change=change)
            else:
                assert version is not None
                result = write_pin(path, version, store=app.store, env=app.env, change=change)
    except NotInstalledError as error:
        if version is not None:
            _name_what_exists(app, error, version)
        raise
    _report(result, unset=unset, local=local, as_json=as_json)
    if local and not unset and not as_json:
        covers = broad_pin(path, app.env)
        if covers is not None:
            home = covers == "home"
            shown, where = (f"~/{path.name}", "your home") if home else (path, path.parent)
            terminal.warning(
                f"{shown} covers every directory in {where} without its own; "
                "gvw global sets a default"
            )


def _name_what_exists(app: App, error: NotInstalledError, text: str) -> None:
    """``gvw global 9.9``: when the cached index (no network here) knows no such
    release either, say what exists and hint at installing that instead of 9.9."""
    from gvw.base.versions import ExactSpec, FamilySpec, newest_matching, parse_spec
    from gvw.install.mirror import cached_index
    from gvw.install.nearest import nearest_releases

    spec = parse_spec(text, origin="the command line")
    if not isinstance(spec, (ExactSpec, FamilySpec)):
        return
    source = app.mirror(None)
    index = cached_index(source, cache_dir=app.paths.index_cache)
    if index is None:
        return
    available = [r.version for r in index.releases if r.archive_for(app.platform)]
    if newest_matching(spec, available) is not None:
        return  # it exists: "install it with: gvw install 9.9" is right
    nearest = nearest_releases(spec, available)
    if nearest.spec:
        error.message += f", and no Go release matches it: {nearest.text}"
        error.hint = f"install that with: gvw install {nearest.spec}"


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
        terminal.success(f"Pinned {result.spec}{_now(result)} in {result.path}{because}")
    else:
        terminal.success(
            f"Global Go version: {result.spec}{_now(result)}, written to {result.path}"
        )


def _now(result: PinWrite) -> str:
    """`` (now 1.22.10)`` for a spec that selects another name; nothing said twice."""
    return f" (now {result.selects})" if result.selects != result.spec else ""
