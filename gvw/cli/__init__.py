"""The command line: :func:`main`, the console script's entry point, answers the hot
read-only commands itself (:mod:`gvw.cli.hot`) and runs everything else through the
click group (:mod:`gvw.cli.group`), whose commands are imported only when run.

This is the one place where gvw's errors become messages and exit codes. Each command
is a short file that parses options, calls the layers below (``gvw.fleet``,
``gvw.workflows``, ``gvw.history``, ``gvw.install``...) and prints what they return.

May import: every other package of gvw; nothing imports it (but ``gvw.__main__``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gvw.base.errors import ExitCode, GvwError
from gvw.cli.signals import Signalled, signals_raise

if TYPE_CHECKING:
    import click


def main(argv: Sequence[str] | None = None) -> None:
    from gvw.cli.hot import run_hot  # the hot read-only commands, without click

    code = run_hot(list(sys.argv[1:] if argv is None else argv))
    # None, not sys.argv: click expands ~, %VAR% and globs on Windows only then
    sys.exit(run(argv) if code is None else code)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code (errors already printed)."""
    import click

    from gvw.cli.group import cli

    try:
        with signals_raise():
            result: Any = cli.main(
                args=list(argv) if argv is not None else None,
                prog_name="gvw",
                standalone_mode=False,
            )
    except Signalled as stop:
        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
            click.echo(f"gvw: {stop.message}", err=True)
        return int(stop.exit_code)
    except GvwError as error:
        report_error(error)
        return int(error.exit_code)
    except click.exceptions.Abort:
        click.echo("gvw: interrupted", err=True)
        return int(ExitCode.INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("gvw: interrupted", err=True)
        return int(ExitCode.INTERRUPTED)
    except click.UsageError as error:
        report_usage_error(error)
        return int(ExitCode.USAGE)
    except click.ClickException as error:
        from gvw.cli import terminal

        terminal.error(error.format_message())
        return error.exit_code
    except click.exceptions.Exit as done:
        return done.exit_code
    except OSError as error:  # a filesystem failure no domain module expected
        where = f": {error.filename}" if error.filename else ""
        from gvw.cli.output import say

        say(f"gvw: {error.strerror or error}{where}", err=True)
        return int(ExitCode.ERROR)
    return result if isinstance(result, int) else int(ExitCode.OK)


def report_error(error: GvwError) -> None:
    from gvw.base.errors import StoreError
    from gvw.cli import terminal  # redacts: a mirror's user:token never reaches the terminal

    hint = error.hint
    if hint is None and isinstance(error, StoreError) and error.read_only and error.path:
        import os

        from gvw.cli.read_only import read_only_hint

        hint = read_only_hint(error.path, os.environ)
    terminal.error(error.message, hint)


def report_usage_error(error: click.UsageError) -> None:
    """``gvw: <what is wrong>`` and a command that helps; ``gvw`` alone shows the help."""
    import click

    if type(error).__name__ == "NoArgsIsHelpError":  # click >= 8.2: the help is the message
        click.echo(error.format_message(), err=True)
        return
    from gvw.cli import terminal
    from gvw.cli.helptext import usage_error_lines

    terminal.error(*usage_error_lines(error))
