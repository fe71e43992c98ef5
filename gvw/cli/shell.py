"""gvw init and gvw shell: the shell integration and the per-session version.

``gvw init`` runs at every shell start: it imports no more than it needs (no App,
no store, no network code) and computes everything in this one process.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from gvw.base.errors import GvwError, NotInstalledError
from gvw.cli.command import Command
from gvw.cli.completion import complete_selectable
from gvw.cli.terminal import TerminalReporter
from gvw.host.shells import SHELL_NAMES, InitContext, command_for, get_shell, gvw_command, msys_path

# gvw.selection.resolver.ENV_VAR, not imported from there: that pulls in the store, and gvw init
# runs at every shell start
ENV_VAR = "GVW_GO_VERSION"

_INIT_HELP = """Print the shell integration script for SHELL.

\b
Load it from the shell's profile (or let `gvw setup` add the line):
  bash        ~/.bashrc                       eval "$(gvw init bash)"
  zsh         ~/.zshrc (after compinit)       eval "$(gvw init zsh)"
  fish        ~/.config/fish/conf.d/gvw.fish  gvw init fish | source
  powershell  profile.ps1 (all hosts)          gvw init powershell | Out-String | Invoke-Expression
  cmd         gvw init cmd > "%LOCALAPPDATA%\\gvw\\init.cmd", run from AutoRun

It puts the shims first on PATH (creating them on first use, so that `go` answers
before any install), makes `gvw shell` work and adds completions; PowerShell also
gets a prompt segment with the Go version in Go projects. The script runs gvw by
the absolute path this gvw was started with, so gvw itself need not be on PATH
(gvw setup writes the profile line with that path too).

\b
Examples:
  gvw init bash
  gvw init powershell
"""


@click.command("init", cls=Command, help=_INIT_HELP)
@click.argument("shell_name", metavar="SHELL", type=click.Choice(SHELL_NAMES))
def init(*, shell_name: str) -> None:
    from gvw.base.paths import Paths

    shell = get_shell(shell_name)
    paths = Paths.from_env(os.environ)
    windows = os.name == "nt"
    root, shims = str(paths.root), str(paths.shims)
    if windows and shell.name in ("bash", "zsh", "fish"):  # Git Bash, MSYS2
        root, shims = msys_path(root), msys_path(shims)
    _create_shims(paths.shims / ("go.exe" if windows else "go"))
    context = InitContext(
        shell=shell.name,
        root=root,
        shims=shims,
        windows=windows,
        completion=_completion_source(shell.name),
        env=dict(os.environ),
        gvw=command_for(shell.name, gvw_command(), windows=windows),
    )
    _emit(shell.init_script(context))


def _create_shims(go_shim: Path) -> None:
    """On the first shell start after set-up the shims do not exist yet: create them,
    so that `go` answers with gvw's message and its fix, not "command not found".
    Later starts only test that one file exists (no store, no App imported)."""
    if go_shim.exists():
        return
    from gvw.cli.app import App

    try:
        App().rehash()
    except (GvwError, OSError) as error:  # the script is still printed: PATH, completions
        message = error.message if isinstance(error, GvwError) else str(error)
        TerminalReporter().warn(f"could not create the shims in {go_shim.parent}: {message}")


def _completion_source(shell_name: str) -> str:
    """click's completion script (the output of ``_GVW_COMPLETE=bash_source gvw``),
    made here instead of in another gvw process at every shell start."""
    if shell_name not in ("bash", "zsh"):  # fish has its own (gvw.host.shells.fish)
        return ""
    from click.shell_completion import get_completion_class

    from gvw.cli.group import cli

    completion_class = get_completion_class(shell_name)
    assert completion_class is not None
    completion = completion_class(cli, {}, "gvw", "_GVW_COMPLETE")
    # not .source(): for bash that starts a bash process to check its version
    source: str = completion.source_template % completion.source_vars()
    return source


def _emit(script: str) -> None:
    """Write the script as bytes: paths that are not valid UTF-8 on POSIX survive, and
    Windows scripts are ASCII whatever the console code page."""
    data = script.encode(sys.getfilesystemencoding(), "surrogateescape")
    click.echo(data, nl=False)


def _help(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    # With --shell, stdout is code the wrapper function runs: help goes to stderr.
    if not value or ctx.resilient_parsing:
        return
    click.echo(ctx.get_help(), err=bool(ctx.params.get("shell_name")))
    ctx.exit()


@click.command("shell", cls=Command, add_help_option=False)
@click.argument("version", required=False, shell_complete=complete_selectable)
@click.option("--unset", is_flag=True, help=f"Remove this session's version ({ENV_VAR}).")
@click.option(
    "--shell",
    "shell_name",
    type=click.Choice(SHELL_NAMES),
    is_eager=True,
    help="Print the code for this shell (the function from `gvw init` passes it).",
)
@click.option(
    "-h",
    "--help",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_help,
    help="Show this message and exit.",
)
def shell(*, version: str | None, unset: bool, shell_name: str | None) -> None:
    """Show or set the Go version of this shell session only.

    It is kept in GVW_GO_VERSION and beats .go-version files and the global version
    until the shell exits or `gvw shell --unset`. Needs the integration from `gvw init`
    (or `gvw setup`).

    \b
    Examples:
      gvw shell 1.21
      gvw shell
      gvw shell --unset
    """
    if version is not None and unset:
        raise click.UsageError("give either VERSION or --unset, not both")
    current = os.environ.get(ENV_VAR, "").strip()
    if shell_name is None:
        if version is not None or unset:
            raise GvwError(
                "gvw shell changes the shell it runs in, and gvw's shell integration is "
                "not loaded in this one",
                hint='load it with e.g. eval "$(gvw init bash)" (see gvw init --help), '
                "or for good with: gvw setup",
            )
        click.echo(_shown(current))
        return
    target = get_shell(shell_name)
    if unset:
        _emit(target.set_version(None))
    elif version is not None:
        _emit(target.set_version(_validated(version)))
    else:
        _emit(target.show_version(_shown(current)))


def _validated(version: str) -> str:
    """The spec as `gvw local` would write it; fails as `gvw local` does."""
    from gvw.cli.app import App
    from gvw.selection.resolver import check_choice

    app = App()
    spec, _selects = check_choice(version, app.store, app.env)
    return spec


def _shown(current: str) -> str:
    if not current:
        from gvw.cli.app import App

        installed = App().store.installed()
        raise NotInstalledError(
            f"no version is set for this shell ({ENV_VAR} is not set)",
            hint=f"set one with: gvw shell {installed[0]}"
            if installed
            else "install one with: gvw install latest",
        )
    return current
