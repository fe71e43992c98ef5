"""gvw uninstall: move installed versions to the trash (gvw rollback brings them back)."""

from __future__ import annotations

import click

from gvw.cli.app import App, machine_option
from gvw.cli.completion import complete_installed
from gvw.cli.terminal import TerminalReporter
from gvw.workflows.removal import refuse_in_use, uninstall_targets
from gvw.workflows.removal import uninstall as remove_versions


@click.command()
@click.argument(
    "versions", nargs=-1, required=True, metavar="VERSION...", shell_complete=complete_installed
)
@click.option("--force", is_flag=True, help="Also remove the global or selected version.")
@machine_option
def uninstall(*, versions: tuple[str, ...], force: bool, machine: bool) -> None:
    """Remove installed Go versions (exact names, as gvw list shows them).

    They go to the trash first: gvw rollback brings them back without a download.
    """
    app = App(machine=machine)
    command = " ".join(["uninstall", *(v.strip() for v in versions)])
    with app.changes.change(command, scope=["installed"]) as change:
        targets = uninstall_targets(versions, app.store)
        if not force:
            refuse_in_use(targets, app.store, cwd=app.cwd, env=app.env)
        change.command = " ".join(["uninstall", *(v.name for v in targets)])
        remove_versions(targets, app.store, change=change)
    for version in targets:
        click.echo(f"Uninstalled Go {version}")
    TerminalReporter().info("moved to the trash; undo with: gvw rollback")
