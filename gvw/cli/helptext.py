"""Help you can scan, and usage errors in gvw's own style.

``gvw --help`` lists the commands grouped by purpose, each with the first sentence of
its help; ``gvw help [COMMAND]`` is the same as ``--help``; ``gvw help exit-codes``
prints :data:`gvw.base.errors.EXIT_CODE_MEANINGS`. A command line click cannot parse
becomes ``gvw: <what is wrong>`` and ``gvw: <a command that helps>``, exit 2, with
"did you mean" for commands and options.

Imported only when help or a usage error is shown: nothing here is on the path of a
command that runs normally.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Sequence

import click

from gvw.base.errors import EXIT_CODE_MEANINGS
from gvw.base.sanitize import printable
from gvw.cli.command import Command, UnknownCommand

# gvw --help: every command in exactly one group (tests/cli/test_help.py checks it)
GROUPS: dict[str, tuple[str, ...]] = {
    "Versions": ("install", "uninstall", "list", "list-remote", "verify"),
    "Selection": ("current", "which", "global", "local", "shell", "exec"),
    "Projects and upgrades": ("try", "upgrade", "tools"),
    "History": ("log", "snapshots", "rollback", "restore"),
    "Fleets": ("apply", "lock", "facts", "drift", "mirror"),
    "Shell and setup": ("setup", "init", "doctor", "rehash", "help"),
}

TOPICS = ("exit-codes",)  # gvw help TOPIC

FOOTER = (
    "Run `gvw help COMMAND` for a command's options and examples, and "
    "`gvw help exit-codes` for what each exit code means. "
    "New here? `gvw install latest` installs Go and selects it."
)


def summary(command: click.Command) -> str:
    """The first paragraph of a command's help: one whole sentence."""
    text = command.help or ""
    return " ".join(text.strip().split("\n\n")[0].split())


def format_groups(group: click.Group, ctx: click.Context, formatter: click.HelpFormatter) -> None:
    """One section per group; the summaries start in one column across all of them."""
    width = max(len(name) for names in GROUPS.values() for name in names)
    for title, names in GROUPS.items():
        rows = []
        for name in names:
            command = group.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name.ljust(width), summary(command)))
        if rows:
            with formatter.section(title):
                formatter.write_dl(rows)


def suggestions(word: str, choices: Sequence[str]) -> list[str]:
    return difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)


def usage_error_lines(error: click.UsageError) -> tuple[str, str]:
    """What ``gvw: …`` says for a command line click could not use, and the hint; the
    words the user typed made printable (no escape sequence reaches the terminal)."""
    message, hint = _usage_error_lines(error)
    return printable(message), printable(hint)


def _usage_error_lines(error: click.UsageError) -> tuple[str, str]:
    ctx = error.ctx
    path = ctx.command_path if ctx is not None else "gvw"
    where = path.removeprefix("gvw").strip()
    prefix = f"{where}: " if where else ""
    if isinstance(error, UnknownCommand):
        message = f"{prefix}no such command {error.name!r}"
        possibilities = suggestions(error.name, error.choices)
        if possibilities:
            words = [error.before or path, possibilities[0], *map(_quoted, error.after)]
            meant = " ".join(words)
            return message, f"did you mean: {meant}"
        return message, f"see the commands with: {_help_command(path)}"
    return prefix + _sentence(_message(error)), f"see the usage with: {path} --help"


def _message(error: click.UsageError) -> str:
    if isinstance(error, click.NoSuchOption):
        meant = (
            f" (did you mean {' or '.join(error.possibilities)}?)" if error.possibilities else ""
        )
        return f"no such option {error.option_name}{meant}"
    return error.format_message()


def _sentence(text: str) -> str:
    """click's ``Missing argument 'X'.`` in gvw's style: ``missing argument 'X'``."""
    text = " ".join(text.split())
    if text[:1].isupper() and not text[1:2].isupper():
        text = text[0].lower() + text[1:]
    return text.removesuffix(".")


def _help_command(path: str) -> str:
    return "gvw help" if path == "gvw" else f"{path} --help"


def _quoted(word: str) -> str:
    return (
        word if word and all(c.isalnum() or c in "-_.,:/=@+" for c in word) else shlex.quote(word)
    )


def exit_code_table() -> str:
    formatter = click.HelpFormatter()
    formatter.write_text(
        "Exit codes of gvw and its shims (docs/exit-codes.md). Besides these, a shim "
        "passes on the exit code of the program it runs."
    )
    formatter.write_paragraph()
    rows = [(f"{int(code):>3}  {code.name}", text) for code, text in EXIT_CODE_MEANINGS.items()]
    formatter.write_dl(rows, col_max=24)
    return formatter.getvalue().rstrip("\n")


@click.command("help", cls=Command, context_settings={"ignore_unknown_options": True})
@click.argument("topic", nargs=-1)
@click.pass_context
def help_(ctx: click.Context, topic: tuple[str, ...]) -> None:
    """Show help for gvw, a command, or the exit codes.

    \b
    Examples:
      gvw help
      gvw help install
      gvw help snapshots diff
      gvw help exit-codes
    """
    root = ctx.find_root()
    if list(topic) == ["exit-codes"]:
        click.echo(exit_code_table())
        return
    command: click.Command = root.command
    parent = root
    for position, word in enumerate(topic):
        if not isinstance(command, click.Group):
            raise click.UsageError(f"{parent.command_path} has no subcommands", ctx=ctx)
        found = command.get_command(parent, word)
        if found is None:
            choices = command.list_commands(parent)
            if command is root.command:  # help topics are names here too
                choices = [*choices, *TOPICS]
            before = " ".join(["gvw help", *topic[:position]])
            raise UnknownCommand(word, choices=choices, ctx=parent, before=before)
        parent = click.Context(found, info_name=word, parent=parent)
        command = found
    click.echo(parent.get_help())
