"""One way to show a line: every message and every result line holding text from
outside gvw (a directory name, a file's words, what a mirror or a program said) goes
through :func:`shown`. Small, for the hot commands (``gvw current``) that import it."""

from __future__ import annotations

from gvw.base.redaction import redact
from gvw.base.sanitize import printable


def shown(text: str) -> str:
    """A line as gvw shows it: credentials redacted (gvw.base.redaction), anything that
    is not printable (escape sequences, a newline that would forge a line) replaced by
    ``?`` (gvw.base.sanitize)."""
    return printable(redact(text))


def say(line: str, *, err: bool = False) -> None:
    """Print one result line through :func:`shown` (JSON output needs no such care:
    json.dumps escapes every control character)."""
    import click  # here: the hot commands (gvw.cli.hot) print without click

    click.echo(shown(line), err=err)
