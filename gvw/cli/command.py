"""The click classes every gvw command is made of.

A command's help is its docstring: the first paragraph one sentence (``gvw --help``
lists it), then details, then an ``Examples:`` paragraph, which is shown last, after
the options. An unknown command name under a group is an :class:`UnknownCommand`,
which :mod:`gvw.cli.helptext` turns into a "did you mean".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click


class _ExamplesLast:
    """A command's help ends with its examples: the ``Examples:`` paragraph of its
    docstring is shown after the options, as click's epilog."""

    help: str | None
    epilog: str | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        head, examples = _split_examples(self.help or "")
        if examples:
            self.help, self.epilog = head, examples


def _split_examples(text: str) -> tuple[str, str]:
    """(the help without its examples, the examples paragraph: ``\\b``, ``Examples:``
    and its lines). The paragraph is an ``Examples:`` line after a ``\\b`` line, or
    followed by one."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if line.strip() != "Examples:":
            continue
        start = number - 1 if number and lines[number - 1].strip() == "\b" else number
        body = "\n".join(rest for rest in lines[number + 1 :] if rest.strip() != "\b")
        import textwrap  # only when help is shown

        examples = textwrap.indent(textwrap.dedent(body).strip(), "  ")
        return "\n".join(lines[:start]).rstrip(), "\b\nExamples:\n" + examples
    return text, ""


class Command(_ExamplesLast, click.Command):
    """A gvw command (every one uses this class)."""


class Group(_ExamplesLast, click.Group):
    """A group of gvw commands: an unknown command name is an :class:`UnknownCommand`
    (gvw.cli.helptext turns it into a "did you mean")."""

    command_class = Command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if (
            self.get_command(ctx, name) is None
            and not ctx.resilient_parsing  # completion asks for what exists
            and not name.startswith("-")  # an option: click parses it again
        ):
            raise UnknownCommand(name, choices=self.list_commands(ctx), ctx=ctx, after=args[1:])
        return super().resolve_command(ctx, args)


class UnknownCommand(click.UsageError):
    """``gvw instal 1.25``: a command name that is none of the group's."""

    def __init__(
        self,
        name: str,
        *,
        choices: Sequence[str],
        ctx: click.Context,
        before: str | None = None,
        after: Sequence[str] = (),
    ) -> None:
        super().__init__(f"no such command {name!r}", ctx=ctx)
        self.name = name
        self.choices = list(choices)
        # the corrected command line: what came before the name (default: the command
        # path), the suggestion, the words that came after it
        self.before = before
        self.after = list(after)
