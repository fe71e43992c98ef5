"""gvw tools and gvw tools rebuild: the programs in GOPATH/bin and the Go that built
them; the work is done by gvw.workflows.tools."""

from __future__ import annotations

import json
from contextlib import nullcontext

import click

from gvw.cli import terminal
from gvw.cli.app import App
from gvw.cli.command import Group
from gvw.cli.output import say
from gvw.host.goenv import host_goos
from gvw.workflows.tools import (
    Rebuilt,
    list_tools,
    not_rebuilt_error,
    pick,
    rebuild_tools,
    selected_go,
    target_toolchain,
    tools_dir,
)


@click.group(cls=Group, invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def tools(ctx: click.Context, *, as_json: bool) -> None:
    """List GOPATH/bin programs and the Go that built them.

    For each program: its size, the Go that built it, its module and version, and
    whether that Go differs from the one selected here. `gvw tools rebuild` rebuilds
    them with the selected Go.

    \b
    Examples:
      gvw tools
      gvw tools --json
      gvw tools rebuild --dry-run
    """
    if ctx.invoked_subcommand is not None:
        return
    app = App()
    directory = tools_dir(app.env, host_goos())
    found = list_tools(directory)
    selected = selected_go(app.cwd, app.env, app.store)
    if as_json:
        report = {
            "dir": str(directory) if directory else None,
            "selected_go": selected,
            "tools": [t.describe(selected) for t in found],
        }
        click.echo(json.dumps(report, indent=2))
        return
    if not found:
        say(f"No programs in {directory or 'GOPATH/bin (no such directory)'}")
        return
    where = terminal.tilde(str(directory), app.env)
    say(f"{where}, the Go selected here: {selected or 'none'}")
    rows = [("NAME", "SIZE", "BUILT WITH", "MODULE")]
    notes = []
    for tool in found:
        built = tool.go_version or "?"
        if selected and tool.go_version and built != selected:
            built += " (differs)"
        module = f"{tool.package}@{tool.module_version}" if tool.package else "-"
        rows.append((tool.name, terminal.human_size(tool.size), built, module))
        if tool.not_rebuildable:
            notes.append(f"{tool.name} cannot be rebuilt: {tool.not_rebuildable}")
    for line in terminal.table(rows):
        say(line)
    for note in notes:
        say(note)


@tools.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--with", "with_version", metavar="VERSION", help="Rebuild with this installed Go.")
@click.option("--dry-run", is_flag=True, help="Only show what would be rebuilt.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def rebuild(
    *, names: tuple[str, ...], with_version: str | None, dry_run: bool, as_json: bool
) -> None:
    """Rebuild GOPATH/bin programs with the selected Go.

    Each program is rebuilt at the module version it was built from, with the selected
    Go or --with VERSION. gvw rollback puts the old programs back. Exit 22 when some
    were not rebuilt (built from a local checkout, or the build failed: those are left
    as they were).

    \b
    Examples:
      gvw tools rebuild
      gvw tools rebuild gopls dlv
      gvw tools rebuild --with 1.22.10 --dry-run
    """
    app = App()
    directory = tools_dir(app.env, host_goos())
    chosen = pick(list_tools(directory), names, directory)
    target = target_toolchain(with_version, app.cwd, app.env, app.store)
    command = " ".join(
        ["tools rebuild", *names, *(["--with", with_version] if with_version else [])]
    )
    # a dry run changes nothing: no snapshot, and no audit entry that reads as a failure;
    # builds take minutes and decide nothing from the selection: no state lock
    guard = (
        nullcontext() if dry_run else app.changes.change(command, scope=["tools"], exclusive=False)
    )
    with guard as change:
        results = (
            rebuild_tools(
                chosen, target, env=app.env, directory=directory, change=change, dry_run=dry_run
            )
            if directory is not None
            else []
        )
        show_rebuilt(results, target.version, as_json=as_json)
        error = not_rebuilt_error(results)
        if error is not None:  # inside the guard: the audit log records exit 22
            raise error


def rebuilt_rows(results: list[Rebuilt]) -> list[dict[str, str | None]]:
    return [
        {
            "name": r.tool.name,
            "status": r.status,
            "detail": r.detail,
            "old_go_version": r.tool.go_version or None,
            "new_go_version": r.new_go_version or None,
        }
        for r in results
    ]


def show_rebuilt(results: list[Rebuilt], target: str, *, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"go": target, "tools": rebuilt_rows(results)}, indent=2))
        return
    labels = {
        "rebuilt": f"rebuilt with {target}",
        "current": "up to date",
        "would-rebuild": f"would rebuild with {target}",
        "not-rebuildable": "left alone",
        "failed": "FAILED, left as it was",
    }
    for result in results:
        say(f"{result.tool.name}: {labels[result.status]}: {result.detail}")
