"""gvw exec and gvw rehash."""

from __future__ import annotations

import os
import signal
import subprocess

import click

from gvw.base.errors import GvwError
from gvw.cli.app import App, machine_option
from gvw.cli.command import Command
from gvw.cli.completion import complete_exec
from gvw.cli.output import say
from gvw.selection.resolver import find_selection, resolve


@click.command("exec", cls=Command, context_settings={"ignore_unknown_options": True})
@click.argument(
    "command", nargs=-1, required=True, type=click.UNPROCESSED, shell_complete=complete_exec
)
def exec_(*, command: tuple[str, ...]) -> int:
    """Run a command with the selected Go first on PATH.

    GOROOT is set to the selected toolchain too. In PowerShell leave out the --.

    \b
    Examples:
      gvw exec -- go test ./...
      gvw exec -- code .
    """
    app = App()
    resolved = resolve(find_selection(app.cwd, app.env, app.paths), app.store, app.env)
    env = dict(app.env)
    if resolved.goroot is not None:
        env["GOROOT"] = str(resolved.goroot)
        env["PATH"] = str(resolved.goroot / "bin") + os.pathsep + env.get("PATH", "")
    try:
        if os.name != "nt":
            os.execvpe(command[0], list(command), env)
        # Windows has no exec: wait for the child and pass its exit code on. Ctrl+C
        # reaches the child through the console; like the shim, gvw waits for it.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        return subprocess.call(list(command), env=env)
    except OSError as exc:
        raise GvwError(
            f"cannot run {command[0]}: {exc.strerror}",
            hint="check the command name and PATH (gvw exec -- go version)",
        ) from exc


@click.command(cls=Command)
@machine_option
def rehash(*, machine: bool) -> None:
    """Bring the shims in line with the installed versions.

    The shims directory holds go, gofmt and a go<version> launcher per installed
    version. gvw rehashes after every change; run it by hand when the directory was
    changed behind gvw's back (gvw doctor says so). --machine: the machine store's.

    \b
    Examples:
      gvw rehash
      gvw rehash --machine
    """
    app = App(machine=machine)
    with app.claim():
        result = app.rehash()
    for name in result.written:
        say(f"wrote {app.paths.shims / name}")
    for name in result.removed:
        say(f"removed {app.paths.shims / name}")
    if not (result.written or result.removed):
        say(f"shims in {app.paths.shims} are up to date")
