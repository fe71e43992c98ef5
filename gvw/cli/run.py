"""gvw exec and gvw rehash."""

from __future__ import annotations

import os
import signal
import subprocess

import click

from gvw.base.errors import GvwError
from gvw.cli.app import App, machine_option
from gvw.cli.completion import complete_exec
from gvw.cli.output import say
from gvw.selection.resolver import find_selection, resolve


@click.command("exec", context_settings={"ignore_unknown_options": True})
@click.argument(
    "command", nargs=-1, required=True, type=click.UNPROCESSED, shell_complete=complete_exec
)
def exec_(*, command: tuple[str, ...]) -> int:
    """Run COMMAND with the selected Go first on PATH and GOROOT set.

    Example: gvw exec -- go test ./...
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


@click.command()
@machine_option
def rehash(*, machine: bool) -> None:
    """Rebuild the shims (go, gofmt, go<version>) in the shims directory."""
    app = App(machine=machine)
    with app.claim():
        result = app.rehash()
    for name in result.written:
        say(f"wrote {app.paths.shims / name}")
    for name in result.removed:
        say(f"removed {app.paths.shims / name}")
    if not (result.written or result.removed):
        say(f"shims in {app.paths.shims} are up to date")
