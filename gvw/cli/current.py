"""gvw current and gvw which: what the shims would run here, and why.

Hot commands (prompts and scripts call them): only what they need is imported, and
json only for --json (scripts/bench_startup.py); typed without options they are answered
without click (gvw.cli.hot), with the same lines."""

from __future__ import annotations

from typing import Any

import click

from gvw.cli.app import App
from gvw.cli.command import Command
from gvw.cli.hot import describe_current
from gvw.cli.output import say
from gvw.selection.resolver import find_selection, launcher_version, resolve, resolve_tool


def _complete_tools(ctx: click.Context, param: click.Parameter, incomplete: str) -> Any:
    from gvw.cli.completion import complete_tools  # only when completing

    return complete_tools(ctx, param, incomplete)


def _dumps(data: object) -> str:
    import json

    return json.dumps(data, indent=2)


@click.command(cls=Command)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def current(*, as_json: bool) -> None:
    """Show the Go version selected here and where it was set.

    The selection is GVW_GO_VERSION (gvw shell), else the nearest .go-version up the
    tree (gvw local), else the global version (gvw global), else a go found on PATH.

    \b
    Examples:
      gvw current
      gvw current --json
    """
    app = App()
    selection = find_selection(app.cwd, app.env, app.paths)
    resolved = resolve(selection, app.store, app.env)
    name = resolved.version.name if resolved.version else "system"
    if as_json:
        click.echo(
            _dumps(
                {
                    "version": name,
                    "spec": str(selection.spec) if selection else None,
                    "origin": selection.origin if selection else None,
                    "goroot": str(resolved.goroot) if resolved.goroot else None,
                    "system_go": str(resolved.system_go) if resolved.system_go else None,
                },
            )
        )
        return
    say(describe_current(selection, resolved))


@click.command(cls=Command)
@click.argument("tool", default="go", shell_complete=_complete_tools)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def which(*, tool: str, as_json: bool) -> None:
    """Print the path of the program a shim would run here.

    TOOL is go, gofmt or a launcher name such as go1.22.10.

    \b
    Examples:
      gvw which
      gvw which gofmt
      gvw which go1.21.13
    """
    if tool not in ("go", "gofmt") and launcher_version(tool) is None:
        raise click.BadParameter(
            f"{tool!r} is not a shim: expected go, gofmt or go<version>", param_hint="TOOL"
        )
    app = App()
    path, resolved = resolve_tool(tool, app.cwd, app.env, app.store)
    if as_json:
        selection = resolved.selection
        report = {
            "tool": tool,
            "path": str(path),
            "version": resolved.version.name if resolved.version else "system",
            "spec": str(selection.spec) if selection else None,
            "origin": selection.origin if selection else None,
        }
        click.echo(_dumps(report))
        return
    say(str(path))
