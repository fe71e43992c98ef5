"""gvw uninstall: move installed versions to the trash (gvw rollback brings them back)."""

from __future__ import annotations

import click

from gvw.cli import terminal
from gvw.cli.app import App, machine_option
from gvw.cli.command import Command
from gvw.cli.completion import complete_installed
from gvw.workflows.removal import in_use, refuse_in_use, uninstall_targets
from gvw.workflows.removal import uninstall as remove_versions


@click.command(cls=Command)
@click.argument(
    "versions", nargs=-1, required=True, metavar="VERSION...", shell_complete=complete_installed
)
@click.option("--force", is_flag=True, help="Also remove the global or selected version.")
@machine_option
def uninstall(*, versions: tuple[str, ...], force: bool, machine: bool) -> None:
    """Move installed Go versions to the trash.

    VERSION is an exact name, as gvw list shows it. gvw rollback brings a version back
    without a download. The global version and the one selected here are kept unless
    --force is given.

    \b
    Examples:
      gvw uninstall 1.21.13
      gvw uninstall 1.21.13 1.22rc1
      gvw uninstall --force 1.22.10  even if it is selected
    """
    app = App(machine=machine)
    command = " ".join(["uninstall", *(v.strip() for v in versions)])
    with app.changes.change(command, scope=["installed"]) as change:
        targets = uninstall_targets(versions, app.store)
        if force:
            broken = in_use(targets, app.store, cwd=app.cwd, env=app.env)
        else:
            refuse_in_use(targets, app.store, cwd=app.cwd, env=app.env)
            broken = []
        change.command = " ".join(["uninstall", *(v.name for v in targets)])
        remove_versions(targets, app.store, change=change)
    for version in targets:
        terminal.success(f"Uninstalled Go {version}")
    for used in broken:  # --force: say what no longer works
        where = "where no .go-version applies" if used.is_global else "here"
        terminal.warning(
            f"Go {used.version} was {used.role} ({terminal.tilde(used.origin, app.env)}): "
            f"go now fails {where}"
        )
    terminal.note("moved to the trash; undo with: gvw rollback")
