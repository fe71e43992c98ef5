"""The hot read-only commands without click: ``gvw current``, ``gvw which``,
``gvw which go``, ``gvw which gofmt`` and ``gvw --version``, exactly as typed here.

Prompts, editors and scripts call them many times; importing click is a third of their
time (scripts/bench_startup.py, docs/dev/benchmarks.md). Anything else (an option,
``--help``, another tool, shell completion, a stdout that is missing or ASCII-only,
which click handles its own way) and every error goes through the click command line, which
does the same work and prints the same lines: an error found here is reported by
running the command there (read-only, so running it twice changes nothing).
tests/cli/test_hot_commands.py checks that both paths print the same.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from gvw import __version__
from gvw.base.errors import ExitCode, GvwError
from gvw.cli.output import shown

if TYPE_CHECKING:
    from gvw.cli.app import App
    from gvw.selection.resolver import Resolved, Selection
    from gvw.store.version_store import Store

HOT = {("current",), ("which",), ("which", "go"), ("which", "gofmt"), ("--version",)}


def run_hot(argv: list[str]) -> int | None:
    """Answer ``argv`` if it is a hot command: its exit code; None to run it through
    the click command line instead (not a hot command, or an error to report)."""
    words = tuple(argv)
    if words not in HOT or not _plain_stdout() or "_GVW_COMPLETE" in os.environ:
        return None  # (shell completion asks click through that variable)
    from gvw.cli.signals import Signalled, signals_raise

    try:
        with signals_raise():  # SIGTERM, SIGHUP and Ctrl+C end it as they end any command
            if words == ("--version",):
                line = version_line()
            else:
                from gvw.cli.app import App

                app = App(argv=argv)
                line = _current(app) if words[0] == "current" else _which(app, (*words, "go")[1])
            return _print(shown(line))
    except (GvwError, OSError, UnicodeError):  # reported by the click command line
        return None
    except Signalled as stop:
        _stderr(f"gvw: {stop.message}")
        return int(stop.exit_code)


def _plain_stdout() -> bool:
    """Whether stdout is a stream this module writes as click would: click swaps an
    ASCII-only one for UTF-8, and prints nothing where there is none (pythonw, ``>&-``)."""
    stream = sys.stdout
    if stream is None:
        return False
    import codecs

    try:
        return codecs.lookup(stream.encoding or "ascii").name != "ascii"
    except LookupError:
        return False


def version_line() -> str:
    """What ``gvw --version`` prints (click's version option prints the same)."""
    return f"gvw, version {__version__}"


def describe_current(selection: Selection | None, resolved: Resolved) -> str:
    """``gvw current``'s line: the version and what selected it."""
    if selection is None:
        return f"system ({resolved.system_go}; no version selected)"
    name = resolved.version.name if resolved.version else "system"
    return f"{name} (set by {selection.origin})"


def _current(app: App) -> str:
    from gvw.selection.resolver import find_selection, resolve

    selection = find_selection(app.cwd, app.env, app.paths)
    return describe_current(selection, resolve(selection, _store(app), app.env))


def _which(app: App, tool: str) -> str:
    from gvw.selection.resolver import resolve_tool

    path, _ = resolve_tool(tool, app.cwd, app.env, _store(app))
    return str(path)


def _store(app: App) -> Store:
    from gvw.store.version_store import Store

    # App.store would tell of a lock waited for through the terminal module (click);
    # reading takes no lock
    return Store(app.paths, command=app.command_line)


def _print(line: str) -> int:
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except OSError as error:  # `gvw current | head -0`: the reader has gone
        # what is still buffered must not be written again, by click or at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        _stderr(f"gvw: {error.strerror or error}")  # as the click command line says it
        return int(ExitCode.ERROR)
    return int(ExitCode.OK)


def _stderr(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, AttributeError):  # no stderr left to tell
        pass
