"""gvw setup: load the shell integration in every new shell, and on Windows put the
shims into the user PATH. ``--undo`` takes exactly that back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gvw.base.errors import GvwError, UsageError
from gvw.cli.app import App
from gvw.cli.command import Command
from gvw.host.goenv import host_goos
from gvw.host.shells import SETUP_SHELLS

if TYPE_CHECKING:
    from gvw.host.shells.setup import Step


@click.command(cls=Command)
@click.option(
    "--shell",
    "shells",
    multiple=True,
    type=click.Choice(SETUP_SHELLS),
    help="The shell to set up (repeatable). Default: PowerShell on Windows, else $SHELL; "
    "with --undo, all of them.",
)
@click.option("--undo", is_flag=True, help="Remove what gvw setup added.")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
@click.option(
    "--machine",
    is_flag=True,
    help="Windows, as administrator: put the machine store's shims first in the machine "
    "PATH, for every user and service (docs/machine-store.md).",
)
def setup(*, shells: tuple[str, ...], undo: bool, as_json: bool, machine: bool) -> None:
    """Set gvw up for good in your shell profile.

    Adds the `gvw init` line to the shell profile (marked, so --undo finds it) and, on
    Windows, puts the shims first in the user PATH (HKCU\\Environment, REG_EXPAND_SZ,
    other entries untouched). Creates the shims too, so that `go` answers at once. Safe
    to run again. The line runs this gvw by its absolute path, so it works when gvw is
    not on PATH (a venv, pip install --user). --machine (Windows, as administrator):
    the machine store's shims first in the machine PATH instead.

    \b
    Examples:
      gvw setup
      gvw setup --shell zsh
      gvw setup --undo
    """
    from gvw.host.shells import gvw_command
    from gvw.host.shells.setup import plan, remove_leftovers
    from gvw.host.windows_registry import user_environment

    windows = host_goos() == "windows"
    app = App(machine=machine)
    if machine:
        steps = _machine_steps(app, windows=windows, shells=shells, undo=undo)
    else:
        chosen = list(shells) or (list(SETUP_SHELLS) if undo else [_default_shell(app, windows)])
        steps = plan(
            chosen,
            env=app.env,
            shims=str(app.paths.shims),
            windows=windows,
            registry=user_environment() if windows else None,
            undo=undo,
            gvw=gvw_command(),
        )
    command = "setup --machine" if machine else "setup"
    with app.changes.change(
        f"{command} --undo" if undo else command, scope=["profile_files", "user_path"]
    ) as change:
        remove_leftovers(steps)
        changed = [step for step in steps if step.changed]
        if changed:
            change.snapshot(profile_files=[s.path for s in changed if s.path is not None])
        for step in changed:
            step.apply()
            change.note("setup", target=step.target, path=str(step.path) if step.path else None)
    if not undo:  # the shims exist from now on: `go` answers (if only with the fix)
        with app.claim():
            app.rehash()
    if as_json:
        report = [{"target": s.target, "changed": s.changed, "message": s.message} for s in steps]
        click.echo(json.dumps({"undo": undo, "steps": report}, indent=2))
        return
    for step in steps:
        click.echo(step.message)
    if not undo and any(step.changed for step in steps):
        click.echo("Open a new terminal to start using it (`gvw doctor` checks the result).")


def _machine_steps(app: App, *, windows: bool, shells: tuple[str, ...], undo: bool) -> list[Step]:
    """The machine PATH step of ``setup --machine``: Windows only (elsewhere the
    administrator puts the shims on every user's PATH, as the message says)."""
    from gvw.host.shells.setup import machine_plan
    from gvw.host.winenv import machine_environment

    shims = app.paths.shims
    registry = machine_environment() if windows else None
    if registry is None:
        raise UsageError(
            "gvw setup --machine changes the machine PATH of Windows; there is none here",
            hint=f"put {shims} on every user's PATH, e.g. in /etc/profile.d/gvw.sh: "
            f'export PATH="{shims}:$PATH"',
        )
    if shells:
        raise UsageError("--shell goes with a user's setup, not with --machine")
    return machine_plan(registry, shims=str(shims), env=app.env, undo=undo)


def _default_shell(app: App, windows: bool) -> str:
    if windows:
        return "powershell"
    name = Path(app.env.get("SHELL", "")).name
    if name in SETUP_SHELLS:
        return name
    raise GvwError(
        f"cannot tell which shell to set up (SHELL={app.env.get('SHELL', '')!r})",
        hint="name it: gvw setup --shell bash (or zsh, fish, powershell)",
    )
