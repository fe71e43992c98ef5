"""The click command group: every command of gvw, imported only when run, with the
help grouped by purpose (gvw.cli.helptext)."""

from __future__ import annotations

import importlib

import click

from gvw import __version__
from gvw.cli.command import Group

# command name -> "module:attribute"; imported on first use so start-up stays fast
COMMANDS = {
    "install": "gvw.cli.install:install",
    "uninstall": "gvw.cli.uninstall:uninstall",
    "list": "gvw.cli.listing:list_installed",
    "list-remote": "gvw.cli.listing:list_remote",
    "current": "gvw.cli.current:current",
    "which": "gvw.cli.current:which",
    "global": "gvw.cli.pin:global_",
    "local": "gvw.cli.pin:local",
    "exec": "gvw.cli.run:exec_",
    "rehash": "gvw.cli.run:rehash",
    "init": "gvw.cli.shell:init",
    "shell": "gvw.cli.shell:shell",
    "setup": "gvw.cli.setup:setup",
    "doctor": "gvw.cli.doctor:doctor",
    "snapshots": "gvw.cli.snapshots:snapshots",
    "rollback": "gvw.cli.snapshots:rollback",
    "restore": "gvw.cli.snapshots:restore",
    "log": "gvw.cli.log:log",
    "tools": "gvw.cli.tools:tools",
    "apply": "gvw.cli.apply:apply",
    "lock": "gvw.cli.lock:lock",
    "facts": "gvw.cli.facts:facts",
    "drift": "gvw.cli.drift:drift",
    "mirror": "gvw.cli.mirror:mirror",
    "verify": "gvw.cli.verify:verify",
    "try": "gvw.cli.try_:try_",
    "upgrade": "gvw.cli.upgrade:upgrade",
    "help": "gvw.cli.helptext:help_",
}


class LazyGroup(Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from gvw.cli.helptext import format_groups

        format_groups(self, ctx, formatter)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from gvw.cli.helptext import FOOTER

        formatter.write_paragraph()
        formatter.write_text(FOOTER)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gvw")
def cli() -> None:
    """gvw installs Go toolchains side by side and picks one per directory."""
